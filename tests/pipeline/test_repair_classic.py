"""Classic mojibake: a stretch read with the wrong codec is read again with the right one."""

from __future__ import annotations

from pipeline.repair import repair_text


def _kinds(r):
    return [x.kind for x in r.repairs]


def test_utf8_read_as_gbk_with_its_last_byte_taken():
    r = repair_text("他說銆傗€?好")
    assert r.text == "他說。”好"
    assert _kinds(r) == ["utf8_as_gbk"]


def test_utf8_read_as_gbk_inside_genuine_chinese():
    original = "的是今天"
    damaged = "報道" + original.encode("utf-8").decode("gbk") + "了"
    r = repair_text(damaged)
    assert r.text == "報道的是今天了"


def test_gbk_read_as_latin1():
    damaged = "中文網站".encode("gbk").decode("latin-1")
    assert damaged.startswith("ÖÐÎÄ")
    r = repair_text("標題: " + damaged)
    assert r.text == "標題: 中文網站"
    assert _kinds(r) == ["gbk_as_latin1"]


def test_utf8_read_as_cp1252_keeps_full_width_forms():
    damaged = "中文，ＡＢＣ".encode("utf-8").decode("cp1252", errors="strict")
    r = repair_text(damaged)
    assert r.text == "中文，ＡＢＣ"
    assert _kinds(r) == ["utf8_as_cp1252"]


def test_replacement_runs_are_counted_as_lost_not_invented():
    text = "標題锟斤拷锟斤拷正文\ufffd尾"
    r = repair_text(text)
    assert r.text == text
    assert _kinds(r) == ["lost", "lost"]


def test_european_text_and_chinese_punctuation_are_not_mojibake():
    for text in ("café crème brûlée", "Müller und Ångström", "這是——真的……", "“江華速度”",
                 "德語字母 ÄÖÜ äöü ß", "字母ÄÖ與ÜÄ"):
        assert repair_text(text).text == text


def test_a_page_of_replacement_runs_is_read_once_not_once_per_marker(monkeypatch):
    # 锟斤拷 is UTF-8's U+FFFD read as GBK: a marker every third character. Each stretch
    # was decoded from every marker to its end (4 s for 3,000 characters, minutes for
    # 30,000); the work is counted here, not timed
    from pipeline.repair import classic

    calls = []
    real = classic._gbk_bytes
    monkeypatch.setattr(classic, "_gbk_bytes", lambda ch: calls.append(ch) or real(ch))
    text = "標題" + "锟斤拷" * 300 + "正文"
    r = repair_text(text)
    assert r.text == text
    assert _kinds(r) == ["lost"]
    assert len(calls) < 3 * len(text)
