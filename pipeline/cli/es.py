"""`newsmon es ...`: set up, inspect and repair the Elasticsearch index.

    newsmon es setup       create or upgrade template, alias, ILM policy (idempotent)
    newsmon es status      cluster, alias, layout version, spool and rejected counts
    newsmon es replay      write spooled articles now (in order)
    newsmon es rejected    articles the cluster refused, with the reason (--requeue)
    newsmon es rollover    start a new backing index (where ILM does not do it)
"""

from __future__ import annotations

import json
import sys

from pipeline.errors import UserError

VERB = "es"
HELP = "Elasticsearch index: setup, status, replay the spool, rejected articles, rollover"
ORDER = 60


def add_arguments(p) -> None:
    sub = p.add_subparsers(dest="es_command", metavar="COMMAND")
    sub.add_parser("setup", help="create or upgrade the index template, write alias and ILM policy")
    st = sub.add_parser("status", help="cluster, alias, layout version, spool and rejected counts")
    st.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    sub.add_parser("replay", help="write the spooled articles now, in order")
    rj = sub.add_parser("rejected", help="articles the cluster refused, with the reason")
    rj.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    rj.add_argument("--requeue", nargs="*", type=int, metavar="SEQ",
                    help="put these (or, with no number, all) back in the spool to try again")
    ro = sub.add_parser("rollover", help="start a new backing index behind the write alias")
    ro.add_argument("--force", action="store_true", help="roll over whatever the conditions")
    ro.add_argument("--max-age", metavar="AGE", help="e.g. 30d")
    ro.add_argument("--max-size", metavar="SIZE", help="primary shard size, e.g. 25gb")
    ro.add_argument("--max-docs", type=int, metavar="N")


def _es_store(ctx):
    from pipeline.store.elasticsearch import ElasticsearchStore

    store = ctx.store(baseline=False)
    if not isinstance(store, ElasticsearchStore):
        raise UserError(
            "the index backend is sqlite: set `index: {backend: elasticsearch, url: ...}` in "
            "config/settings.yaml or NEWSMON_ES_URL"
        )
    return store


def run(args, ctx) -> int:
    command = getattr(args, "es_command", None)
    if not command:
        raise UserError("say what to do: newsmon es {setup,status,replay,rejected,rollover}")
    store = _es_store(ctx)
    return {"setup": _setup, "status": _status, "replay": _replay, "rejected": _rejected, "rollover": _rollover}[
        command
    ](args, store)


def _guard(store, fn):
    from elasticsearch import ApiError, TransportError

    from pipeline.store.elasticsearch import _reason

    try:
        return fn()
    except (ApiError, TransportError) as exc:
        raise UserError(f"Elasticsearch at {store.url}: {_reason(exc)}") from None


def _setup(args, store) -> int:
    done = _guard(store, store.setup)
    for line in done:
        print(line)
    if not any("created" in d or "upgraded" in d or "updated" in d for d in done):
        print(f"up to date: {store.names.alias} (schema {_schema()})")
    pending = store.spool.pending()
    if pending:
        res = store.replay()
        print(f"spool: {res['written']} written, {res['rejected']} rejected, {res['pending']} waiting")
    return 0


def _schema() -> int:
    from pipeline.store.es_template import SCHEMA_VERSION

    return SCHEMA_VERSION


def _status(args, store) -> int:
    from pipeline.store.es_template import write_index

    info: dict = {"url": store.url, "alias": store.names.alias, "spooled": store.spool.pending(),
                  "rejected": len(store.spool.rejected())}
    head = store.spool.head(1)
    if head:
        info["oldest_spooled"] = head[0].queued_at
        info["last_error"] = head[0].last_error

    def probe():
        es = store.es
        info["cluster"] = es.info()["version"]["number"]
        try:
            info["health"] = es.cluster.health()["status"]
        except Exception:  # noqa: BLE001 - health is informative only
            info["health"] = "unknown"
        if es.indices.exists_alias(name=store.names.alias):
            info["write_index"] = write_index(es, store.names)
            info["indices"] = sorted(es.indices.get_alias(name=store.names.alias))
            info["articles"] = es.count(index=store.names.alias)["count"]
        else:
            info["write_index"] = None
        tpl = es.options(ignore_status=404).indices.get_index_template(name=store.names.template)
        items = tpl.get("index_templates", []) if isinstance(tpl.body, dict) else []
        info["schema"] = (items[0]["index_template"].get("_meta") or {}).get("schema_version") if items else None
        info["schema_wanted"] = _schema()

    reachable = True
    try:
        _guard(store, probe)
    except UserError as exc:
        reachable = False
        info["error"] = str(exc)
    info["reachable"] = reachable
    if args.json:
        json.dump(info, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(f"cluster: {info['url']}  " + (f"Elasticsearch {info['cluster']}, {info['health']}" if reachable else "UNREACHABLE"))
        if not reachable:
            print(f"  {info['error']}")
        elif info.get("write_index"):
            print(f"alias: {info['alias']} → write index {info['write_index']} ({len(info['indices'])} indices, {info['articles']} articles)")
            print(f"layout: schema {info['schema']} (this newsmon: {info['schema_wanted']})"
                  + ("  run `newsmon es setup` to upgrade" if (info["schema"] or 0) < info["schema_wanted"] else ""))
        else:
            print(f"alias: {info['alias']} missing: run `newsmon es setup`")
        print(f"spool: {info['spooled']} waiting" + (f" since {info['oldest_spooled']} ({info['last_error']})" if head else ""))
        print(f"rejected: {info['rejected']}" + ("  see `newsmon es rejected`" if info["rejected"] else ""))
    if not reachable:
        return 3
    return 1 if info["spooled"] or (info.get("schema") or 0) < info["schema_wanted"] else 0


def _replay(args, store) -> int:
    before = store.spool.pending()
    res = store.replay()
    print(f"spool: {before} waiting; {res['written']} written, {res['rejected']} rejected, {res['pending']} still waiting")
    if res["error"]:
        print(f"newsmon: cluster still unavailable: {res['error']}", file=sys.stderr)
    return 1 if res["pending"] else 0


def _rejected(args, store) -> int:
    if args.requeue is not None:
        n = store.spool.requeue_rejected(args.requeue or None)
        print(f"{n} put back in the spool; `newsmon es replay` writes them")
        return 0
    rows = store.spool.rejected()
    if args.json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    if not rows:
        print("no rejected articles")
        return 0
    for r in rows:
        title = r["payload"].get("title") if isinstance(r["payload"], dict) else None
        title = "".join(ch if ch.isprintable() else " " for ch in (title or ""))[:60]
        print(f"#{r['seq']}  {r['rejected_at']}  {r['op']} {r['key']}  {title}")
        print(f"    {' '.join(r['reason'].split())}")
    return 0


def _rollover(args, store) -> int:
    conditions = {}
    if args.max_age:
        conditions["max_age"] = args.max_age
    if args.max_size:
        conditions["max_primary_shard_size"] = args.max_size
    if args.max_docs:
        conditions["max_docs"] = args.max_docs
    print(_guard(store, lambda: store.rollover(force=args.force, conditions=conditions or None)))
    return 0
