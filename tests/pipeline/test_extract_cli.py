"""`newsmon extract FILE.html [--url URL] [--json]` on saved pages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pipeline.cli.main import main

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
CONTRACT = {"title", "text", "published_at", "author", "origin", "encoding", "repairs"}


def run_json(capsys, *argv) -> dict:
    code = main(["extract", *argv, "--json"])
    out = capsys.readouterr().out
    assert code == 0
    return json.loads(out)


def test_json_has_the_contract_fields(capsys, tmp_path):
    out = run_json(capsys, str(PAGES / "gov_notice.html"), "--config", str(tmp_path))
    assert CONTRACT <= set(out)
    assert out["title"] == "关于进一步优化营商环境的若干措施"
    assert out["published_at"] == "2024-03-05T10:30:00+08:00"
    assert out["origin"] == "湖南日报"
    assert out["author"] == "张三"
    assert out["encoding"] in ("gb18030", "gbk", "gb2312")
    assert "为深入贯彻落实" in out["text"] and "分享到" not in out["text"]
    assert out["doc_numbers"] == ["湘政办发〔2023〕12号"]
    assert "营商环境" in out["tags"] and out["relevance"] > 0


def test_url_option_is_used(capsys, tmp_path):
    page = tmp_path / "p.html"
    page.write_bytes("<html><body><h1>无日期</h1><p>正文一段，没有日期，也没有来源。</p></body></html>".encode("utf-8"))
    url = "http://www.hunan.gov.cn/hnszf/hnyw/202403/t20240305_1.html"
    out = run_json(capsys, str(page), "--url", url, "--config", str(tmp_path))
    assert out["published_at"] == "2024-03-05T00:00:00+08:00"
    assert out["url"] == url


def test_readable_output_escapes_control_characters(capsys, tmp_path):
    page = tmp_path / "evil.html"
    page.write_bytes("<html><head><title>标题\x1b[31m红</title></head><body><h1>标题\x1b[31m红</h1>"
                     "<p>正文\x1b[2J内容足够长的一段文字，用来检查终端控制字符不会被原样输出。</p></body></html>"
                     .encode("utf-8"))
    assert main(["extract", str(page), "--config", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "title:" in out


def test_missing_file_is_a_one_line_error(capsys, tmp_path):
    code = main(["extract", str(tmp_path / "nope.html")])
    err = capsys.readouterr().err
    assert code != 0
    assert err.count("\n") == 1 and "no such file" in err and "Traceback" not in err


def test_a_folder_is_a_one_line_error(capsys, tmp_path):
    code = main(["extract", str(tmp_path)])
    err = capsys.readouterr().err
    assert code != 0 and "folder" in err and "Traceback" not in err


def test_installed_command_prints_json(tmp_path):
    exe = Path(sys.executable).with_name("newsmon")
    cp = subprocess.run([str(exe), "extract", "--json", str(PAGES / "news_traditional.html")],
                        capture_output=True, cwd=tmp_path, timeout=120)
    assert cp.returncode == 0, cp.stderr.decode("utf-8", "replace")
    out = json.loads(cp.stdout.decode("utf-8"))
    assert out["published_at"] == "2024-03-04T09:15:00+08:00"
    assert out["origin"] == "某某日報"


def test_empty_and_binary_files_give_an_empty_article(capsys, tmp_path):
    for name, data in (("empty.html", b""), ("binary.html", bytes(range(256)) * 8)):
        page = tmp_path / name
        page.write_bytes(data)
        out = run_json(capsys, str(page), "--config", str(tmp_path))
        assert out["published_at"] is None
        assert capsys.readouterr().err == ""
