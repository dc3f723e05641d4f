"""Elasticsearch as the index: the same ``Store`` interface as SQLite, for a newsroom cluster.

Why this shape:

- Upserts are bulk requests keyed by ``Article.id``. The current copy of each article is
  read first (a realtime ``mget`` across the alias's backing indices), so the outcome
  (new / updated / unchanged) and the history of replaced versions match SQLite, and an
  update goes to the backing index that already holds the article, so a rollover never
  makes a second copy. Writes are conditional (``if_seq_no``), so two writers cannot
  lose each other's version.
- When the cluster is unreachable or refuses a batch for a passing reason (429, 5xx),
  after retries with backoff, the writes go to a durable spool in <data-dir>/state.db
  and the outcome is "queued". While anything is spooled, new writes queue behind it, so
  replay keeps the order in which they were made. A document refused for its content
  (a 400 for that item) is kept aside with the reason ("rejected"), never retried forever.
- Reads use the same query syntax through ``es_query`` and the server's highlighting
  through ``es_highlight``.
"""

from __future__ import annotations

import fcntl
import logging
import os
import random
import threading
import time
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from elasticsearch import ApiError, ConflictError, Elasticsearch, NotFoundError, TransportError

from pipeline.chinese import simplify
from pipeline.errors import ConfigError, StoreError
from pipeline import attached
from pipeline.leftruns import guessed_readings, guessed_spans, search_text
from pipeline.model import Article
from pipeline.query import QueryError, positive_terms
from pipeline.store.base import Hit, SearchRequest, SearchResult, Store, UpsertOutcome, query_node
from pipeline.store.es_highlight import highlight_spec, snippet_from_hit
from pipeline.store.es_query import build_query
from pipeline.store.es_spool import Spool, SpoolItem
from pipeline.store.es_template import Names, rollover, setup
from pipeline.timeutil import parse_iso

log = logging.getLogger(__name__)

_ARTICLE_FIELDS = tuple(Article.__dataclass_fields__)
_TIME_FIELDS = ("published_at", "fetched_at", "ingested_at")
#: per-item statuses worth retrying (the cluster is busy or recovering, not the document)
_RETRY_STATUS = {408, 429, 500, 502, 503, 504}
CHUNK = 500
#: characters of text (article and attachments) in one bulk request at most: an attached
#: plan can hold 200,000, indexed twice (as read and simplified), and a cluster refuses a
#: request over 100 MB (``http.max_content_length``) however often it is sent again
CHUNK_CHARS = 4_000_000
#: searches count matches up to this many, like SQLite's store; beyond, the total is "at least"
COUNT_LIMIT = 10_000


class Unavailable(Exception):
    """The cluster cannot take writes now (unreachable, overloaded, refusing requests)."""


def _now_us() -> int:
    return time.time_ns() // 1000


def _us_to_iso(us: int) -> str:
    return datetime.fromtimestamp(us / 1e6, timezone.utc).isoformat(timespec="microseconds")


def redact(url: str) -> str:
    """A URL fit for messages: no user name or password."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        if parts.port:
            host += f":{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return url


def _reason(exc: Exception) -> str:
    if isinstance(exc, ApiError):
        body = exc.body
        err = body.get("error") if isinstance(body, dict) else body
        if isinstance(err, dict):
            return f"{exc.status_code} {err.get('type')}: {err.get('reason')}"
        return f"{exc.status_code} {err or exc.message}"
    return " ".join(str(exc).split())[:300]


def _item_reason(item: dict) -> str:
    err = item.get("error")
    if isinstance(err, dict):
        cause = err.get("caused_by") or {}
        extra = f" (caused by {cause.get('type')}: {cause.get('reason')})" if cause else ""
        return f"{item.get('status')} {err.get('type')}: {err.get('reason')}{extra}"
    return f"{item.get('status')} {err}"


# -- documents ---------------------------------------------------------------------------


def to_doc(a: Article, *, ingested_us: int, history_count: int) -> dict:
    """The indexed form of an article: its fields, plus the derived fields search needs."""
    d = a.to_dict()
    raw: dict = {}
    for name in _TIME_FIELDS:
        value = d.get(name)
        if not value:
            continue
        dt = parse_iso(value)
        if dt is None:  # not a time the date mapping can take: keep the text aside
            raw[name] = value
            d[name] = None
            continue
        norm = dt.isoformat()
        if norm != value:
            raw[name] = value
            d[name] = norm
    d.update(
        title_s=simplify(a.title or ""),
        text_s=simplify(a.text or ""),
        # what runs the repair left may read as (``pipeline.leftruns``): found, not shown
        readings_s=simplify(search_text(a)),
        # what the attachments say (``pipeline.attached``): found, not shown
        attachments_s=simplify(attached.search_text(a)),
        source_s=simplify(a.source or ""),
        tags_s=[simplify(t) for t in a.tags],
        story_s=simplify(a.story_id) if a.story_id else None,
        story_key=a.story_id or a.id,
        sort_at=d.get("published_at") or d.get("ingested_at"),
        ingested_us=ingested_us,
        history_count=history_count,
        raw=raw,
    )
    return d


def from_doc(src: dict) -> Article:
    data = {k: src.get(k) for k in _ARTICLE_FIELDS if k in src}
    for name, value in (src.get("raw") or {}).items():
        if name in _TIME_FIELDS:
            data[name] = value
    for name in ("tags", "doc_numbers", "repair_log"):
        if data.get(name) is None:
            data[name] = []
    if data.get("repairs") is None:
        data["repairs"] = {}
    return Article.from_dict(data)


class _Current:
    """The copy of an article the cluster holds now."""

    __slots__ = ("index", "source", "seq_no", "primary_term")

    def __init__(self, index, source, seq_no, primary_term):
        self.index, self.source, self.seq_no, self.primary_term = index, source, seq_no, primary_term


# -- the store ---------------------------------------------------------------------------


class ElasticsearchStore(Store):
    backend = "elasticsearch"

    def __init__(
        self,
        es: Elasticsearch,
        data_dir: Path,
        *,
        names: Names | None = None,
        url: str = "",
        retries: int = 3,
        backoff: float = 0.5,
        retry_interval: float = 30.0,
        refresh: str | bool = "wait_for",
        ilm: str | bool = "auto",
        rollover_conditions: dict | None = None,
        auto_setup: bool = True,
    ):
        self.es = es
        self.names = names or Names()
        self.url = redact(url)
        self.data_dir = Path(data_dir)
        self.spool = Spool(self.data_dir)
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.retry_interval = float(retry_interval)
        self.refresh = refresh
        self.ilm = ilm
        self.rollover_conditions = rollover_conditions
        self.auto_setup = auto_setup
        self._lock = threading.RLock()
        self._ready = False
        self._indices: list[str] = []
        self._indices_at = 0.0
        self._last_us = 0
        self._down_until = 0.0

    # -- cluster state -------------------------------------------------------------------

    def _unreachable(self, exc: Exception) -> StoreError:
        return StoreError(
            f"Elasticsearch at {self.url or '(configured url)'} did not answer: {_reason(exc)}"
            + (f"; {self.spool.pending()} writes wait in the spool" if self.spool.pending() else "")
        )

    def _call(self, fn, *args, **kwargs):
        """A read: errors become one-line StoreErrors (QueryErrors for bad queries)."""
        try:
            return fn(*args, **kwargs)
        except NotFoundError:
            raise
        except ApiError as exc:
            if exc.status_code == 400:
                raise QueryError(f"the cluster refused the query: {_reason(exc)}") from None
            raise self._unreachable(exc) from None
        except TransportError as exc:
            raise self._unreachable(exc) from None

    def ensure_ready(self) -> None:
        """Check the alias exists (creating the layout on first use); learn the last ingest time."""
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            if not self.es.indices.exists_alias(name=self.names.alias):
                if not self.auto_setup:
                    raise StoreError(f"{self.names.alias} does not exist on {self.url}: run `newsmon es setup`")
                for line in setup(self.es, self.names, ilm=self.ilm, rollover=self.rollover_conditions):
                    log.info("es setup: %s", line)
            res = self.es.search(
                index=self.names.alias, size=0, aggs={"last": {"max": {"field": "ingested_us"}}}
            )
            value = (res.get("aggregations", {}).get("last") or {}).get("value")
            self._last_us = max(self._last_us, int(value or 0))
            self._ready = True

    def setup(self) -> list[str]:
        with self._lock:
            done = setup(self.es, self.names, ilm=self.ilm, rollover=self.rollover_conditions)
            self._ready = False
            self._indices_at = 0
            return done

    def rollover(self, *, force: bool = False, conditions: dict | None = None) -> str:
        with self._lock:
            out = rollover(self.es, self.names, conditions=conditions or self.rollover_conditions, force=force)
            self._indices_at = 0
            return out

    def _article_indices(self) -> list[str]:
        if not self._indices or time.monotonic() - self._indices_at > 60:
            self._indices = sorted(self.es.indices.get_alias(name=self.names.alias))
            self._indices_at = time.monotonic()
        return self._indices

    def _next_us(self) -> int:
        self._last_us = max(_now_us(), self._last_us + 1)
        return self._last_us

    # -- reading the current copies --------------------------------------------------------

    def _current(self, ids: list[str]) -> dict[str, _Current]:
        """Realtime reads of the stored copies, across every backing index of the alias."""
        if not ids:
            return {}
        docs = [{"_index": index, "_id": i} for index in self._article_indices() for i in ids]
        res = self.es.mget(docs=docs, realtime=True)
        found: dict[str, _Current] = {}
        for d in res["docs"]:
            if d.get("found"):
                found[d["_id"]] = _Current(d["_index"], d["_source"], d.get("_seq_no"), d.get("_primary_term"))
            elif "error" in d and d.get("error", {}).get("type") != "index_not_found_exception":
                raise Unavailable(f"mget {d['_id']}: {d['error']}")
        return found

    # -- writing ---------------------------------------------------------------------------

    def upsert(self, article: Article) -> UpsertOutcome:
        return self.upsert_many([article])[0]

    def upsert_many(self, articles) -> list[UpsertOutcome]:
        articles = list(articles)
        if not articles:
            return []
        with self._lock:
            self._maybe_replay()
            if self.spool.pending():
                self.spool.append([("upsert", a.id, a.to_dict()) for a in articles], "queued behind the spool")
                return ["queued"] * len(articles)
            outcomes: list[UpsertOutcome] = []
            chunks = _unique_chunks(articles, CHUNK)
            for n, chunk in enumerate(chunks):
                try:
                    statuses = self._write_with_retries(chunk)
                except Unavailable as exc:
                    rest = [a for c in chunks[n:] for a in c]
                    self._went_down(exc)
                    self.spool.append([("upsert", a.id, a.to_dict()) for a in rest], str(exc))
                    outcomes += ["queued"] * len(rest)
                    break
                retry = []
                for a, (status, detail) in zip(chunk, statuses):
                    if status == "ok":
                        outcomes.append(detail)
                    elif status == "reject":
                        log.warning("article %s refused by the cluster, kept aside: %s", a.id, detail)
                        self.spool.reject_new("upsert", a.id, a.to_dict(), detail)
                        outcomes.append("rejected")
                    else:
                        retry.append((a, detail))
                        outcomes.append("queued")
                if retry:
                    self._went_down(Unavailable(retry[0][1]))
                    self.spool.append([("upsert", a.id, a.to_dict()) for a, _ in retry], retry[0][1])
                    rest = [a for c in chunks[n + 1 :] for a in c]
                    if rest:
                        self.spool.append([("upsert", a.id, a.to_dict()) for a in rest], "queued behind the spool")
                        outcomes += ["queued"] * len(rest)
                    break
            return outcomes

    def _went_down(self, exc: Exception) -> None:
        self._down_until = time.monotonic() + self.retry_interval
        log.warning("Elasticsearch at %s unavailable, writes go to the spool: %s", self.url, exc)

    def _write_with_retries(self, articles: list[Article]) -> list[tuple[str, str]]:
        """Write with retries and exponential backoff; raises Unavailable when the cluster
        does not take the request at all, else one (status, detail) per article."""
        result: dict[int, tuple[str, str]] = {}
        todo = list(range(len(articles)))
        #: what an earlier attempt sent (id → ingested_us, outcome): a request that timed out
        #: may still have been applied, and its article must not then count as "unchanged"
        sent: dict[str, tuple[int, str]] = {}
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * (2 ** (attempt - 1)) * (0.75 + random.random() / 2))
            try:
                self.ensure_ready()
                statuses = self._write_chunk([articles[i] for i in todo], sent)
            except (TransportError, ApiError, Unavailable) as exc:
                if attempt == self.retries:
                    raise Unavailable(_reason(exc)) from None
                continue
            again = []
            for i, st in zip(todo, statuses):
                result[i] = st
                if st[0] in ("retry", "conflict"):
                    again.append(i)
            todo = again
            if not todo:
                break
        return [("retry", r[1]) if r[0] == "conflict" else r for r in (result[i] for i in range(len(articles)))]

    def _write_chunk(self, articles: list[Article], sent: dict | None = None) -> list[tuple[str, str]]:
        """One bulk request for articles with distinct ids; (status, outcome or reason) each."""
        sent = {} if sent is None else sent
        current = self._current([a.id for a in articles])
        ops: list[dict] = []
        owners: list[tuple[int, str]] = []  # (article position, "article" | "history")
        statuses: list[tuple[str, str] | None] = [None] * len(articles)
        outcome_if_ok: list[str] = [""] * len(articles)
        for i, a in enumerate(articles):
            cur = current.get(a.id)
            old = from_doc(cur.source) if cur else None
            if old is not None and old.content_key() == a.content_key():
                mine = sent.get(a.id)
                landed = mine is not None and cur.source.get("ingested_us") == mine[0]
                statuses[i] = ("ok", mine[1] if landed else "unchanged")
                continue
            if old is not None and a.story_id is None:
                a.story_id = old.story_id
            us = self._next_us()
            a.ingested_at = _us_to_iso(us)
            count = int(cur.source.get("history_count") or 0) if cur else 0
            if cur is not None:
                version = count + 1
                ops.append({"create": {"_index": self.names.history, "_id": f"{a.id}:{version}"}})
                ops.append({"id": a.id, "version": version, "replaced_at": a.ingested_at, "article": old.to_dict()})
                owners.append((i, "history"))
                head = {"_index": cur.index, "_id": a.id}
                if cur.seq_no is not None:
                    head.update(if_seq_no=cur.seq_no, if_primary_term=cur.primary_term)
                ops.append({"index": head})
                ops.append(to_doc(a, ingested_us=us, history_count=version))
                outcome_if_ok[i] = "updated"
            else:
                ops.append({"create": {"_index": self.names.alias, "_id": a.id}})
                ops.append(to_doc(a, ingested_us=us, history_count=0))
                outcome_if_ok[i] = "new"
            sent[a.id] = (us, outcome_if_ok[i])
            owners.append((i, "article"))
        if ops:
            res = self.es.bulk(operations=ops, refresh=self.refresh)
            for (i, kind), item in zip(owners, res["items"]):
                item = next(iter(item.values()))
                status = item.get("status", 500)
                if kind == "history":
                    if status >= 300 and status != 409:
                        log.warning("history of %s not written: %s", articles[i].id, _item_reason(item))
                    continue
                if status < 300:
                    statuses[i] = ("ok", outcome_if_ok[i])
                elif status == 409:
                    statuses[i] = ("conflict", _item_reason(item))
                elif status in _RETRY_STATUS:
                    statuses[i] = ("retry", _item_reason(item))
                else:
                    statuses[i] = ("reject", _item_reason(item))
        return [s or ("retry", "no answer for this item") for s in statuses]

    def set_story(self, article_id: str, story_id: str) -> None:
        with self._lock:
            self._maybe_replay()
            if not self.spool.pending():
                try:
                    self._set_story_now(article_id, story_id)
                    return
                except (TransportError, ApiError, Unavailable) as exc:
                    self._went_down(exc)
            self.spool.append([("story", article_id, {"story_id": story_id})], "queued")

    def _set_story_now(self, article_id: str, story_id: str) -> None:
        self.ensure_ready()
        cur = self._current([article_id]).get(article_id)
        if cur is None or cur.source.get("story_id") == story_id:
            return
        kwargs = {}
        if cur.seq_no is not None:
            kwargs = {"if_seq_no": cur.seq_no, "if_primary_term": cur.primary_term}
        try:
            self.es.update(
                index=cur.index,
                id=article_id,
                doc={"story_id": story_id, "story_s": simplify(story_id), "story_key": story_id},
                refresh=self.refresh,
                **kwargs,
            )
        except ConflictError:
            self._set_story_now(article_id, story_id)

    def get_meta(self, key: str) -> str | None:
        try:
            self.ensure_ready()
            doc = self.es.get(index=self.names.meta, id=key)
        except NotFoundError:
            return None
        except (TransportError, ApiError) as exc:
            log.info("meta %s from the local mirror: cluster unavailable (%s)", key, _reason(exc))
            return self.spool.cached_meta(key)
        value = doc["_source"].get("value")
        if value is not None:
            self.spool.cache_meta(key, value)
        return value

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self.spool.cache_meta(key, value)
            self._maybe_replay()
            if not self.spool.pending():
                try:
                    self.ensure_ready()
                    self.es.index(index=self.names.meta, id=key, document={"value": value}, refresh=self.refresh)
                    return
                except (TransportError, ApiError) as exc:
                    self._went_down(exc)
            self.spool.append([("meta", key, {"value": value})], "queued")

    # -- the spool -------------------------------------------------------------------------

    def _maybe_replay(self) -> None:
        if self.spool.pending() and time.monotonic() >= self._down_until:
            self.replay()

    def replay_due(self) -> None:
        """Replay the spool if anything waits and the cluster is not known to be down
        (the daemon calls this on its alert tick)."""
        self._maybe_replay()

    def replay(self) -> dict:
        """Write spooled operations in order until the spool is empty or the cluster fails.

        Returns {written, rejected, pending, error}.
        """
        written = rejected = 0
        error = None
        with self._lock, _replay_lock(self.data_dir) as mine:
            if not mine:
                return {"written": 0, "rejected": 0, "pending": self.spool.pending(),
                        "error": "another newsmon process is replaying the spool"}
            while True:
                items = self.spool.head(CHUNK)
                if not items:
                    break
                batch = _replay_batch(items)
                try:
                    if batch[0].op == "upsert":
                        arts = [Article.from_dict(it.payload) for it in batch]
                        statuses = self._write_with_retries(arts)
                        done, stop = [], None
                        for it, (status, detail) in zip(batch, statuses):
                            if status == "ok":
                                done.append(it.seq)
                            elif status == "reject":
                                self.spool.reject(it, detail)
                                rejected += 1
                            else:
                                stop = detail
                        self.spool.done(done)
                        written += len(done)
                        if stop:
                            raise Unavailable(stop)
                    else:
                        it = batch[0]
                        self._replay_other(it)
                        self.spool.done([it.seq])
                        written += 1
                except (Unavailable, TransportError, ApiError) as exc:
                    error = _reason(exc)
                    self.spool.failed([it.seq for it in batch], error)
                    self._went_down(exc)
                    break
            if not error:
                self._down_until = 0.0
            return {"written": written, "rejected": rejected, "pending": self.spool.pending(), "error": error}

    def _replay_other(self, it: SpoolItem) -> None:
        self.ensure_ready()
        if it.op == "story":
            self._set_story_now(it.key, it.payload["story_id"])
        elif it.op == "meta":
            self.es.index(index=self.names.meta, id=it.key, document={"value": it.payload["value"]}, refresh=self.refresh)
        else:  # pragma: no cover - written by a newer newsmon
            raise Unavailable(f"unknown spooled operation {it.op!r}")

    # -- reading ---------------------------------------------------------------------------

    def get(self, article_id: str) -> Article | None:
        self._call(self.ensure_ready)
        found = self._call(self._current, [article_id])
        return from_doc(found[article_id].source) if article_id in found else None

    def get_by_url(self, url: str) -> Article | None:
        self._call(self.ensure_ready)
        res = self._call(
            self.es.search, index=self.names.alias, size=1, query={"term": {"url": url}},
            sort=[{"ingested_us": "desc"}],
        )
        hits = res["hits"]["hits"]
        return from_doc(hits[0]["_source"]) if hits else None

    def history(self, article_id: str) -> list[dict]:
        self._call(self.ensure_ready)
        res = self._call(
            self.es.search, index=self.names.history, size=10000, query={"term": {"id": article_id}},
            sort=[{"version": "asc"}],
        )
        return [
            {
                "version": h["_source"]["version"],
                "replaced_at": h["_source"]["replaced_at"],
                "article": Article.from_dict(h["_source"]["article"]),
            }
            for h in res["hits"]["hits"]
        ]

    def add_history(self, article_id: str, versions: list[dict]) -> int:
        if not versions:
            return 0
        self._call(self.ensure_ready)
        ops: list[dict] = []
        for v in versions:
            ops.append({"create": {"_index": self.names.history, "_id": f"{article_id}:{int(v['version'])}"}})
            ops.append({"id": article_id, "version": int(v["version"]), "replaced_at": v["replaced_at"],
                        "article": v["article"].to_dict()})
        with self._lock:
            res = self._call(self.es.bulk, operations=ops, refresh=self.refresh)
            added = 0
            for item in res["items"]:
                status = next(iter(item.values())).get("status", 500)
                if status < 300:
                    added += 1
                elif status != 409:  # 409: that version is already there
                    raise StoreError(f"history of {article_id} not written: {_item_reason(item)}")
            # the next update of the article numbers its replaced version after these
            self._raise_history_count(article_id, max(int(v["version"]) for v in versions))
        return added

    def _raise_history_count(self, article_id: str, count: int) -> None:
        cur = self._call(self._current, [article_id]).get(article_id)
        if cur is None or int(cur.source.get("history_count") or 0) >= count:
            return
        kwargs = {"if_seq_no": cur.seq_no, "if_primary_term": cur.primary_term} if cur.seq_no is not None else {}
        try:
            self.es.update(index=cur.index, id=article_id, doc={"history_count": count}, refresh=self.refresh,
                           **kwargs)
        except ConflictError:  # written meanwhile: read it again
            self._raise_history_count(article_id, count)
        except (TransportError, ApiError) as exc:
            raise self._unreachable(exc) from None

    def replaced_since(self, since: str, limit: int = 50) -> list[dict]:
        self._call(self.ensure_ready)
        res = self._call(
            self.es.search, index=self.names.history, size=limit, query={"range": {"replaced_at": {"gte": since}}},
            # times are kept to the millisecond: the later version of one article first in a tie
            sort=[{"replaced_at": "desc"}, {"version": "desc"}], source=["id", "version", "replaced_at"],
        )
        return [{k: h["_source"][k] for k in ("id", "version", "replaced_at")} for h in res["hits"]["hits"]]

    def scan(self, sources: list[str] | None = None, batch: int = 500):
        # search_after on the store's own ingest clock (unique per write), not from/size,
        # which stops at the index's result window (10,000)
        query = {"terms": {"source": list(sources)}} if sources else {"match_all": {}}
        after = None
        self._call(self.ensure_ready)
        while True:
            body = {"query": query, "size": batch, "sort": [{"ingested_us": "asc"}],
                    "source_excludes": ["title_s", "text_s", "readings_s", "attachments_s"]}
            if after is not None:
                body["search_after"] = after
            hits = self._call(self.es.search, index=self.names.alias, **body)["hits"]["hits"]
            if not hits:
                return
            for h in hits:
                yield from_doc(h["_source"])
            after = hits[-1]["sort"]

    def source_counts(self, req: SearchRequest) -> tuple[dict[str, int], bool]:
        req = replace(req, sources=None)
        self._call(self.ensure_ready)
        res = self._call(
            self.es.search, index=self.names.alias, size=0, query=build_query(query_node(req), req),
            # every match: a terms aggregation is cheap on the cluster (SQLite stops at a window)
            aggs={"s": {"terms": {"field": "source", "size": 500}}},
        )
        return {b["key"]: b["doc_count"] for b in res["aggregations"]["s"]["buckets"]}, True

    def search(self, req: SearchRequest) -> SearchResult:
        node = query_node(req)
        body: dict = {
            "query": build_query(node, req),
            "from_": req.offset,
            "size": req.limit,
            # counts stop past COUNT_LIMIT, as on SQLite: the total is then a lower bound
            "track_total_hits": COUNT_LIMIT + 1,
            "source_excludes": ["title_s", "text_s", "readings_s", "attachments_s"],
        }
        if node is not None and req.sort != "newest":
            body["sort"] = ["_score", {"sort_at": "desc"}, {"ingested_us": "desc"}]
        else:
            body["sort"] = [{"sort_at": "desc"}, {"ingested_us": "desc"}]
            body["track_scores"] = node is not None
        if positive_terms(node):
            body["highlight"] = highlight_spec(["text_s", "text_s.uni"])
        if req.collapse:
            body["collapse"] = {"field": "story_key"}
            body["aggs"] = {"stories": {"cardinality": {"field": "story_key", "precision_threshold": 40000}}}
        self._call(self.ensure_ready)
        res = self._call(self.es.search, index=self.names.alias, **body)
        total = res["hits"]["total"]["value"]
        exact = res["hits"]["total"].get("relation", "eq") == "eq" and total <= COUNT_LIMIT
        if req.collapse:
            stories = int(res["aggregations"]["stories"]["value"])
            total, exact = min(stories, COUNT_LIMIT + 1), stories <= COUNT_LIMIT
        hits_raw = res["hits"]["hits"]
        articles = [from_doc(h["_source"]) for h in hits_raw]
        terms = positive_terms(node)
        sizes = self._story_sizes([a.story_id for a in articles if a.story_id])
        hits = [
            Hit(
                article=a,
                snippet=snippet_from_hit(a.text, h.get("highlight"), also=guessed_spans(a, terms)),
                guessed=guessed_readings(a, terms),
                attached=attached.found_in(a, terms) if req.attachments else [],
                score=h.get("_score") if node is not None else None,
                story_size=sizes.get(a.story_id, 1) if a.story_id else 1,
            )
            for a, h in zip(articles, hits_raw)
        ]
        result = SearchResult(total=total, hits=hits)
        result.total_exact = exact
        return result

    def _story_sizes(self, story_ids: list[str]) -> dict[str, int]:
        ids = sorted(set(story_ids))
        if not ids:
            return {}
        res = self._call(
            self.es.search,
            index=self.names.alias,
            size=0,
            query={"terms": {"story_id": ids}},
            aggs={"s": {"terms": {"field": "story_id", "size": len(ids)}}},
        )
        return {b["key"]: b["doc_count"] for b in res["aggregations"]["s"]["buckets"]}

    def stats(self) -> dict:
        self._call(self.ensure_ready)
        res = self._call(
            self.es.search,
            index=self.names.alias,
            size=1,
            track_total_hits=True,
            query={"match_all": {}},
            sort=[{"published_at": {"order": "desc", "missing": "_last"}}],
            source_excludes=["title_s", "text_s", "readings_s", "attachments_s", "text"],
            aggs={"sources": {"terms": {"field": "source", "size": 10000, "order": {"_key": "asc"}}}},
        )
        total = res["hits"]["total"]["value"]
        sources = {b["key"]: b["doc_count"] for b in res["aggregations"]["sources"]["buckets"]}
        newest = None
        hits = res["hits"]["hits"]
        if hits and hits[0]["_source"].get("published_at"):
            a = from_doc(hits[0]["_source"])
            newest = {"id": a.id, "title": a.title, "source": a.source, "published_at": a.published_at}
        size = 0
        try:
            st = self.es.indices.stats(index=f"{self.names.alias},{self.names.history},{self.names.meta}", metric="store")
            size = st["_all"]["total"]["store"]["size_in_bytes"]
        except (ApiError, TransportError, KeyError) as exc:  # size is a nicety; never fail stats for it
            log.info("index size unavailable: %s", exc)
        return {
            "backend": self.backend,
            "location": f"{self.url} {self.names.alias}",
            "total": total,
            "sources": sources,
            "newest": newest,
            "size_bytes": size,
            "spooled": self.spool.pending(),
            "rejected": len(self.spool.rejected()),
        }

    def close(self) -> None:
        try:
            self.es.close()
        finally:
            self.spool.close()


@contextmanager
def _replay_lock(data_dir: Path):
    """Only one process replays a spool at a time: two replaying the same head could write
    an older version after a newer one. Yields False when another process holds it."""
    path = Path(data_dir) / "es-spool.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _unique_chunks(articles: list[Article], size: int, chars: int = CHUNK_CHARS) -> list[list[Article]]:
    """Chunks of at most ``size`` articles and about ``chars`` characters of text (an
    article larger than that alone) in which no id repeats, in the original order."""
    chunks: list[list[Article]] = []
    cur: list[Article] = []
    ids: set[str] = set()
    held = 0
    for a in articles:
        weight = _text_chars(a)
        if cur and (len(cur) >= size or a.id in ids or held + weight > chars):
            chunks.append(cur)
            cur, ids, held = [], set(), 0
        cur.append(a)
        ids.add(a.id)
        held += weight
    if cur:
        chunks.append(cur)
    return chunks


def _text_chars(a: Article) -> int:
    # the files' text as read: search_text's rejoined lines would be a second pass over it
    return len(a.text or "") + len(a.title or "") + sum(len(text) for _, text in attached.texts(a))


def _replay_batch(items: list[SpoolItem], chars: int = CHUNK_CHARS) -> list[SpoolItem]:
    """The head of the spool that can go in one request: upserts of distinct ids within
    ``chars`` characters of text (at least one), or one other op."""
    if items[0].op != "upsert":
        return items[:1]
    batch, ids, held = [], set(), 0
    for it in items:
        if it.op != "upsert" or it.key in ids:
            break
        weight = _text_chars(Article.from_dict(it.payload))
        if batch and held + weight > chars:
            break
        batch.append(it)
        ids.add(it.key)
        held += weight
    return batch


# -- opening -----------------------------------------------------------------------------


def _setting(index: dict, key: str, path: str, default=None):
    from pipeline.config import expand_env

    value = index.get(key, default)
    if isinstance(value, str):
        value = expand_env(value, keypath=f"index.{key}", path=Path(path) if path else None)
    return value


def make_client(index: dict, settings: dict | None = None) -> tuple[Elasticsearch, str]:
    """The client for ``index`` settings (url, username, password or api_key, …)."""
    path = (settings or {}).get("_path", "")
    url = _setting(index, "url", path)
    if not url:
        raise ConfigError(f"{path or 'settings.yaml'}: index.url: needed for the elasticsearch backend (or set NEWSMON_ES_URL)")
    hosts = [u.strip() for u in (url if isinstance(url, list) else str(url).split(",")) if u.strip()]
    for h in hosts:
        if urlsplit(h).scheme not in ("http", "https"):
            raise ConfigError(f"{path or 'settings.yaml'}: index.url: {redact(h)!r} is not an http(s) URL")
    kwargs: dict = {
        "request_timeout": float(index.get("timeout", 30)),
        "max_retries": 0,
        "retry_on_timeout": False,
    }
    # credentials: settings (usually ``${ENV}`` references), else NEWSMON_ES_* variables
    username = _setting(index, "username", path) or os.environ.get("NEWSMON_ES_USERNAME")
    password = _setting(index, "password", path) or os.environ.get("NEWSMON_ES_PASSWORD")
    api_key = _setting(index, "api_key", path) or os.environ.get("NEWSMON_ES_API_KEY")
    if api_key:
        kwargs["api_key"] = api_key
    elif username:
        kwargs["basic_auth"] = (username, password or "")
    if index.get("ca_certs"):
        kwargs["ca_certs"] = _setting(index, "ca_certs", path)
    if index.get("verify_certs") is not None:
        kwargs["verify_certs"] = bool(index["verify_certs"])
    if index.get("plain_json"):
        from pipeline.store.es_node import PlainJsonNode

        kwargs["node_class"] = PlainJsonNode
    try:
        es = Elasticsearch(hosts, **kwargs)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{path or 'settings.yaml'}: index: {exc}") from None
    return es, hosts[0]


def open_es_store(index_settings: dict, data_dir: Path, settings: dict | None = None) -> ElasticsearchStore:
    """The store for ``settings.yaml``'s ``index:`` block. Does not contact the cluster:
    a daemon starts (and spools) even while the cluster is away."""
    # the node pool's "node failed, putting on timeout" warnings repeat what the store says
    # in one line (spooled / did not answer); keep them for -vv
    pool_log = logging.getLogger("elastic_transport.node_pool")
    if pool_log.level == logging.NOTSET and logging.getLogger().level > logging.DEBUG:
        pool_log.setLevel(logging.ERROR)
    es, url = make_client(index_settings, settings)
    return ElasticsearchStore(
        es,
        Path(data_dir),
        names=Names(str(index_settings.get("prefix", "newsmon"))),
        url=url,
        retries=int(index_settings.get("retries", 3)),
        backoff=float(index_settings.get("backoff", 0.5)),
        retry_interval=float(index_settings.get("retry_interval", 30)),
        refresh=index_settings.get("refresh", "wait_for"),
        ilm=index_settings.get("ilm", "auto"),
        rollover_conditions=index_settings.get("rollover"),
        auto_setup=bool(index_settings.get("auto_setup", True)),
    )
