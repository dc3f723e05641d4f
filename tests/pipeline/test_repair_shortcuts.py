"""The repair's shortcuts for speed must give exactly what the plain computation gives."""

from __future__ import annotations

import re

import pytest

from pipeline.repair import langmodel, readings
from tests.pipeline.repair_shared import cleaned_texts


def _full_ranking(doc, pool, k):
    return sorted(pool, key=lambda c: -doc.own_logp(c))[:k]


@pytest.mark.parametrize("trad", [False, True])
def test_the_top_of_a_pool_is_the_top_of_the_full_ranking(trad):
    import opencc

    lm = langmodel.load()
    texts = cleaned_texts()[:6]
    if trad:
        texts = [opencc.OpenCC("s2t").convert(t) for t in texts]
    # pools as byte-shift repair meets them: a known trail byte, and a vanished pair's
    # slot constrained on both bytes (thousands of characters)
    pools = [readings.slot_chars(frozenset(range(0x81, 0xFF)), t) for t in (0xA1, 0xD0, 0x41)]
    pools.append(readings.slot_chars(frozenset(range(0x81, 0xFF)), frozenset(range(0xA1, 0xFF))))
    assert min(len(p) for p in pools) > 50
    checked_used = 0
    for text in texts:
        doc = langmodel.DocModel(lm, text)
        for pool in pools:
            for k in (1, 5, 40):
                assert doc.top_of_pool(pool, k) == _full_ranking(doc, pool, k)
            checked_used += len(set(pool) & set(text))
    # the articles' own characters (scored differently from the shortcut's order) took part
    assert checked_used > 100


def test_a_huge_slot_is_pruned_exactly_as_by_looking_up_every_character():
    from pipeline.repair.byteshift import Chooser

    lm = langmodel.load()
    text = cleaned_texts()[3]
    doc = langmodel.DocModel(lm, text)
    # a slot whose trail byte went with a swallowed ASCII byte: any double-byte character
    pool = readings.slot_chars(frozenset(range(0x81, 0xFF)), frozenset(range(0x40, 0xFF)))
    assert len(pool) > 10_000
    chooser = Chooser(doc, text, 0)
    contexts = [("", "")]
    for i in range(40, len(text) - 3, max(1, len(text) // 12)):
        contexts += [(text[i - 2:i], text[i + 1:i + 3]), (text[i - 1:i], text[i + 1:i + 2])]
    linked = 0
    for prev, nxt in contexts:
        full = sorted(pool, key=lambda c: -chooser._quick(prev, c, nxt))[:40]
        assert chooser._quick_top(pool, prev, nxt, 40) == full, (prev, nxt)
        # characters that make a word with a neighbour, found without a look at each
        linked += sum(1 for c in full if chooser._quick(prev, c, nxt) > doc.own_logp(c))
    assert linked > 20


def test_a_pair_scores_as_the_plain_look_up_scores_it():
    from pipeline.repair.byteshift import Chooser

    lm = langmodel.load()
    text = cleaned_texts()[5]
    doc = langmodel.DocModel(lm, text)
    chooser = Chooser(doc, text, 0)
    # the article's own pairs (words, n-grams) and pairs that make nothing
    pairs = {text[i:i + 2] for i in range(0, len(text) - 1, 7)} | {"，的", "的，", "鑫鑫"}
    pairs = sorted(p for p in pairs if len(p) == 2)
    contexts = [("", ""), ("", "的"), ("在", ""), ("優化", "環境")]
    contexts += [(text[i - 2:i], text[i + 2:i + 4]) for i in range(20, len(text) - 4, 97)]
    differs = 0
    for prev, nxt in contexts:
        quick = chooser._pair_quick(prev, nxt)
        for ab in pairs:
            plain = chooser._quick(prev, ab, nxt)
            assert quick(ab) == plain, (prev, ab, nxt)
            differs += plain != doc.own_logp(ab[0]) + doc.own_logp(ab[1])
    assert differs > 50  # the neighbours' words took part
    # words of three and four characters around the pair, of each shape the look-up
    # tries: p1+ab, p2+ab, ab+n1, ab+n2 (the pair found inside a dictionary word)
    longer = sorted(w for w in lm.words if len(w) in (3, 4))[::997]
    cases = []
    for w in longer:
        if len(w) == 3:
            cases += [("p1+ab", w[0], w[1:], ""), ("ab+n1", "", w[:2], w[2])]
        else:
            cases += [("p2+ab", w[:2], w[2:], ""), ("ab+n2", "", w[:2], w[2:])]
    decided = dict.fromkeys(("p1+ab", "p2+ab", "ab+n1", "ab+n2"), 0)
    for shape, prev, ab, nxt in cases:
        plain = chooser._quick(prev, ab, nxt)
        assert chooser._pair_quick(prev, nxt)(ab) == plain, (prev, ab, nxt)
        long_word = doc.word_logp(prev + ab + nxt)
        decided[shape] += long_word is not None and plain == long_word + 4
    assert min(decided.values()) > 10, decided


def test_a_pools_word_makers_are_found_as_by_looking_up_each_character():
    from pipeline.repair.byteshift import TOP_JOINT, Chooser

    lm = langmodel.load()
    text = cleaned_texts()[4]
    doc = langmodel.DocModel(lm, text)
    words, grams = lm.words, doc.grams
    pools = [readings.slot_chars(frozenset(range(0x81, 0xFF)), t) for t in (0xA1, 0xD0, 0xE3)]
    contexts = [("", ""), ("在", ""), ("", "環境"), ("", "的")]
    contexts += [(text[i - 1:i], "") for i in range(30, len(text) - 3, 53)]
    contexts += [("", text[i + 1:i + 3]) for i in range(30, len(text) - 3, 53)]
    made = 0
    for prev, nxt in contexts:
        p1, n1 = prev[-1:], nxt[:1]
        n2 = nxt[:2] if len(nxt) >= 2 else ""
        for pool in pools:
            chooser = Chooser(doc, text, 0)  # a fresh one: _top remembers its answers
            plain = [c for c in pool
                     if (p1 and (p1 + c in words or p1 + c in grams))
                     or (n1 and (c + n1 in words or c + n1 in grams))
                     or (n2 and (c + n2 in words or c + n2 in grams))]
            top = chooser._top(pool, prev, nxt)
            # the top holds the best-scored of those first, then fills up by frequency
            wanted = sorted(plain, key=lambda c: -max(
                [v for w in (p1 + c, c + n1, c + n2) if len(w) > 1
                 if (v := doc.word_logp(w)) is not None] + [-30.0]))[:TOP_JOINT]
            assert top[:len(wanted)] == wanted, (prev, nxt)
            made += len(plain)
    assert made > 100  # characters that make words with a neighbour took part


def test_the_words_a_pair_completes_are_found_as_by_trying_every_character():
    from pipeline.repair.byteshift import Chooser

    lm = langmodel.load()
    text = cleaned_texts()[2]
    chooser = Chooser(langmodel.DocModel(lm, text), text, 0)
    heads = lm.heads()
    # a vanished pair's two slots as the repair meets them: pools of a known trail byte
    pools = [readings.slot_chars(frozenset(range(0x81, 0xFF)), t) for t in (0xB9, 0xC6, 0xA1)]
    nexts = ["", "科", "環境", "的", "？"] + [text[i:i + 2] for i in range(10, len(text) - 2, 61)]
    # and what follows the pair in words of three and four characters it may begin
    members = set().union(*pools)
    longer = sorted(w for w in lm.words if len(w) in (3, 4) and w[0] in members and w[1] in members)
    nexts += [w[2:] for w in longer[::max(1, len(longer) // 40)]]
    found = {1: 0, 3: 0, 4: 0}
    for a in pools:
        for b in pools:
            for nxt in nexts:
                keys = [""] + [nxt[:k] for k in (1, 2) if len(nxt) >= k]
                plain = {x + y for y in b for n in keys for x in set(a) & set(heads.get(y + n, ""))}
                assert chooser._completions(set(a), b, nxt) == plain, nxt
                for n in keys:
                    found[len(n) + 2 if n else 1] += sum(1 for y in b for x in set(a) & set(heads.get(y + n, "")))
    assert min(found.values()) > 10, found  # words of two, three and four characters took part


def _abbreviations_by_trying_every_length(lm, text):
    out = set()
    for seg in re.split(r"[^\u3400-\u9fff]+", text):
        i, prev = 0, None
        while i < len(seg):
            for k in range(min(langmodel.MAX_WORD, len(seg) - i), 1, -1):
                if seg[i:i + k] in lm.words:
                    if prev is not None:
                        out.add(prev[0] + seg[i])
                    prev = seg[i:i + k]
                    out.update(prev[0] + prev[cut] for cut in range(2, k - 1)
                               if prev[:cut] in lm.words and prev[cut:] in lm.words)
                    i += k
                    break
            else:
                prev, i = None, i + 1
    return out


def test_an_articles_abbreviations_are_found_as_by_trying_every_word_length():
    import opencc

    lm = langmodel.load()
    texts = cleaned_texts()[:8]
    texts += [opencc.OpenCC("s2t").convert(t) for t in texts]
    found = 0
    for text in texts:
        got = langmodel._abbreviations(lm, text)
        assert got == _abbreviations_by_trying_every_length(lm, text)
        found += len(got)
    assert found > 100


def test_the_best_fill_of_a_lost_byte_scores_as_each_filled_text_does():
    from pipeline.repair import charlm
    from pipeline.repair.byteshift import _LOST_BYTES

    text = cleaned_texts()[2]
    models = [charlm.load(), charlm.ArticleChars(charlm.load(), text)]
    cases = [("", "年1月"), ("2002年", ""), ("2002年", "月"), ("在", "日至")]
    cases += [(text[i - 9:i], text[i:i + 8]) for i in range(30, len(text) - 8, 53)]
    for model in models:
        for head, tail in cases:
            plain = max(model.score(head + b + tail) for b in _LOST_BYTES)
            assert model.best_filled(head, _LOST_BYTES, tail) == plain, (head, tail)


def test_article_grams_are_counted_within_stretches_between_separators():
    from collections import Counter

    lm = langmodel.load()
    texts = cleaned_texts()[:6] + ["營商環境,營商環境?營商 環境!營商\x00環境\u3000營商環境"]
    for text in texts:
        grams: Counter[str] = Counter()
        chars: Counter[str] = Counter()
        for seg in re.split(r"[\s?!,\x00]+", text):
            chars.update(seg)
            for n in (2, 3, 4):
                grams.update(seg[i:i + n] for i in range(len(seg) - n + 1))
        want = {g: c for g, c in grams.items() if c >= 2}
        for g in langmodel._abbreviations(lm, text):
            want[g] = want.get(g, 0) + 2
        doc = langmodel.DocModel(lm, text)
        assert doc.grams == want
        assert dict(doc.doc_chars) == dict(chars)
    # the last text: 營商環境 twice in one stretch, its pieces across separators
    assert doc.grams["營商環境"] == 3 and "營商 " not in doc.grams


def test_an_articles_gram_links_are_found_as_by_walking_every_gram():
    import opencc

    from pipeline.repair import shiftstage

    lm = langmodel.load()
    texts = cleaned_texts()[:5]
    texts += [opencc.OpenCC("s2t").convert(t) for t in texts]
    # as the repair builds it: the runs masked, so grams stop at the masks
    texts += [shiftstage.mask_runs(t, list(range(40, len(t), 97))) for t in texts]
    found = {"firsts": 0, "seconds": 0, "abbreviated": 0}
    for text in texts:
        doc = langmodel.DocModel(lm, text)
        firsts: dict[str, set[str]] = {}
        seconds: dict[str, set[str]] = {}
        for g in doc.grams:
            if len(g) <= 3:
                firsts.setdefault(g[1:], set()).add(g[0])
            if len(g) <= 3:
                seconds.setdefault(g[:-1], set()).add(g[-1])
        asked = set(text[::7]) | {text[i:i + 2] for i in range(0, len(text) - 1, 5)}
        asked |= set(firsts) | {"", "\x00", "？", "營商"}
        for part in asked:
            assert doc.gram_firsts(part) == firsts.get(part, set()), part
            found["firsts"] += len(firsts.get(part, ()))
        for first in set(text) | set(seconds) | {"\x00", "營商"}:
            assert doc.gram_seconds(first) == seconds.get(first, set()), first
            found["seconds"] += len(seconds.get(first, ()))
        # abbreviations that stand nowhere in the text are links as well
        found["abbreviated"] += sum(1 for g in doc._abbreviations if g not in text)
    assert min(found.values()) > 20, found


def _utf8_as_gbk_plain(text):
    """The scan character by character, as it was before the marker class."""
    from pipeline.repair import classic

    markers = classic.marker_chars()
    out = []
    for m in classic._NON_ASCII_RUN.finditer(text):
        run, i = m.group(0), 0
        while i < len(run) - 1:
            span = classic._utf8_span(run, i) if run[i] in markers else None
            if span is None:
                i += 1
                continue
            out.append((m.start() + i, m.start() + span[0], span[1]))
            i = span[0]
    return out


def test_the_marker_scan_for_utf8_read_as_gbk_finds_what_a_plain_scan_finds():
    import random

    from pipeline.repair import classic

    rng = random.Random(3)
    texts = []
    for t in cleaned_texts()[:10]:
        for _ in range(10):
            a = rng.randrange(len(t))
            b = a + rng.randrange(2, 40)
            bad = t[a:b].encode("utf-8").decode("gbk", errors="replace").replace("\ufffd", "?")
            texts.append(t[:a] + bad + t[b:])
    found = 0
    for text in texts:
        got = [(e.start, e.end, e.after) for e in classic._utf8_as_gbk(text)]
        assert got == _utf8_as_gbk_plain(text)
        found += len(got)
    assert found > 50


@pytest.mark.parametrize("trad", [False, True])
def test_a_word_the_article_lacks_scores_as_the_article_would_score_it(trad):
    """Such words are scored by the process's blank model of the script (remembered
    across articles); the article's own scoring must give the same to the last bit."""
    import opencc

    lm = langmodel.load()
    texts = cleaned_texts()[:4]
    if trad:
        texts = [opencc.OpenCC("s2t").convert(t) for t in texts]
    other = cleaned_texts()[10]
    delegated = 0
    for text in texts:
        doc = langmodel.DocModel(lm, text)
        own = langmodel.DocModel(lm, text)
        own._plain = None  # everything computed from the article and the dictionary
        assert doc._plain is lm.blank(doc.script)
        asked = ({text[i:i + k] for k in (1, 2, 3, 4) for i in range(0, len(text) - k, 3)}
                 | {other[i:i + k] for k in (1, 2, 3) for i in range(0, len(other) - k, 5)}
                 | {"营商", "營商", "发展", "發展", "?", "，", "a"})
        for w in sorted(asked):
            assert doc.word_logp(w) == own.word_logp(w), w
            if len(w) == 1:
                assert doc.single_logp(w) == own.single_logp(w), w
            if w not in (doc.grams if len(w) > 1 else doc.doc_chars):
                delegated += 1
        assert doc.score(text[:60]) == own.score(text[:60])
    assert delegated > 1000


def test_a_document_models_memo_of_words_is_bounded(monkeypatch):
    lm = langmodel.load()
    monkeypatch.setattr(langmodel, "MAX_WORDS_KNOWN", 50)
    doc = langmodel.DocModel(lm, "")
    text = cleaned_texts()[2]
    for i in range(len(text) - 2):
        doc.word_logp(text[i:i + 2])
        assert len(doc._wcache) <= 51


def _all_repeated_grams(text):
    """Every 2-, 3- and 4-gram counted, the repeated ones kept: the plain computation."""
    from collections import Counter

    counts = Counter(text[i:i + k] for k in (2, 3, 4) for i in range(len(text) - k + 1))
    return [(g, c) for g, c in counts.items() if c >= 2]


def test_an_articles_repeated_grams_are_those_counting_every_gram_finds():
    texts = cleaned_texts()[:8]
    texts += ["", "a", "ab", "aa", "aaa", "哈哈哈哈哈", "abab", "abcabc", "ab ab, ab",
              "江華縣江華縣江華", "\x00江華\x00江華\x00"]
    longer = 0
    for text in texts:
        got = langmodel._repeated_grams(text)
        assert list(got.items()) == _all_repeated_grams(text), text[:20]
        longer += sum(1 for g in got if len(g) == 4)
    assert longer > 100
