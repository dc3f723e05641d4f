"""Crawled text on a terminal: a page's title can carry escape sequences that would move the
cursor, retitle the window or hide what follows, so every verb prints it through here."""

from __future__ import annotations

import unicodedata


def printable(text) -> str:
    """``text`` with every control character and escape sequence made a space (spaces of
    other widths, such as the ideographic one that indents Chinese clauses, are kept)."""
    return "".join(ch if ch.isprintable() or unicodedata.category(ch) == "Zs" else " " for ch in str(text or ""))
