"""The Kibana saved objects newsmon ships, as data; ``saved_objects.ndjson`` is built from here.

Why generated: visualisation and dashboard objects nest JSON inside JSON strings
(``visState``, ``panelsJSON``, ``searchSourceJSON``), which is easy to break by hand. The
objects use Kibana 7.17's export format (``migrationVersion`` 7.x), which every Kibana 8
imports and migrates forward; a test checks the shipped file matches this module.

    python -m pipeline.kibana.objects > pipeline/kibana/saved_objects.ndjson
"""

from __future__ import annotations

import json
from pathlib import Path

NDJSON = Path(__file__).with_name("saved_objects.ndjson")
DATA_VIEW_ID = "newsmon-articles"
ALIAS = "newsmon-articles"
TIME_FIELD = "published_at"

#: the KQL an editor types to find 營商環境 in either script (the *_s fields hold the
#: simplified copy; a quoted value is a phrase; ``readings_s`` what runs the repair left
#: may read as; ``attachments_s`` what the attached files say)
QUERY_YINGSHANG = ('title_s:"营商环境" or text_s:"营商环境" or readings_s:"营商环境"'
                   ' or attachments_s:"营商环境"')
QUERY_REFORM = (
    'title_s:"改革" or title_s:"印发" or title_s:"出台" or title_s:"实施方案" or title_s:"若干措施"'
)

_CORE = "7.17.3"


def _source(query: str = "", *, with_index: bool = True) -> str:
    src: dict = {"query": {"query": query, "language": "kuery"}, "filter": []}
    if with_index:
        src["indexRefName"] = "kibanaSavedObjectMeta.searchSourceJSON.index"
    return json.dumps(src, ensure_ascii=False)


_INDEX_REF = [{"name": "kibanaSavedObjectMeta.searchSourceJSON.index", "type": "index-pattern", "id": DATA_VIEW_ID}]


def data_view(alias: str = ALIAS) -> dict:
    return {
        "id": DATA_VIEW_ID,
        "type": "index-pattern",
        "attributes": {
            "title": alias,
            "timeFieldName": TIME_FIELD,
            "fields": "[]",
            "fieldAttrs": json.dumps(
                {"title": {"customLabel": "標題"}, "source": {"customLabel": "來源 source"}, "origin": {"customLabel": "來源媒體 origin"}},
                ensure_ascii=False,
            ),
            # the simplified copies and bookkeeping are for searching, not for reading
            "sourceFilters": json.dumps(
                [{"value": v} for v in ("title_s", "text_s", "readings_s", "attachments_s", "raw", "repair_log",
                                   "history_count", "ingested_us")]
            ),
            "runtimeFieldMap": "{}",
            "typeMeta": "{}",
        },
        "references": [],
        "migrationVersion": {"index-pattern": "7.11.0"},
        "coreMigrationVersion": _CORE,
    }


def saved_search(obj_id: str, title: str, query: str, description: str) -> dict:
    return {
        "id": obj_id,
        "type": "search",
        "attributes": {
            "title": title,
            "description": description,
            "hits": 0,
            "columns": ["title", "source", "origin", "tags"],
            "sort": [[TIME_FIELD, "desc"]],
            "version": 1,
            "kibanaSavedObjectMeta": {"searchSourceJSON": _source(query)},
        },
        "references": list(_INDEX_REF),
        "migrationVersion": {"search": "7.9.3"},
        "coreMigrationVersion": _CORE,
    }


def _vis(obj_id: str, title: str, vis_type: str, aggs: list[dict], params: dict) -> dict:
    return {
        "id": obj_id,
        "type": "visualization",
        "attributes": {
            "title": title,
            "description": "",
            "uiStateJSON": "{}",
            "version": 1,
            "visState": json.dumps(
                {"title": title, "type": vis_type, "aggs": aggs, "params": params}, ensure_ascii=False
            ),
            "kibanaSavedObjectMeta": {"searchSourceJSON": _source()},
        },
        "references": list(_INDEX_REF),
        "migrationVersion": {"visualization": "7.17.0"},
        "coreMigrationVersion": _CORE,
    }


def per_source_per_day() -> dict:
    return _vis(
        "newsmon-articles-per-source-per-day",
        "Articles per source per day",
        "histogram",
        [
            {"id": "1", "enabled": True, "type": "count", "params": {}, "schema": "metric"},
            {
                "id": "2", "enabled": True, "type": "date_histogram", "schema": "segment",
                "params": {"field": TIME_FIELD, "interval": "d", "min_doc_count": 1, "extended_bounds": {},
                           "useNormalizedEsInterval": True, "drop_partials": False},
            },
            {
                "id": "3", "enabled": True, "type": "terms", "schema": "group",
                "params": {"field": "source", "size": 20, "order": "desc", "orderBy": "1",
                           "otherBucket": True, "otherBucketLabel": "other", "missingBucket": False},
            },
        ],
        {
            "type": "histogram",
            "addLegend": True,
            "addTooltip": True,
            "legendPosition": "right",
            "seriesParams": [
                {"show": True, "type": "histogram", "mode": "stacked", "data": {"label": "Articles", "id": "1"},
                 "valueAxis": "ValueAxis-1"}
            ],
        },
    )


def top_origins() -> dict:
    return _vis(
        "newsmon-top-origins",
        "Top origins (來源)",
        "table",
        [
            {"id": "1", "enabled": True, "type": "count", "params": {}, "schema": "metric"},
            {
                "id": "2", "enabled": True, "type": "terms", "schema": "bucket",
                "params": {"field": "origin", "size": 20, "order": "desc", "orderBy": "1",
                           "otherBucket": False, "missingBucket": False},
            },
        ],
        {"perPage": 20, "showPartialRows": False, "showMetricsAtAllLevels": False, "showTotal": False},
    )


def dashboard() -> dict:
    panels = [
        ("newsmon-articles-per-source-per-day", "visualization", {"x": 0, "y": 0, "w": 48, "h": 14}),
        ("newsmon-latest-reform", "search", {"x": 0, "y": 14, "w": 32, "h": 20}),
        ("newsmon-top-origins", "visualization", {"x": 32, "y": 14, "w": 16, "h": 20}),
    ]
    panels_json = []
    refs = []
    for n, (obj_id, obj_type, grid) in enumerate(panels):
        index = str(n + 1)
        panels_json.append(
            {
                "version": _CORE,
                "type": obj_type,
                "gridData": {**grid, "i": index},
                "panelIndex": index,
                "embeddableConfig": {"enhancements": {}},
                "panelRefName": f"panel_{n}",
            }
        )
        refs.append({"name": f"panel_{n}", "type": obj_type, "id": obj_id})
    return {
        "id": "newsmon-newsroom",
        "type": "dashboard",
        "attributes": {
            "title": "newsmon newsroom",
            "description": "Articles per source per day, the latest reform announcements, top origins",
            "hits": 0,
            "panelsJSON": json.dumps(panels_json, ensure_ascii=False),
            "optionsJSON": json.dumps({"useMargins": True, "syncColors": False, "hidePanelTitles": False}),
            "timeRestore": True,
            "timeFrom": "now-30d",
            "timeTo": "now",
            "refreshInterval": {"pause": False, "value": 300000},
            "version": 1,
            "kibanaSavedObjectMeta": {"searchSourceJSON": _source(with_index=False)},
        },
        "references": refs,
        "migrationVersion": {"dashboard": "7.17.3"},
        "coreMigrationVersion": _CORE,
    }


def all_objects(alias: str = ALIAS) -> list[dict]:
    return [
        data_view(alias),
        saved_search(
            "newsmon-yingshang-latest", "營商環境 latest", QUERY_YINGSHANG,
            "Newest articles about 營商環境, in either script (the *_s fields hold the simplified copy)",
        ),
        saved_search(
            "newsmon-latest-reform", "Latest reform announcements", QUERY_REFORM,
            "Headlines announcing reforms, plans and measures (改革, 印发, 出台, 实施方案, 若干措施)",
        ),
        per_source_per_day(),
        top_origins(),
        dashboard(),
    ]


def to_ndjson(objects: list[dict]) -> str:
    return "".join(json.dumps(o, ensure_ascii=False, sort_keys=True) + "\n" for o in objects)


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.stdout.write(to_ndjson(all_objects()))
