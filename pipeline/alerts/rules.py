"""`config/alerts.yaml`: channels, rules, the silence warning and delivery retries.

Checked completely when loaded, so the daemon never starts on a typo; every mistake names
file, line and key. ``${ENV}`` references stay unexpanded here and are expanded only when a
message is sent (``pipeline.config.expand_env``), so secrets never sit in parsed config,
logs or `newsmon alerts list`.

A built-in rule, ``reform`` (``DEFAULT_RULE``), watches for reform announcements even with
no rules configured; a rule of the same name in the file replaces it, and
``default_rule: false`` turns it off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.alerts.digest import parse_times
from pipeline.config import LineDict, config_error, load_yaml
from pipeline.errors import ConfigError
from pipeline.paths import config_file
from pipeline.query import parse_query
from pipeline.urls import is_http_url

CHANNEL_TYPES = ("webhook", "dingtalk", "wecom", "feishu", "email", "file")
NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

#: the built-in reform-announcement rule: a publishing verb and a kind of policy document,
#: in an article about the business environment. Queries match either script.
#: Not over the attachments' text: a long plan holds all three kinds of word somewhere, and
#: the notice that announces a reform names it in its own title or text.
DEFAULT_RULE = {
    "name": "reform",
    "query": "(營商環境 OR 營商) AND (印發 OR 出台 OR 實施 OR 施行 OR 發布) AND (方案 OR 辦法 OR 條例 OR 措施 OR 意見 OR 細則)",
    "max_age": "3d",
    "attachments": False,
}

#: keys each channel type takes (besides ``type``); the first group is required
_CHANNEL_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "webhook": (("url",), ("headers", "timeout")),
    "dingtalk": (("url",), ("secret", "timeout", "at_all")),
    "wecom": (("url",), ("timeout",)),
    "feishu": (("url",), ("secret", "timeout")),
    "email": (("host", "from", "to"), ("port", "starttls", "ssl", "username", "password", "timeout", "cafile")),
    "file": (("path",), ()),
}


def parse_duration(value: Any) -> float:
    """``30s``, ``5m``, ``2h``, ``3d`` → seconds; a bare number is seconds."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30s, 5m, 2h or 3d")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError("must not be negative")
        return float(value)
    if not isinstance(value, str):
        raise ValueError("expected a duration such as 30s, 5m, 2h or 3d")
    m = _DURATION.match(value)
    if not m:
        raise ValueError(f"{value!r} is not a duration such as 30s, 5m, 2h or 3d")
    return float(m.group(1)) * _UNITS[m.group(2)]


@dataclass
class Channel:
    name: str
    type: str
    #: raw values, ``${ENV}`` unexpanded
    options: dict

    def describe(self) -> str:
        """A line for `newsmon alerts list`: no URL (it may carry a token), no secret."""
        if self.type == "email":
            to = self.options.get("to")
            return f"{self.name}: email to {', '.join(to) if isinstance(to, list) else to}"
        if self.type == "file":
            return f"{self.name}: file {self.options.get('path')}"
        signed = " (signed)" if self.options.get("secret") else ""
        return f"{self.name}: {self.type}{signed}"


@dataclass
class Rule:
    name: str
    query: str
    notify: list[str]
    sources: list[str] | None = None
    #: articles published longer ago than this do not alert (a first crawl of a portal
    #: finds its whole back catalogue); None: no limit. Undated articles always count.
    max_age: float | None = 3 * 86400
    builtin: bool = False
    #: times of day (minutes after midnight, Beijing time) to send new stories as one
    #: message; empty: a message per story as it is found
    digest: tuple[int, ...] = ()
    #: tell the rule's channels again when a portal revises the words of a story the rule
    #: alerted (title, date, author, origin, document numbers or text), at once
    revisions: bool = True
    #: the query matches what the article's attached files say too (``pipeline.attached``)
    attachments: bool = True


@dataclass
class AlertConfig:
    path: Path
    channels: dict[str, Channel] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)
    #: a source is silent after this many of its intervals without a new article
    silence_after: float = 3.0
    #: consecutive failed crawls before a source counts as failing
    silence_failures: int = 3
    silence_notify: list[str] = field(default_factory=list)
    retry_base: float = 5.0
    retry_max: float = 1800.0
    #: the editors' page as the people alerted reach it (``web_url``): messages link the
    #: article there, with its repaired text and repairs, beside the portal's own page
    web_url: str | None = None

    def rule(self, name: str) -> Rule:
        for r in self.rules:
            if r.name == name:
                return r
        known = ", ".join(r.name for r in self.rules) or "(none)"
        raise ConfigError(f"unknown rule {name!r}; {self.path} defines: {known}")


def alerts_path(config_dir: Path) -> Path:
    return config_file(config_dir, "alerts.yaml")


def load_alerts(config_dir: Path) -> AlertConfig:
    path = alerts_path(config_dir)
    try:
        data = load_yaml(path)
    except ConfigError as exc:
        text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
        if "${" in text and "invalid YAML" in str(exc):
            raise ConfigError(f"{exc} (inside {{…}} write \"${{NAME}}\" in quotes)") from None
        raise
    return parse_alerts(data if data is not None else LineDict(), path)


def parse_alerts(data: Any, path: Path) -> AlertConfig:
    if not isinstance(data, dict):
        raise config_error(path, data, None, "(top level)", "expected a mapping with channels: and rules:")
    allowed = {"channels", "rules", "silence", "delivery", "default_rule", "web_url"}
    for key in data:
        if key not in allowed:
            raise config_error(path, data, key, str(key), "unknown key (allowed: " + ", ".join(sorted(allowed)) + ")")
    cfg = AlertConfig(path=path)

    channels = data.get("channels") or LineDict()
    if not isinstance(channels, dict):
        raise config_error(path, data, "channels", "channels", "expected a mapping of channel name to settings")
    for name, spec in channels.items():
        cfg.channels[str(name)] = _parse_channel(path, channels, str(name), spec)

    rules = data.get("rules") or []
    if not isinstance(rules, list):
        raise config_error(path, data, "rules", "rules", "expected a list of rules")
    seen: set[str] = set()
    for i, spec in enumerate(rules):
        rule = _parse_rule(path, rules, i, spec, cfg.channels)
        if rule.name in seen:
            raise config_error(path, spec, "name", f"rules[{i}].name", f"duplicate rule name {rule.name!r}")
        seen.add(rule.name)
        cfg.rules.append(rule)

    web_url = data.get("web_url")
    if web_url is not None:
        if not isinstance(web_url, str) or not is_http_url(web_url):
            raise config_error(path, data, "web_url", "web_url",
                               "expected the editors' page address, http(s)://host[:port][/path]")
        cfg.web_url = web_url.rstrip("/")

    default_on = data.get("default_rule", True)
    if not isinstance(default_on, bool):
        raise config_error(path, data, "default_rule", "default_rule", "expected true or false")
    if default_on and DEFAULT_RULE["name"] not in seen:
        cfg.rules.insert(
            0,
            Rule(
                name=DEFAULT_RULE["name"],
                query=DEFAULT_RULE["query"],
                notify=list(cfg.channels),
                max_age=parse_duration(DEFAULT_RULE["max_age"]),
                builtin=True,
                attachments=DEFAULT_RULE["attachments"],
            ),
        )

    silence = data.get("silence") or LineDict()
    if not isinstance(silence, dict):
        raise config_error(path, data, "silence", "silence", "expected a mapping (after, failures, notify)")
    for key in silence:
        if key not in ("after", "failures", "notify"):
            raise config_error(path, silence, key, f"silence.{key}", "unknown key (allowed: after, failures, notify)")
    after = silence.get("after", 3)
    if isinstance(after, bool) or not isinstance(after, (int, float)) or after <= 0:
        raise config_error(path, silence, "after", "silence.after", f"{after!r}: expected a number of intervals > 0")
    cfg.silence_after = float(after)
    failures = silence.get("failures", 3)
    if isinstance(failures, bool) or not isinstance(failures, int) or failures < 1:
        raise config_error(path, silence, "failures", "silence.failures", f"{failures!r}: expected a whole number >= 1")
    cfg.silence_failures = failures
    cfg.silence_notify = _notify_list(path, silence, "notify", "silence.notify", cfg.channels,
                                      default=list(cfg.channels))

    delivery = data.get("delivery") or LineDict()
    if not isinstance(delivery, dict):
        raise config_error(path, data, "delivery", "delivery", "expected a mapping (retry_base, retry_max)")
    for key in delivery:
        if key not in ("retry_base", "retry_max"):
            raise config_error(path, delivery, key, f"delivery.{key}", "unknown key (allowed: retry_base, retry_max)")
    for key in ("retry_base", "retry_max"):
        if key in delivery:
            try:
                setattr(cfg, key, max(0.05, parse_duration(delivery[key])))
            except ValueError as exc:
                raise config_error(path, delivery, key, f"delivery.{key}", str(exc)) from None
    return cfg


def _parse_channel(path: Path, channels: dict, name: str, spec: Any) -> Channel:
    where = f"channels.{name}"
    if not NAME_RE.match(name):
        raise config_error(path, channels, name, where, "channel names use letters, digits, '_' and '-'")
    if not isinstance(spec, dict):
        raise config_error(path, channels, name, where, "expected a mapping with type: and its settings")
    kind = spec.get("type")
    if kind not in CHANNEL_TYPES:
        raise config_error(path, spec, "type", f"{where}.type", f"{kind!r}: expected one of {', '.join(CHANNEL_TYPES)}")
    required, optional = _CHANNEL_KEYS[kind]
    for key in spec:
        if key != "type" and key not in required and key not in optional:
            raise config_error(path, spec, key, f"{where}.{key}",
                               f"unknown key for a {kind} channel (allowed: {', '.join(required + optional)})")
    for key in required:
        if spec.get(key) in (None, "", []):
            raise config_error(path, spec, None, f"{where}.{key}", f"required for a {kind} channel")
    url = spec.get("url")
    if url is not None and (not isinstance(url, str) or not re.match(r"^(https?://|\$\{)", url.strip())):
        raise config_error(path, spec, "url", f"{where}.url", "expected an http(s) URL")
    if kind == "email":
        to = spec.get("to")
        if isinstance(to, str):
            to = [to]
        if not isinstance(to, list) or not all(isinstance(t, str) and "@" in t for t in to):
            raise config_error(path, spec, "to", f"{where}.to", "expected an address or a list of addresses")
        port = spec.get("port", 587)
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise config_error(path, spec, "port", f"{where}.port", f"{port!r}: expected a port number")
        for flag in ("starttls", "ssl"):
            if flag in spec and not isinstance(spec[flag], bool):
                raise config_error(path, spec, flag, f"{where}.{flag}", "expected true or false")
    if "timeout" in spec:
        try:
            parse_duration(spec["timeout"])
        except ValueError as exc:
            raise config_error(path, spec, "timeout", f"{where}.timeout", str(exc)) from None
    if kind == "webhook" and "headers" in spec and not isinstance(spec["headers"], dict):
        raise config_error(path, spec, "headers", f"{where}.headers", "expected a mapping of header to value")
    options = {k: v for k, v in spec.items() if k != "type"}
    if kind == "email" and isinstance(options.get("to"), str):
        options["to"] = [options["to"]]
    return Channel(name=name, type=kind, options=options)


def _notify_list(path, spec, key, keypath, channels, default) -> list[str]:
    if key not in spec:
        return default
    value = spec.get(key)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise config_error(path, spec, key, keypath, "expected a list of channel names")
    for v in value:
        if v not in channels:
            known = ", ".join(channels) or "(none defined)"
            raise config_error(path, spec, key, keypath, f"unknown channel {v!r} (channels: {known})")
    return list(value)


def _parse_rule(path: Path, rules: list, i: int, spec: Any, channels: dict) -> Rule:
    where = f"rules[{i}]"
    if not isinstance(spec, dict):
        raise config_error(path, rules, i, where, "expected a mapping with name, query, notify")
    allowed = ("name", "query", "sources", "notify", "max_age", "digest", "revisions", "attachments")
    for key in spec:
        if key not in allowed:
            raise config_error(path, spec, key, f"{where}.{key}", "unknown key (allowed: " + ", ".join(allowed) + ")")
    name = spec.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise config_error(path, spec, "name", f"{where}.name", f"{name!r}: required; letters, digits, '_' and '-'")
    query = spec.get("query")
    if not isinstance(query, str) or not query.strip():
        raise config_error(path, spec, "query", f"{where}.query", "required: a query in the `newsmon search` syntax")
    try:
        parse_query(query)
    except ConfigError:
        raise
    except Exception as exc:  # QueryError is a UserError: name where it stands
        raise config_error(path, spec, "query", f"{where}.query", str(exc)) from None
    sources = spec.get("sources")
    if sources is not None:
        if isinstance(sources, str):
            sources = [sources]
        if not isinstance(sources, list) or not all(isinstance(s, str) and s for s in sources):
            raise config_error(path, spec, "sources", f"{where}.sources", "expected a list of source names")
    notify = _notify_list(path, spec, "notify", f"{where}.notify", channels, default=None)
    if notify is None:
        raise config_error(path, spec, None, f"{where}.notify", "required: the channels to tell")
    max_age: float | None = 3 * 86400
    if "max_age" in spec:
        if spec["max_age"] in (None, 0, "0", "none"):
            max_age = None
        else:
            try:
                max_age = parse_duration(spec["max_age"])
            except ValueError as exc:
                raise config_error(path, spec, "max_age", f"{where}.max_age", str(exc)) from None
    digest: tuple[int, ...] = ()
    if spec.get("digest") is not None:
        try:
            digest = parse_times(spec["digest"])
        except ValueError as exc:
            raise config_error(path, spec, "digest", f"{where}.digest", str(exc)) from None
    flags = {}
    for key in ("revisions", "attachments"):
        flags[key] = spec.get(key, True)
        if not isinstance(flags[key], bool):
            raise config_error(path, spec, key, f"{where}.{key}", f"{flags[key]!r}: expected true or false")
    return Rule(name=name, query=query.strip(), notify=notify, sources=list(sources) if sources else None,
                max_age=max_age, digest=digest, **flags)
