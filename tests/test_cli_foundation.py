"""The foundation's done-when, through the CLI a newcomer uses."""

import json
import shutil

import pytest

from seedpaths import SEED_000, SEEDS

def ids(out: str) -> set[str]:
    return {a["id"] for a in json.loads(out)}


def seed_ids(cli) -> dict[str, str]:
    code, out, _ = cli("search", "", "--json", "--source", "seed", "--limit", "10")
    assert code == 0
    by_text = {}
    for a in json.loads(out):
        key = "000" if a["text"].startswith("地處南嶺北麓") else "004"
        by_text[key] = a["id"]
    return by_text


def test_baseline_loads_on_first_use_and_never_twice(cli):
    code, out, _ = cli("stats", "--json")
    assert code == 0
    stats = json.loads(out)
    assert stats["sources"] == {"seed": 2}
    cli("search", "營商")
    assert json.loads(cli("stats", "--json")[1])["total"] == 2


def test_simplified_and_traditional_queries_find_both_seeds(cli):
    seeds = seed_ids(cli)
    for q in ("营商环境", "營商環境"):
        code, out, _ = cli("search", q, "--json")
        assert code == 0
        assert ids(out) == set(seeds.values()), q


def test_hanyang_finds_seed_004_only(cli):
    seeds = seed_ids(cli)
    code, out, _ = cli("search", "漢陽", "--json")
    assert ids(out) == {seeds["004"]}
    code, out, _ = cli("search", "汉阳", "--json")
    assert ids(out) == {seeds["004"]}


def test_repaired_seed_text_is_searchable(cli):
    seeds = seed_ids(cli)
    code, out, _ = cli("search", "江華縣優化營商環境", "--json")
    assert seeds["000"] in ids(out)


def test_json_has_contract_fields_snippet_and_score(cli):
    code, out, _ = cli("search", "營商", "--json")
    hits = json.loads(out)
    assert hits
    contract = {"id", "url", "title", "text", "source", "published_at", "fetched_at", "author",
                "origin", "tags", "encoding", "repairs"}
    for h in hits:
        assert contract <= set(h)
        assert "<mark>" in h["snippet"]
        assert isinstance(h["score"], float)
        assert isinstance(h["tags"], list) and isinstance(h["repairs"], dict)
        assert h["source"] == "seed"


def test_seed_004_metadata_lines_are_read(cli):
    seeds = seed_ids(cli)
    code, out, _ = cli("search", "漢陽", "--json")
    a = json.loads(out)[0]
    assert a["id"] == seeds["004"]
    assert a["title"] == "考核全省第一!漢陽區怎么做到的?"
    assert a["published_at"] == "2023-02-23T09:27:00+08:00"
    assert a["origin"] == "長江日報"


def test_seed_000_has_no_invented_title_or_date(cli):
    seeds = seed_ids(cli)
    code, out, _ = cli("search", "江華", "--json")
    a = next(h for h in json.loads(out) if h["id"] == seeds["000"])
    assert a["title"] is None and a["published_at"] is None and a["url"] is None


def test_reingest_leaves_the_count_unchanged(cli, tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    code, out, _ = cli("ingest", "--source", "seed", str(folder))
    assert code == 0
    assert "0 new" in out and "2 unchanged" in out  # the seeds are the baseline already
    code, out, _ = cli("ingest", "--source", "seed", str(folder), str(SEED_000))
    assert "3 unchanged" in out
    assert json.loads(cli("stats", "--json")[1])["total"] == 2
    # the same files under another source name are the same articles (ids come from content)
    code, out, _ = cli("ingest", str(folder))
    assert code == 0
    assert json.loads(cli("stats", "--json")[1])["total"] == 2


def test_ingest_html_and_filters(cli, tmp_path):
    page = tmp_path / "a.html"
    page.write_bytes(
        "<html><head><meta charset='gb2312'><title>湘政辦發 通知_湖南省人民政府</title></head><body>"
        "<h1>關於優化營商環境的通知</h1><p>發布時間：2024-03-05 10:30:00 來源：湖南日報</p>"
        "<p>為進一步優化營商環境，現將有關事項通知如下。各市州人民政府要落實責任。</p>"
        "<p>本通知自印發之日起施行，請各地認真貫徹執行，確保各項措施落到實處。</p></body></html>".encode("gb18030")
    )
    code, out, err = cli("ingest", "--source", "hunan", str(page))
    assert code == 0, err
    code, out, _ = cli("search", "营商环境", "--source", "hunan", "--json")
    hits = json.loads(out)
    assert [h["source"] for h in hits] == ["hunan"]
    assert hits[0]["encoding"] in ("gb18030", "gbk", "gb2312")
    code, out, _ = cli("search", "source:hunan", "--json")
    assert len(json.loads(out)) == 1
    code, out, _ = cli("search", "營商環境", "--since", "2024-03-05", "--until", "2024-03-05", "--json")
    assert [h["source"] for h in json.loads(out)] == ["hunan"]
    code, out, _ = cli("search", "營商環境", "--until", "2024-03-04", "--json")
    assert "hunan" not in [h["source"] for h in json.loads(out)]


def test_sort_newest_orders_by_publication(cli, tmp_path):
    for day in ("2024-01-02", "2024-03-04", "2023-12-01"):
        (tmp_path / f"{day}.txt").write_text(f"營商環境新聞 {day}\n{day} 10:00 來源：測試\n\n正文：營商環境持續優化，第{day}期。\n\n第二段落內容。\n", encoding="utf-8")
    code, out, err = cli("ingest", "--source", "dated", str(tmp_path))
    assert code == 0, err
    code, out, _ = cli("search", "營商環境", "--source", "dated", "--sort", "newest", "--json")
    dates = [h["published_at"][:10] for h in json.loads(out)]
    assert dates == ["2024-03-04", "2024-01-02", "2023-12-01"]


def test_plain_output_is_a_readable_table(cli):
    code, out, _ = cli("search", "漢陽")
    assert code == 0
    assert out.splitlines()[0] == "1 match"
    assert "[seed]" in out and "【漢陽】" in out


@pytest.mark.parametrize("query", ['"營商', "(營商 OR 審批", "營商)"])
def test_bad_query_is_one_line_error(cli, query):
    code, out, err = cli("search", query)
    assert code != 0
    assert err.startswith("newsmon: error:") and err.count("\n") == 1
    assert "Traceback" not in err


def test_bad_files_are_skipped_and_the_rest_ingested(cli, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("營商環境好消息\n2024-05-01 來源：測試報\n\n營商環境持續優化。\n\n第二段。\n", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(bytes(range(256)) * 10)
    big = tmp_path / "big.html"
    with big.open("wb") as fh:
        fh.truncate(21 * 1024 * 1024)
    unreadable = tmp_path / "locked.txt"
    unreadable.write_text("營商", encoding="utf-8")
    unreadable.chmod(0)
    missing = tmp_path / "missing.txt"
    code, out, err = cli("ingest", str(empty), str(binary), str(big), str(unreadable), str(missing), str(good))
    assert code == 1
    assert "1 new" in out
    lines = err.strip().splitlines()
    for name, why in (("empty.txt", "empty"), ("binary.txt", "binary"), ("big.html", "too large"),
                      ("missing.txt", "no such file")):
        assert any(name in ln and why in ln for ln in lines), (name, lines)
    import os

    if os.geteuid() != 0:  # root reads anything
        assert any("locked.txt" in ln and "unreadable" in ln for ln in lines)
    assert "Traceback" not in err
    code, out, _ = cli("search", "好消息", "--json")
    assert len(json.loads(out)) == 1


def test_a_foreign_database_is_refused_not_overwritten(cli, tmp_path):
    data = tmp_path / "other"
    data.mkdir()
    (data / "newsmon.db").write_text("not a database", encoding="utf-8")
    code, out, err = cli("stats", data=data)
    assert code != 0 and "refusing" in err and err.count("\n") == 1
    assert (data / "newsmon.db").read_text(encoding="utf-8") == "not a database"


def test_a_config_folder_that_is_not_there_is_an_error_not_the_defaults(cli, tmp_path, monkeypatch):
    """A mistyped --config must not quietly monitor the shipped sources instead."""
    missing = tmp_path / "no-such-config"
    code, out, err = cli("--config", str(missing), "stats")
    assert code == 2 and out == "" and err == f"newsmon: error: {missing}: no such config folder (given by --config)\n"
    monkeypatch.setenv("NEWSMON_CONFIG", str(missing))
    code, _, err = cli("stats")
    assert code == 2 and "(given by NEWSMON_CONFIG)" in err
    # with none named and no ./config here, the shipped defaults, by their own path
    monkeypatch.delenv("NEWSMON_CONFIG")
    monkeypatch.chdir(tmp_path)
    from pipeline.cli.context import Context
    from pipeline.paths import default_config_dir

    ctx = Context.from_args(type("Args", (), {"config": None, "data_dir": None})())
    assert ctx.config_dir == default_config_dir() and ctx.config_dir.is_dir()
    assert cli("stats")[0] == 0


def test_a_data_folder_that_cannot_be_one_is_a_one_line_error(cli, tmp_path):
    """A file where the data folder should be, or a path through one: the machine's refusal
    in one line (the operator's to fix), never a traceback."""
    afile = tmp_path / "afile"
    afile.write_text("not a folder", encoding="utf-8")
    code, out, err = cli("stats", data=afile)
    assert code == 2 and out == "" and err == f"newsmon: error: {afile}: not a folder (the data folder: --data-dir, NEWSMON_DATA)\n"
    code, out, err = cli("stats", data=afile / "sub")
    assert code == 1 and out == "" and err == f"newsmon: error: {afile / 'sub'}: Not a directory\n"
    assert afile.read_text(encoding="utf-8") == "not a folder"


def test_bad_dates_and_limits_are_errors(cli):
    code, _, err = cli("search", "營商", "--since", "the day before")
    assert code != 0 and "not a date" in err and "Traceback" not in err
    assert cli("search", "營商", "--since", "yesterday")[0] == 0  # a day back from now
    assert cli("search", "營商", "--limit", "0")[0] != 0


def test_seeds_are_byte_identical_to_the_shared_ones():
    from seedpaths import SHARED

    shared = SHARED / "seeds"
    if not shared.is_dir():
        pytest.skip("../shared/seeds not present beside this checkout")
    for path in shared.iterdir():
        assert (SEEDS / path.name).read_bytes() == path.read_bytes()
