"""Reading attached files for search against a local site: read once, kept from the stored
version, never fetched when their format cannot be read, given up for good only when asking
again cannot help, within the crawl's budget, robots.txt and delay."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipeline.attachread import AttachmentReader, ReadOptions
from pipeline.model import Article

PLAN = (Path(__file__).resolve().parents[1] / "fixtures" / "attachments" / "plan.pdf").read_bytes()


class Site:
    """/fj/*.pdf: the plan; /gone.docx: 404; /busy.pdf: 503; /private/*: barred by robots.txt."""

    def __init__(self):
        self.requests: list[tuple[str, float]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                site.requests.append((self.path, time.monotonic()))
                if self.path == "/robots.txt":
                    status, body = 200, b"User-agent: *\nDisallow: /private/\n"
                elif self.path.startswith(("/fj/", "/private/")):
                    status, body = 200, PLAN
                else:
                    status, body = (503 if "busy" in self.path else 404), b"no"
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def files(self) -> list[str]:
        return [p for p, _ in self.requests if p != "/robots.txt"]


@pytest.fixture
def site():
    s = Site()
    yield s
    s.server.shutdown()
    s.server.server_close()


def article(site, *names: str) -> Article:
    return Article(id="a", url=f"{site.base}/notice.html", source="t",
                   attachments=[{"url": f"{site.base}/{n}", "title": n} for n in names])


def reader(**kw) -> AttachmentReader:
    return AttachmentReader(ReadOptions("newsmon-test", delay=kw.pop("delay", 0.0), timeout=5.0, **kw))


def test_files_are_read_or_say_why_not(site):
    a = article(site, "fj/plan.pdf", "gone.docx", "busy.pdf", "table.wps", "private/plan.pdf")
    r = reader()
    r.fill(a)
    plan, gone, busy, wps, private = a.attachments
    assert "企業開辦時間壓縮至1個工作日以內" in plan["text"] and "unread" not in plan
    assert gone == {"url": f"{site.base}/gone.docx", "title": "gone.docx", "unread": "HTTP 404"}
    assert "text" not in busy and "unread" not in busy  # a bad moment of the site: tried again next time
    assert wps["unread"] == "not a format newsmon reads (.wps)"
    assert private["unread"] == "robots.txt forbids newsmon to fetch it"
    # the WPS file is not fetched at all, nor the one robots.txt bars; robots.txt is read once
    assert site.files() == ["/fj/plan.pdf", "/gone.docx", "/busy.pdf"]
    assert [p for p, _ in site.requests].count("/robots.txt") == 1
    assert (r.read, r.unread) == (1, 3)


def test_the_stored_versions_reading_is_kept_and_nothing_fetched_again(site):
    before = article(site, "fj/plan.pdf", "gone.docx", "busy.pdf")
    reader().fill(before)
    site.requests.clear()
    again = article(site, "fj/plan.pdf", "gone.docx", "busy.pdf", "fj/new.pdf")
    reader().fill(again, previous=before)
    assert again.attachments[:2] == before.attachments[:2]
    # only what was never settled is fetched: the busy file and the new one
    assert site.files() == ["/busy.pdf", "/fj/new.pdf"]


def test_a_last_try_gives_up_on_a_site_that_does_not_answer(site):
    a = article(site, "busy.pdf")
    reader().fill(a)
    assert "unread" not in a.attachments[0]
    reader().fill(a, last_try=True)
    assert a.attachments[0]["unread"] == "HTTP 503"
    site.requests.clear()
    reader().fill(a, last_try=True)
    assert site.requests == []  # given up on: not asked again


def test_a_budget_of_files_and_a_delay_between_files_of_one_site(site):
    a = article(site, "fj/1.pdf", "fj/2.pdf", "fj/3.pdf")
    reader(budget=2, delay=0.3).fill(a)
    assert site.files() == ["/fj/1.pdf", "/fj/2.pdf"]
    assert "text" not in a.attachments[2] and "unread" not in a.attachments[2]  # left for next time
    (_, first), (_, second) = [r for r in site.requests if r[0].startswith("/fj/")]
    assert second - first >= 0.3


def test_an_article_without_attachments_costs_nothing(site):
    a = Article(id="b", source="t")
    reader().fill(a)
    assert a.attachments is None and site.requests == []


def test_an_articles_files_hold_a_bounded_amount_of_text(site, monkeypatch):
    import pipeline.attachread as attachread

    monkeypatch.setattr(attachread, "MAX_ARTICLE_CHARS", 50)  # the plan holds more than this
    a = article(site, "fj/1.pdf", "fj/2.pdf")
    reader().fill(a)
    assert "text" in a.attachments[0]
    assert a.attachments[1]["unread"] == "the article's other files already hold 50 characters"
    assert site.files() == ["/fj/1.pdf"]
