"""Snippet sanitising, link checking, access control and the bind-address rule."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from pipeline.errors import UserError
from pipeline.snippet import make_snippet
from pipeline.web.access import Access, check_bind, host_allowed, is_loopback
from pipeline.web.safety import safe_link, safe_snippet
from tests.web.conftest import make_app


@pytest.mark.parametrize(
    "raw, expected",
    [
        # the store's contract: escaped text, hits in <mark>
        ("a &lt;b&gt; <mark>營商</mark> c", "a &lt;b&gt; <mark>營商</mark> c"),
        # a highlighter that forgot to escape: the markup still ends up as text
        ("<script>alert(1)</script><mark>x</mark>", "&lt;script&gt;alert(1)&lt;/script&gt;<mark>x</mark>"),
        ('<img src=x onerror="alert(2)">', "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;"),
        # marks with attributes are not marks
        ('<mark onclick="x()">y</mark>', "&lt;mark onclick=&quot;x()&quot;&gt;y"),
        # an unclosed mark is closed, a stray close dropped, nesting flattened
        ("<mark>a", "<mark>a</mark>"),
        ("a</mark>b", "ab"),
        ("<mark><mark>a</mark></mark>", "<mark>a</mark>"),
        # crawled text that spells an entity keeps spelling it
        ("&amp;lt;mark&amp;gt;", "&amp;lt;mark&amp;gt;"),
        ("", ""),
        (None, ""),
    ],
)
def test_safe_snippet(raw, expected):
    assert str(safe_snippet(raw)) == expected


def test_store_snippets_pass_unchanged():
    text = "營商環境 <b>x</b> & 優化營商環境"
    snip = make_snippet(text, ["营商环境"])
    assert str(safe_snippet(snip)) == snip


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://www.hubei.gov.cn/a.shtml", True),
        ("http://news.cjn.cn/x", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("data:text/html,<script>", False),
        ("//evil.example/x", False),
        ("https://a.example/x\ny", False),
        ("", False),
        (None, False),
    ],
)
def test_safe_link(url, ok):
    assert (safe_link(url) is not None) == ok


def test_loopback_detection():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1") and is_loopback("[::1]")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("example.org")


def test_network_bind_needs_a_token():
    with pytest.raises(UserError, match="NEWSMON_WEB_TOKEN"):
        check_bind("0.0.0.0", Access())
    check_bind("0.0.0.0", Access(token="s3cret-token-123"))
    check_bind("127.0.0.1", Access())


def test_token_from_env():
    assert Access.from_env({}).required is False
    assert Access.from_env({"NEWSMON_WEB_TOKEN": "abcdefghijkl"}).token == "abcdefghijkl"
    with pytest.raises(UserError, match="too short"):
        Access.from_env({"NEWSMON_WEB_TOKEN": "short"})
    with pytest.raises(UserError, match="NEWSMON_WEB_USER is set"):
        Access.from_env({"NEWSMON_WEB_USER": "desk"})


def test_host_header_check():
    loop = ("127.0.0.1", "localhost", "[::1]", "::1")
    assert host_allowed("127.0.0.1:8080", loop) and host_allowed("localhost", loop)
    assert host_allowed("[::1]:8080", loop)
    assert not host_allowed("evil.example:8080", loop) and not host_allowed(None, loop)
    assert host_allowed("anything", None)


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_token_protects_pages_and_api(store, site):
    token = "correct-horse-battery"
    app = make_app(store, site, access=Access(token=token))
    with TestClient(app) as c:
        for path in ("/", "/search?q=营商", "/articles/trad0001", "/monitor", "/api/search", "/api/openapi.json",
                     "/static/style.css"):
            r = c.get(path)
            assert r.status_code == 401, path
            assert r.headers["www-authenticate"].startswith("Basic")
            assert "content-security-policy" in r.headers
        assert c.get("/api/search", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert c.get("/api/search", headers={"Authorization": "Bearer wrong-token-xx"}).status_code == 401
        assert c.get("/", headers={"Authorization": _basic("anyone", token)}).status_code == 200
        assert c.get("/", headers={"Authorization": _basic("anyone", "nope")}).status_code == 401
        assert c.get("/", headers={"Authorization": "Basic !!notbase64"}).status_code == 401


def test_basic_auth_user_when_named(store, site):
    token = "correct-horse-battery"
    app = make_app(store, site, access=Access(token=token, user="desk"))
    with TestClient(app) as c:
        assert c.get("/", headers={"Authorization": _basic("desk", token)}).status_code == 200
        assert c.get("/", headers={"Authorization": _basic("other", token)}).status_code == 401


def test_a_crash_is_a_page_without_a_traceback(store, site):
    """A bug below the page (here a store that fails) must not show the editor a traceback."""

    class Broken:
        def __getattr__(self, name):
            return getattr(store, name)

        def search(self, req):
            raise RuntimeError("secret internals /home/x/db")

    with TestClient(make_app(Broken(), site), raise_server_exceptions=False) as c:
        r = c.get("/search", params={"q": "营商"})
        assert r.status_code == 500
        assert "internal error" in r.text and "Traceback" not in r.text and "secret internals" not in r.text
        api = c.get("/api/search", params={"q": "营商"})
        assert api.status_code == 500 and api.json() == {"error": "internal error; the server log has the details"}
