"""`newsmon export` and `newsmon import`: an index moves to another data folder (or backend)
with everything newsmon knows of each article; bad lines are named and skipped."""

from __future__ import annotations

import json

import pytest

from pipeline.chinese import to_traditional
from pipeline.cli.main import main
from pipeline.model import Article
from pipeline.process import process_text
from pipeline.store import SearchRequest
from pipeline.store.sqlite import SQLiteStore
from pipeline.storing import save
from pipeline.transfer import BadLine, parse_line

RELEASE = ("市人民政府近日印发《优化营商环境三年行动方案》，提出到2025年，企业开办时间压缩至1个工作日以内，"
           "工程建设项目审批时间压缩至50个工作日以内。方案明确了政务服务、市场监管等五个方面二十项重点任务。")


def source_index(folder):
    """An index with a repaired article (pinyin removed), a repost in the other script, and
    an unrelated one."""
    store = SQLiteStore(folder / "newsmon.db")
    damaged = "漢(hàn)陽(yáng)區發布\n2024-03-01 09:30:00 來源: 長江日報\n\n漢(hàn)陽(yáng)區" + to_traditional(RELEASE)
    articles = [
        process_text(damaged, url="https://cjrb.test/1.html", source="cjrb"),
        process_text("转载\n2024-03-02 10:00:00 来源: 湖北日报\n\n汉阳区" + RELEASE, url="https://hb.test/2.html",
                     source="hubei"),
        Article(id="other", url="https://hb.test/3.html", source="hubei", title="春天", text="江灘的花開了。",
                doc_numbers=["鄂政發〔2024〕1號"], tags=["民生"], relevance=0.5,
                attachments=[{"url": "https://hb.test/fj/3.pdf", "title": "江灘花期表", "text": "三月　櫻花"},
                             {"url": "https://hb.test/fj/4.wps", "title": "附表", "unread": "not a format newsmon reads (.wps)"}]),
    ]
    save(store, articles, data_dir=folder)
    store.close()


def cli(data, *args) -> int:
    return main(["--data-dir", str(data), *args])


def test_an_index_moves_whole_to_another_data_folder(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    source_index(a)
    out = tmp_path / "all.jsonl"
    assert cli(a, "export", "-o", str(out)) == 0
    assert capsys.readouterr().err.strip() == "exported 3 articles"
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and not list(tmp_path.glob(".*partial"))

    assert cli(b, "import", str(out)) == 0
    assert capsys.readouterr().out.strip() == "imported: 3 new, 0 updated, 0 unchanged"
    old, new = SQLiteStore(a / "newsmon.db"), SQLiteStore(b / "newsmon.db")
    try:
        for before in old.scan():
            after = new.get(before.id)
            assert after is not None
            moved, kept = after.to_dict(), before.to_dict()
            moved.pop("ingested_at"), kept.pop("ingested_at")
            assert moved == kept  # text, repairs and their log, tags, document numbers, story
        first = new.get_by_url("https://cjrb.test/1.html")
        assert first.repairs.get("pinyin") and "漢陽區" in first.text and "(hàn)" not in first.text
        repost = new.get_by_url("https://hb.test/2.html")
        assert repost.story_id == first.story_id  # still one story
        # searchable in either script, the seed baseline beside it
        hits = new.search(SearchRequest("汉阳 营商环境", limit=10)).hits
        assert {h.article.url for h in hits} >= {"https://cjrb.test/1.html", "https://hb.test/2.html"}
    finally:
        old.close()
        new.close()
    # importing again changes nothing
    assert cli(b, "import", str(out)) == 0
    assert capsys.readouterr().out.strip() == "imported: 0 new, 0 updated, 3 unchanged"


def test_export_to_stdout_and_by_source(tmp_path, capsys):
    source_index(tmp_path)
    assert cli(tmp_path, "export", "--source", "hubei") == 0
    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines()]
    assert sorted(r["url"] for r in rows) == ["https://hb.test/2.html", "https://hb.test/3.html"]
    assert captured.err.strip() == "exported 2 articles"


def test_bad_lines_are_named_and_skipped_and_the_rest_go_in(tmp_path, capsys):
    good = Article(id="ok1", source="local", text="優化營商環境。", url="https://x.test/1")
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        (json.dumps(good.to_dict(), ensure_ascii=False) + "\n"
         "\n"
         "{not json\n"
         '{"id": "t1", "source": "local", "text": "x", "published_at": "yesterday"}\n').encode("utf-8")
        + b'{"id": "\xff\xfe", "source": "local"}\n'
    )
    assert cli(tmp_path / "d", "import", str(path)) == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        f"newsmon: skipped {path}:3: not JSON (Expecting property name enclosed in double quotes)",
        f"newsmon: skipped {path}:4: published_at: 'yesterday' is not an ISO 8601 time",
        f"newsmon: skipped {path}:5: not UTF-8 text",
    ]
    assert captured.out.strip() == "imported: 1 new, 0 updated, 0 unchanged, 3 bad lines skipped"
    store = SQLiteStore(tmp_path / "d" / "newsmon.db")
    try:
        assert store.get("ok1").text == "優化營商環境。"
    finally:
        store.close()


@pytest.mark.parametrize("line, problem", [
    ('[1, 2]', "not a JSON object"),
    ('{"source": "s"}', "id: required, a non-empty string"),
    ('{"id": "a", "source": "s", "text": 5}', "text: expected a string"),
    ('{"id": "a", "source": "s", "title": ["x"]}', "title: expected a string or null"),
    ('{"id": "a", "source": "s", "repairs": {"pinyin": "2"}}', "repairs: expected a mapping of repair kind to count"),
    ('{"id": "a", "source": "s", "repair_log": [1]}', "repair_log: expected a list of objects"),
    ('{"id": "a", "source": "s", "encoding_lied": "no"}', "encoding_lied: expected true, false or null"),
    ('{"id": "a", "source": "s", "relevance": true}', "relevance: expected a number or null"),
    ('{"id": "a", "source": "s", "attachments": ["x.pdf"]}', "attachments: expected a list of {url, title, text?, unread?} objects, or null"),
    ('{"id": "a", "source": "s", "attachments": [{"title": "x"}]}', "attachments: expected a list of {url, title, text?, unread?} objects, or null"),
    ('{"id": "a", "source": "s", "attachments": [{"url": "u", "text": 5}]}', "attachments: expected a list of {url, title, text?, unread?} objects, or null"),
    ('{"id": "a", "source": "s", "_history": {}}', "_history: expected a list of earlier versions"),
    ('{"id": "a", "source": "s", "_history": [{"version": 0, "replaced_at": "2024-03-01T00:00:00+08:00",'
     ' "article": {"id": "a", "source": "s"}}]}', "_history[0].version: expected a whole number of at least 1"),
    ('{"id": "a", "source": "s", "_history": [{"version": 1, "replaced_at": "soon",'
     ' "article": {"id": "a", "source": "s"}}]}', "_history[0].replaced_at: expected an ISO 8601 time"),
    ('{"id": "a", "source": "s", "_history": [{"version": 1, "replaced_at": "2024-03-01T00:00:00+08:00",'
     ' "article": {"id": "a", "source": "s", "text": 1}}]}', "_history[0].article.text: expected a string"),
    ('{"id": "a", "source": "s", "_history": [{"version": 1, "replaced_at": "2024-03-01T00:00:00+08:00",'
     ' "article": {"id": "b", "source": "s"}}]}', "_history[0].article.id: 'b' is not the article's own id"),
])
def test_what_an_import_line_must_hold(line, problem):
    with pytest.raises(BadLine) as exc:
        parse_line(line)
    assert str(exc.value) == problem


def test_earlier_versions_move_with_export_history(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    source_index(a)
    store = SQLiteStore(a / "newsmon.db")
    try:
        other = store.get("other")
        for text in ("江灘的花開了，遊人如織。", "江灘的花開了，遊人如織，週末尤甚。"):
            assert store.upsert(Article(**{**other.to_dict(), "text": text, "fetched_at": None})) == "updated"
        history = store.history("other")
    finally:
        store.close()
    plain, full = tmp_path / "plain.jsonl", tmp_path / "full.jsonl"
    assert cli(a, "export", "-o", str(plain)) == 0 and cli(a, "export", "--history", "-o", str(full)) == 0
    capsys.readouterr()
    assert "_history" not in plain.read_text(encoding="utf-8")  # the line shape other tools know
    lines = {json.loads(x)["id"]: json.loads(x) for x in full.read_text(encoding="utf-8").splitlines()}
    assert [v["version"] for v in lines["other"]["_history"]] == [1, 2]
    assert sum("_history" in line for line in lines.values()) == 1
    assert cli(b, "import", str(full)) == 0
    assert capsys.readouterr().out.strip() == "imported: 3 new, 0 updated, 0 unchanged, 2 earlier versions"
    moved = SQLiteStore(b / "newsmon.db")
    try:
        got = moved.history("other")
        assert [(v["version"], v["replaced_at"], v["article"].text) for v in got] == [
            (v["version"], v["replaced_at"], v["article"].text) for v in history]
        # the next change is numbered after them, and the revisions show as they did
        current = moved.get("other")
        assert moved.upsert(Article(**{**current.to_dict(), "text": "江灘的花謝了。"})) == "updated"
        assert [v["version"] for v in moved.history("other")] == [1, 2, 3]
    finally:
        moved.close()
    # importing again adds nothing
    assert cli(b, "import", str(full)) == 0
    assert capsys.readouterr().out.strip() == "imported: 0 new, 1 updated, 2 unchanged"


def test_user_errors_are_one_line(tmp_path, capsys):
    assert cli(tmp_path, "import", str(tmp_path / "missing.jsonl")) == 2
    assert capsys.readouterr().err.strip() == f"newsmon: error: {tmp_path / 'missing.jsonl'}: no such file"
    assert cli(tmp_path, "export", "-o", str(tmp_path / "no" / "such" / "dir.jsonl")) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"newsmon: error: {tmp_path / 'no' / 'such' / 'dir.jsonl'}: cannot write") and "\n" not in err
