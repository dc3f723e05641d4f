"""The Elasticsearch index layout: template, write alias, history and meta indices.

Why a template plus a write alias rather than one fixed index: the alias lets the
article index roll over (by size or age) without any reader or writer changing names,
and the template makes every new backing index identical. The version in ``_meta`` lets
``newsmon es setup`` tell an older layout from its own and upgrade it in place.

Chinese text is analysed with built-in filters only (``cjk_width`` + ``cjk_bigram``), so
any Elasticsearch works without plugins. Each text field has a simplified-script copy
(``*_s``, made with ``pipeline.chinese.simplify`` at index time) so a query in either
script finds both; a unigram sub-field (``*_s.uni``) serves one-character terms, which
bigrams alone cannot find inside a run of characters.
"""

from __future__ import annotations

import copy
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from elasticsearch import ApiError, BadRequestError, NotFoundError

from pipeline.errors import StoreError

log = logging.getLogger(__name__)

#: bump when mappings or analysis change; `newsmon es setup` upgrades older layouts
SCHEMA_VERSION = 3  # 3: attachments

ANALYSIS = {
    "analyzer": {
        "newsmon_cjk": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase", "cjk_bigram"],
        },
        "newsmon_uni": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase"],
        },
    }
}

_CJK_TEXT = {"type": "text", "analyzer": "newsmon_cjk"}
_SIMPLIFIED_TEXT = {
    "type": "text",
    "analyzer": "newsmon_cjk",
    "fields": {"uni": {"type": "text", "analyzer": "newsmon_uni"}},
}
_DATE = {"type": "date", "format": "strict_date_optional_time||epoch_millis"}

ARTICLE_PROPERTIES = {
    # contract fields
    "id": {"type": "keyword"},
    "url": {"type": "keyword", "ignore_above": 4096},
    "title": _CJK_TEXT,
    "text": _CJK_TEXT,
    "source": {"type": "keyword"},
    "published_at": _DATE,
    "fetched_at": _DATE,
    "author": {"type": "keyword", "ignore_above": 512},
    "origin": {"type": "keyword", "ignore_above": 512},
    "tags": {"type": "keyword"},
    "encoding": {"type": "keyword"},
    "repairs": {"type": "object", "enabled": False},
    # extensions
    "encoding_lied": {"type": "boolean"},
    "repair_log": {"type": "object", "enabled": False},
    "doc_numbers": {"type": "keyword", "ignore_above": 512},
    "attachments": {"type": "object", "enabled": False},
    "relevance": {"type": "float"},
    "story_id": {"type": "keyword"},
    "ingested_at": _DATE,
    # derived for search (never read back into the Article)
    "title_s": _SIMPLIFIED_TEXT,
    "text_s": _SIMPLIFIED_TEXT,
    "readings_s": _SIMPLIFIED_TEXT,
    "attachments_s": _SIMPLIFIED_TEXT,
    "source_s": {"type": "keyword"},
    "tags_s": {"type": "keyword"},
    "story_s": {"type": "keyword"},
    "story_key": {"type": "keyword"},
    "sort_at": _DATE,
    "ingested_us": {"type": "long"},
    "history_count": {"type": "integer"},
    # original spellings of time fields that had to be normalised for the date mapping
    "raw": {"type": "object", "enabled": False},
}

HISTORY_PROPERTIES = {
    "id": {"type": "keyword"},
    "version": {"type": "integer"},
    "replaced_at": _DATE,
    "article": {"type": "object", "enabled": False},
}

META_PROPERTIES = {"value": {"type": "keyword", "index": False}}


@dataclass(frozen=True)
class Names:
    """Every name newsmon uses on the cluster, from one prefix (default ``newsmon``)."""

    prefix: str = "newsmon"

    @property
    def alias(self) -> str:
        return f"{self.prefix}-articles"

    @property
    def pattern(self) -> str:
        return f"{self.prefix}-articles-*"

    @property
    def template(self) -> str:
        return f"{self.prefix}-articles"

    @property
    def policy(self) -> str:
        return f"{self.prefix}-articles"

    @property
    def history(self) -> str:
        return f"{self.prefix}-history"

    @property
    def meta(self) -> str:
        return f"{self.prefix}-meta"

    def first_index(self) -> str:
        return f"{self.prefix}-articles-000001"


def _versioned(properties: dict) -> dict:
    return {
        "dynamic": False,
        "_meta": {"schema_version": SCHEMA_VERSION, "app": "newsmon"},
        "properties": copy.deepcopy(properties),
    }


def article_template(names: Names, *, ilm: bool) -> dict:
    settings: dict = {
        "number_of_shards": 1,
        "auto_expand_replicas": "0-1",
        "analysis": copy.deepcopy(ANALYSIS),
    }
    if ilm:
        settings["index.lifecycle.name"] = names.policy
        settings["index.lifecycle.rollover_alias"] = names.alias
    return {
        "index_patterns": [names.pattern],
        "priority": 200,
        "version": SCHEMA_VERSION,
        "_meta": {"schema_version": SCHEMA_VERSION, "app": "newsmon"},
        "template": {"settings": settings, "mappings": _versioned(ARTICLE_PROPERTIES)},
    }


def ilm_policy(rollover: dict) -> dict:
    return {"phases": {"hot": {"actions": {"rollover": dict(rollover)}}}}


DEFAULT_ROLLOVER = {"max_primary_shard_size": "25gb", "max_age": "90d"}


def _unsupported(exc: ApiError) -> bool:
    """A 400/404/405 for an API the server does not have (OpenSearch, osmem: no ILM)."""
    return isinstance(exc, (BadRequestError, NotFoundError)) or getattr(exc, "status_code", 0) in (400, 404, 405)


def setup(es, names: Names, *, ilm: str | bool = "auto", rollover: dict | None = None) -> list[str]:
    """Create or upgrade everything newsmon needs on the cluster; returns what was done.

    Idempotent: a second run changes nothing and says so.
    """
    done: list[str] = []
    use_ilm = False
    if ilm in (True, "auto", "true", "on"):
        try:
            es.ilm.put_lifecycle(name=names.policy, policy=ilm_policy(rollover or DEFAULT_ROLLOVER))
            use_ilm = True
            done.append(f"ILM policy {names.policy}: rollover {rollover or DEFAULT_ROLLOVER}")
        except ApiError as exc:
            if ilm is True or ilm == "true" or not _unsupported(exc):
                raise StoreError(f"ILM policy {names.policy} refused: {_reason(exc)}") from None
            done.append("ILM not available on this server: roll over with `newsmon es rollover` (cron)")
    # the template
    current = None
    try:
        got = es.indices.get_index_template(name=names.template)
        for item in got.get("index_templates", []):
            current = item["index_template"]
    except NotFoundError:
        current = None
    have = int(((current or {}).get("_meta") or {}).get("schema_version", 0)) if current else None
    if have is not None and have > SCHEMA_VERSION:
        raise StoreError(
            f"index template {names.template} has schema {have} > {SCHEMA_VERSION}: written by a newer newsmon; upgrade newsmon"
        )
    wanted = article_template(names, ilm=use_ilm)
    if current is None or have < SCHEMA_VERSION or _template_differs(current, wanted):
        es.indices.put_index_template(name=names.template, **wanted)
        done.append(
            f"index template {names.template}: "
            + ("created" if current is None else f"upgraded from schema {have} to {SCHEMA_VERSION}" if have < SCHEMA_VERSION else "updated")
        )
    # the write index behind the alias
    if not es.indices.exists_alias(name=names.alias):
        if es.indices.exists(index=names.alias):
            raise StoreError(f"{names.alias} is an index, not an alias: newsmon needs it as a write alias; rename or delete it")
        es.indices.create(index=names.first_index(), aliases={names.alias: {"is_write_index": True}})
        done.append(f"index {names.first_index()} created behind write alias {names.alias}")
    else:
        done += _upgrade_mappings(es, names.alias, ARTICLE_PROPERTIES)
    for index, props in ((names.history, HISTORY_PROPERTIES), (names.meta, META_PROPERTIES)):
        if not es.indices.exists(index=index):
            es.indices.create(
                index=index,
                settings={"number_of_shards": 1, "auto_expand_replicas": "0-1"},
                mappings=_versioned(props),
            )
            done.append(f"index {index} created")
        else:
            done += _upgrade_mappings(es, index, props)
    return done


def _template_differs(current: dict, wanted: dict) -> bool:
    cur_settings = ((current.get("template") or {}).get("settings") or {}).get("index", {})
    return ("lifecycle" in cur_settings) != ("index.lifecycle.name" in wanted["template"]["settings"])


def _upgrade_mappings(es, target: str, properties: dict) -> list[str]:
    """Add fields an older layout lacks to existing indices (additive changes only)."""
    mapping = es.indices.get_mapping(index=target)
    done = []
    for index, body in mapping.items():
        m = body.get("mappings", {})
        version = int((m.get("_meta") or {}).get("schema_version", 0))
        if version > SCHEMA_VERSION:
            raise StoreError(f"index {index} has schema {version} > {SCHEMA_VERSION}: written by a newer newsmon")
        missing = {k: v for k, v in properties.items() if k not in (m.get("properties") or {})}
        if version == SCHEMA_VERSION and not missing:
            continue
        try:
            es.indices.put_mapping(
                index=index,
                properties=properties,
                meta={"schema_version": SCHEMA_VERSION, "app": "newsmon"},
                dynamic=False,
            )
        except BadRequestError as exc:
            raise StoreError(
                f"index {index} cannot be upgraded in place ({_reason(exc)}); run `newsmon es rollover --force`"
                " so new articles go to an index with the new layout"
            ) from None
        done.append(f"index {index}: mappings upgraded to schema {SCHEMA_VERSION} (+{len(missing)} fields)")
    return done


def _reason(exc: ApiError) -> str:
    try:
        err = exc.body.get("error") if isinstance(exc.body, dict) else exc.body
        if isinstance(err, dict):
            return f"{err.get('type')}: {err.get('reason')}"
        return str(err or exc)
    except Exception:  # pragma: no cover - defensive
        return str(exc)


_SERIAL = re.compile(r"^(.*-)(\d+)$")


def next_index_name(index: str) -> str:
    m = _SERIAL.match(index)
    if not m:
        return index + "-000002"
    return f"{m.group(1)}{int(m.group(2)) + 1:0{len(m.group(2))}d}"


def write_index(es, names: Names) -> str:
    aliases = es.indices.get_alias(name=names.alias)
    indices = sorted(aliases)
    for index, body in aliases.items():
        if (body.get("aliases", {}).get(names.alias) or {}).get("is_write_index"):
            return index
    return indices[-1]


def rollover(es, names: Names, *, conditions: dict | None = None, force: bool = False) -> str:
    """Start a new backing index when ``conditions`` hold (or ``force``); returns what happened.

    Uses the rollover API where the server has it, else flips the write alias by hand
    (servers without rollover, such as the in-memory test server).
    """
    conditions = {} if force else dict(conditions or DEFAULT_ROLLOVER)
    try:
        res = es.indices.rollover(alias=names.alias, conditions=conditions or None)
        if res.get("rolled_over"):
            return f"rolled over {res.get('old_index')} → {res.get('new_index')}"
        return f"not rolled over: conditions not met {res.get('conditions')}"
    except ApiError as exc:
        if not _unsupported(exc):
            raise StoreError(f"rollover of {names.alias} refused: {_reason(exc)}") from None
    old = write_index(es, names)
    if not force and not _conditions_met(es, old, conditions):
        return f"not rolled over: {old} meets none of {conditions}"
    new = next_index_name(old)
    es.indices.create(index=new)
    es.indices.update_aliases(
        actions=[
            {"add": {"index": old, "alias": names.alias, "is_write_index": False}},
            {"add": {"index": new, "alias": names.alias, "is_write_index": True}},
        ]
    )
    return f"rolled over {old} → {new} (alias flipped by hand: this server has no rollover API)"


_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb)?$", re.I)
_AGE = re.compile(r"^(\d+)\s*(s|m|h|d)$")


def _conditions_met(es, index: str, conditions: dict) -> bool:
    stats = es.indices.stats(index=index)
    prim = stats["indices"][index]["primaries"]
    size = prim.get("store", {}).get("size_in_bytes", 0)
    docs = prim.get("docs", {}).get("count", 0)
    created_ms = int(es.indices.get_settings(index=index)[index]["settings"]["index"]["creation_date"])
    age = datetime.now(timezone.utc).timestamp() - created_ms / 1000
    for key, value in conditions.items():
        if key in ("max_size", "max_primary_shard_size"):
            m = _SIZE.match(str(value))
            if m and size >= float(m.group(1)) * {"b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12}[(m.group(2) or "b").lower()]:
                return True
        elif key == "max_age":
            m = _AGE.match(str(value))
            if m and age >= int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]:
                return True
        elif key in ("max_docs", "max_primary_shard_docs") and docs >= int(value):
            return True
    return False
