"""`config/settings.yaml`: the few switches that are not per source or per rule."""

from __future__ import annotations

from pathlib import Path

from pipeline.config import LineDict, config_error, load_yaml

DEFAULTS: dict = {
    "index": {"backend": "sqlite"},
    "crawl": {"contact": "https://github.com/newsmon/newsmon"},
}

#: the keys each section may hold: a misspelt one (``ulr``, ``pasword``) is an error naming
#: its line, not a setting silently not applied. ``crawl`` keys are checked where the crawl
#: reads them (``crawler.options``), with their values.
KNOWN_KEYS: dict[str, frozenset | None] = {
    "index": frozenset({
        "backend", "url", "username", "password", "api_key", "timeout", "ca_certs", "verify_certs",
        "plain_json", "prefix", "retries", "backoff", "retry_interval", "refresh", "ilm", "rollover",
        "auto_setup",
    }),
    "kibana": frozenset({"url", "username", "password", "api_key", "verify_certs"}),
    "crawl": None,
}


def load_settings(config_dir: Path) -> dict:
    path = Path(config_dir) / "settings.yaml"
    data = load_yaml(path)
    if data is None:
        data = LineDict()
    if not isinstance(data, dict):
        raise config_error(path, data, None, "(top level)", "expected a mapping")
    out = {k: dict(v) for k, v in DEFAULTS.items()}
    for key, value in data.items():
        if key not in KNOWN_KEYS:
            raise config_error(path, data, key, str(key), "unknown section (known: " + ", ".join(KNOWN_KEYS) + ")")
        if value is None:
            continue
        if not isinstance(value, dict):
            raise config_error(path, data, key, key, "expected a mapping")
        for sub in value:
            if KNOWN_KEYS[key] is not None and sub not in KNOWN_KEYS[key]:
                raise config_error(path, value, sub, f"{key}.{sub}",
                                   "unknown key (known: " + ", ".join(sorted(KNOWN_KEYS[key])) + ")")
        out[key] = {**out.get(key, {}), **value}
    out["_path"] = str(path)
    out["_raw"] = data
    backend = out["index"].get("backend", "sqlite")
    if backend not in ("sqlite", "elasticsearch"):
        raise config_error(path, data.get("index", data), "backend", "index.backend",
                           f"unknown backend {backend!r} (sqlite or elasticsearch)")
    return out
