"""The character model: built from running text, stored compactly, blind to script."""

from __future__ import annotations

import math

import pytest

from pipeline.repair import charlm

TINY = ["营商环境持续优化", "优化营商环境", "营商环境是生产力", "江华县优化服务"]


def test_probabilities_of_a_seen_context_sum_to_one():
    model = charlm.CharModel(charlm._build(iter(TINY)))
    vocab = set("".join(TINY)) | {charlm._BOS, charlm._EOS}
    for history in ("营", "优", "境"):
        total = sum(math.exp(model.logp(history, ch)) for ch in vocab)
        assert total == pytest.approx(1.0, abs=1e-4), history


def test_seen_continuations_beat_unseen_ones():
    model = charlm.CharModel(charlm._build(iter(TINY)))
    assert model.logp("营商环", "境") > model.logp("营商环", "华")
    assert model.logp("", "营") > model.logp("", "县")
    assert model.logp("", "鑫") == charlm.UNSEEN


def test_the_table_survives_the_cache_file(tmp_path):
    tables = charlm._build(iter(TINY))
    path = tmp_path / "t.bin"
    charlm._write(path, tables)
    again = charlm.CharModel(charlm._read(path))
    model = charlm.CharModel(tables)
    for text in ("营商环境持续优化", "江华县营商", "无关的文字"):
        assert again.score(text) == pytest.approx(model.score(text))
    path.write_bytes(path.read_bytes() + b"x")
    with pytest.raises(ValueError):
        charlm._read(path)


def test_the_news_model_reads_repaired_text_better_than_mojibake():
    model = charlm.load()
    assert model.score("真情服務。“江華縣") > model.score("真情服務?!苯A縣") + 10
    assert model.score("的用腳投票。”容百集團") > model.score("的用腳投票?!比莅偌瘓F") + 10
    # one table for both scripts
    assert model.score("優化營商環境") == pytest.approx(model.score("优化营商环境"))


def test_a_genuine_question_mark_is_passed_over_cheaply():
    from pipeline import damage
    from pipeline.repair import byteshift

    model = charlm.load()
    text = "記者問：營商環境是怎麼優化的?答案在基層，一網通辦是關鍵。"
    assert byteshift.reads_worse_in_step(model, text, text.index("?"))
    hurt = damage.damage_at("優化營商環境是生產力，也是競爭力", 2).text
    assert hurt.startswith("優化?")
    assert not byteshift.reads_worse_in_step(model, hurt, 2)


def test_a_run_where_two_pairs_vanished_is_left(monkeypatch):
    """Restoring one of two vanished pairs reads fluently but for one merged character:
    a reading with both pairs comes close, and the run is left; without such readings
    as rivals it is repaired wrongly."""
    import opencc

    from pipeline import damage
    from pipeline.repair import byteshift, repair_text
    from tests.pipeline.repair_shared import cleaned_texts

    article = damage.gbk_safe(opencc.OpenCC("s2t").convert(cleaned_texts()[14]))
    hurt = damage.damage_at(article, 1373)
    assert hurt.vanished == 2
    assert damage.classify(repair_text(hurt.text).text, hurt, article) == "left"
    monkeypatch.setattr(byteshift, "RIVAL_VANISH", byteshift.MAX_VANISH)
    assert damage.classify(repair_text(hurt.text).text, hurt, article) == "wrong"


def test_the_article_vouches_for_its_own_names_not_for_punctuation():
    model = charlm.load()
    article = "容百集團在漢陽。容百集團的工廠。容百集團說，容百集團很好。“容百”"
    mixed = charlm.ArticleChars(model, article)
    assert mixed.logp("容", "百") > model.logp("容", "百") + 2
    assert mixed.score("容百集團") > model.score("容百集團") + 2
    # where the article has nothing to say, the corpus speaks alone
    assert mixed.logp("營商環", "境") == pytest.approx(model.logp("營商環", "境"))
    assert mixed.logp("。", "”") == model.logp("。", "”")
    # no n-gram spans a masked stretch (\x00): a damaged run never vouches for itself
    masked = charlm.ArticleChars(model, "容百\x00集團\x00容百\x00集團")
    whole = charlm.ArticleChars(model, "容百集團，容百集團")
    assert whole.logp("容百", "集") > masked.logp("容百", "集") + 2


def test_followers_are_the_likeliest_continuations_best_first():
    model = charlm.CharModel(charlm._build(iter(TINY)))
    vocab = set("".join(TINY)) | {charlm._EOS}
    for history in ("营商环", "优化", "江", "生产"):
        got = model.followers(history, 3)
        assert got, history
        brute = max(vocab, key=lambda ch: model.logp(history, ch))
        assert got[0] == brute, history
        lps = [model.logp(history, ch) for ch in got]
        assert lps == sorted(lps, reverse=True), history
    assert model.followers("营商环", 1) == ["境"]
    # any script in, the table's (simplified) characters out
    assert model.followers("營商環", 1) == ["境"]


def test_the_news_model_expects_the_year_after_a_year_number():
    assert charlm.load().followers("2002", 3)[0] == "年"


def test_a_line_end_reads_as_the_corpus_paragraph_end():
    """The corpus is one paragraph a line: a text's line end is its end-of-paragraph mark,
    so the model knows what may end a line (``。`` may, ``、`` may not)."""
    model = charlm.load()
    assert model.logp("法规。", charlm._EOS) > model.logp("法规、", charlm._EOS) + 4
    # mid-text "、" reads better here than "。"; before a line end, "。" does
    assert model.score("基本法規、規定") > model.score("基本法規。規定")
    assert model.score("基本法規。\n規定") > model.score("基本法規、\n規定") + 2
    assert model.score("交換過意見。\n報紙") > model.score("交換過意見、\n報紙") + 10
    eos, bos = charlm._EOS, charlm._BOS
    assert model.score("甲。\n乙") == pytest.approx(
        model.logp("", "甲") + model.logp("甲", "。") + model.logp("甲。", eos)
        + model.logp("甲。" + eos + bos, "乙"))


def test_what_a_middle_adds_is_its_share_of_the_whole_score():
    for model in (charlm.load(), charlm.ArticleChars(charlm.load(), "容百集團在漢陽。\n容百")):
        for history, after in (("營商", "境持"), ("2002", "月"), ("的一天", "\n張家"), ("", "")):
            middles = ["環", "年", "。", "容百", "，在"]
            got = model.around(history, middles, after)
            for mid, value in zip(middles, got):
                whole = model.score(history + mid + after) - model.score(history)
                assert value == pytest.approx(whole), (history, mid, after)


def test_after_a_line_end_the_followers_are_those_that_start_a_paragraph():
    model = charlm.CharModel(charlm._build(iter(TINY)))
    # every line of TINY starts with 营, 优 or 江; after 境 the text goes on with 持 or 是
    assert set(model.followers("营商环境\n", 5)) == {"营", "优", "江"}
    assert set(model.followers("营商环境", 5)) == {"持", "是", charlm._EOS}


def test_a_key_is_found_as_bisect_finds_it_present_or_absent():
    # the compiled copy searches the arrays' memory itself (charlm.CharModel._find)
    import random
    from bisect import bisect_left

    model, rng = charlm.load(), random.Random(3)
    found = 0
    for order in range(1, charlm.ORDER + 1):
        keys = model._tables[order - 1][0]
        asked = [keys[rng.randrange(len(keys))] for _ in range(3000)]
        asked += [rng.randrange(1 << (16 * order)) for _ in range(3000)]
        asked += [keys[0], keys[-1], keys[-1] + 1, 0, (1 << 64) - 1]
        for key in asked:
            i = bisect_left(keys, key)
            want = i if i < len(keys) and keys[i] == key else -1
            assert model._find(order, key) == want, (order, key)
            found += want >= 0
    assert found > 12_000  # keys that are there, and (the rest) keys that are not


def _article_counts(text: str):
    """The article's 1-, 2- and 3-gram counts as the cache model first took them: every
    n-gram of each stretch between masks, counted up front."""
    from collections import Counter

    from pipeline.chinese import simplify

    counts: Counter[str] = Counter()
    for seg in simplify(text).split("\x00"):
        for k in (1, 2, 3):
            counts.update(seg[i:i + k] for i in range(len(seg) - k + 1))
    return counts


def test_an_article_counts_each_gram_as_counting_every_gram_up_front_does():
    """Counted when asked, overlaps too (``哈哈哈`` holds ``哈哈`` twice), never across a
    mask, in either script."""
    import opencc

    from pipeline.repair import shiftstage
    from tests.pipeline.repair_shared import cleaned_texts

    texts = cleaned_texts()[:4]
    texts += [opencc.OpenCC("s2t").convert(t) for t in texts[:2]]
    texts = [shiftstage.mask_runs(t, list(range(30, len(t), 61))) for t in texts]
    texts += ["哈哈哈哈", "江華\x00江華\x00華江", "", "a"]
    cm = charlm.load()
    overlapping = 0
    for text in texts:
        want = _article_counts(text)
        article = charlm.ArticleChars(cm, text)
        asked = set(want) | {"哈哈", "華江", "江\x00", "\x00", "不在文中", "营商", "營商"}
        for gram in asked:
            assert article._count(gram) == want.get(gram, 0), (gram, text[:20])
        assert article._n == max(1, sum(c for g, c in want.items() if len(g) == 1))
        overlapping += article._count("哈哈") == 3
    assert overlapping == 1
