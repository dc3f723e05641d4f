"""A model of Chinese text good enough to tell a repaired run from mojibake.

Why word statistics and not character bigrams: a byte-shifted run is made of real but
unrelated characters (``苯A縣``, ``比莅偌瘓``), many of them common on their own; what
they never do is form words. jieba's dictionary (349k words with corpus frequencies) is
the best-kept free source of Chinese word statistics; it is simplified only, so every
word is also converted to traditional with OpenCC, giving one table for both scripts.

The table takes seconds to build, so it is built once and cached as a pickle keyed by the
jieba and OpenCC versions (``$NEWSMON_CACHE`` or ``~/.cache/newsmon``); loading it takes
a fraction of a second and happens only when a text holds something suspicious.

A document model (``DocModel``) mixes in the article's own n-grams: the best evidence that
``苯A縣`` was ``江華縣`` is ``江華`` standing intact sixteen times elsewhere in the text.
"""

from __future__ import annotations

import functools
import gc
import math
import operator
import pickle
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

try:
    import cython  # compiled (compiled.py), the declarations below are C types
except ImportError:
    from pipeline.repair import cython_shim as cython

MODEL_VERSION = 8
MAX_WORD = 6

#: rough share of running text, for punctuation the dictionary does not hold
_PUNCT_P = {
    "，": 0.04, ",": 0.04, "。": 0.025, "、": 0.008, "“": 0.006, "”": 0.006, "：": 0.003,
    ":": 0.003, "；": 0.002, ";": 0.002, "？": 0.001, "?": 0.001, "！": 0.001, "!": 0.001,
    "（": 0.002, "）": 0.002, "(": 0.002, ")": 0.002, "《": 0.002, "》": 0.002, "—": 0.002,
    "…": 0.001, "‘": 0.001, "’": 0.001, "\n": 0.01, " ": 0.003, "·": 0.0005, "%": 0.0005,
    ".": 0.002, "-": 0.001, "「": 0.001, "」": 0.001,
}
_ASCII_TOKEN = math.log(0.002)
#: an ASCII token of one or two characters, in lower case, against a Chinese character
#: (``都s5``): in hand-checked Chinese text one in 35 pages (``个a，``); in the readings of
#: damaged bytes it is what a trail byte in step turns into (``約`` is ``8C 73``, ``s``)
LONE_LOWER = -4.0
#: punctuation pairs common enough to count as one token
PUNCT_PAIRS = {
    k: math.log(v) for k, v in {
        "。”": 0.004, "。“": 0.001, "，“": 0.002, ",“": 0.002, "：“": 0.002, ":“": 0.002,
        "”，": 0.003, "”,": 0.003, "”。": 0.002, "！”": 0.001, "!”": 0.001, "？”": 0.001,
        "?”": 0.001, "”“": 0.002, "”、": 0.001, "、“": 0.001, "。\n": 0.006, "”\n": 0.001,
    }.items()
}

#: a sentence or clause stop (``score`` spells them out: ``。，,、；;：:！!？?``) rarely
#: follows a character that ends no word (these end one on their own)
_FINALS = frozenset("了呢嗎吗的啊吧呀哦嘛么麼們们者等說说時时後后中上下里裡")
STOP_AFTER_LONE = -3.0
#: ``??``, ``!!``: informal text (forums, reviews, quoted speech) repeats a question or
#: exclamation mark for emphasis; each repeat costs this and nothing more. Priced as a
#: stop of its own, ``這本書啊?????為什麼`` read worse than almost any reading that turned
#: two of its marks into text (``???”?``), and ``電話??他也`` became ``電話線他也``. Not
#: ``?!``: that is what ``。”`` and ``。“`` become when their first lead byte is lost
REPEAT_MARK = math.log(0.3)
_MARKS = frozenset("?!？！")
#: each mark and its other width, as one
_MARK_WIDTH = str.maketrans("？！", "?!")


def _opens(ch: str) -> bool:
    # "?" too: in a reading it is the ASCII byte a bad pair took (``。“?5天`` is ``。“25天``),
    # and a genuine "?" right after an opening quote is rare
    return ch >= "\u3400" or ch.isalnum() or ch == "?"

#: penalty on a character the dictionary only knows on its own, per char
OOV_CHAR = -2.5
#: a character of the other script than the document's
WRONG_SCRIPT = -6.0
#: a word written in both scripts, in its simplified form, in a traditional article
#: (``后``, ``然后``, ``里面``): the dictionary counts it at its simplified frequency
SIMPLIFIED_FORM = -5.0
#: the article's comma statistics: smoothing (in characters) and the most they may move
COMMA_SMOOTH = 3.0
COMMA_CLIP = 4.0
_COMMA_RE = re.compile("[,，]")
#: words a document model remembers the score of before it forgets them all (the blank
#: models, ``LanguageModel.blank``, live as long as the process and see every article)
MAX_WORDS_KNOWN = 200_000
#: what the article's n-grams never cross
_SEPARATOR = re.compile(r"[\s?!,\x00]")
#: floor for characters seen nowhere
UNSEEN = -22.0


@dataclass(frozen=True)
class PoolOrder:
    """A pool of characters ranked once, with what ranking its top in an article needs."""

    pool: tuple[str, ...]
    chars: list[str]
    members: frozenset[str]
    position: dict[str, int]


#: word tails whose first characters are kept as sets (``LanguageModel.head_set``); the
#: single characters, the tails asked about most, are some 6,500
MAX_HEAD_SETS = 20_000


class LanguageModel:
    """Word and character log-probabilities, both scripts."""

    def __init__(self, words: dict[str, float], chars: dict[str, float],
                 simp_only: frozenset[str], trad_only: frozenset[str],
                 prefixes: frozenset[str], heads: dict[str, str], seconds: dict[str, str],
                 heads_before: dict[str, str], simp_forms: frozenset[str]):
        self.words = words
        self.simp_forms = simp_forms
        self.prefixes = prefixes
        self._heads = heads
        self._head_sets: dict[str, frozenset[str]] = {}
        self._heads_before = heads_before
        self._seconds = seconds
        self.chars = chars
        self.simp_only = simp_only
        self.trad_only = trad_only
        self._orders: dict[tuple[int, str | None], PoolOrder] = {}
        self._blank: dict[str | None, DocModel] = {}

    def heads(self) -> dict[str, str]:
        """Word tail → first characters of the 2-4 character words ending so.

        Used to find a vanished pair's first character from its second and what follows
        (``斯`` + ``科`` → ``莫``).
        """
        return self._heads

    def head_set(self, tail: str) -> frozenset[str]:
        """``heads()[tail]`` as a set (empty if none), made on first use: a pool of
        hundreds is intersected with it, and a set of the smaller is what is walked."""
        got = self._head_sets.get(tail)
        if got is None:
            if len(self._head_sets) > MAX_HEAD_SETS:  # all of them: over 100 MB
                self._head_sets.clear()
            got = self._head_sets[tail] = frozenset(self._heads.get(tail, ""))
        return got

    def heads_before(self) -> dict[str, str]:
        """``n`` → the characters ``y`` for which ``y + n`` is a tail in ``heads``.

        Why: a vanished pair's second character ``y`` comes from a pool of hundreds, and
        the words it completes with what follows (``n``) are found from the few ``y``
        that begin such a tail, not by building ``y + n`` for every ``y`` of the pool.
        """
        return self._heads_before

    def seconds(self) -> dict[str, str]:
        """First character → second characters of the two-character words it starts.

        The mirror of ``heads``: which of a pool's characters make a word after a known
        one, found without building and looking up a pair for every character.
        """
        return self._seconds

    def blank(self, script: str | None = None) -> "DocModel":
        """A document model with no document (the dictionary alone), of ``script``: for
        looks that need no article, built once per process."""
        got = self._blank.get(script)
        if got is None:
            got = self._blank[script] = DocModel(self, "")
            got.script = script
        return got

    def pool_order(self, pool: tuple[str, ...], script: str | None) -> "PoolOrder":
        """``pool`` ranked as an article of ``script`` using none of its characters would
        rank it (remembered per pool object; pools live as long as the process)."""
        key = (id(pool), script)
        got = self._orders.get(key)
        if got is None or got.pool is not pool:
            own = self.blank(script).own_logp
            ranked = sorted(pool, key=lambda c: -own(c))
            if len(self._orders) > 20_000:  # entries hold their pools: keep the memory bounded
                self._orders.clear()
            got = self._orders[key] = PoolOrder(pool, ranked, frozenset(pool),
                                                {c: i for i, c in enumerate(pool)})
        return got

    # -- scoring -----------------------------------------------------------------------
    def char_logp(self, ch: str) -> float:
        p = _PUNCT_P.get(ch)
        if p is not None:
            return math.log(p)
        return self.chars.get(ch, UNSEEN)


@functools.lru_cache(maxsize=1)
def load() -> LanguageModel:
    from pipeline.repair.modelcache import UNREADABLE, cache_file, load_or_build

    path = cache_file(f"lm_m{MODEL_VERSION}", ".pickle", "jieba", "opencc-python-reimplemented")
    data = load_or_build(path, _read, _build, _write,
                         unreadable=UNREADABLE + (pickle.UnpicklingError,))
    return LanguageModel(*data)


def _read(path: Path):
    gc_was = gc.isenabled()
    gc.disable()  # millions of small objects: the collector would only slow the load
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)
    finally:
        if gc_was:
            gc.enable()


def _write(path: Path, data) -> None:
    with path.open("wb") as fh:
        pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)


def _build():
    import jieba
    import opencc

    dict_path = Path(jieba.__file__).parent / "dict.txt"
    freq: dict[str, int] = {}
    with dict_path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split(" ")
            if len(parts) < 2:
                continue
            w = parts[0]
            if len(w) > MAX_WORD or not w:
                continue
            try:
                freq[w] = freq.get(w, 0) + int(parts[1])
            except ValueError:
                continue
    simp_words = list(freq)
    trad_words = opencc.OpenCC("s2t").convert("\n".join(simp_words)).split("\n")
    simp_forms = set()
    if len(trad_words) == len(simp_words):
        for s, t in zip(simp_words, trad_words):
            if t != s and len(t) == len(s):
                freq[t] = max(freq.get(t, 0), freq[s])
                simp_forms.add(s)
    total = float(sum(freq.values()))
    words = {w: math.log(f / total) for w, f in freq.items() if f > 0}
    char_count: Counter[str] = Counter()
    for w, f in freq.items():
        for ch in w:
            char_count[ch] += f
    ctotal = float(sum(char_count.values()))
    chars = {c: math.log(n / ctotal) for c, n in char_count.items()}
    odir = Path(opencc.__file__).parent / "dictionary"
    simp_only, trad_only = _script_sets(odir)
    prefixes = frozenset(w[:k] for w in words for k in range(2, len(w) + 1))
    heads = _grouped((w[1:], w[0]) for w in words if 2 <= len(w) <= 4)
    seconds = _grouped((w[0], w[1]) for w in words if len(w) == 2)
    heads_before = _grouped((tail[1:], tail[0]) for tail in heads if len(tail) >= 2)
    # words that hold a character of one script only are charged as such (WRONG_SCRIPT),
    # and a word that is itself some word's traditional form is no simplified form
    simp_forms = {w for w in simp_forms.difference(trad_words) if simp_only.isdisjoint(w)}
    return (words, chars, simp_only, trad_only, prefixes, heads, seconds, heads_before,
            frozenset(simp_forms))


def _grouped(pairs) -> dict[str, str]:
    """key → the characters paired with it, sorted and joined (a compact set that
    pickles small and loads fast)."""
    return {k: "".join(sorted(v)) for k, v in _sets(pairs).items()}


def _sets(pairs) -> dict[str, set[str]]:
    """key → the set of characters paired with it."""
    sets: dict[str, set[str]] = {}
    for key, ch in pairs:
        sets.setdefault(key, set()).add(ch)
    return sets


def _script_sets(odir: Path) -> tuple[frozenset[str], frozenset[str]]:
    """Characters that exist in only one script (``钾`` simplified, ``鉀`` traditional)."""
    st = _char_table(odir / "STCharacters.txt")
    ts = _char_table(odir / "TSCharacters.txt")
    simp_only = {s for s, ts_ in st.items() if s not in ts_ and s not in ts}
    trad_only = {t for t, ss in ts.items() if t not in ss and t not in st}
    return frozenset(simp_only), frozenset(trad_only)


def _char_table(path: Path) -> dict[str, list[str]]:
    table = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 2 and len(parts[0]) == 1:
                table[parts[0]] = parts[1].split(" ")
    return table


@cython.locals(i=cython.Py_ssize_t, n=cython.Py_ssize_t, j=cython.Py_ssize_t,
               k=cython.Py_ssize_t, cut=cython.Py_ssize_t, seg=str, w=str)
def _abbreviations(lm: LanguageModel, text: str) -> set[str]:
    """Two-character abbreviations of the article's compounds (太平洋+保險 → 太保).

    Chinese shortens a name of two words to their first characters; a repair that yields
    such an abbreviation is backed by the article itself.
    """
    out: set[str] = set()
    words, prefixes = lm.words, lm.prefixes
    for seg in re.split(r"[^\u3400-\u9fff]+", text):
        i, n = 0, len(seg)
        prev = None
        while i < n:
            # longest dictionary word at i (greedy is enough to find compounds), growing
            # it while it still begins some word: most places begin none
            k = 0
            for j in range(2, min(MAX_WORD, n - i) + 1):
                w = seg[i:i + j]
                if w not in prefixes:
                    break
                if w in words:
                    k = j
            if k:
                if prev is not None:
                    out.add(prev[0] + seg[i])
                prev = seg[i:i + k]
                for cut in range(2, k - 1):  # a compound word: 太平洋保險
                    if prev[:cut] in words and prev[cut:] in words:
                        out.add(prev[0] + prev[cut])
                i += k
            else:
                prev = None
                i += 1
    return out


@cython.locals(i=cython.Py_ssize_t, n=cython.Py_ssize_t)
def _repeated_grams(text: str) -> dict[str, int]:
    """The 2-, 3- and 4-character sequences that stand in ``text`` twice or more, with
    their counts, in the order of their first sighting (2-grams, then 3- and 4-grams).

    Why not count every sequence: a sequence seen twice has both of its shorter ones seen
    twice, so a 3-gram is counted only where its two 2-grams repeat, and a 4-gram only
    where its two 3-grams do: the counts come out the same, and most places of an
    article are not counted (building the article's model was a sixth of a repair's
    work).
    """
    n = len(text)
    two = list(map(operator.add, text, text[1:]))
    out = {g: c for g, c in Counter(two).items() if c >= 2}
    if n < 3:
        return out
    ok = [g in out for g in two]
    three = [text[i:i + 3] if ok[i] and ok[i + 1] else None for i in range(n - 2)]
    found = {g: c for g, c in Counter(filter(None, three)).items() if c >= 2}
    four = [text[i:i + 4] for i in range(n - 3) if three[i] in found and three[i + 1] in found]
    out.update(found)
    out.update((g, c) for g, c in Counter(four).items() if c >= 2)
    return out


#: "not cached yet" (None is a cached answer: not a word)
_UNSET = object()


class DocModel:
    """The dictionary model plus the article's own words and script.

    Built from the document with suspicious stretches masked, so a damaged run never
    vouches for itself.
    """

    #: weight of the article's own statistics against the dictionary's
    DOC_WEIGHT = 0.3

    def __init__(self, lm: LanguageModel, text: str):
        self.lm = lm
        #: what runs of this article derive from a pool of characters: id → (pool, ranks)
        self.pool_ranks: dict[int, tuple] = {}
        n = max(len(text), 1)
        # counted over the whole text at once (C speed), then what crosses a separator is
        # dropped: the same as counting within each stretch between separators
        chars = Counter(text)
        for sep in {ch for ch in chars if _SEPARATOR.match(ch)}:
            del chars[sep]
        # a sequence seen once may be an accident of the damage; twice is the article's own
        self.grams = {g: c for g, c in _repeated_grams(text).items()
                      if not _SEPARATOR.search(g)}
        self._text = text
        self._abbreviations = _abbreviations(lm, text)
        for g in self._abbreviations:
            self.grams[g] = self.grams.get(g, 0) + 2
        self.doc_chars = chars
        self.n = float(n)
        self._comma_counts(text)
        simp = sum(c for ch, c in chars.items() if ch in lm.simp_only)
        trad = sum(c for ch, c in chars.items() if ch in lm.trad_only)
        self.script = "trad" if trad > 2 * simp + 2 else "simp" if simp > 2 * trad + 2 else None
        self._wcache: dict[str, float | None] = {}
        self._single: dict[str, float] = {}
        #: the dictionary alone in this script, kept per process: what a word the article
        #: has no n-gram of scores there (most a run asks about) is its score here too,
        #: and is looked up once per process rather than once per article
        self._plain = lm.blank(self.script) if text else None
        self._scache: dict[str, float] = {}
        self._firsts: dict[str, set[str]] = {}
        self._seconds: dict[str, set[str]] = {}

    def gram_firsts(self, tail: str) -> set[str]:
        """First characters of the article's n-grams (``grams``) that are ``tail`` (one
        or two characters) with one character before it: as ``LanguageModel.heads``
        holds words.

        Found where ``tail`` stands in the article, not by indexing every n-gram: an
        article holds thousands, and a run asks about the few characters around it.
        What is not in the text is an abbreviation, added to ``grams`` as it stands."""
        got = self._firsts.get(tail)
        if got is None:
            got = self._firsts[tail] = self._around(tail, 1)
        return got

    def gram_seconds(self, first: str) -> set[str]:
        """Last characters of the article's n-grams that are ``first`` (one or two
        characters) with one character after it (as ``LanguageModel.seconds`` holds
        two-character words)."""
        got = self._seconds.get(first)
        if got is None:
            got = self._seconds[first] = self._around(first, 0)
        return got

    def _around(self, part: str, before: int) -> set[str]:
        """The character before (``before`` 1) or after (0) each place where ``part``
        stands, in text or in an abbreviation, that makes an n-gram of ``grams``."""
        text, grams, k = self._text, self.grams, len(part)
        out = set()
        i = text.find(part, before)
        while i != -1:
            g = text[i - before:i + k + 1 - before]
            if len(g) == k + 1 and g in grams:
                out.add(g[0] if before else g[-1])
            i = text.find(part, i + 1)
        if k == 1:  # abbreviations are of two characters: a few dozen
            out.update(g[1 - before] for g in self._abbreviations if g[before] == part)
        return out

    def top_of_pool(self, pool: tuple[str, ...], k: int) -> list[str]:
        """The ``k`` characters of ``pool`` likeliest on their own here, best first.

        Exactly ``sorted(pool, key=own)[:k]`` (ties in pool order), without scoring every
        character of pools thousands long for each article: a character the article does
        not use scores as it does in an empty article of the same script, so that order is
        ranked once per process, and only the article's own characters in the pool are
        scored here.
        """
        order = self.lm.pool_order(pool, self.script)
        own = self.own_logp
        if len(order.members) != len(pool):  # a character twice: ranked the plain way
            return sorted(pool, key=lambda c: -own(c))[:k]
        used = self.doc_chars
        mine = used.keys() & order.members
        picked = []
        for c in order.chars:
            if len(picked) == k:
                break
            if c not in mine:
                picked.append(c)
        pos = order.position
        return sorted(picked + list(mine), key=lambda c: (-own(c), pos[c]))[:k]

    def own_logp(self, ch: str) -> float:
        """A character on its own: as a one-character word, else as a stray character."""
        lp = self.word_logp(ch)
        return lp if lp is not None else self.single_logp(ch)

    def _comma_counts(self, text: str) -> None:
        """Which characters the article puts a comma after and before.

        Why: a lost ``，`` and a lost lead byte can leave identical damage, and the word
        model alone always prefers the reading without the comma (one token fewer). The
        article knows where its clauses break: ``，因此``, ``，但``, ``，這`` recur in it.
        """
        before: Counter[str] = Counter()
        after: Counter[str] = Counter()
        commas = 0
        for m in _COMMA_RE.finditer(text):
            commas += 1
            i = m.start()
            if i:
                before[text[i - 1]] += 1
            if i + 1 < len(text):
                after[text[i + 1]] += 1
        self._before, self._after = before, after
        cjk = sum(c for ch, c in self.doc_chars.items() if ch >= "\u3400")
        self._q = (commas + 1.0) / (cjk + 25.0)
        self._adj: dict[tuple[str, str], float] = {}

    def comma_adjust(self, prev: str, nxt: str) -> float:
        """Log-enrichment of a comma between ``prev`` and ``nxt``, from the article."""
        key = (prev, nxt)
        got = self._adj.get(key)
        if got is None:
            q, k = self._q, COMMA_SMOOTH
            dc = self.doc_chars
            rp = (self._before.get(prev, 0) + k * q) / (dc.get(prev, 0) + k)
            rn = (self._after.get(nxt, 0) + k * q) / (dc.get(nxt, 0) + k)
            got = math.log(rp / q) + math.log(rn / q)
            got = max(-COMMA_CLIP, min(COMMA_CLIP, got))
            self._adj[key] = got
        return got

    def word_logp(self, w: str) -> float | None:
        got = self._wcache.get(w, _UNSET)
        if got is not _UNSET:
            return got
        plain = self._plain
        if plain is not None and w not in (self.grams if len(w) > 1 else self.doc_chars):
            val = self._wcache[w] = plain.word_logp(w)
            return val
        base = self.lm.words.get(w)
        if base is not None and self.script == "trad" and w in self.lm.simp_forms:
            base += SIMPLIFIED_FORM
        if base is None and w in PUNCT_PAIRS:
            base = PUNCT_PAIRS[w]
        g = self.grams.get(w, 0) if len(w) > 1 else 0
        if g:
            doc_p = self.DOC_WEIGHT * g / self.n
            val = math.log(math.exp(base) + doc_p) if base is not None else math.log(doc_p)
        else:
            val = base
        if val is not None and len(w) == 1:
            dc = self.doc_chars.get(w, 0)
            if dc:
                val = math.log(math.exp(val) + 0.1 * dc / self.n)
        if val is not None:
            val += self._script_penalty(w)
        if len(self._wcache) > MAX_WORDS_KNOWN:
            self._wcache.clear()
        self._wcache[w] = val
        return val

    def best_word(self, words, floor: float, bonus: float = 0.0) -> float:
        """``max(floor, word_logp(w) + bonus for each of words that is a word here)``, in
        one call: the repair asks it of hundreds of candidate pairs per run."""
        known, grams, best = self.lm.words, self.grams, floor
        for w in words:
            # most are no word at all: tell so without filling the cache with them
            # (exactly when word_logp would say None)
            if w in known or w in grams or w in PUNCT_PAIRS:
                lp = self.word_logp(w)
                if lp is not None and lp + bonus > best:
                    best = lp + bonus
        return best

    def _script_penalty(self, w: str) -> float:
        if self.script == "trad":
            bad = self.lm.simp_only
        elif self.script == "simp":
            bad = self.lm.trad_only
        else:
            return 0.0
        if bad.isdisjoint(w):  # nearly always: no generator for it
            return 0.0
        return WRONG_SCRIPT * sum(1 for ch in w if ch in bad)

    def single_logp(self, ch: str) -> float:
        """A character that forms no word here."""
        got = self._single.get(ch)
        if got is None:
            plain = self._plain
            if plain is not None and ch not in self.doc_chars:
                got = self._single[ch] = plain.single_logp(ch)
            else:
                got = self._single[ch] = self._single_logp(ch)
        return got

    def _single_logp(self, ch: str) -> float:
        p = _PUNCT_P.get(ch)
        if p is not None:
            return math.log(p)
        if ch < "\x80":
            return math.log(0.0005)
        w = self.word_logp(ch)
        base = self.lm.chars.get(ch, UNSEEN)
        dc = self.doc_chars.get(ch, 0)
        if dc:
            base = math.log(math.exp(base) + 0.1 * dc / self.n)
        if w is not None:
            base = max(base, w)
        return base + OOV_CHAR + self._script_penalty(ch)

    @cython.locals(n=cython.Py_ssize_t, j=cython.Py_ssize_t, k=cython.Py_ssize_t,
                   e=cython.Py_ssize_t, b=cython.double, lp=cython.double,
                   lp1=cython.double, twice=cython.double, ninf=cython.double,
                   text=str, w=str, ch=cython.Py_UCS4, pc=cython.Py_UCS4)
    def score(self, text: str) -> float:
        """Log-probability of the best segmentation into words (Viterbi, as jieba's DAG).

        The classes of characters are spelled out where a character is tested (``ch in
        "..."``): the compiled copy then tests it without making a string of it, and the
        repair scores some 2,000 windows a run.
        """
        cached = self._scache.get(text)
        if cached is not None:
            return cached
        n = len(text)
        ninf = -math.inf
        best = [0.0] + [ninf] * n
        prefixes = self.lm.prefixes
        grams = self.grams
        word_logp = self.word_logp
        cached_logp = self._wcache.get  # most words were looked up before: no call for them
        for j in range(n):
            b = best[j]
            if b == ninf:
                continue
            ch = text[j]
            pc = text[j - 1] if j else "\x00"
            # a repeated mark (either width): priced as REPEAT_MARK alone (looked at as
            # strings only where both characters are marks of some kind: seldom)
            if (j and ch in "?!？！" and pc in "?!？！" and text[j] in _MARKS
                    and text[j].translate(_MARK_WIDTH) == text[j - 1].translate(_MARK_WIDTH)):
                if b + REPEAT_MARK > best[j + 1]:
                    best[j + 1] = b + REPEAT_MARK
                continue
            if ch < "\x80":
                if ch.isalnum():
                    if j == 0 or not (pc < "\x80" and pc.isalnum()):
                        e = j + 1
                        while e < n and text[e] < "\x80" and text[e].isalnum():
                            e += 1
                        lp1 = _ASCII_TOKEN
                        if (e - j <= 2 and text[j:e].islower()
                                and ((j and pc >= "\u3400")
                                     or (e < n and text[e] >= "\u3400"))):
                            lp1 += LONE_LOWER
                        if b + lp1 > best[e]:
                            best[e] = b + lp1
                    continue
                lp1 = self.single_logp(ch)
            else:
                w = ch
                got = cached_logp(w, _UNSET)
                if got is _UNSET:
                    got = word_logp(w)
                lp1 = self.single_logp(w) if got is None else got
            # ",。" and "。,": no text stops twice so (whatever token starts here)
            twice = 0.0
            if (j and ch in "。，,、；;：:！!？?" and pc in "。，,、；;：:！!？?"
                    and (ch in ",，" or pc in ",，")):
                twice = 2 * STOP_AFTER_LONE
            lp1 += twice
            if j and ch in "。，,、；;：:！!？?":  # a stop
                if ch in ",，" and j + 1 < n:
                    lp1 += self.comma_adjust(pc, text[j + 1])
                if not self._ends_word(text, j):
                    lp1 += STOP_AFTER_LONE
                if j >= 2 and text[j - 2] in "。，,、；;：:！!？?":
                    lp1 += STOP_AFTER_LONE
            elif ch in "“‘《（(「『" and j + 1 < n and not _opens(text[j + 1]):
                lp1 += STOP_AFTER_LONE  # an opening quote that opens nothing
            if b + lp1 > best[j + 1]:
                best[j + 1] = b + lp1
            for k in range(2, MAX_WORD + 1):
                if j + k > n:
                    break
                w = text[j:j + k]
                if w not in prefixes and w not in grams and w not in PUNCT_PAIRS:
                    break
                got = cached_logp(w, _UNSET)
                if got is _UNSET:
                    got = word_logp(w)
                if got is None:
                    continue
                lp = got
                lp += twice
                if j and "0" <= pc <= "9" and ch in (
                        "天年月日時时分秒個个元人次件家名位米噸吨倍歲岁項项條条種种座輛辆台臺套"):
                    lp += STOP_AFTER_LONE  # after a number the measure stands alone: 150天|。
                if (w[k - 1] in "“‘《（(「『" and j + k < n
                        and not _opens(text[j + k])):
                    lp += STOP_AFTER_LONE
                if b + lp > best[j + k]:
                    best[j + k] = b + lp
        if len(self._scache) > 200_000:
            self._scache.clear()
        self._scache[text] = best[n]
        return best[n]

    def _ends_word(self, text: str, i: int) -> bool:
        """Does a word of two or more characters (or a final particle) end at ``i``?"""
        if text[i - 1] in _FINALS or not text[i - 1] >= "\x80":
            return True
        if i >= 2 and "0" <= text[i - 2] <= "9":
            return True  # a measure after a number: 150天, 3年
        words = self.lm.words
        for k in range(2, min(MAX_WORD, i) + 1):
            if text[i - k:i] in words:
                return True
        return False
