"""What changed between two versions of an article (pipeline.changes)."""

from __future__ import annotations

from pipeline.changes import compare, sentences, text_diff, version_changes
from pipeline.model import Article

BODY = "第一句。第二句：企業開辦壓縮至3天。第三句。第四句。第五句。第六句。\n最後一段。"


def test_sentences_keep_their_stops_quotes_and_line_ends():
    assert sentences("一。二“三。”四\n\n五；六!七") == ["一。", "二“三。”", "四\n", "\n", "五；", "六!", "七"]
    assert "".join(sentences(BODY)) == BODY


def test_a_changed_figure_is_shown_in_its_sentence_with_the_rest_left_out():
    after = BODY.replace("3天", "1個工作日")
    assert text_diff(BODY, after) == [
        ("same", "第一句。第二句：企業開辦壓縮至"), ("del", "3天"), ("ins", "1個工作日"),
        ("same", "。第三句。"), ("gap", ""),
    ]
    # a change further on keeps one sentence of context on each side of it
    assert text_diff(BODY, after + "新增。")[-3:] == [("gap", ""), ("same", "最後一段。"), ("ins", "新增。")]


def test_added_and_removed_sentences():
    assert text_diff("甲。乙。丙。", "甲。丙。丁。") == [("same", "甲。"), ("del", "乙。"), ("same", "丙。"), ("ins", "丁。")]
    assert text_diff("", "新。") == [("ins", "新。")]


def test_compare_names_short_fields_text_and_derived_fields():
    old = Article(id="a", title="漢陽區優化營商環境", text=BODY, published_at="2024-03-01T00:00:00+08:00",
                  doc_numbers=["漢政發〔2024〕1號"])
    new = Article(id="a", title="漢陽區持續優化營商環境", text=BODY, published_at="2024-03-01T00:00:00+08:00",
                  doc_numbers=["漢政發〔2024〕1號", "漢政辦〔2024〕2號"], tags=["營商環境"])
    c = compare(old, new)
    assert [(f.name, f.before, f.after) for f in c.fields] == [
        ("title", "漢陽區優化營商環境", "漢陽區持續優化營商環境"),
        ("doc_numbers", "漢政發〔2024〕1號", "漢政發〔2024〕1號、漢政辦〔2024〕2號"),
    ]
    assert c.text == [] and c.derived == ["tags"]
    assert c.names == ["title", "doc_numbers", "tags"] and c.revised
    assert not compare(old, Article(**{**old.to_dict(), "tags": ["x"]})).revised
    # the portal replaced the attached file: a revision, shown by name and address
    one = Article(**{**old.to_dict(), "attachments": [{"url": "https://x.gov.cn/1.pdf", "title": "方案"}]})
    moved = compare(one, Article(**{**old.to_dict(), "attachments": [{"url": "https://x.gov.cn/2.pdf", "title": "方案"}]}))
    assert [(f.name, f.before, f.after) for f in moved.fields] == [
        ("attachments", "方案 <https://x.gov.cn/1.pdf>", "方案 <https://x.gov.cn/2.pdf>")]
    assert moved.revised
    assert compare(one, Article(**{**old.to_dict(), "attachments": []})).revised  # taken down
    # a version stored before newsmon read attachments (None), read again with them: newsmon's
    # reading changed, not the page
    assert old.attachments is None
    late = compare(old, one)
    assert late.fields == [] and late.derived == ["attachments"] and not late.revised
    # the same file, its text read since: newsmon's reading too
    read = compare(one, Article(**{**one.to_dict(), "attachments": [{**one.attachments[0], "text": "第一條"}]}))
    assert read.fields == [] and read.derived == ["attachments"] and not read.revised
    assert compare(old, old).names == []


def test_version_changes_pair_each_version_with_the_next_newest_first():
    v1 = Article(id="a", title="一", text="甲。")
    v2 = Article(id="a", title="二", text="甲。")
    now = Article(id="a", title="二", text="乙。")
    out = version_changes(now, [{"version": 1, "replaced_at": "t1", "article": v1},
                                {"version": 2, "replaced_at": "t2", "article": v2}])
    assert [(o["version"], o["changes"].names) for o in out] == [(2, ["text"]), (1, ["title"])]


def test_the_same_fetch_read_again_is_no_revision_even_when_the_text_changed():
    fetched = "2024-03-01T10:00:00+08:00"
    damaged = Article(id="a", text="企業?_辦時間壓縮。", fetched_at=fetched)
    mended = Article(id="a", text="企業開辦時間壓縮。", fetched_at=fetched, repair_log=[{"kind": "byte_shift"}])
    c = compare(damaged, mended)
    assert c.same_fetch and not c.revised
    assert c.names == ["text", "repair_log"] and c.text  # still shown, as newsmon's reading
    refetched = Article(id="a", text="企業開辦時間壓縮。", fetched_at="2024-03-02T10:00:00+08:00")
    assert compare(damaged, refetched).revised


def test_a_page_rewritten_throughout_is_struck_and_added_whole():
    before = "".join(f"第{i}句舊的說法。" for i in range(400))
    after = "".join(f"第{i}句新的說法。" for i in range(400))
    assert text_diff(before, after) == [("del", before), ("ins", after)]


def test_an_excerpt_starts_at_the_first_change_whatever_the_text_holds():
    from pipeline.changes import excerpt

    before = "甲" * 100 + "[-這不是標記-]" + "乙" * 100 + "舊。"
    got = excerpt(text_diff(before, before.replace("舊", "新")))
    assert got.startswith("…") and "[-舊-]{+新+}" in got and "這不是標記" not in got
