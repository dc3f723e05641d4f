"""The editors' web app: one FastAPI application over the store interface.

Server-rendered pages (Jinja2, autoescaped, no JavaScript) and the JSON API they are
built from share one search function, so a shared link and an API call always agree.
The app works unchanged on SQLite or Elasticsearch because it only speaks ``Store``.

Defence in depth for hostile crawled text: templates autoescape, snippets are re-sanitised
(``safety.safe_snippet``), links to originals must be http(s), and every response carries
a Content-Security-Policy that forbids any script at all.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipeline.errors import StoreError, UserError
from pipeline.timeutil import beijing_time
from pipeline.web import display, safety
from pipeline.web.access import Access, host_allowed

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"

#: the filter lists (sources in the index, lexicon tags) are re-read this often, not per search
FILTER_TTL_SECONDS = 60.0


@dataclass
class WebContext:
    """What every request handler needs; kept on ``app.state.web``."""

    store: object
    config_dir: Path
    data_dir: Path
    lexicon: object = None
    _filters: tuple[float, list[str]] | None = field(default=None, repr=False)
    _baseline_seen: bool = field(default=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def indexed_sources(self) -> list[str]:
        """Source names in the index, for the filter list (cached: stats() counts rows)."""
        with self._lock:
            now = time.monotonic()
            if self._filters is None or now - self._filters[0] > FILTER_TTL_SECONDS:
                names = sorted((self.store.stats().get("sources") or {}).keys())
                self._filters = (now, names)
            return list(self._filters[1])

    def baseline_loading(self) -> bool:
        """True until the index holds the seed baseline (asked per request until then, never
        after: a loaded baseline stays loaded). An index that cannot answer is not "loading":
        its own error shows where the search runs."""
        if self._baseline_seen:
            return False
        from pipeline.baseline import baseline_loaded

        try:
            self._baseline_seen = baseline_loaded(self.store)
        except UserError:
            return False
        return not self._baseline_seen

    def topic_tags(self) -> list[str]:
        topics = getattr(self.lexicon, "topics", None) or []
        return [t.tag for t in topics]


def _templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,  # every template, whatever its name: crawled text is hostile
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["bj"] = beijing_time
    env.filters["snippet"] = safety.safe_snippet
    env.filters["link"] = safety.safe_link
    env.filters["script"] = display.script_of
    env.globals["display_title"] = display.display_title
    return Jinja2Templates(env=env)


def create_app(
    store,
    *,
    config_dir: Path,
    data_dir: Path,
    lexicon=None,
    access: Access | None = None,
    allowed_hosts: tuple[str, ...] | None = None,
) -> FastAPI:
    """The app over an open ``store``. ``allowed_hosts`` limits the Host header (a loopback
    server passes ``access.LOOPBACK_HOSTS`` against DNS rebinding); ``access`` asks for the
    token when set."""
    from pipeline.web import api, pages

    access = access or Access()
    app = FastAPI(
        title="newsmon",
        summary="Search and read the newsmon index; follow the monitor.",
        version="1",
        # the interactive docs pages load their code from a CDN: only the description ships
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.web = WebContext(store=store, config_dir=Path(config_dir), data_dir=Path(data_dir), lexicon=lexicon)
    app.state.templates = _templates()

    @app.middleware("http")
    async def guard(request: Request, call_next):
        started = time.perf_counter()
        if not host_allowed(request.headers.get("host"), allowed_hosts):
            response: Response = PlainTextResponse("unknown host\n", status_code=400)
        elif not access.allows(request.headers.get("authorization")):
            response = PlainTextResponse(
                "newsmon: this page needs the access token (NEWSMON_WEB_TOKEN)\n",
                status_code=401,
                headers={"WWW-Authenticate": 'Basic realm="newsmon", charset="UTF-8"'},
            )
        else:
            response = await call_next(request)
        for name, value in safety.SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        # the app's own time, apart from the network and the client (bench/web.py prints it)
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError):
        status = 503 if isinstance(exc, StoreError) else 400
        return error_response(request, status, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        return error_response(request, exc.status_code, message)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception):
        import logging

        logging.getLogger(__name__).exception("web request failed: %s", request.url.path)
        return error_response(request, 500, "internal error; the server log has the details")

    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    return app


def error_response(request: Request, status: int, message: str) -> Response:
    """JSON ``{"error": ...}`` under /api, else the page with the message; one line either way."""
    message = " ".join(str(message).split())
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status)
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request, "error.html", {"status": status, "message": message}, status_code=status
    )


def html_page(request: Request, template: str, context: dict, status: int = 200) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, template, context, status_code=status)
