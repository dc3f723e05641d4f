"""Byte-shift repair: ``真情服務?!苯A縣`` → ``真情服務。”江華縣``.

How (``shared/notes/mojibake.md`` has the byte-level story): a run starts at a ``?`` that
replaced a lead byte; every character after it was read one byte out of step until an
ASCII byte brought the reader back. We re-encode the damaged characters to the GBK bytes
they were read from, enumerate the readings the damage leaves open (the lost lead byte,
a full-width character folded to ASCII, a user-defined pair that vanished, the run's end,
an ASCII byte swallowed by a bad pair, a pinyin annotation the chain put in), decode each
reading in step and let the language model choose. A repair is made only when the best
reading beats the damaged text *and* every other reading by a clear margin: a wrong
repair is worse than none, since editors read the result as fact.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

from pipeline.chinese import forms_of
from pipeline.repair import charlm, gbk, imelm
from pipeline.repair import pinyin as py
from pipeline.repair.langmodel import PUNCT_PAIRS
from pipeline.repair.readings import (  # noqa: F401  (re-exported for callers)
    MAX_VANISH,
    PRIOR_VANISH,
    Reading,
    readings,
    slot_chars,
    suspicious,
)

#: how far back and ahead of a run the language model looks (characters)
LEFT_CTX = 8
RIGHT_CTX = 8
#: candidates kept per unknown character before joint scoring
TOP_PER_SLOT = 8
#: ... when two or more characters are unknown (a vanished pair), and the beam over them
TOP_JOINT = 5
#: pairs scored in full for a vanished pair (after a cheap dictionary ranking)
PAIR_POOL = 30
BEAM = 5

#: a repair that makes a full-width letter, digit or symbol (``Ｍ``, ``＋``) is suspect
PRIOR_ODD_WIDE = -6.0
_COMMON_WIDE = frozenset("！，．：；？（）％、")
#: tried in every slot whose bytes allow them, whatever the neighbours
_ALWAYS_TRY = ("，",)
#: pinyin evidence, per annotation
PY_MATCH = 6.0
PY_CLASH = -9.0

#: readings of a run left unresolved that its record keeps (``_likeliest``)
READINGS_KEPT = 3
#: accept a repair only with this gain over the damaged text and margin over the runner-up
MIN_GAIN = 4.0
MIN_MARGIN = 4.0
#: ... and over the best reading of the other kind (vanished pair or not), vanish prior aside
MIN_RIVAL = 5.0
#: ... and over a reading that differs only by a restored leading comma (``進行,維護``)
MIN_RIVAL_COMMA = 7.0
#: weight of the character model's log-probability beside the word model's
CHAR_WEIGHT = 0.5
#: ASCII bytes that make a bad pair after a trail byte (below 0x40), as the character
#: model may read the one a lost ``?`` stands for
_LOST_BYTES = tuple("0123456789 \n\t(,.:-/%")
#: vanished pairs the rivals of a repair that restores one may follow
#: (``_second_pair_close``); readings with two are never restored themselves
RIVAL_VANISH = 2
#: a restored character rarer than this (log-probability) must make a word with a neighbour
STRAY_LOGP = -10.0
#: characters the character model expects after a big pool's left context, added to it
FOLLOWERS = 12
#: a quotation mark a reading restores against the article's open quote: ``”`` where no
#: quote is open, ``“`` inside one opened in the same paragraph (``_quote_clashes``)
QUOTE_CLASH = -3.0

@dataclass
class Outcome:
    start: int
    end: int
    after: str
    confidence: float
    status: str          # "repaired" | "unresolved"
    lost: bool = False
    #: a partial repair: where in ``after`` a ``?`` stands for what no reading could pin
    #: down (the first character, or one or two where the readings part further in)
    lost_at: int | None = None
    #: for a run left unresolved: its likeliest readings over ``start:end``, best first;
    #: for a partial repair (``lost_at``): what its kept ``?`` likeliest stands for
    readings: tuple[str, ...] = ()


# -- choosing ------------------------------------------------------------------------------

class Chooser:
    """Scores readings of one run in its context with the document model."""

    def __init__(self, doc, text: str, start: int, cm=None):
        self.doc = doc
        self.cm = cm
        #: the input method's word model, where installed (``imelm``)
        self.ime = imelm.load()
        self.text = text
        self.left = py.strip(text[max(0, start - 3 * LEFT_CTX):start])[-LEFT_CTX:]
        self._after = ""
        self._tops: dict = {}
        self._pruned: dict = {}
        self._pools: dict[int, list[str]] = {}
        self._pair_lists: dict = {}
        self.quote = open_quote(text, start)
        self._next_quotes: dict[int, str] = {}

    def _next_quote(self, end: int) -> str:
        got = self._next_quotes.get(end)
        if got is None:
            got = self._next_quotes[end] = next_quote(self.text, end)
        return got

    def window(self, start: int, end: int, middle: str, right_end: int,
               chars: bool = False, lost: bool = False, ime: bool = True) -> float:
        """Log-score of the context window with ``middle`` in place of the run."""
        own, by_ime = self.window_parts(start, end, middle, right_end, chars, lost, ime)
        return own + by_ime

    def window_parts(self, start: int, end: int, middle: str, right_end: int,
                     chars: bool = False, lost: bool = False,
                     ime: bool = True) -> tuple[float, float]:
        """The window's score by the repair's own models, and the input method's (0.0
        where it is not installed or ``ime`` is off), apart: readings of different kinds
        are weighed against each other by the repair's own models alone (``fill``).

        With ``chars`` the character model's opinion is added (weighted): the word model
        alone knows words, not what follows what. With ``lost``, the ``?`` that ends
        ``middle`` stands for an ASCII byte a bad pair took: the character model reads
        it as the likeliest such byte, not as a question mark (``2002年?月`` is
        ``2002年1月`` or ``2002年 月``, and must not lose to ``2002個月`` for its ``?``).
        """
        right = self.text[end:right_end]
        full = self.left + middle + right
        good, bad = py.agreement(full)
        plain = py.strip(full)
        score = self.doc.score(plain) + PY_MATCH * good + PY_CLASH * bad
        if "“" in middle or "”" in middle:
            after = self._next_quote(end) if end > start else ""
            score += QUOTE_CLASH * _quote_clashes(self.quote, middle, after)
        if chars:
            if lost and middle.endswith("?"):
                head, tail = (self.left + middle)[:-1], py.strip(right)
                score += CHAR_WEIGHT * self.cm.best_filled(head, _LOST_BYTES, tail)
            else:
                score += CHAR_WEIGHT * self.cm.score(plain)
        if not ime or self.ime is None:
            return score, 0.0
        return score, imelm.WEIGHT * self.ime.score(plain)

    def fill(self, r: Reading, start: int, right_end: int) -> list[tuple]:
        """Best characters for a reading's slots (beam search over the unknown ones):
        (score, replacement, odd wide forms, score by the repair's own models with the
        vanish prior aside, the input method's part) for each."""
        options = []
        for idx, (lead, trail) in enumerate(r.slots):
            last = idx == len(r.slots) - 1
            chars = slot_chars(lead, trail, r.hint if last else None)
            if not chars:
                return []
            options.append(chars)
        # what follows the run, for the last slots' right-hand context
        self._after = py.strip(r.tail + self.text[r.end:r.end + 3 * RIGHT_CTX])[:3]
        options = self._pair_up(options)
        unknown = [i for i, o in enumerate(options) if len(o) > 1]
        keep = TOP_PER_SLOT if len(unknown) <= 1 else TOP_JOINT
        full = options
        options = [self._prune(o, full, i, keep) if len(o) > keep else o
                   for i, o in enumerate(full)]
        beam: list[tuple[float, str]] = [(0.0, "")]
        for i, chars in enumerate(options):
            if len(chars) == 1 or len(unknown) <= 1:
                beam = [(s, p + c) for s, p in beam for c in chars]
                continue
            known_after = ""
            for later in options[i + 1:]:
                if len(later) != 1:
                    break
                known_after += later[0]
            else:
                # the last unknown slot: what follows the run decides it as well
                # (``不了束手無|策``: without ``策``, ``十分無`` read better)
                known_after += self._after
            # the beam is pruned by the repair's own models: the input method's there
            # cost four windows in five it scores, and changed 2 of 2,000 bench runs
            scored = []
            for _, prefix in beam:
                for c in chars:
                    mid = prefix + c + known_after
                    scored.append((self.window(start, start, mid, start, ime=False),
                                   prefix + c))
            scored.sort(reverse=True)
            beam = scored[:BEAM]
        tail = r.tail
        result = []
        for _, s in beam:
            mid = gbk.fold_width(s) + tail
            odd = sum(1 for c in s if "\uff01" <= c <= "\uff5e" and c not in _COMMON_WIDE)
            prior = r.prior
            if r.vanish and "，" in s:
                # a comma's trail byte (AC) starts a user-defined pair with almost any
                # following lead byte: after a comma, a vanished pair is the rule
                prior -= PRIOR_VANISH
            own, ime = self.window_parts(start, r.end, mid, right_end,
                                         chars=self.cm is not None, lost=r.lost)
            lm = own + PRIOR_ODD_WIDE * odd
            # the vanish prior aside, for comparing readings of different kinds: by the
            # repair's own models, the input method's part kept apart (``_lead_over``)
            bare = lm + r.prior - PRIOR_VANISH * r.vanish
            result.append((lm + ime + prior, mid, odd, bare, ime))
        return result

    def _pair_up(self, options: list[list[str]]) -> list[list[str]]:
        """Merge two neighbouring unknown characters (a vanished pair) into one slot.

        Their bytes were lost together, so they must be chosen together: ``莫斯科`` is only
        found if ``莫`` and ``斯`` are tried as a pair against the known ``科``.
        """
        out: list[list[str]] = []
        i = 0
        while i < len(options):
            a = options[i]
            if i + 1 < len(options) and len(a) > 1 and len(options[i + 1]) > 1:
                b = options[i + 1]
                # the known characters right before the pair (the run's left context
                # only if every slot before it is known: it is not next to the pair)
                prev = ""
                for o in reversed(options[:i]):
                    if len(o) != 1:
                        break
                    prev = o[0] + prev
                else:
                    prev = self.left + prev
                prev = prev[-2:]
                nxt = ""
                for o in options[i + 2:]:
                    if len(o) != 1:
                        break
                    nxt += o[0]
                else:
                    nxt += self._after
                nxt = nxt[:2]
                out.append(self._pairs(a, b, prev, nxt))
                i += 2
                continue
            out.append(a)
            i += 1
        return out

    def _pairs(self, a: list[str], b: list[str], prev: str, nxt: str) -> list[str]:
        """A vanished pair's likeliest two characters (remembered: readings that differ
        elsewhere in the run ask again)."""
        key = (self._pool_key(a), self._pool_key(b), prev, nxt)
        got = self._pair_lists.get(key)
        if got is None:
            got = self._pair_lists[key] = self._rank_pairs(a, b, prev, nxt)
        return got

    def _rank_pairs(self, a: list[str], b: list[str], prev: str, nxt: str) -> list[str]:
        aset = set(a)
        cands = self._completions(aset, b, nxt)
        top_a = self._top(a, prev, "")
        top_b = self._top(b, "", nxt)
        cands.update(x + y for x in top_a for y in top_b)
        # in code-point order first: ties must not fall by set order, which changes with
        # each process's string hashing (the same article was repaired differently by two runs)
        pool = sorted(cands)
        if len(pool) > PAIR_POOL:
            quick = self._pair_quick(prev, nxt)
            pool = sorted(pool, key=lambda ab: -quick(ab))[:PAIR_POOL]
        if "，" in aset:
            pool += [ab for ab in self._after_comma(b, prev, nxt) if ab not in pool]
        score = self.doc.score
        ranked = sorted(pool, key=lambda ab: -score(prev + ab + nxt))
        return ranked[:40]

    def _completions(self, aset: set[str], b: list[str], nxt: str) -> set[str]:
        """Pairs ``x + y`` (``x`` of ``aset``, ``y`` of ``b``) that begin a word ending in
        ``y``, ``y`` and the next character, or ``y`` and the next two: ``莫斯`` from ``斯``,
        ``莫斯`` from ``斯`` + ``科``.

        The tails with what follows are found from the few ``y`` that begin one
        (``heads_before``), not by building ``y + n`` for each of the hundreds in ``b``.
        """
        head_set = self.doc.lm.head_set
        before = self.doc.lm.heads_before()
        out: set[str] = set()
        for y in b:
            h = head_set(y)
            if h:
                out.update([x + y for x in aset.intersection(h)])
        n1, n2 = nxt[:1], nxt[:2]
        bset = set(b)
        for n in ((n1, n2) if len(n2) == 2 else (n1,)) if n1 else ():
            ys = before.get(n)
            if ys:
                for y in bset.intersection(ys):
                    out.update([x + y for x in aset.intersection(head_set(y + n))])
        return out

    def _after_comma(self, b: list[str], prev: str, nxt: str) -> list[str]:
        """``，`` and the characters of ``b`` the reading without a vanished pair would
        choose after ``prev``, as pairs.

        Why: a ``，`` whose lead byte was lost starts a vanished pair with the next
        character's lead byte (its trail byte AC starts a user-defined pair), which
        leaves the damage a lost lead byte of that next character leaves. The reading
        without the pair then reads the clause without its comma (``,在紅紙`` →
        ``在紅紙``). Its rival, the comma and that same character, must be scored, or the
        comma is dropped without a doubt; the dictionary cannot propose the pair, since
        it makes no word.
        """
        return ["，" + y for y in self._ranked(b, prev, nxt, TOP_PER_SLOT)]

    def _top(self, pool: list[str], prev: str, nxt: str) -> list[str]:
        """The few best of a pool on their own (cached: every vanish reading asks again).

        Only characters that make a word with a neighbour are scored; the rest of the pool
        fills up by the character's own frequency, ranked once per pool.
        """
        key = (self._pool_key(pool), prev, nxt)
        got = self._tops.get(key)
        if got is not None:
            return got
        wl = self.doc.word_logp
        p1, n1, n2 = prev[-1:], nxt[:1], nxt[:2]
        if len(n2) < 2:
            n2 = ""
        # the characters that make a word (or an n-gram of the article) with a neighbour,
        # in pool order: ``c`` with ``p1 + c``, ``c + n1`` or ``c + n2`` a word, found from
        # the word tables' links rather than a look-up per character (pools run to hundreds)
        linked: set[str] = set()
        if p1:
            linked.update(self.doc.lm.seconds().get(p1, ""), self.doc.gram_seconds(p1))
        heads = self.doc.lm.heads()
        for n in (n1, n2):
            if n:
                linked.update(heads.get(n, ""), self.doc.gram_firsts(n))
        joined = [c for c in pool if c in linked]

        def quick(c: str) -> float:
            best = -30.0
            for w in (prev[-1:] + c, c + n1, c + n2):
                if len(w) > 1:
                    lp = wl(w)
                    if lp is not None and lp > best:
                        best = lp
            return best

        hits = sorted(joined, key=lambda c: -quick(c))[:TOP_JOINT]
        # a clause stop makes no word yet is the commonest thing a vanished pair follows
        hits += [c for c in _ALWAYS_TRY if c in pool and c not in hits]
        for c in self._by_frequency(pool):
            if len(hits) >= TOP_JOINT:
                break
            if c not in hits:
                hits.append(c)
        self._tops[key] = hits
        return hits

    def _pool_key(self, pool: list[str]) -> int:
        """A cache key for a pool of characters without hashing its (up to thousands of)
        characters on every look-up: its identity, the pool kept alive so the identity
        is not reused while this chooser lives (the pools come from cached tables)."""
        key = id(pool)
        if key not in self._pools:
            self._pools[key] = pool
        return key

    def _by_frequency(self, pool: list[str]) -> list[str]:
        # per article, not per run: the ranking depends on the article's characters only;
        # the entry holds the pool, so its identity is not reused while the article's model lives
        cache = self.doc.pool_ranks
        entry = cache.get(id(pool))
        got = entry[1] if entry is not None and entry[0] is pool else None
        if got is None:
            got = self.doc.top_of_pool(pool, TOP_JOINT)
            cache[id(pool)] = (pool, got)
        return got

    def _pair_quick(self, prev: str, nxt: str):
        """``_quick(prev, ab, nxt)`` for two-character ``ab``, with what depends on one of
        the two characters only looked up once per character (a pool holds hundreds of
        pairs made of a few dozen characters)."""
        doc = self.doc
        wl, single, best_word = doc.word_logp, doc.single_logp, doc.best_word
        prefixes, grams = doc.lm.prefixes, doc.grams
        p1, p2, n1, n2 = prev[-1:], prev[-2:], nxt[:1], nxt[:2]
        firsts: dict[str, tuple] = {}
        seconds: dict[str, float] = {}
        none = -math.inf

        def begins(w: str) -> bool:
            # a word or article n-gram of three or four characters begins with a word
            # prefix or n-gram (``prefixes`` holds every prefix of two or more): what
            # begins none is no word, and is not looked up
            return w in prefixes or w in grams

        def quick(ab: str) -> float:
            if len(ab) != 2:
                return self._quick(prev, ab, nxt)
            a, b = ab
            got = firsts.get(a)
            if got is None:
                got = firsts[a] = (best_word((p1 + a,), none, 4.0) if p1 else none,
                                   bool(p1) and begins(p1 + a),
                                   len(p2) == 2 and begins(p2 + a))
            fa, before1, before2 = got
            sb = seconds.get(b)
            if sb is None:
                sb = seconds[b] = best_word((b + n1, b + n2), none, 4.0) if n1 else none
            base = wl(ab)
            if base is None:
                base = single(a) + single(b)
            # the words p1+ab, ab+n1, ab+n2 and p2+ab: those that begin no word are left out
            words = [ab] if not (p1 and n1) else []
            if before1:
                words.append(p1 + ab)
            if before2:
                words.append(p2 + ab)
            if n1 and begins(ab):
                w = ab + n1
                words.append(w)
                if len(n2) == 2 and begins(w):
                    words.append(ab + n2)
            return best_word(words, max(base, fa, sb), 4.0)

        return quick

    def _quick(self, prev: str, c: str, nxt: str) -> float:
        """A few dictionary look-ups: does ``c`` make a word with a neighbour?"""
        wl = self.doc.word_logp
        best = wl(c)
        if best is None:
            best = sum(self.doc.single_logp(x) for x in c)
        for w in (prev[-1:] + c, c + nxt[:1], c + nxt[:2], prev[-2:] + c, c[-1:] + nxt[:1],
                  c[-1:] + nxt[:2], prev[-1:] + c[:1]):
            if len(w) > 1:
                lp = wl(w)
                if lp is not None and lp + 4 > best:
                    best = lp + 4
        return best

    def _quick_top(self, pool, prev: str, nxt: str, k: int) -> list[str]:
        """Exactly ``sorted(pool, key=-_quick)[:k]`` for a pool of single characters.

        Why: a slot whose trail byte a bad pair swallowed may hold any of thousands of
        characters. Most make no word with a neighbour, and ``_quick`` then says what
        their frequency does, which is ranked once per process (``top_of_pool``); only
        the few that do make a word are looked up one by one.
        """
        doc = self.doc
        order = doc.lm.pool_order(pool, doc.script)
        members = order.members
        if len(members) != len(pool):  # a character twice: ranked the plain way
            return sorted(pool, key=lambda c: -self._quick(prev, c, nxt))[:k]
        linked: set[str] = set()
        befores = {p for p in (prev[-1:], prev[-2:]) if p}
        afters = {n for n in (nxt[:1], nxt[:2]) if n}
        heads = doc.lm.heads()
        for n in afters:
            linked.update(members.intersection(heads.get(n, "")))
        words = doc.lm.words
        for p in befores:
            linked.update(c for c in pool if p + c in words)
            linked.update(members.intersection(doc.gram_seconds(p)))
        for n in afters:
            linked.update(members.intersection(doc.gram_firsts(n)))
        for w in PUNCT_PAIRS:
            if w[:-1] in befores and w[-1] in members:
                linked.add(w[-1])
            if w[1:] in afters and w[0] in members:
                linked.add(w[0])
        plain = [c for c in doc.top_of_pool(pool, k + len(linked)) if c not in linked][:k]
        pos = order.position
        return sorted([*linked, *plain], key=lambda c: (-self._quick(prev, c, nxt), pos[c]))[:k]

    def _prune(self, pool, context, i, keep, guess=False) -> list[str]:
        """Rank one slot's characters by their fit with their neighbours.

        ``context`` holds every slot's options; a known slot (one option) is context, and
        with ``guess`` so is the current favourite of an unknown one.
        """
        prev = ""
        for o in context[:i]:
            prev = prev + o[0] if (len(o) == 1 or guess) else ""
        if len(prev) == i:
            prev = self.left + prev
        history = prev[-(charlm.ORDER - 1):]
        nxt = ""
        for o in context[i + 1:]:
            if len(o) != 1 and not guess:
                break
            nxt += o[0]
        else:
            nxt += self._after
        nxt = nxt[:2]
        return self._ranked(pool, history, nxt, keep)

    def _ranked(self, pool, history: str, nxt: str, keep: int) -> list[str]:
        """The ``keep`` best characters of ``pool`` between ``history`` and ``nxt``
        (remembered per run).

        A slot open to thousands of characters (its trail byte went with a swallowed
        byte) is first cut to those that make a word with a neighbour, the most frequent,
        and those the character model expects after ``history``; they are then ranked by
        both models, since what stood there often makes no dictionary word with its
        neighbours (``2002`` + ``年``). Smaller pools are ranked by the word model alone:
        the character model there made 3 more exact repairs in 2,000 runs and cost a fifth
        of the time per run.
        """
        key = (self._pool_key(pool), history, nxt, keep)
        got = self._pruned.get(key)
        if got is None:
            prev = history[-2:]
            big = len(pool) > 200
            open_slot = big and self.cm is not None
            if big:
                top = self._quick_top(pool, prev, nxt, 40)
                if open_slot:
                    top += [c for c in self._expected(pool, history) if c not in top]
                pool = top
            fit = [self.doc.score(prev + c + nxt) for c in pool]
            if open_slot:
                fit = [w + CHAR_WEIGHT * c
                       for w, c in zip(fit, self.cm.around(history, pool, nxt))]
            order = sorted(range(len(pool)), key=lambda i: -fit[i])
            got = [pool[i] for i in order[:keep]]
            self._pruned[key] = got
        return got

    def _expected(self, pool, history: str) -> list[str]:
        """The characters of a big pool that the character model expects after
        ``history``: what the dictionary cannot propose where no word links them
        (``2002`` → ``年``)."""
        members = self.doc.lm.pool_order(pool, self.doc.script).members
        out = []
        odd = self.doc._script_penalty
        for f in self.cm.followers(history, FOLLOWERS):
            out.extend(c for c in forms_of(f) if c in members and not odd(c))
        return out


#: what ``open_quote`` says stands open before a run
NO_QUOTE, QUOTE_HERE, QUOTE_EARLIER, CLOSED_HERE = 0, 1, 2, 3


def open_quote(text: str, start: int) -> int:
    """Is a quotation open where the run at ``start`` begins: none, one opened in this
    paragraph, one opened in an earlier paragraph, or none but one just closed in this
    paragraph (``CLOSED_HERE``)?

    Why: the damage the seeds show strikes ``。”`` and ``。“`` most of all (the lead byte
    of ``。`` is lost where its trail byte and the quote's lead byte read as ``！``), and
    the models, which see eight characters either side, cannot tell a closing quote from
    an opening one at a paragraph's end. The article can: on cwced, a ``”`` stood at
    every such place where the last quotation mark before it was ``“``, and a ``“`` at
    every other (127 places of 127). A paragraph may open a quotation that an earlier one
    left open (a quotation over several paragraphs opens each), so only a ``“`` inside a
    quotation opened in the same paragraph clashes. And a term quoted inside a speaker's
    words closes before the speaker's own ``”`` (``開展“府院聯動”機制…合法權益。”``, seed
    004), so a ``”`` after a quotation closed in the same paragraph does not clash.
    """
    opened = text.rfind("“", 0, start)
    closed = text.rfind("”", 0, start)
    if closed > opened:
        return CLOSED_HERE if text.find("\n", closed, start) < 0 else NO_QUOTE
    if opened < 0:
        return NO_QUOTE
    return QUOTE_HERE if text.find("\n", opened, start) < 0 else QUOTE_EARLIER


_QUOTE_MARK = re.compile("[“”]")


def next_quote(text: str, end: int) -> str:
    """The first quotation mark after ``end`` in the same paragraph, or ``""``.

    Why: a paragraph never has two ``“`` or two ``”`` in a row (none of 776 neighbouring
    pairs in cwced), so what follows a run tells which mark it lost where what precedes
    it cannot (``不惱。“犬儒”之稱``: the last mark before it closed a quotation, so
    either could stand).
    """
    stop = text.find("\n", end)
    if stop < 0:
        stop = len(text)
    m = _QUOTE_MARK.search(text, end, stop)
    return m.group() if m else ""


def _quote_clashes(state: int, middle: str, after: str = "") -> int:
    """How many of ``middle``'s quotation marks clash with the quotation ``state`` it
    begins in (``open_quote``), read left to right, and with the mark ``after`` it
    (``next_quote``)."""
    n = 0
    last = ""
    for ch in middle:
        if ch == "“":
            n += state == QUOTE_HERE
            state = QUOTE_HERE
            last = ch
        elif ch == "”":
            n += state == NO_QUOTE
            state = NO_QUOTE
            last = ch
        elif ch == "\n":
            last = ""
            if state == QUOTE_HERE:
                state = QUOTE_EARLIER
    return n + (last != "" and last == after)


#: a "?" whose best plain reading scores this much below the text as it stands is a real
#: question mark; the article model is not even built for it (measured on the corpus:
#: genuine "?" score below -2, damaged runs above +1 but for a few that no reading explains)
PREFILTER_GAIN = -6.0


#: characters after a ``?`` compared as they stand and read one byte back into step
QUICK_CHARS = 4
#: a ``?`` whose next characters read this much worse per character back in step (char
#: model, log) than as they stand is a real question mark (on the cwced corpus in the
#: seeds' form: 70 % of genuine ``?`` fall below; of 1,500 simulated damaged runs none)
QUICK_MARGIN = -4.0


def reads_worse_in_step(cm, text: str, start: int) -> bool:
    """Cheapest look of all: would the next few characters read worse one byte back?

    After a genuine ``?`` the text reads well as it stands and turns to nonsense when its
    bytes are re-paired; after a replaced lead byte it is the other way round. Only
    double-byte characters are re-paired; when fewer than two follow, this says nothing
    and the full look decides. When the first re-paired pair is no character at all, the
    ``?`` is taken as genuine: damage explains that only with a pair vanished right after
    the first character (3 of 1,500 simulated runs; a fifth of genuine ``?``).
    """
    chars = []
    for ch in text[start + 1:start + 1 + QUICK_CHARS]:
        raw = gbk.char_bytes(ch)
        if raw is None or len(raw) != 2:
            break
        chars.append(raw)
    if len(chars) < 2:
        return False
    data = b"".join(chars)[1:]
    again = []
    for j in range(0, len(data) - 1, 2):
        ch = gbk.pair_char(data[j], data[j + 1])
        if not ch:
            break
        again.append(ch)
    if not again:
        return True
    left = text[max(0, start - 3):start]
    as_is = text[start + 1:start + 1 + len(chars)]
    score = cm.score
    stand = (score(left + "?" + as_is) - score(left + "?")) / len(as_is)
    # the lost first character is unknown: a neutral ASCII stand-in cuts the context
    stepped = (score(left + "x" + "".join(again)) - score(left + "x")) / len(again)
    return stepped - stand < QUICK_MARGIN


def worth_a_look(doc, text: str, start: int) -> bool:
    """Cheap first look with the dictionary alone: could this ``?`` start damage at all?"""
    rs = [r for r in readings(text, start) if not r.vanish]
    if not rs:
        return False
    right_end = min(len(text), max(r.end for r in rs) + RIGHT_CTX)
    chooser = Chooser(doc, text, start)
    base = chooser.window(start, start, "", right_end)
    for r in rs:
        for sc, *_ in chooser.fill(r, start, right_end):
            if sc - base >= PREFILTER_GAIN:
                return True
    return False


@dataclass
class Candidates:
    """Every scored reading of one run: (replacement, length consumed) → (score, reading,
    odd wide forms, own-model score with the vanish prior aside, input method's part)."""

    start: int
    base: float
    scored: dict
    key: str
    #: the document model the run was scored with
    doc: object = None
    #: the character model, if it took part
    cm: object = None
    #: scores the text as it stands with its ``?`` read as lost characters (``_as_lost``);
    #: called only for a run about to be repaired
    as_lost: object = None
    #: the readings with a second vanished pair beside one where a given reading's
    #: vanished, scored as ``scored`` is (``_more_vanished``); called only for a run
    #: about to be repaired with one
    more_vanished: object = None


def candidates(doc, text: str, start: int, cm=None) -> Candidates | None:
    """Every reading of the run at ``start``, scored by the document model and, when
    given, the character model ``cm``."""
    rs = readings(text, start)
    if not rs:
        return None
    max_end = max(r.end for r in rs)
    right_end = min(len(text), max_end + RIGHT_CTX)
    chooser = Chooser(doc, text, start, cm)
    base = chooser.window(start, start, "", right_end, chars=cm is not None)
    best = _scored(chooser, rs, start, right_end)
    if not best:
        return None
    lost = functools.partial(_as_lost, chooser, text, start, max_end, right_end, cm is not None)
    more = functools.cache(functools.partial(_more_vanished, chooser, text, start, right_end))
    return Candidates(start, base, best, text[start:max_end + 2], doc, cm, lost, more)


def _scored(chooser, rs, start: int, right_end: int) -> dict:
    """(replacement, length consumed) → (score, reading, odd forms, score with the vanish
    prior aside), the best-scoring reading for each replacement."""
    best: dict[tuple[str, int], tuple] = {}
    for r in rs:
        for sc, mid, odd, bare, ime in chooser.fill(r, start, right_end):
            key = (mid, r.end - start)
            if key not in best or sc > best[key][0]:
                best[key] = (sc, r, odd, bare, ime)
    return best


def _more_vanished(chooser, text: str, start: int, right_end: int, at: tuple) -> dict:
    """The readings with more vanished pairs than a repair restores, one of them where
    the repair's vanished (``at``, ``Reading.vanished_at``), scored as ``candidates``
    scores the rest (same window, same chooser).

    Why only those: a repair that restores one of two vanished pairs is right up to the
    other, so the reading with both shares its pair. On the bench's 2,000 runs and 2,000
    more (seed 501), the other readings with two pairs changed no outcome, and they are
    nine in ten of them.
    """
    return _scored(chooser, [r for r in readings(text, start, RIVAL_VANISH)
                             if r.vanish > MAX_VANISH and set(r.vanished_at).intersection(at)],
                   start, right_end)


#: what a ``?`` may stand for where a codec lost a whole character, not a lead byte:
#: quotation marks and stops, which narrower codecs and careless tools lose most
#: (``太有?才?了`` is ``太有“才”了``)
LOST_CHAR_FILLS = ("“", "”", "，", ",", "。", "、")
PRIOR_LOST_CHAR = -3.0


def _as_lost(chooser, text: str, start: int, end: int, right_end: int, chars: bool) -> float:
    """The run's text as it stands, each of its ``?`` read as the likeliest lost
    character (``LOST_CHAR_FILLS``): the reading that it is no damage at all.

    Why: the text around a ``?`` that a codec put for a lost mark reads well, and
    re-pairing its bytes still finds readings that read better than a literal question
    mark (``太有?才?了`` → ``太有安排?了``). A repair must also beat this reading.
    Not read so: the ``?`` of ``?!``, the mark of damage (``。”`` and ``。“`` with their
    first lead byte lost), and a run that begins so is not read so at all
    (``_marks_damage``); a ``?`` before ``/`` is read as a tag's ``<`` (``?/p>``).
    """
    mid = text[start:end]
    if _marks_damage(mid):
        return -math.inf
    n = 0
    score = None  # the window with the best fill so far, once a "?" is filled
    for i, ch in enumerate(mid):
        nxt = text[start + i + 1:start + i + 2]
        if ch != "?" or nxt == "!":
            continue
        n += 1
        fills = ("<",) if nxt == "/" else LOST_CHAR_FILLS
        score, mid = max(((chooser.window(start, end, m, right_end, chars=chars), m)
                          for m in (mid[:i] + f + mid[i + 1:] for f in fills)),
                         key=lambda scored: scored[0])
    if score is None:
        score = chooser.window(start, end, mid, right_end, chars=chars)
    return score + PRIOR_LOST_CHAR * n


def _marks_damage(run: str) -> bool:
    """Does the run begin as the seeds' damage does (``?!``: ``。”`` or ``。“`` with the
    lead byte of ``。`` lost)? Then it is no text with lost marks, and ``_as_lost`` does
    not stand as a rival: read so, ``夢?!?`` (``夢。”`` and a lost line end) is
    ``夢?!”``, an emphatic question closing a quotation, which read almost as well as the
    repair and left most such runs on cwced unrepaired (``damage.seed_sites``)."""
    return run.startswith("?!")


def decide(text: str, group: list[Candidates], own: Candidates) -> Outcome | None:
    """Choose for ``own``, pooling the evidence of every run damaged exactly like it.

    The same word damaged the same way (``太??萍`` five times in seed 004) must have the
    same repair. The runs' scores are averaged, not summed: a page that repeats a line,
    or a table whose rows differ only in a number (``問題1?A答`` … ``問題30?A答``), is no
    more evidence than the line once, yet summed thirty times one small lead passed
    every margin and ``?A`` became ``華`` in every row.
    """
    base = _pooled(c.base for c in group)
    totals: dict[tuple[str, int], float] = {}
    for key in own.scored:
        if all(key in c.scored for c in group):
            totals[key] = _pooled(c.scored[key][0] for c in group)
    if not totals:
        return None
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])
    (mid, length), top = ranked[0]
    r = own.scored[(mid, length)][1]
    start = own.start
    end = start + length
    gain = top - base
    if gain < MIN_GAIN:
        return None
    runner = ranked[1][1] if len(ranked) > 1 else -math.inf
    margin = top - runner
    confidence = _confidence(gain, margin)
    odd = own.scored[(mid, length)][2]
    # a vanished pair and a lost lead byte can explain the same damage: if the best
    # reading of the other kind is close once the vanish prior is set aside, say so
    rival, short_of = close_rival_of(group, own, (mid, length))
    close_rival = short_of is not None
    doubt = margin < MIN_MARGIN or close_rival
    # close readings that differ only in one place: repair the rest, keep a "?" there
    kept = None
    if doubt and not (r.hint or odd):
        for prefix, suffix in _unsure_spots(r, mid, length, rival, close_rival):
            rest = _kept_margin(ranked, prefix, suffix, length)
            # (something beside the "?" must be restored, or nothing is; and more than
            # ASCII: a "?" for a character lost whole before 約 (8C 73) reads as a lost
            # lead byte and an "s", the rest this would keep; in true damage it is rarely so)
            if (rest is not None and prefix + "?" + suffix != text[start:end]
                    and not (prefix + suffix).isascii()):
                # the confidence of what is kept: its lead over the readings that differ
                kept, mid = (prefix, suffix), prefix + "?" + suffix
                confidence = _confidence(gain, rest)
                break
    if ((doubt and kept is None) or odd or _made_up(r)
            or _stray(own.doc, text, start, end, mid)
            or _pooled(c.as_lost() for c in group) > top - MIN_MARGIN
            or (r.vanish and _second_pair_close(group, top, ranked[0][0]))):
        return Outcome(start, end, text[start:end], confidence, "unresolved",
                       readings=_likeliest(text, ranked, base, start, end))
    if r.hint and mid.endswith("("):
        # the annotation whose "(" the bad pair took goes with the repair
        m = py.TAIL_RE.match(text, end)
        if m:
            mid, end = mid[:-1], m.end()
    if kept is None:
        return Outcome(start, end, mid, confidence, "repaired", lost=r.lost)
    return Outcome(start, end, mid, confidence, "repaired", lost=r.lost, lost_at=len(kept[0]),
                   readings=_kept_pieces(ranked, *kept, length))


def _likeliest(text: str, ranked: list, base: float, start: int, end: int) -> tuple[str, ...]:
    """What a left run likeliest reads as over its recorded span ``start:end``, best first.

    Why: a run is left when its readings are too close to call, not when nothing is
    known. On simulated damage, in runs left where at most one byte pair vanished, the
    original is the first reading kept here in about half and among them in two of three
    (``bench/repair.py``). Editors see them as guesses, and search
    indexes them beside the text, so an article whose damage hit the words searched for
    is still found. Kept: readings that read better than the damage and consume no more
    than the span (the best reading's), each written over the whole span.
    """
    span = end - start
    out: list[str] = []
    for (mid, length), score in ranked:
        if len(out) == READINGS_KEPT:
            break
        if length > span or score <= base:
            continue
        reading = mid + text[start + length:end]
        if reading != text[start:end] and reading not in out:
            out.append(reading)
    return tuple(out)


def _kept_pieces(ranked: list, prefix: str, suffix: str, length: int) -> tuple[str, ...]:
    """What the ``?`` a partial repair keeps likeliest stands for, best first: what the
    readings close to the best put between the text they all share (one character, or two
    where a vanished pair or a lost ``，`` may stand there). Kept for the same reasons as
    ``_likeliest``."""
    top = ranked[0][1]
    out: list[str] = []
    for (mid, consumed), score in ranked:
        if len(out) == READINGS_KEPT or top - score >= MIN_MARGIN:
            break
        if _agrees(mid, consumed, prefix, suffix, length):
            piece = mid[len(prefix):len(mid) - len(suffix)]
            if piece not in out and piece != "?":  # (a lost ASCII byte's "?": no guess)
                out.append(piece)
    return tuple(out)


def _confidence(gain: float, margin: float) -> float:
    return 1.0 / (1.0 + math.exp(-(min(gain, 2 * margin) - MIN_GAIN) / 2.0))


def _made_up(r: Reading) -> bool:
    """Would the reading put in a character of which no byte is known?

    A ``??`` is what a lost lead byte leaves when its trail byte went with the ASCII
    byte after it (``月2`` → ``??``). Nothing of the character is left: any of 20,000
    fits, and the models put the right one first about half the time. And ``??`` is far
    more often a forum's emphasis (``一方??同樣``, which became ``一方面?同樣``) or two
    characters a narrower codec lost. Such a run is left, its guesses on the record.
    """
    return (not r.hint and len(r.slots) == 1
            and not isinstance(r.slots[0][0], int) and not isinstance(r.slots[0][1], int))


def _known_after_first(r: Reading) -> bool:
    """Are both bytes of every character after the first known (no guess among them)?"""
    return all(isinstance(lead, int) and isinstance(trail, int) for lead, trail in r.slots[1:])


def _unsure_spots(r: Reading, mid: str, length: int, rival, close_rival: bool):
    """Where a run in doubt may keep one ``?`` and have the rest repaired: (text before it,
    text after it) of the best reading ``mid``, likeliest first.

    Why: in a run where no pair vanished, only the first character's lead byte is gone;
    every byte after it is known. That character is often a coin toss between a few that
    read equally well, and where a pair vanished right after it (a lost ``，`` before
    ``X``, against a lost lead byte of ``X``: the damage is the same) so is whether one
    character stood there or two. Further in, the same holds where a pair vanished or not
    between two characters that share a lead byte (淡 B5 AD, 的 B5 C4: ``清淡的`` less its
    vanished ``AD B5`` reads ``清的``): the best reading of the other kind is the best one
    with a character more, or less, at one place. Rather than leave the whole run unread,
    the rest is repaired and a ``?`` stands where the readings part, counted as lost, for
    one character or, where the longer reading is right, two (the shorter reading's
    character there and the one it lacks). Either way the readings close to the best
    must agree everywhere else (``_kept_margin``).
    """
    if (len(mid) > 1 and not r.vanish and _known_after_first(r)
            and (not close_rival or _agrees(rival[1], rival[2], "", mid[1:], length))):
        yield "", mid[1:]
    if rival is not None and rival[2] == length:
        short, k = _one_more(mid, rival[1]) or _one_more(rival[1], mid) or ("", 0)
        if k > 0:
            k = min(k, len(short) - 1)
            yield short[:k], short[k + 1:]


def _one_more(short: str, long: str) -> tuple[str, int] | None:
    """(``short``, k) if ``long`` is ``short`` with one character put in before ``short[k]``."""
    if len(long) != len(short) + 1:
        return None
    k = 0
    while k < len(short) and short[k] == long[k]:
        k += 1
    return (short, k) if long[k + 1:] == short[k:] else None


def _agrees(other: str, consumed: int, prefix: str, suffix: str, length: int) -> bool:
    """Does ``other`` read the same bytes as the best reading, the same way but for one or
    two characters between ``prefix`` and ``suffix``?"""
    return (consumed == length and other.startswith(prefix) and other.endswith(suffix)
            and 1 <= len(other) - len(prefix) - len(suffix) <= 2)


def _kept_margin(ranked: list, prefix: str, suffix: str, length: int) -> float | None:
    """If the readings close to the best all agree but between ``prefix`` and ``suffix``
    (``_agrees``): how far below the best the first reading that differs elsewhere scores."""
    top = ranked[0][1]
    for (mid, consumed), score in ranked[1:]:
        if top - score >= MIN_MARGIN:
            return top - score
        if not _agrees(mid, consumed, prefix, suffix, length):
            return None
    return math.inf


def _stray(doc, text: str, start: int, end: int, mid: str) -> bool:
    """Does the repair hold a rare character that makes no word with its neighbours?

    A right reading is made of words; a reading that restores one vanished pair when two
    vanished reads fluently up to a stray rare character (``當重夷地位``, ``寧夏固孕``),
    or one of the other script. Such a repair is left unresolved.
    """
    left = py.strip(text[max(0, start - 3 * LEFT_CTX):start])[-2:]
    right = py.strip(text[end:end + 3 * RIGHT_CTX])[:2]
    full = left + mid + right
    words, grams, chars = doc.lm.words, doc.grams, doc.lm.chars
    for p in range(len(left), len(left) + len(mid)):
        ch = full[p]
        if ch < "\u3400":
            continue
        if doc._script_penalty(ch):
            return True
        if chars.get(ch, -99.0) >= STRAY_LOGP:
            continue
        if not any(full[a:b] in words or full[a:b] in grams
                   for a in range(max(0, p - 3), p + 1)
                   for b in range(max(a + 2, p + 1), min(len(full), a + 4) + 1)):
            return True
    return False


def _second_pair_close(group: list[Candidates], top: float, key: tuple[str, int]) -> bool:
    """Does a reading with a second vanished pair come close to a repair that restores one?

    Why: in a run where two pairs vanished, the best reading with one is right up to the
    second loss, where it reads the two characters around the lost pair as one
    (``的事了，同時`` as ``的事了,時``), and then reads on fluently, so it passes every
    other check. Readings with two are costly to follow (some 750 per run, 200 ms), so
    they are scored only here, for a run about to be repaired with one, and only those
    that share its pair (``_more_vanished``). They are held to the margins every reading
    is held to: ``MIN_MARGIN`` as they stand, ``MIN_RIVAL`` with the vanish priors aside.
    They replaced a check that split each restored character around a guessed second
    pair by the character model alone, which left a third of the right one-pair repairs:
    on the bench (2,000 runs, seed 1), exact repairs where one pair vanished 103 → 135 of
    499, wrong repairs 41 → 37 in all.
    """
    at = group[0].scored[key][1].vanished_at
    scored = [c.more_vanished(at) for c in group]
    for other in scored[0]:
        if not all(other in s for s in scored):
            continue
        if (_pooled(s[other][0] for s in scored) > top - MIN_MARGIN
                or _lead_over(group, key, other, scored) < MIN_RIVAL):
            return True
    return False


def _lead_over(group: list[Candidates], key: tuple[str, int], other: tuple[str, int],
               scored: list[dict] | None = None) -> float:
    """How far reading ``key`` leads ``other``, of the other kind, the vanish prior aside.

    By the repair's own models, whose margins were measured for these comparisons, with
    the input method's (``imelm``) added only where neither reading restores a stop or a
    bracket: it reads through them, so it favours a restored stop over a restored
    character, and ``太。科技`` (``太太科技`` to it) came within reach of ``太保科技`` in
    seed 004. ``scored``: where ``other`` was scored, one dict per run of ``group``
    (readings with a second vanished pair, ``_second_pair_close``).
    """
    theirs = scored if scored is not None else [c.scored for c in group]
    mine = [c.scored[key] for c in group]
    lead = _pooled(m[3] for m in mine) - _pooled(t[other][3] for t in theirs)
    if key[0].isalnum() and other[0].isalnum():
        lead += _pooled(m[4] for m in mine) - _pooled(t[other][4] for t in theirs)
    return lead


def close_rival_of(group: list[Candidates], own: Candidates, key: tuple[str, int]):
    """The best reading of the other kind than ``key``'s (``_rival``), and the lead over
    it ``key`` fell short of (``rival_lead``), or None where ``key`` leads it enough.
    ``decide`` asks it, and so does ``bench/readings.py``, which says why runs are left."""
    r = own.scored[key][1]
    rival = _rival(group, own, r.vanish)
    if rival is None:
        return None, None
    needed = rival_lead(r, key[0], rival[1])
    return rival, (needed if _lead_over(group, key, rival[1:3]) < needed else None)


def rival_lead(r: Reading, mid: str, rival: str) -> float:
    """How far (vanish prior aside) reading ``r`` of ``mid`` must lead the best reading
    of the other kind, ``rival``."""
    if (not r.vanish and mid[:1] >= "\u3400" and rival != mid
            and rival.lstrip(",，") == mid):
        # the same text but for a lost comma: the word model always prefers the
        # reading without it, and is wrong about one time in five
        return MIN_RIVAL_COMMA
    return MIN_RIVAL


def _pooled(scores) -> float:
    """One reading's scores in the runs damaged alike, pooled: their mean (``decide``)."""
    scores = list(scores)
    return sum(scores) / len(scores)


def _rival(group: list[Candidates], own: Candidates,
           vanish: bool) -> tuple[float, str, int] | None:
    """Best pooled score, vanish prior aside, among readings of the other kind, its text and
    the length it consumed."""
    best = None
    for key, (_, r, *_) in own.scored.items():
        if r.vanish == vanish or not all(key in c.scored for c in group):
            continue
        total = _pooled(c.scored[key][3] for c in group)
        if best is None or total > best[0]:
            best = (total, key[0], key[1])
    return best


def repair_run(doc, text: str, start: int) -> Outcome | None:
    """Decide what to do with the ``?`` at ``start`` on its own evidence."""
    c = candidates(doc, text, start)
    return decide(text, [c], c) if c else None
