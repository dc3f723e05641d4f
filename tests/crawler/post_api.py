"""A list API that answers only POST, served on 127.0.0.1 for the POST-list crawler tests.

Modelled on what public material says of 長江網's channel API (a form with ``chnlId`` and
``pageNo``, rows in ``rows``) and of JSON search APIs (a JSON body, items under
``data.list``). GET, a wrong Content-Type or a body naming the wrong channel is answered
405/400, so a crawler that does not send what the config says gets nothing and the tests
fail. Every request is logged (method, path, parsed body).
"""

from __future__ import annotations

import json
import threading
from urllib.parse import parse_qs, urlsplit

from crawl_portal import Article, _paras
from loopback import LoopbackSite, QuietHandler

PER_PAGE = 3
#: pages that list articles; the page after the last is empty
FORM_PAGES = 3
JSON_PAGES = 2
HTML_PAGES = 2


def article_path(kind: str, page: int, n: int) -> str:
    return f"/{kind}/202403/t202403{page:02d}_{n}.html"


def build_articles() -> dict[str, Article]:
    out = {}
    for kind, pages in (("form", FORM_PAGES), ("json", JSON_PAGES), ("html", HTML_PAGES), ("same", 1)):
        for page in range(1, pages + 1):
            for n in range(1, PER_PAGE + 1):
                path = article_path(kind, page, n)
                title = f"{kind}接口第{page}页第{n}条：优化营商环境工作推进会召开"
                out[path] = Article(path, title, _paras(f"{kind}接口第{page}页第{n}条"),
                                    date=f"2024-03-{page:02d} 09:00", origin="示例日报")
    return out


class PostApi(LoopbackSite):
    def __init__(self):
        self.articles = build_articles()
        #: (method, path, parsed body or None)
        self.requests: list[tuple[str, str, dict | None]] = []
        self._lock = threading.Lock()
        api = self

        class Handler(QuietHandler):
            def do_GET(self):
                path = urlsplit(self.path).path
                with api._lock:
                    api.requests.append(("GET", path, None))
                if path in api.articles:
                    body, ctype = api.articles[path].payload()
                    return self.answer(200, body, ctype)
                if path.startswith("/api/"):
                    return self.answer(405, b"POST only", "text/plain", allow="POST")
                if path == "/robots.txt":
                    return self.answer(200, b"User-agent: *\nDisallow:\n", "text/plain")
                return self.answer(404, b"not found", "text/plain")

            def do_POST(self):
                path = urlsplit(self.path).path
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                body = None
                if ctype == "application/x-www-form-urlencoded":
                    body = {k: v[0] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}
                elif ctype == "application/json":
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        body = None
                with api._lock:
                    api.requests.append(("POST", path, body))
                status, payload, out_type = api.answer_post(path, ctype, body, dict(self.headers))
                self.answer(status, payload, out_type)

        self.serve(Handler)

    def answer_post(self, path: str, ctype: str, body, headers: dict) -> tuple[int, bytes, str]:
        bad = (400, b"bad request", "text/plain")
        if path == "/api/form":  # 長江網-like: form chnlId + pageNo, rows[].DOCPUBURL
            if ctype != "application/x-www-form-urlencoded" or not body or body.get("chnlId") != "15886":
                return bad
            page = _page(body.get("pageNo"))
            if page is None:
                return bad
            rows = [{"DOCPUBURL": self.base + article_path("form", page, n), "DOCTITLE": f"第{page}页第{n}条",
                     "DOCRELTIME": f"2024-03-{page:02d} 09:00:00"}
                    for n in range(1, PER_PAGE + 1)] if page <= FORM_PAGES else []
            return 200, json.dumps({"total": FORM_PAGES * PER_PAGE, "rows": rows}).encode(), "application/json"
        if path == "/api/json":  # JSON body {"channel": "yw", "pageNo": N}; data.list[].link (relative)
            if ctype != "application/json" or not isinstance(body, dict) or body.get("channel") != "yw":
                return bad
            if headers.get("X-Requested-With") != "XMLHttpRequest":
                return bad
            page = body.get("pageNo")
            if not isinstance(page, int) or isinstance(page, bool):
                return bad
            if not 1 <= page <= JSON_PAGES:  # past the end: no list at all, as many APIs answer
                return 200, b'{"code": 0, "data": null}', "application/json; charset=utf-8"
            items = [{"link": article_path("json", page, n), "title": f"第{page}页第{n}条"}
                     for n in range(1, PER_PAGE + 1)]
            return 200, json.dumps({"code": 0, "data": {"list": items}}, ensure_ascii=False).encode(), \
                "application/json; charset=utf-8"
        if path == "/api/html":  # a form answered with an HTML fragment of links
            if ctype != "application/x-www-form-urlencoded" or not body or body.get("type") != "news":
                return bad
            page = _page(body.get("page"))
            if page is None:
                return bad
            items = "".join(
                f'<li><a href="{article_path("html", page, n)}">HTML接口第{page}页第{n}条：优化营商环境工作推进会召开</a>'
                f'<span>2024-03-0{page}</span></li>'
                for n in range(1, PER_PAGE + 1)) if page <= HTML_PAGES else ""
            return 200, f"<html><body><ul class=\"list\">{items}</ul></body></html>".encode(), \
                "text/html; charset=utf-8"
        if path == "/api/same":  # ignores the page field: the same rows whatever the page
            if ctype != "application/x-www-form-urlencoded" or not body:
                return bad
            rows = [{"DOCPUBURL": article_path("same", 1, n)} for n in range(1, PER_PAGE + 1)]
            return 200, json.dumps({"rows": rows}).encode(), "application/json"
        return 404, b"not found", "text/plain"

    def posts(self, path: str) -> list[dict | None]:
        with self._lock:
            return [b for m, p, b in self.requests if m == "POST" and p == path]

    def gets(self, prefix: str) -> list[str]:
        with self._lock:
            return [p for m, p, _ in self.requests if m == "GET" and p.startswith(prefix)]

    def clear_log(self):
        with self._lock:
            self.requests.clear()


def _page(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None
