"""`newsmon ingest`: local files and folders into the index, through the same chain as a crawl.

A bad file never stops the rest: it is reported on one line and skipped, and the caller
learns how many were skipped so the command can exit non-zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from pipeline.decode import decode_bytes
from pipeline.model import Article
from pipeline.process import process_html, process_text
from pipeline.storing import save

MAX_BYTES = 20 * 1024 * 1024
TEXT_SUFFIXES = {".txt"}
HTML_SUFFIXES = {".html", ".htm", ".shtml"}


class SkipFile(Exception):
    """This file cannot be ingested; the message says why, in a few words."""


@dataclass
class IngestReport:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    #: Elasticsearch only: held in the durable spool / refused for their content (kept aside)
    queued: int = 0
    rejected: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def iter_files(paths: list[Path], report: IngestReport) -> Iterator[Path]:
    """Files named, and the .txt/.html files inside folders named (recursively, sorted)."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in TEXT_SUFFIXES | HTML_SUFFIXES:
                    yield child
        elif path.exists():
            yield path
        else:
            report.skipped.append((str(path), "no such file or folder"))


def _looks_binary(raw: bytes) -> bool:
    head = raw[:8192]
    return b"\x00" in head or sum(b < 9 or 13 < b < 32 for b in head) > len(head) // 20


def article_from_file(path: Path, source: str, lexicon=None) -> Article:
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES | HTML_SUFFIXES:
        raise SkipFile(f"unsupported file type {suffix or '(none)'} (use .txt, .html or .htm)")
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise SkipFile(f"too large ({size / 1e6:.1f} MB > {MAX_BYTES // (1024 * 1024)} MB)")
        raw = path.read_bytes()
    except PermissionError:
        raise SkipFile("unreadable (permission denied)") from None
    except OSError as exc:
        raise SkipFile(f"unreadable ({exc.strerror or exc})") from None
    if not raw.strip():
        raise SkipFile("empty")
    if _looks_binary(raw):
        raise SkipFile("binary, not text")
    if suffix in HTML_SUFFIXES:
        article = process_html(raw, source=source, lexicon=lexicon)
    else:
        decoded = decode_bytes(raw)
        article = process_text(decoded.text, raw=raw, source=source, encoding=decoded.encoding, lexicon=lexicon)
        article.encoding_lied = decoded.lied
    if not (article.text or "").strip():
        raise SkipFile("no article text found")
    return article


def ingest_paths(store, paths: list[Path], *, source: str = "local", lexicon=None) -> IngestReport:
    report = IngestReport()
    batch: list[Article] = []

    def flush() -> None:
        for outcome in save(store, batch):
            report.count(outcome)
        batch.clear()

    for path in iter_files(paths, report):
        try:
            batch.append(article_from_file(path, source, lexicon))
        except SkipFile as exc:
            report.skipped.append((str(path), str(exc)))
            continue
        if len(batch) >= 200:
            flush()
    flush()
    return report
