"""A damaged repost mended from its original, through the CLI: ``newsmon ingest`` runs the
whole chain (repair, story grouping, the store step that mends from another copy)."""

import json
import sys
from pathlib import Path

from pipeline import damage
from pipeline.repair import gbk

sys.path.insert(0, str(Path(__file__).parent / "pipeline"))
from repost_case import RELEASE, REPORT, REPORT_AT, REPOST  # noqa: E402


def _damaged_repost() -> str:
    """Two damaged spots: at 開 the models leave the run; at the comma after 以內 they
    repair what follows and keep a ``?`` for the comma, whose loss reads the same as a
    lost lead byte of 工 (until 2026-12-05 they dropped the comma: a wrong repair, which
    the copy overruled alike; ``test_repair_reference`` still tests that)."""
    hurt = damage.damage_at(REPOST, REPOST.index("，工程")).text
    return damage.damage_at(hurt, REPOST.index("開辦")).text


def _ingest(cli, folder: Path, source: str, text: str) -> None:
    path = folder / f"{source}.txt"
    path.write_text(text, encoding="utf-8")
    code, _, err = cli("ingest", "--source", source, str(path))
    assert code == 0, err


def _text(cli, source: str) -> str:
    code, out, err = cli("search", "", "--source", source, "--json")
    assert code == 0, err
    hits = json.loads(out)
    assert len(hits) == 1
    return hits[0]["text"]


def test_a_stored_repost_is_mended_when_its_original_is_ingested(cli, tmp_path):
    _ingest(cli, tmp_path, "county", _damaged_repost())
    before = _text(cli, "county")
    assert "企業?" in before and "以內?程" in before  # left, and partly repaired
    _ingest(cli, tmp_path, "city", RELEASE)
    assert _text(cli, "county") == gbk.fold_width(REPOST)
    code, out, _ = cli("search", "企業開辦時間", "--source", "county", "--json")
    assert len(json.loads(out)) == 1


def test_a_repost_ingested_after_its_original_is_stored_mended(cli, tmp_path):
    _ingest(cli, tmp_path, "city", RELEASE)
    _ingest(cli, tmp_path, "county", _damaged_repost())
    assert _text(cli, "county") == gbk.fold_width(REPOST)


def test_with_no_copy_to_mend_from_the_damage_is_found_by_its_guess(cli, tmp_path):
    """A lone damaged report: its run stays as received, and a search for the words it hit
    finds it and names the guess it was found through (text and JSON output)."""
    body = damage.damage_at(REPORT, REPORT_AT).text
    _ingest(cli, tmp_path, "jh", "江華縣政務服務再提速\n2026-12-05 09:00:00 來源: 江華縣\n\n" + body)
    assert _text(cli, "jh") == body
    code, out, err = cli("search", "企業開辦時間", "--json")
    assert code == 0, err
    [hit] = json.loads(out)
    assert hit["guessed"] == ["一網通辦”,企業開辦時間壓縮至一個"]
    code, out, _ = cli("search", "企業開辦時間")
    assert "found through a guessed reading of damaged text: 一網通辦”,企業開辦時間壓縮至一個" in out
