"""`config/settings.yaml`: the few switches that are not per source or per rule."""

from __future__ import annotations

from pathlib import Path

from pipeline.config import LineDict, config_error, load_yaml

DEFAULTS: dict = {
    "index": {"backend": "sqlite"},
    "crawl": {"contact": "https://github.com/newsmon/newsmon"},
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
        if key in DEFAULTS and not isinstance(value, dict):
            raise config_error(path, data, key, key, "expected a mapping")
        if isinstance(value, dict):
            merged = dict(out.get(key, {}))
            merged.update(value)
            out[key] = merged
        else:
            out[key] = value
    out["_path"] = str(path)
    out["_raw"] = data
    backend = out["index"].get("backend", "sqlite")
    if backend not in ("sqlite", "elasticsearch"):
        raise config_error(path, data.get("index", data), "backend", "index.backend",
                           f"unknown backend {backend!r} (sqlite or elasticsearch)")
    return out
