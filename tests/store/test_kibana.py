"""The shipped Kibana objects, and `newsmon kibana import` against a local stand-in for
Kibana's saved-objects import endpoint (no Kibana runs here; the stand-in checks the request
the way Kibana's API defines it: multipart NDJSON in a `file` part, `kbn-xsrf`, `overwrite`)."""

from __future__ import annotations

import base64
import json
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from pipeline.kibana.objects import NDJSON, QUERY_YINGSHANG, all_objects, to_ndjson
from pipeline.store.es_template import ARTICLE_PROPERTIES


def shipped() -> list[dict]:
    return [json.loads(line) for line in NDJSON.read_text(encoding="utf-8").splitlines()]


def test_shipped_file_is_the_generated_one():
    assert NDJSON.read_text(encoding="utf-8") == to_ndjson(all_objects())


def test_objects_reference_each_other_and_real_fields():
    objs = shipped()
    by_key = {(o["type"], o["id"]): o for o in objs}
    for o in objs:
        for ref in o["references"]:
            assert (ref["type"], ref["id"]) in by_key, (o["id"], ref)
    view = by_key[("index-pattern", "newsmon-articles")]
    assert view["attributes"]["title"] == "newsmon-articles"
    assert view["attributes"]["timeFieldName"] == "published_at"
    assert ARTICLE_PROPERTIES["published_at"]["type"] == "date"
    searches = {o["attributes"]["title"]: o for o in objs if o["type"] == "search"}
    assert "營商環境 latest" in searches
    src = json.loads(searches["營商環境 latest"]["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    assert src["query"] == {"query": QUERY_YINGSHANG, "language": "kuery"}
    for field in ("title_s", "text_s"):
        assert ARTICLE_PROPERTIES[field]["type"] == "text"
    # visualisations aggregate on keyword/date fields only
    for o in objs:
        if o["type"] != "visualization":
            continue
        for agg in json.loads(o["attributes"]["visState"])["aggs"]:
            field = agg["params"].get("field")
            if field:
                assert ARTICLE_PROPERTIES[field]["type"] in ("keyword", "date"), field
    dash = by_key[("dashboard", "newsmon-newsroom")]
    panels = json.loads(dash["attributes"]["panelsJSON"])
    ref_names = {r["name"] for r in dash["references"]}
    assert len(panels) == 3 and {p["panelRefName"] for p in panels} == ref_names


class FakeKibana(BaseHTTPRequestHandler):
    requests: list = []
    reply: tuple = (200, {"success": True, "successCount": 6})

    def log_message(self, *a):
        pass

    def do_GET(self):
        self._send(200, {"status": {"overall": {"level": "available"}}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        url = urlsplit(self.path)
        ctype = self.headers.get("Content-Type", "")
        msg = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
        parts = {p.get_param("name", header="content-disposition"): p for p in msg.iter_parts()} if msg.is_multipart() else {}
        self.requests.append(
            {
                "path": url.path,
                "query": parse_qs(url.query),
                "xsrf": self.headers.get("kbn-xsrf"),
                "auth": self.headers.get("Authorization"),
                "multipart": msg.is_multipart(),
                "filename": parts["file"].get_filename() if "file" in parts else None,
                "file": parts["file"].get_payload(decode=True).decode("utf-8") if "file" in parts else None,
            }
        )
        if not self.headers.get("kbn-xsrf"):
            return self._send(400, {"statusCode": 400, "error": "Bad Request", "message": "Request must contain a kbn-xsrf header."})
        if "file" not in parts or not parts["file"].get_filename().endswith(".ndjson"):
            return self._send(415, {"statusCode": 415, "message": "Unsupported Media Type"})
        code, payload = self.reply
        self._send(code, payload)

    def _send(self, code, payload):
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def kibana():
    FakeKibana.requests = []
    FakeKibana.reply = (200, {"success": True, "successCount": 6})
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeKibana)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", FakeKibana
    server.shutdown()
    server.server_close()


def write_settings(tmp_path, text: str):
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    (config / "settings.yaml").write_text(text, encoding="utf-8")
    return config


def test_import_sends_multipart_ndjson_with_xsrf_and_overwrite(cli, kibana, tmp_path, monkeypatch):
    url, handler = kibana
    monkeypatch.setenv("KIBANA_PW", "s3cret")
    config = write_settings(
        tmp_path,
        f"index:\n  backend: sqlite\n  prefix: newsroom\nkibana:\n  url: {url}\n  username: editor\n  password: ${{KIBANA_PW}}\n",
    )
    code, out, err = cli("--config", str(config), "kibana", "import", "--space", "desk", "--wait", "5")
    assert code == 0, err
    assert "imported 6 saved objects" in out
    req = handler.requests[-1]
    assert req["path"] == "/s/desk/api/saved_objects/_import"
    assert req["query"] == {"overwrite": ["true"]}
    assert req["xsrf"] == "true"
    assert req["multipart"] and req["filename"].endswith(".ndjson")
    assert req["auth"] == "Basic " + base64.b64encode(b"editor:s3cret").decode()
    sent = [json.loads(line) for line in req["file"].splitlines()]
    assert [o["id"] for o in sent] == [o["id"] for o in shipped()]
    view = next(o for o in sent if o["type"] == "index-pattern")
    assert view["attributes"]["title"] == "newsroom-articles"  # follows the configured prefix


def test_import_reports_kibanas_errors(cli, kibana, tmp_path):
    url, handler = kibana
    handler.reply = (200, {"success": False, "successCount": 5, "errors": [
        {"id": "newsmon-newsroom", "type": "dashboard", "error": {"type": "missing_references", "message": "x"}}]})
    code, out, err = cli("kibana", "import", "--url", url, "--no-overwrite")
    assert code == 1
    assert "dashboard newsmon-newsroom: missing_references" in err
    assert handler.requests[-1]["query"] == {"overwrite": ["false"]}
    handler.reply = (401, {"statusCode": 401, "error": "Unauthorized", "message": "[security_exception] unable to authenticate"})
    code, out, err = cli("kibana", "import", "--url", url)
    assert code == 2 and "refused the import (401)" in err and len(err.strip().splitlines()) == 1


def test_import_when_kibana_is_not_there(cli, tmp_path):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    code, _, err = cli("kibana", "import", "--url", f"http://127.0.0.1:{port}")
    assert code == 2 and "did not answer" in err
