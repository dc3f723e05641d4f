"""Decoding raw bytes that lie about their encoding."""

from __future__ import annotations

import codecs
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.request import urlopen

import pytest

from pipeline.decode import decode_bytes, header_charset_of, meta_charset
from tests.pipeline.repair_shared import CWCED, need

TEXT = "漢陽區優化營商環境,鎔基與喆的名字"  # 鎔 and 喆 are outside GB2312


def test_bom_wins_over_everything():
    body = codecs.BOM_UTF8 + TEXT.encode("utf-8")
    d = decode_bytes(body, "text/html; charset=gbk")
    assert d.text == TEXT and d.encoding == "utf-8" and d.lied
    d = decode_bytes(codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"))
    assert d.text == TEXT and d.encoding == "utf-16-le"


def test_valid_utf8_is_utf8_whatever_the_header_says():
    d = decode_bytes(TEXT.encode("utf-8"), "text/html; charset=GB2312")
    assert (d.text, d.encoding, d.declared, d.lied) == (TEXT, "utf-8", "GB2312", True)


def test_gb2312_label_reads_as_gb18030():
    body = TEXT.encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        body.decode("gb2312")
    d = decode_bytes(body, "gb2312")
    assert d.text == TEXT and d.encoding == "gb18030" and not d.lied


def test_big5_label_reads_as_big5hkscs():
    text = "香港的嘢好正,我哋㗎" * 3
    body = text.encode("big5hkscs")
    d = decode_bytes(b'<meta charset="big5">' + body)
    assert d.text.endswith(text) and d.encoding == "big5hkscs" and not d.lied


def test_meta_that_lies_is_overruled():
    body = '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">'.encode() \
        + (TEXT * 4).encode("gb18030")
    d = decode_bytes(body)
    assert d.encoding == "gb18030" and d.lied and (TEXT * 4) in d.text


def test_header_wins_over_meta_when_the_bytes_agree():
    body = b'<meta charset="big5">' + (TEXT * 3).encode("gb18030")
    d = decode_bytes(body, "text/html; charset=gbk")
    assert d.encoding == "gb18030" and (TEXT * 3) in d.text and d.lied  # the meta lied


def test_undeclared_gbk_is_detected():
    d = decode_bytes(("<p>" + TEXT * 5 + "</p>").encode("gb18030"))
    assert d.encoding == "gb18030" and TEXT in d.text and not d.lied


def test_invalid_bytes_are_replaced_and_counted():
    body = (TEXT * 5).encode("gb18030")
    body = body[:19] + b"\xff" + body[19:]  # between "," and 鎔
    d = decode_bytes(body, "gbk")
    assert d.replaced == 1 and d.text.count("\ufffd") == 1
    assert TEXT in d.text


def test_charset_parsing():
    assert header_charset_of("text/html; charset=\"GBK\"") == "GBK"
    assert header_charset_of("gb2312") == "gb2312"
    assert header_charset_of("text/html") is None
    assert meta_charset(b"<html><head><meta charset='gb2312'>") == "gb2312"
    assert meta_charset(b"<html>no declaration") is None


def _bigrams(s: str) -> set[str]:
    s = re.sub(r"\s+", "", s)
    return {s[i:i + 2] for i in range(len(s) - 1) if "\u4e00" <= s[i] <= "\u9fff"}


def test_cwced_pages_decode_to_their_labelled_text():
    pages = sorted(need(CWCED / "original").glob("*.html"))
    recalls = []
    for page in pages:
        label = (CWCED / "cleaned" / (page.stem + ".txt")).read_text("utf-8", "replace")
        want = _bigrams(label)
        d = decode_bytes(page.read_bytes())
        if not want:
            continue
        recall = len(want & _bigrams(d.text)) / len(want)
        recalls.append(recall)
        # labels are imperfect (one stops mid-article, some keep link lists): per page
        # a majority of the label's bigrams, on average nearly all
        assert recall > 0.5, (page.name, d.encoding, recall)
    assert sum(recalls) / len(recalls) > 0.9


#: traditional text as a Taiwan or Hong Kong page holds it (every character in Big5)
BIG5_TEXT = "臺灣的營商環境報告指出,企業開辦時間縮短為一天。"
#: a short GBK text whose bytes Big5 also reads
SHORT_GB = "各位好，我是安东尼。欢迎收听法国报纸摘要"


class _Lying(BaseHTTPRequestHandler):
    PAGES = {
        "/header-lies": ("text/html; charset=utf-8", b"", "gb18030", TEXT * 5),
        "/meta-lies": ("text/html", b'<meta charset="iso-8859-1">', "gb18030", TEXT * 5),
        "/utf8-under-gbk": ("text/html; charset=gbk", b"", "utf-8", TEXT * 5),
        # GB18030 reads nearly any high bytes: a Big5 page served as GBK decodes "strictly"
        "/big5-under-gbk": ("text/html; charset=gbk", b"", "big5hkscs", BIG5_TEXT * 3),
        "/gbk-under-big5": ("text/html; charset=big5", b"", "gb18030", SHORT_GB),
        # a web server's default charset on a short page: too few letters to count
        "/gbk-under-latin1": ("text/html; charset=iso-8859-1", b"", "gb18030", SHORT_GB),
    }

    def do_GET(self):
        ctype, prefix, codec, text = self.PAGES[self.path]
        body = prefix + ("<p>" + text + "</p>").encode(codec)
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Lying)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


@pytest.mark.parametrize("path", list(_Lying.PAGES))
def test_served_pages_whose_declarations_lie(server, path):
    _, _, codec, text = _Lying.PAGES[path]
    with urlopen(server + path, timeout=10) as resp:
        body = resp.read()
        header = resp.headers.get("Content-Type")
    d = decode_bytes(body, header)
    assert text in d.text
    assert d.encoding == codec and d.lied


def test_what_a_declaration_names_stands_when_it_reads_as_chinese():
    # the other codec reads these bytes too, as rarer characters: the declaration holds
    for text, codec, label in ((BIG5_TEXT, "big5hkscs", "big5"), (SHORT_GB, "gb18030", "gbk")):
        d = decode_bytes(text.encode(codec), label)
        assert (d.text, d.encoding, d.lied) == (text, codec, False)
    # and European text served as Latin-1 is Latin-1, whatever GB18030 makes of it
    for text in ("Müller und Ångström sind hier.", "ÄÖÜ äöü ß éèê àâ ïî ôö ùûü ç"):
        d = decode_bytes(text.encode("latin-1"), "iso-8859-1")
        assert (d.text, d.lied) == (text, False)
