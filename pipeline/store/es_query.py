"""The `newsmon search` query tree as Elasticsearch DSL, with SQLite's semantics.

Each term is a phrase over character bigrams, matched on the original fields and on
their simplified-script copies (the query term folded with the same ``simplify`` that
made the copies), so 營商環境 and 营商环境 find the same articles. A term with a lone
Chinese character (漢, 漢陽 區) cannot be found through bigrams inside a run of
characters; it goes to the unigram sub-field instead, phrase by phrase, which is what
SQLite's prefix match on bigrams amounts to.
"""

from __future__ import annotations

import re

from pipeline.chinese import simplify
from pipeline.query import And, Field, Node, Not, Or, QueryError, Term
from pipeline.store.base import SearchRequest
from pipeline.textindex import query_tokens
from pipeline.timeutil import parse_user_date, timestamp

TITLE_BOOST = 5.0
#: an attachment's words count, a tenth as much (as on SQLite: a long plan holds most words)
ATTACHED_BOOST = 0.1
#: query field name → the keyword field holding the simplified value
FIELD_KEYS = {"source": "source_s", "tag": "tags_s", "story": "story_s"}
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_LONE_CJK = re.compile(rf"(?<![{_CJK}])[{_CJK}](?![{_CJK}])")


def term_query(text: str, title_only: bool = False, attachments: bool = True) -> dict:
    tokens, _ = query_tokens(text)
    if not tokens:
        raise QueryError(f"term has nothing searchable in it: {text!r}")
    folded = simplify(text)
    if _LONE_CJK.search(folded):
        should = [
            {"match_phrase": {"title_s.uni": {"query": folded, "boost": TITLE_BOOST}}},
            {"match_phrase": {"text_s.uni": {"query": folded}}},
            {"match_phrase": {"readings_s.uni": {"query": folded}}},
            {"match_phrase": {"attachments_s.uni": {"query": folded, "boost": ATTACHED_BOOST}}},
        ]
    else:
        should = [
            {"match_phrase": {"title_s": {"query": folded, "boost": TITLE_BOOST}}},
            {"match_phrase": {"text_s": {"query": folded}}},
            {"match_phrase": {"readings_s": {"query": folded}}},
            {"match_phrase": {"attachments_s": {"query": folded, "boost": ATTACHED_BOOST}}},
            {"match_phrase": {"title": {"query": text, "boost": TITLE_BOOST}}},
            {"match_phrase": {"text": {"query": text}}},
        ]
    if title_only:
        should = [c for c in should if next(iter(c["match_phrase"])).startswith("title")]
    elif not attachments:
        should = [c for c in should if not next(iter(c["match_phrase"])).startswith("attachments")]
    return {"bool": {"should": should, "minimum_should_match": 1}}


def to_dsl(node: Node, attachments: bool = True) -> dict:
    if isinstance(node, Term):
        return term_query(node.text, node.title_only, attachments)
    if isinstance(node, Field):
        return {"term": {FIELD_KEYS[node.name]: simplify(node.value)}}
    if isinstance(node, Or):
        return {"bool": {"should": [to_dsl(c, attachments) for c in node.children], "minimum_should_match": 1}}
    if isinstance(node, And):
        pos = [to_dsl(c, attachments) for c in node.children if not isinstance(c, Not)]
        neg = [to_dsl(c.child, attachments) for c in node.children if isinstance(c, Not)]
        out: dict = {"must": pos}
        if neg:
            out["must_not"] = neg
        return {"bool": out}
    if isinstance(node, Not):
        raise QueryError("an exclusion needs a term to exclude from")
    raise TypeError(node)


def filters(req: SearchRequest) -> list[dict]:
    out: list[dict] = []
    if req.sources:
        out.append({"terms": {"source": list(req.sources)}})
    if req.since or req.until:
        rng: dict = {"format": "epoch_millis"}
        if req.since:
            rng["gte"] = round(parse_user_date(req.since) * 1000)
        if req.until:
            rng["lte"] = int(parse_user_date(req.until, end_of_day=True) * 1000)
        out.append({"range": {"published_at": rng}})
    if req.story_id:
        out.append({"term": {"story_id": req.story_id}})
    if req.ingested_after:
        ts = timestamp(req.ingested_after)
        if ts is None:
            raise QueryError(f"not a time: {req.ingested_after!r}")
        out.append({"range": {"ingested_us": {"gt": round(ts * 1e6)}}})
    return out


def build_query(node: Node | None, req: SearchRequest) -> dict:
    flt = filters(req)
    if node is None:
        return {"bool": {"filter": flt}} if flt else {"match_all": {}}
    return {"bool": {"must": [to_dsl(node, req.attachments)], "filter": flt}}
