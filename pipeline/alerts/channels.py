"""Sending one queued message to one channel: webhook, DingTalk, WeCom, Feishu, email, file.

Why plain-text messages for the chat robots: article titles and snippets are crawled text,
which is hostile; a markdown message would render whatever links or formatting a page put
in its title. Text messages show it as written (the clients still link bare URLs).

Secrets (``${ENV}`` in URLs, signing secrets, SMTP passwords) are expanded here, at send
time, and every error message is scrubbed of them and of URL query strings before it can
reach a log or `newsmon status`.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import os
import re
import smtplib
import ssl
import threading
import time
import urllib.parse
from email.message import EmailMessage
from pathlib import Path

import httpx

from pipeline.alerts.rules import Channel, parse_duration
from pipeline.attached import named
from pipeline.config import expand_env
from pipeline.timeutil import beijing_time


class DeliveryError(Exception):
    """The channel did not accept the message; the text is safe to log."""


def redact_url(url: str) -> str:
    """``https://host/path?access_token=…`` → ``https://host/path?…`` (tokens ride in queries)."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "(url)"
    path = re.sub(r"/[A-Za-z0-9_-]{16,}", "/…", parts.path)  # Feishu/WeCom-style hook ids
    return urllib.parse.urlunsplit((parts.scheme, parts.hostname or "", path, "…" if parts.query else "", ""))


def _expanded(channel: Channel) -> dict:
    out = {}
    for key, value in channel.options.items():
        keypath = f"channels.{channel.name}.{key}"
        if isinstance(value, str):
            out[key] = expand_env(value, keypath=keypath)
        elif isinstance(value, dict):
            out[key] = {k: expand_env(v, keypath=f"{keypath}.{k}") if isinstance(v, str) else v
                        for k, v in value.items()}
        else:
            out[key] = value
    return out


def _scrub(text: str, opts: dict) -> str:
    secrets = [v for k, v in opts.items() if isinstance(v, str) and k in ("url", "secret", "password", "username")]
    for key in ("headers",):
        if isinstance(opts.get(key), dict):
            secrets += [v for v in opts[key].values() if isinstance(v, str)]
    for s in sorted(secrets, key=len, reverse=True):
        if s and len(s) >= 4:
            text = text.replace(s, redact_url(s) if s.startswith("http") else "***")
    return " ".join(text.split())[:300]


# -- rendering ----------------------------------------------------------------------------


#: stories a digest message lists; a webhook or file channel gets them all
DIGEST_LISTED = 30
#: attachments named in one article's message
ATTACHMENTS_LISTED = 5


def render_text(payload: dict) -> tuple[str, str]:
    """(subject, body) in plain text for chat robots and email."""
    if "digest" in payload:
        return _render_digest(payload)
    if "warning" in payload:
        w = payload["warning"]
        subject = f"newsmon: source {w.get('source')} is {w.get('kind')}"
        return subject, f"{subject}\n{w.get('message', '')}"
    a = payload.get("article") or {}
    story = payload.get("story") or {}
    title = a.get("title") or "(no title)"
    revision = payload.get("revision") if isinstance(payload.get("revision"), dict) else None
    withdrawn = payload.get("withdrawn") if isinstance(payload.get("withdrawn"), dict) else None
    what = "revised: " if revision else "withdrawn: " if withdrawn else ""
    subject = f"newsmon [{payload.get('rule')}] {what}{title}"
    if revision:
        body = _revision_lines(revision)
    elif withdrawn:
        body = [f"the portal no longer serves this page: HTTP {withdrawn.get('status')} since "
                f"{beijing_time(withdrawn.get('since')) or '?'} (Beijing time); newsmon keeps the text as stored"]
    else:
        body = [a.get("snippet") or ""]
    lines = [
        subject,
        f"{a.get('source')} · {a.get('published_at') or 'no date'}",
        a.get("url") or "",
        f"on newsmon: {a['newsmon_url']}" if a.get("newsmon_url") else "",
        *body,
    ]
    guessed = [g for g in a.get("guessed") or [] if isinstance(g, str)]
    if guessed:
        lines.append("found through a guessed reading of damaged text: " + " / ".join(guessed))
    found = [g for g in a.get("attached") or [] if isinstance(g, str)]
    if found:
        lines.append("found in an attachment: " + " / ".join(found))
    files = [f for f in a.get("attachments") or [] if isinstance(f, dict)]
    lines += [f"attachment: {named(f)}" for f in files[:ATTACHMENTS_LISTED]]
    if len(files) > ATTACHMENTS_LISTED:
        lines.append(f"… and {len(files) - ATTACHMENTS_LISTED} more attachments, on the article page")
    others = [s for s in story.get("sources", []) if s.get("url") != a.get("url")]
    if others:
        lines.append("also on: " + ", ".join(f"{s.get('source')} {s.get('url') or ''}".strip() for s in others))
    return subject, "\n".join(line for line in lines if line)


def _revision_lines(revision: dict) -> list[str]:
    """What the portal changed, for a story the rule already told about."""
    lines = ["the portal changed this page after it was alerted: " + ", ".join(map(str, revision.get("changed") or []))]
    for f in revision.get("fields") or []:
        if isinstance(f, dict):
            lines.append(f"{f.get('name')}: {f.get('before') or '(none)'} → {f.get('after') or '(none)'}")
    if revision.get("excerpt"):
        lines.append(f"text: {revision['excerpt']}")
    return lines


def _render_digest(payload: dict) -> tuple[str, str]:
    d = payload["digest"]
    stories = [s for s in d.get("stories") or [] if isinstance(s, dict)]
    n = len(stories)
    subject = f"newsmon [{payload.get('rule')}] digest: {n} new stor{'y' if n == 1 else 'ies'}"
    lines = [subject, f"found {beijing_time(d.get('since')) or '?'} to {beijing_time(d.get('until')) or '?'}"
                      " (Beijing time)"]
    for i, story in enumerate(stories[:DIGEST_LISTED], 1):
        a = story.get("article") or {}
        others = [s for s in (story.get("story") or {}).get("sources", []) if s.get("url") != a.get("url")]
        snippet = " ".join((a.get("snippet") or "").split())
        lines += [
            "",
            f"{i}. {a.get('title') or '(no title)'}",
            f"   {a.get('source')} · {beijing_time(a.get('published_at')) or 'no date'}"
            + (f" · also on {len(others)} other portal{'s' if len(others) != 1 else ''}" if others else ""),
            f"   {a.get('url') or ''}",
            f"   on newsmon: {a['newsmon_url']}" if a.get("newsmon_url") else None,
            f"   {snippet[:120]}{'…' if len(snippet) > 120 else ''}" if snippet else None,
            "   (found through a guessed reading of damaged text)" if a.get("guessed") else None,
        ]
    if n > DIGEST_LISTED:
        lines += ["", f"… and {n - DIGEST_LISTED} more, not listed here"]
    return subject, "\n".join(line for line in lines if line is not None)


def _timeout(opts: dict) -> float:
    return parse_duration(opts["timeout"]) if "timeout" in opts else 10.0


_client: httpx.Client | None = None
_client_lock = threading.Lock()


def _http() -> httpx.Client:
    """One client for the process. A client per message would build a new TLS context (CA
    bundle and all) each time, and the daemon's memory would grow with every alert sent."""
    global _client
    with _client_lock:
        if _client is None:
            _client = httpx.Client(follow_redirects=False, trust_env=False,
                                   limits=httpx.Limits(max_keepalive_connections=4, keepalive_expiry=30))
        return _client


def _post(url: str, body: dict, opts: dict, headers: dict | None = None) -> httpx.Response:
    try:
        return _http().post(url, json=body, headers=headers or {}, timeout=_timeout(opts))
    except httpx.HTTPError as exc:
        raise DeliveryError(_scrub(f"{type(exc).__name__}: {exc}", opts)) from None


def _check_robot(resp: httpx.Response, opts: dict, code_keys=("errcode",)) -> None:
    if resp.status_code // 100 != 2:
        raise DeliveryError(f"HTTP {resp.status_code}")
    try:
        data = resp.json()
    except ValueError:
        raise DeliveryError(f"HTTP {resp.status_code}, not a JSON answer") from None
    for key in code_keys:
        if isinstance(data, dict) and key in data:
            if data[key] in (0, "0"):
                return
            msg = data.get("errmsg") or data.get("msg") or data.get("StatusMessage") or ""
            raise DeliveryError(_scrub(f"{key} {data[key]}: {msg}", opts))
    raise DeliveryError(f"HTTP {resp.status_code}, answer without {'/'.join(code_keys)}")


# -- senders ------------------------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk: HMAC-SHA256 keyed by the secret over "timestamp\\nsecret", base64 (then URL-encoded)."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu: HMAC-SHA256 keyed by "timestamp\\nsecret" over an empty message, base64."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def send_webhook(opts: dict, payload: dict, key: str, **_) -> None:
    headers = {"X-Newsmon-Alert": key, **{str(k): str(v) for k, v in (opts.get("headers") or {}).items()}}
    resp = _post(opts["url"], payload, opts, headers)
    if resp.status_code // 100 != 2:
        raise DeliveryError(f"HTTP {resp.status_code}")


def send_dingtalk(opts: dict, payload: dict, **_) -> None:
    url = opts["url"]
    if opts.get("secret"):
        ts = int(time.time() * 1000)
        sep = "&" if "?" in url else "?"
        url = f"{url}{sep}timestamp={ts}&sign={urllib.parse.quote_plus(dingtalk_sign(opts['secret'], ts))}"
    _, text = render_text(payload)
    body = {"msgtype": "text", "text": {"content": text}, "at": {"isAtAll": bool(opts.get("at_all"))}}
    _check_robot(_post(url, body, opts), opts)


def send_wecom(opts: dict, payload: dict, **_) -> None:
    _, text = render_text(payload)
    # WeCom caps a text message at 2,048 bytes
    raw = text.encode("utf-8")[:2040].decode("utf-8", "ignore")
    _check_robot(_post(opts["url"], {"msgtype": "text", "text": {"content": raw}}, opts), opts)


def send_feishu(opts: dict, payload: dict, **_) -> None:
    _, text = render_text(payload)
    body: dict = {"msg_type": "text", "content": {"text": text}}
    if opts.get("secret"):
        ts = int(time.time())
        body = {"timestamp": str(ts), "sign": feishu_sign(opts["secret"], ts), **body}
    _check_robot(_post(opts["url"], body, opts), opts, code_keys=("code", "StatusCode"))


@functools.lru_cache(maxsize=8)
def _tls_context(cafile: str | None) -> ssl.SSLContext:
    """Built once per CA file, for the same reason as ``_http``."""
    return ssl.create_default_context(cafile=cafile)


def send_email(opts: dict, payload: dict, key: str, **_) -> None:
    subject, text = render_text(payload)
    msg = EmailMessage()
    msg["Subject"] = " ".join(subject.split())[:200]
    msg["From"] = opts["from"]
    msg["To"] = ", ".join(opts["to"])
    msg["Message-ID"] = f"<{key.replace(':', '.')}@newsmon>"
    msg.set_content(text)
    timeout = _timeout(opts)
    context = _tls_context(opts.get("cafile") or None)
    try:
        if opts.get("ssl"):
            smtp = smtplib.SMTP_SSL(opts["host"], opts.get("port", 465), timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(opts["host"], opts.get("port", 587), timeout=timeout)
        with smtp:
            smtp.ehlo()
            if not opts.get("ssl") and opts.get("starttls", True):
                smtp.starttls(context=context)
                smtp.ehlo()
            if opts.get("username"):
                smtp.login(opts["username"], opts.get("password") or "")
            smtp.send_message(msg)
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise DeliveryError(_scrub(f"SMTP {type(exc).__name__}: {exc}", opts)) from None


def send_file(opts: dict, payload: dict, key: str, data_dir: Path, **_) -> None:
    path = Path(opts["path"])
    if not path.is_absolute():
        path = Path(data_dir) / path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"key": key, **payload}, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise DeliveryError(f"cannot write {path}: {exc.strerror or exc}") from None


SENDERS = {
    "webhook": send_webhook,
    "dingtalk": send_dingtalk,
    "wecom": send_wecom,
    "feishu": send_feishu,
    "email": send_email,
    "file": send_file,
}


def send(channel: Channel, payload: dict, *, key: str, data_dir: Path) -> None:
    """Deliver or raise DeliveryError (or ConfigError for a missing ${ENV})."""
    opts = _expanded(channel)
    SENDERS[channel.type](opts, payload, key=key, data_dir=data_dir)
