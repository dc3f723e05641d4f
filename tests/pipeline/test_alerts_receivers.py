"""Local stand-ins for the services alerts are sent to, run by the tests on 127.0.0.1:
a webhook/robot receiver that records requests and answers from a script, and an SMTP
server (aiosmtpd) with STARTTLS on a throw-away certificate.

Also imported by tests/daemon and bench/daemon.py.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class Receiver:
    """POSTs land in ``requests`` as {path, query, headers, body}. ``answers`` is a list of
    (status, json_body) consumed one per request; when empty, ``default`` answers."""

    def __init__(self, default=(200, {"errcode": 0, "code": 0}), answers=None):
        self.requests: list[dict] = []
        self.answers = list(answers or [])
        self.default = default
        self.lock = threading.Lock()
        self.event = threading.Condition(self.lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n)
                parts = urllib.parse.urlsplit(self.path)
                with receiver.lock:
                    status, body = receiver.answers.pop(0) if receiver.answers else receiver.default
                    if status // 100 == 2:
                        receiver.requests.append({
                            "path": parts.path,
                            "query": dict(urllib.parse.parse_qsl(parts.query)),
                            "raw_query": parts.query,
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                            "body": json.loads(raw.decode("utf-8")) if raw else None,
                            "t": time.time(),
                        })
                    else:
                        receiver.refused = getattr(receiver, "refused", 0) + 1
                    receiver.event.notify_all()
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float) -> bool:
        with self.lock:
            return self.event.wait_for(lambda: len(self.requests) >= count, timeout)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_cert(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 / localhost (openssl CLI)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


class SMTPServer:
    """aiosmtpd on a free port, STARTTLS required, AUTH accepted for one user."""

    def __init__(self, folder: Path, user="newsmon", password="pw"):
        import ssl

        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.cert, key = make_cert(folder)
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert, key)
        self.messages: list = []
        outer = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                outer.messages.append(envelope)
                return "250 OK"

        def auth(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login == user.encode() and auth_data.password == password.encode()
            return AuthResult(success=ok)

        self.controller = Controller(
            Handler(), hostname="127.0.0.1", port=free_port(), tls_context=ctx, require_starttls=True,
            authenticator=auth, auth_require_tls=True,
        )

    def __enter__(self):
        self.controller.start()
        return self

    @property
    def port(self) -> int:
        return self.controller.port

    def __exit__(self, *exc):
        self.controller.stop()


def test_receiver_records_and_answers():
    import httpx

    with Receiver(answers=[(500, {})]) as r:
        assert httpx.post(r.url + "/x", json={"a": 1}).status_code == 500
        assert httpx.post(r.url + "/x?k=v", json={"a": 2}).status_code == 200
        assert [q["body"]["a"] for q in r.requests] == [2] and r.requests[0]["query"] == {"k": "v"}
