"""`config/sources.yaml`: the sites newsmon watches, checked once so a crawl never starts on
a typo.

The keys are a contract shared by the crawler, the daemon (schedules from ``every``) and the
web page (titles, ``verified``). Every mistake is reported as one line naming file, line,
source and key, because a user editing YAML by hand needs to know exactly where to look.
Unknown keys are errors too: a misspelt ``max_page`` silently ignored would be worse.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline.config import config_error, load_yaml
from pipeline.errors import ConfigError
from pipeline.paths import config_file
from pipeline.urls import is_http_url

NAME_RE = re.compile(r"^[a-z0-9_-]+$")
_EVERY_RE = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
KEEP_VALUES = ("all", "relevant")
KINDS = ("auto", "html", "feed", "sitemap", "json")
METHODS = ("GET", "POST")

DEFAULT_EVERY = "1h"
DEFAULT_MAX_PAGES = 3
#: an article is fetched again for ``revisit`` at most this often (or the source's
#: ``every``, when longer): portals revise within hours, and a page a crawl asks for again
#: every 30 minutes for days would be a burden on them
REVISIT_GAP_SECONDS = 6 * 3600
#: articles fetched again per source and crawl, the longest unvisited first
REVISIT_MAX = 50

_KNOWN_KEYS = {
    "name", "title", "urls", "every", "article_urls", "max_pages", "keep", "verified",
    "enabled", "kind", "json", "domains", "max_articles", "notes", "revisit",
}
_JSON_KEYS = {"items", "url", "title", "date"}
#: keys of one `urls` entry written as a mapping (a list fetched with POST, or with headers)
_LIST_KEYS = {"url", "method", "form", "json_body", "headers", "page_field", "first_page", "kind", "json"}


@dataclass(frozen=True)
class JsonList:
    """Where a JSON list keeps its items and their fields.

    Paths are dotted (``data.list``; a number indexes a list: ``data.0.items``); an empty
    ``items`` path means the document itself is the list. Field paths are relative to one
    item. Only ``url`` is required: title and date are kept for logs and the monitor page.
    """

    items: str = ""
    url: str = "url"
    title: str | None = None
    date: str | None = None


@dataclass
class ListRequest:
    """How one start URL is asked for.

    Most lists are a plain GET of the URL. Some portals fill their lists from an API that
    answers only POST (a form or a JSON body naming the channel and the page); such a list
    pages by rewriting one field of the body, not by following links, so the page number
    lives here and the spider counts it up to the source's ``max_pages``.
    """

    url: str
    method: str = "GET"
    #: form fields sent url-encoded (POST only)
    form: dict[str, str] | None = None
    #: a JSON document sent as the body (POST only)
    json_body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    #: the body field holding the page number; None: one page only
    page_field: str | None = None
    first_page: int = 1
    #: how to read the answer; None: the source's kind (else detected)
    kind: str | None = None
    #: JSON-list paths for this answer; None: the source's ``json``
    json: JsonList | None = None

    @property
    def plain(self) -> bool:
        """A bare GET of the URL (conditional GET and link pagination apply)."""
        return self.method == "GET" and not self.headers and self.kind is None and self.json is None

    def form_for(self, page: int) -> dict[str, str]:
        data = dict(self.form or {})
        if self.page_field:
            data[self.page_field] = str(page)
        return data

    def json_for(self, page: int) -> dict[str, Any]:
        data = dict(self.json_body or {})
        if self.page_field:
            data[self.page_field] = page
        return data

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return d


@dataclass
class Source:
    name: str
    title: str
    urls: list[str]
    every: str = DEFAULT_EVERY
    every_seconds: int = 3600
    #: compiled ``article_urls``; None means the crawler's link heuristics decide
    article_urls: re.Pattern | None = None
    #: listing pages followed per start URL (the start page counts as one)
    max_pages: int = DEFAULT_MAX_PAGES
    keep: str = "all"
    verified: bool = False
    #: the daemon and a bare `newsmon crawl` skip disabled sources; --source still runs them
    enabled: bool = True
    #: force how the start URLs are read; "auto" detects from the response
    kind: str = "auto"
    json: JsonList | None = None
    #: hosts articles may live on (a host matches itself and its subdomains);
    #: empty means the sites of the start URLs
    domains: list[str] = field(default_factory=list)
    #: cap on article pages fetched in one crawl (None: no cap); guards a first crawl of a
    #: site whose sitemap lists every page it ever published
    max_articles: int | None = None
    notes: str | None = None
    #: how long after it was first stored an article is fetched again to catch a quiet
    #: revision (``2d``); 0 (the default) never fetches a stored article again
    revisit: str | None = None
    revisit_seconds: int = 0
    #: how each start URL is asked for, in the order of ``urls`` (a plain GET unless the
    #: ``urls`` entry is a mapping)
    lists: list[ListRequest] = field(default_factory=list)
    #: where the entry stood, for messages
    line: int = 0

    def __post_init__(self):
        if not self.lists:
            self.lists = [ListRequest(u) for u in self.urls]

    @property
    def sites(self) -> list[str]:
        """Where the source's articles may live: its ``domains``, else the sites of its
        start URLs (``pipeline.urls.site_of``). The crawl keeps to them, and a page
        ingested by hand is credited to the source whose sites it is on."""
        from urllib.parse import urlsplit

        from pipeline.urls import site_of

        return list(self.domains) or sorted({site_of(urlsplit(u).hostname or "") for u in self.urls})

    @property
    def revisit_gap(self) -> int:
        """Seconds between two fetches of one article for ``revisit``."""
        return max(self.every_seconds, REVISIT_GAP_SECONDS)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly view (the regex as its pattern string)."""
        return {
            "name": self.name,
            "title": self.title,
            "urls": list(self.urls),
            "every": self.every,
            "every_seconds": self.every_seconds,
            "article_urls": self.article_urls.pattern if self.article_urls else None,
            "max_pages": self.max_pages,
            "keep": self.keep,
            "verified": self.verified,
            "enabled": self.enabled,
            "kind": self.kind,
            "json": None if self.json is None else asdict(self.json),
            "domains": list(self.domains),
            "max_articles": self.max_articles,
            "revisit": self.revisit,
            "lists": [lst.to_dict() for lst in self.lists],
        }


def parse_every(text: Any) -> int:
    """``30m`` → 1800. Raises ValueError with a user-facing reason."""
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise ValueError("expected an interval such as 30m, 2h or 1d")
    if isinstance(text, int):
        raise ValueError(f"{text!r} has no unit: write {text}s, {text}m, {text}h or {text}d")
    m = _EVERY_RE.match(text)
    if not m:
        raise ValueError(f"{text!r} is not an interval such as 30m, 2h or 1d (units s, m, h, d)")
    seconds = int(m.group(1)) * _UNIT_SECONDS[m.group(2)]
    if seconds <= 0:
        raise ValueError(f"{text!r} must be longer than zero")
    return seconds


def source_for_url(sources: list[Source], url: str) -> str | None:
    """The first configured source whose ``sites`` ``url`` is on, for a page ingested by hand."""
    from pipeline.urls import host_allowed

    return next((src.name for src in sources if host_allowed(url, src.sites)), None)


def sources_path(config_dir: Path) -> Path:
    return config_file(config_dir, "sources.yaml")


def load_sources(config_dir: Path) -> list[Source]:
    """All sources from ``config_dir/sources.yaml`` (else the shipped default), validated."""
    path = sources_path(config_dir)
    data = load_yaml(path, required=True)
    return parse_sources(data, path)


def select_sources(sources: list[Source], names: list[str] | None) -> list[Source]:
    """The sources named (any, enabled or not), or every enabled one when none are named."""
    if not names:
        return [s for s in sources if s.enabled]
    by_name = {s.name: s for s in sources}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        known = ", ".join(sorted(by_name)) or "(none)"
        raise ConfigError(f"unknown source {unknown[0]!r}; sources.yaml defines: {known}")
    seen: set[str] = set()
    return [by_name[n] for n in names if not (n in seen or seen.add(n))]


def parse_sources(data: Any, path: Path) -> list[Source]:
    if data is None:
        raise ConfigError(f"{path}: empty file; expected a `sources:` list")
    if not isinstance(data, dict):
        raise config_error(path, data, None, "(top level)", "expected a mapping with a `sources:` list")
    extra = [k for k in data if k != "sources"]
    if extra:
        raise config_error(path, data, extra[0], str(extra[0]), "unknown key (only `sources:` is allowed)")
    items = data.get("sources")
    if not isinstance(items, list):
        raise config_error(path, data, "sources", "sources", "expected a list of sources")
    out: list[Source] = []
    names: dict[str, int] = {}
    for i, entry in enumerate(items):
        src = _parse_one(entry, items, i, path)
        if src.name in names:
            raise config_error(path, entry, "name", f"sources[{i}].name",
                               f"duplicate source name {src.name!r} (also sources[{names[src.name]}])")
        names[src.name] = i
        out.append(src)
    return out


def _parse_one(entry: Any, items: list, i: int, path: Path) -> Source:
    where = f"sources[{i}]"
    if not isinstance(entry, dict):
        raise config_error(path, items, i, where, "expected a mapping with name, title, urls, every")

    name = entry.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise config_error(path, entry, "name", f"{where}.name",
                           f"{name!r}: required; use lower-case letters, digits, '_' and '-'")
    label = f"source {name!r}: "

    def err(key: str, problem: str, container: Any = entry, line_key: Any = None) -> ConfigError:
        return config_error(path, container, key if line_key is None else line_key,
                            f"{where}.{key}", label + problem)

    for key in entry:
        if key not in _KNOWN_KEYS:
            raise err(str(key), "unknown key (allowed: " + ", ".join(sorted(_KNOWN_KEYS)) + ")", line_key=key)

    title = entry.get("title", name)
    if not isinstance(title, str) or not title.strip():
        raise err("title", "expected a non-empty string")

    urls = entry.get("urls")
    if isinstance(urls, str):
        urls = [urls]
    if not isinstance(urls, list) or not urls:
        raise err("urls", "required: a list of listing pages, feeds, sitemaps or JSON lists")
    clean_urls: list[str] = []
    lists: list[ListRequest] = []
    for j, u in enumerate(urls):
        if isinstance(u, dict):
            lst = _parse_list(u, urls, j, where, label, path)
            clean_urls.append(lst.url)
            lists.append(lst)
            continue
        if not isinstance(u, str) or not is_http_url(u.strip()):
            raise config_error(path, urls if hasattr(urls, "lines") else entry, j if hasattr(urls, "lines") else "urls",
                               f"{where}.urls[{j}]", label + f"{u!r} is not an http(s) URL")
        clean_urls.append(u.strip())
        lists.append(ListRequest(u.strip()))

    every = entry.get("every", DEFAULT_EVERY)
    try:
        every_seconds = parse_every(every)
    except ValueError as exc:
        raise err("every", str(exc)) from None

    pattern = entry.get("article_urls")
    article_urls = None
    if pattern is not None:
        if not isinstance(pattern, str) or not pattern:
            raise err("article_urls", "expected a regular expression string")
        try:
            article_urls = re.compile(pattern)
        except re.error as exc:
            raise err("article_urls", f"invalid regular expression: {exc}") from None

    max_pages = entry.get("max_pages", DEFAULT_MAX_PAGES)
    if isinstance(max_pages, bool) or not isinstance(max_pages, int) or not 1 <= max_pages <= 1000:
        raise err("max_pages", f"{max_pages!r}: expected a whole number from 1 to 1000")

    max_articles = entry.get("max_articles")
    if max_articles is not None and (isinstance(max_articles, bool) or not isinstance(max_articles, int)
                                     or max_articles < 1):
        raise err("max_articles", f"{max_articles!r}: expected a whole number of at least 1")

    keep = entry.get("keep", "all")
    if keep not in KEEP_VALUES:
        raise err("keep", f"{keep!r}: expected 'all' or 'relevant'")

    verified = entry.get("verified", False)
    if not isinstance(verified, bool):
        raise err("verified", f"{verified!r}: expected true or false")
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        raise err("enabled", f"{enabled!r}: expected true or false")

    kind = entry.get("kind", "auto")
    if kind not in KINDS:
        raise err("kind", f"{kind!r}: expected one of {', '.join(KINDS)}")

    json_list = None
    raw_json = entry.get("json")
    if raw_json is not None:
        json_list = _parse_json(raw_json, entry, where, label, path)
    elif kind == "json":
        raise err("kind", "kind json needs a `json:` mapping (items, url, title, date)")

    domains = entry.get("domains", [])
    if isinstance(domains, str):
        domains = [domains]
    if not isinstance(domains, list) or not all(isinstance(d, str) and d.strip() for d in domains):
        raise err("domains", "expected a list of host names")
    domains = [d.strip().lower().lstrip(".") for d in domains]

    notes = entry.get("notes")
    if notes is not None and not isinstance(notes, str):
        raise err("notes", "expected a string")

    revisit = entry.get("revisit")
    revisit_seconds = 0
    if revisit is not None and revisit is not False and revisit != "off":
        try:
            revisit_seconds = parse_every(revisit)
        except ValueError as exc:
            raise err("revisit", f"{exc} (or off)") from None
        if revisit_seconds > 90 * 86400:
            raise err("revisit", f"{revisit!r}: at most 90d")

    return Source(
        name=name,
        title=title.strip(),
        urls=clean_urls,
        every=str(every).strip(),
        every_seconds=every_seconds,
        article_urls=article_urls,
        max_pages=max_pages,
        keep=keep,
        verified=verified,
        enabled=enabled,
        kind=kind,
        json=json_list,
        domains=domains,
        max_articles=max_articles,
        notes=notes,
        revisit=str(revisit).strip() if revisit_seconds else None,
        revisit_seconds=revisit_seconds,
        lists=lists,
        line=getattr(entry, "line", 0),
    )


def _parse_list(raw: dict, urls: list, j: int, where: str, label: str, path: Path) -> ListRequest:
    """One `urls` entry written as a mapping: ``{url, method, form | json_body, headers,
    page_field, first_page, kind, json}``."""
    here = f"{where}.urls[{j}]"

    def err(key: str, problem: str) -> ConfigError:
        return config_error(path, raw, key, f"{here}.{key}", label + problem)

    for key in raw:
        if key not in _LIST_KEYS:
            raise err(str(key), "unknown key (allowed: " + ", ".join(sorted(_LIST_KEYS)) + ")")
    url = raw.get("url")
    if url is None:
        raise config_error(path, urls, j, f"{here}.url", label + "required: the list's http(s) URL")
    if not isinstance(url, str) or not is_http_url(url.strip()):
        raise err("url", f"{url!r} is not an http(s) URL")

    method = raw.get("method", "GET")
    if not isinstance(method, str) or method.strip().upper() not in METHODS:
        raise err("method", f"{method!r}: expected GET or POST")
    method = method.strip().upper()

    form = raw.get("form")
    if form is not None:
        if not isinstance(form, dict):
            raise err("form", "expected a mapping of form fields (name: value)")
        form = {str(k): _scalar(v, lambda p, k=k: config_error(path, form, k, f"{here}.form.{k}", label + p))
                for k, v in form.items()}
    json_body = raw.get("json_body")
    if json_body is not None and not isinstance(json_body, dict):
        raise err("json_body", "expected a mapping (the JSON object to send)")
    if form is not None and json_body is not None:
        raise err("json_body", "give either form or json_body, not both")

    headers = raw.get("headers", {})
    if not isinstance(headers, dict):
        raise err("headers", "expected a mapping of header names to values")
    clean_headers = {}
    for k, v in headers.items():
        value = _scalar(v, lambda p, k=k: config_error(path, headers, k, f"{here}.headers.{k}", label + p))
        if not isinstance(k, str) or not re.match(r"^[A-Za-z0-9-]+$", k) or any(c in value for c in "\r\n"):
            raise config_error(path, headers, k, f"{here}.headers.{k}", label + "not a valid header name or value")
        clean_headers[k] = value

    page_field = raw.get("page_field")
    if page_field is not None and (not isinstance(page_field, str) or not page_field.strip()):
        raise err("page_field", "expected the name of the body field holding the page number")
    first_page = raw.get("first_page", 1)
    if isinstance(first_page, bool) or not isinstance(first_page, int) or first_page < 0:
        raise err("first_page", f"{first_page!r}: expected a whole number (0 or more)")
    if method == "GET":
        for key in ("form", "json_body", "page_field"):
            if raw.get(key) is not None:
                raise err(key, f"{key} is sent in a request body: add `method: POST`")

    kind = raw.get("kind")
    if kind is not None and (kind not in KINDS or kind == "auto"):
        raise err("kind", f"{kind!r}: expected one of html, feed, sitemap, json")
    if method == "POST" and kind in ("feed", "sitemap"):
        raise err("kind", f"{kind!r}: a POST list is read as json or html")
    json_list = _parse_json(raw["json"], raw, here, label, path) if raw.get("json") is not None else None
    return ListRequest(
        url=url.strip(), method=method, form=form, json_body=json_body, headers=clean_headers,
        page_field=page_field.strip() if page_field else None, first_page=first_page,
        kind=kind, json=json_list,
    )


def _scalar(value: Any, fail) -> str:
    """A form field or header value: text or a number (YAML's true/false would be sent as
    'True', which no server expects)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise fail(f"{value!r}: expected a string or a number")
    return str(value)


def _parse_json(raw: Any, entry: dict, where: str, label: str, path: Path) -> JsonList:
    if not isinstance(raw, dict):
        raise config_error(path, entry, "json", f"{where}.json",
                           label + "expected a mapping with items, url, title, date paths")
    for key in raw:
        if key not in _JSON_KEYS:
            raise config_error(path, raw, key, f"{where}.json.{key}",
                               label + "unknown key (allowed: items, url, title, date)")
    values: dict[str, str | None] = {}
    for key in ("items", "url", "title", "date"):
        value = raw.get(key)
        if value is None:
            values[key] = None
            continue
        if not isinstance(value, str):
            raise config_error(path, raw, key, f"{where}.json.{key}",
                               label + f"{value!r}: expected a dotted path such as data.list")
        values[key] = value.strip()
    if not values["url"]:
        raise config_error(path, raw, "url" if "url" in raw else None, f"{where}.json.url",
                           label + "required: the path of each item's URL field")
    return JsonList(items=values["items"] or "", url=values["url"], title=values["title"], date=values["date"])

