"""`newsmon kibana import`: load newsmon's data view, saved searches and dashboard into Kibana.

Goes through Kibana's saved-objects import API (multipart NDJSON, ``kbn-xsrf`` header,
``overwrite=true`` so a re-import updates what an older newsmon shipped). Kibana's address
and credentials: ``settings.yaml`` ``kibana: {url, username, password | api_key}`` (values may
be ``${ENV}``), env NEWSMON_KIBANA_URL / _USERNAME / _PASSWORD / _API_KEY, or ``--url``;
credentials default to the index's.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from pipeline.errors import UserError

VERB = "kibana"
HELP = "Kibana: import newsmon's data view, saved searches and dashboard"
ORDER = 61


def add_arguments(p) -> None:
    sub = p.add_subparsers(dest="kibana_command", metavar="COMMAND")
    imp = sub.add_parser("import", help="load the saved objects through Kibana's import API")
    imp.add_argument("--url", help="Kibana URL (default: settings kibana.url, env NEWSMON_KIBANA_URL, http://localhost:5601)")
    imp.add_argument("--space", help="Kibana space id (default: the default space)")
    imp.add_argument("--file", type=Path, help="an NDJSON file instead of the shipped objects")
    imp.add_argument("--no-overwrite", action="store_true", help="keep objects that already exist")
    imp.add_argument("--wait", type=float, default=0, metavar="SECONDS",
                     help="wait this long for Kibana to come up (for docker compose)")
    sub.add_parser("show", help="print the shipped saved objects (NDJSON)")


def run(args, ctx) -> int:
    command = getattr(args, "kibana_command", None)
    if command == "show":
        sys.stdout.write(_ndjson(None, _alias(ctx)))
        return 0
    if command != "import":
        raise UserError("say what to do: newsmon kibana {import,show}")
    return _import(args, ctx)


def _alias(ctx) -> str:
    index = (ctx.settings.get("index") or {}) if ctx.settings else {}
    return f"{index.get('prefix', 'newsmon')}-articles"


def _ndjson(path: Path | None, alias: str) -> str:
    from pipeline.kibana.objects import NDJSON, DATA_VIEW_ID

    if path is not None:
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(f"{path}: cannot read ({exc.strerror or exc})") from None
    lines = []
    for line in NDJSON.read_text(encoding="utf-8").splitlines():
        obj = json.loads(line)
        if obj["type"] == "index-pattern" and obj["id"] == DATA_VIEW_ID:
            obj["attributes"]["title"] = alias  # the data view follows a configured prefix
        lines.append(json.dumps(obj, ensure_ascii=False, sort_keys=True))
    return "\n".join(lines) + "\n"


def _conf(ctx, args) -> dict:
    from pipeline.config import expand_env

    settings = ctx.settings
    path = Path(settings.get("_path", "settings.yaml"))
    kib = dict(settings.get("kibana") or {})  # a mapping of known keys (pipeline.settings)
    index = dict(settings.get("index") or {})
    url = args.url or os.environ.get("NEWSMON_KIBANA_URL") or kib.get("url") or "http://localhost:5601"
    out = {"url": expand_env(str(url), path=path, keypath="kibana.url").rstrip("/")}
    creds = kib if (kib.get("username") or kib.get("api_key")) else index
    for key in ("username", "password", "api_key"):
        value = os.environ.get(f"NEWSMON_KIBANA_{key.upper()}") or creds.get(key)
        if value:
            out[key] = expand_env(str(value), path=path, keypath=f"kibana.{key}")
    if kib.get("verify_certs") is not None:
        out["verify"] = bool(kib["verify_certs"])
    return out


def _import(args, ctx) -> int:
    import httpx

    conf = _conf(ctx, args)
    body = _ndjson(args.file, _alias(ctx))
    base = conf["url"] + (f"/s/{args.space}" if args.space else "")
    headers = {"kbn-xsrf": "true"}
    auth = None
    if conf.get("api_key"):
        headers["Authorization"] = f"ApiKey {conf['api_key']}"
    elif conf.get("username"):
        auth = (conf["username"], conf.get("password", ""))
    client = httpx.Client(timeout=60, auth=auth, verify=conf.get("verify", True))
    try:
        if args.wait:
            _wait_for(client, conf["url"], headers, args.wait)
        try:
            resp = client.post(
                f"{base}/api/saved_objects/_import",
                params={"overwrite": "false" if args.no_overwrite else "true"},
                headers=headers,
                files={"file": ("newsmon.ndjson", body.encode("utf-8"), "application/ndjson")},
            )
        except httpx.HTTPError as exc:
            raise UserError(f"Kibana at {conf['url']} did not answer: {exc}") from None
    finally:
        client.close()
    try:
        result = resp.json()
    except ValueError:
        result = {}
    if resp.status_code >= 400:
        msg = result.get("message") or result.get("error") or resp.text[:200]
        raise UserError(f"Kibana refused the import ({resp.status_code}): {' '.join(str(msg).split())}")
    ok = result.get("successCount", 0)
    errors = result.get("errors") or []
    print(f"imported {ok} saved objects into {conf['url']}" + (f" (space {args.space})" if args.space else ""))
    for err in errors:
        e = err.get("error") or {}
        print(f"newsmon: {err.get('type')} {err.get('id')}: {e.get('type')} {e.get('message', '')}".rstrip(), file=sys.stderr)
    if errors or not result.get("success", False):
        return 1
    print("open: Discover → “營商環境 latest”; Dashboards → “newsmon newsroom”")
    return 0


def _wait_for(client, url: str, headers: dict, seconds: float) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while True:
        try:
            if client.get(f"{url}/api/status", headers=headers).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() >= deadline:
            raise UserError(f"Kibana at {url} did not come up within {seconds:g} s")
        time.sleep(2)
