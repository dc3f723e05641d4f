"""`newsmon clean`: the repaired text alone on stdout, repairs on stderr with --explain."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pipeline.cli.main import main

REPO = Path(__file__).resolve().parents[2]
DAMAGED = "的真情服務?!苯A縣優化營商環境辦公室,漢陽(yáng)區怎么做到的?\n"
REPAIRED = "的真情服務。”江華縣優化營商環境辦公室,漢陽區怎么做到的?\n"


def _newsmon(*args, stdin: bytes = b"", cwd=None):
    exe = Path(sys.executable).parent / "newsmon"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "pipeline.cli.main"]
    return subprocess.run(cmd + list(args), input=stdin, capture_output=True, timeout=120,
                          cwd=cwd)


def test_stdin_to_stdout_nothing_else(tmp_path):
    p = _newsmon("clean", stdin=DAMAGED.encode("utf-8"), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout.decode("utf-8") == REPAIRED
    assert p.stderr == b""


def test_explain_lists_repairs_on_stderr(tmp_path):
    f = tmp_path / "in.txt"
    f.write_text(DAMAGED, encoding="utf-8")
    p = _newsmon("clean", str(f), "--explain", cwd=tmp_path)
    assert p.returncode == 0
    assert p.stdout.decode("utf-8") == REPAIRED
    err = p.stderr.decode("utf-8")
    assert "byte_shift\t5\t'?!苯A' → '。”江華'" in err
    assert "pinyin" in err and "byte_shift 1, pinyin 1" in err


def test_bytes_of_unknown_encoding_are_decoded_first(tmp_path):
    raw = ('<meta charset="utf-8">' + DAMAGED * 3).encode("gb18030")
    p = _newsmon("clean", "--bytes", "-", stdin=raw, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout.decode("utf-8") == '<meta charset="utf-8">' + REPAIRED * 3


def test_user_errors_are_one_line_and_non_zero(tmp_path, capsys):
    assert main(["clean", str(tmp_path / "missing.txt")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file" in err
    bad = tmp_path / "gbk.txt"
    bad.write_bytes("中文".encode("gbk"))
    assert main(["clean", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "not UTF-8" in err and "--bytes" in err and "Traceback" not in err


def test_hostile_text_is_escaped_in_explanations(tmp_path):
    f = tmp_path / "in.txt"
    f.write_text("標題锟斤拷\x1b[31m\n", encoding="utf-8")
    p = _newsmon("clean", str(f), "--explain", cwd=tmp_path)
    assert p.stdout.decode("utf-8") == "標題锟斤拷\x1b[31m\n"
    assert b"\x1b" not in p.stderr and b"lost" in p.stderr


def test_explain_says_what_a_left_run_may_read_as(tmp_path):
    sys.path.insert(0, str(Path(__file__).parent))
    from repost_case import REPORT, REPORT_AT

    from pipeline import damage

    damaged = damage.damage_at(REPORT, REPORT_AT).text
    p = _newsmon("clean", "--explain", stdin=damaged.encode("utf-8"), cwd=tmp_path)
    assert p.returncode == 0 and p.stdout.decode("utf-8") == damaged  # left as it arrived
    [line] = [x for x in p.stderr.decode("utf-8").splitlines() if x.startswith("unresolved\t")]
    assert line.startswith(f"unresolved\t{REPORT_AT}\t'?_' → '?_'\t")
    # the original first; the others' order is the models' (with or without imelm)
    may = line.split("\tmay read ")[1].split(" or ")
    assert may[0] == "'開'" and "',開'" in may and len(may) == 3
