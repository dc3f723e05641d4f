"""A portal on Hanweb's CMS (大汉 JCMS), served on 127.0.0.1 for the column-list tests.

Shaped as public crawlers of Jiangsu's, Shandong's and Beijing's portals show it: a column
page ``/col/colN/index.html`` whose records sit as CDATA in ``<script type="text/xml">
<datastore>`` (no article link in its HTML), groups after it from
``/module/web/jpage/dataproxy.jsp?page=K&…`` named by each datastore's ``<nextgroup>``
(an XML document with a declaration), and articles ``/art/Y/M/D/art_N_ID.html`` with the
CMS's ``ArticleTitle``/``PubDate``/``ContentSource`` metas and a file attached through its
download script. A dataproxy request without the
column's ``columnid``, ``unitid`` and ``webid`` is answered 400, as a crawler that guessed
the address instead of following the page would be. Past the last group the answer holds
no records but still names a next group.
"""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from crawl_portal import FOOTER, NAV, _paras
from loopback import LoopbackSite, QuietHandler

UNIT, WEB = "3051", "2"
PER_GROUP = 4
#: column id → number of groups with records (the column page is group 0)
COLUMNS = {"7": 3, "8": 3}
#: a sidebar's column of hot items: never a listing of the columns above
SIDEBAR = "9"
PROXY = "/module/web/jpage/dataproxy.jsp"
DOWNLOAD = "/module/download/downfile.jsp"
PLAN_PDF = Path(__file__).resolve().parents[1] / "fixtures" / "attachments" / "plan.pdf"


def article_path(column: str, group: int, n: int) -> str:
    return f"/art/2024/3/{10 - group}/art_{column}_{group * 100 + n}.html"


def article_title(column: str, group: int, n: int) -> str:
    return f"第{column}欄第{group}組第{n}條：關於進一步優化營商環境的若干措施"


def proxy_query(column: str, page: int) -> str:
    return (f"page={page}&appid=1&webid={WEB}&path=/&columnid={column}&unitid={UNIT}"
            f"&webname={quote(quote('示例省人民政府'))}&permissiontype=0")


def datastore(column: str, group: int, paths_titles: list[tuple[str, str]]) -> str:
    records = "".join(
        f"<record><![CDATA[\n<li><a href='{p}' title='{t}' target=\"_blank\">{t[:14]}...</a>"
        f"<span>2024-03-{10 - group:02d}</span></li>]]></record>\n"
        for p, t in paths_titles)
    # what real answers hold beside the records: an empty list a script fills
    return (f"<datastore>\n<nextgroup><![CDATA[<a href=\"{PROXY}?{proxy_query(column, group + 1)}\"></a>]]>"
            f"</nextgroup>\n<recordset><ul id=\"information-list\"></ul>\n{records}</recordset>\n</datastore>")


def group_records(column: str, group: int) -> list[tuple[str, str]]:
    if group >= COLUMNS.get(column, 0):
        return []
    return [(article_path(column, group, n), article_title(column, group, n)) for n in range(1, PER_GROUP + 1)]


def column_page(column: str) -> bytes:
    sidebar = datastore(SIDEBAR, 0, [("/art/2024/2/1/art_9_900.html", "熱點：全省春季招商引資活動成功舉辦")])
    return (
        "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\" "
        "\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">"
        "<html><head><meta charset=\"utf-8\"><meta name=\"ColumnName\" content=\"政策文件\">"
        f"<title>政策文件_示例省人民政府</title></head><body>{NAV}"
        f"<div class=\"side\"><h3>熱點信息</h3><div id=\"441\"><script type=\"text/xml\">{sidebar}</script></div></div>"
        f"<div class=\"main\"><div id=\"{UNIT}\"><script type=\"text/xml\">"
        f"{datastore(column, 0, group_records(column, 0))}</script></div>"
        "<script language=\"javascript\" src=\"/module/web/jpage/jpage.js\"></script>"
        f"<script>$('#{UNIT}').jpage({{totalRecord:{COLUMNS[column] * PER_GROUP},perPage:15}});</script></div>"
        f"{FOOTER}</body></html>"
    ).encode("utf-8")


def proxy_answer(column: str, page: int) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            + datastore(column, page, group_records(column, page))).encode("utf-8")


def attachment_of(path: str) -> tuple[str, str]:
    """(path, link text) of the file an article attaches, through the CMS's download script:
    column 7's are a PDF (``tests/fixtures/attachments/plan.pdf``), column 8's are gone (404)."""
    column, number = path.rsplit("/", 1)[-1].split(".")[0].split("_")[1:]
    return f"{DOWNLOAD}?classid={column}&filename=2403{number}.pdf", "附件：實施方案全文"


def article_page(path: str, title: str, date: str) -> bytes:
    paras = "".join(f"<p>{p}</p>" for p in _paras(title))
    link, text = attachment_of(path)
    paras += f"<p><a href=\"{link.replace('&', '&amp;')}\">{text}</a></p>"
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
        f"<meta name=\"ArticleTitle\" content=\"{title}\"><meta name=\"PubDate\" content=\"{date} 09:30\">"
        "<meta name=\"ContentSource\" content=\"示例省發展改革委\">"
        f"<title>{title}_示例省人民政府</title></head><body>{NAV}"
        f"<div class=\"main\"><h1>{title}</h1><div id=\"zoom\">{paras}</div></div>{FOOTER}</body></html>"
    ).encode("utf-8")


class HanwebPortal(LoopbackSite):
    def __init__(self):
        self.articles: dict[str, tuple[str, str]] = {}
        for column, groups in COLUMNS.items():
            for group in range(groups):
                for n in range(1, PER_GROUP + 1):
                    self.articles[article_path(column, group, n)] = (
                        article_title(column, group, n), f"2024-03-{10 - group:02d}")
        self.articles["/art/2024/2/1/art_9_900.html"] = ("熱點：全省春季招商引資活動成功舉辦", "2024-02-01")
        #: (path, query as a dict) of every request
        self.requests: list[tuple[str, dict]] = []
        self._lock = threading.Lock()
        portal = self

        class Handler(QuietHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                with portal._lock:
                    portal.requests.append((parts.path, query))
                self.answer(*portal.answer(parts.path, query))

        self.serve(Handler)

    def answer(self, path: str, query: dict) -> tuple[int, bytes, str]:
        html = "text/html; charset=utf-8"
        if path == "/robots.txt":
            return 200, b"User-agent: *\nDisallow:\n", "text/plain"
        for column in COLUMNS:
            if path == f"/col/col{column}/index.html":
                return 200, column_page(column), html
        if path == PROXY:
            column = query.get("columnid")
            if (column not in COLUMNS or query.get("unitid") != UNIT or query.get("webid") != WEB
                    or not query.get("page", "").isdigit()):
                return 400, b"bad request", "text/plain"
            return 200, proxy_answer(column, int(query["page"])), "text/xml;charset=UTF-8"
        if path in self.articles:
            return 200, article_page(path, *self.articles[path]), html
        if path == DOWNLOAD and query.get("classid") == "7" and query.get("filename", "").endswith(".pdf"):
            return 200, PLAN_PDF.read_bytes(), "application/octet-stream"
        return 404, b"not found", "text/plain"

    def proxy_pages(self, column: str) -> list[int]:
        with self._lock:
            return [int(q["page"]) for p, q in self.requests if p == PROXY and q.get("columnid") == column]

    def downloads(self) -> list[str]:
        with self._lock:
            return [f"{q.get('classid')}/{q.get('filename')}" for p, q in self.requests if p == DOWNLOAD]

    def paths(self) -> list[str]:
        with self._lock:
            return [p for p, _ in self.requests]

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()
