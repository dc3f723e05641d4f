"""Stage: classic mojibake, where a whole stretch was read with the wrong codec.

- UTF-8 read as GBK (``銆傗€``, ``鐨勬槸``): the GBK bytes of the stretch are valid UTF-8;
- GBK read as Latin-1 or cp1252 (``ÖÐÎÄ``): the Latin-1 bytes are valid GBK Chinese;
- UTF-8 read as cp1252 (``ä¸­æ–‡``): ftfy knows this one; we call it on the stretch only,
  with its width folding off (full-width forms are normal in Chinese).

Why so careful: genuine Chinese text must never match. Random GBK text is almost never
valid UTF-8 over two characters or more, and a stretch of Latin-1 letters is only taken
for GBK when every resulting character is Chinese. ``锟斤拷`` (UTF-8's replacement
character read as GBK) is not repaired here: its bytes are gone (see ``lost``).
"""

from __future__ import annotations

import functools
import re

from pipeline.repair.chain import Edit

#: cp1252-only characters (bytes 0x80-0x9F) plus Latin-1
_LATIN = (
    "\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014"
    "\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
)
#: a GBK pair read as Latin-1 is a high char, then a high char or an ASCII one (trail 40-7E)
_LATIN_RUN = re.compile("(?:[" + _LATIN + "][\x40-\x7e]?){2,}")
_HAS_LETTER = re.compile("[\u00c0-\u00ff]")


@functools.lru_cache(maxsize=1)
def marker_chars() -> frozenset[str]:
    """GBK characters that UTF-8's lead bytes for Chinese and its punctuation turn into."""
    out = set()
    for lead in list(range(0xE3, 0xEA)) + [0xE2, 0xEF]:
        for trail in range(0x80, 0xC0):
            try:
                out.add(bytes((lead, trail)).decode("gbk"))
            except UnicodeDecodeError:
                pass
    return frozenset(out)


@functools.lru_cache(maxsize=1)
def _markers() -> re.Pattern:
    """The same as one character class: the scan for them runs over every clean text."""
    return re.compile("[" + "".join(re.escape(ch) for ch in sorted(marker_chars())) + "]")


def _gbk_bytes(run: str) -> bytes | None:
    out = bytearray()
    for ch in run:
        if ch == "\u20ac":  # cp936 puts the euro sign at 0x80
            out.append(0x80)
            continue
        try:
            out += ch.encode("gbk")
        except UnicodeEncodeError:
            return None
    return bytes(out)


def _chinese(text: str, need_ideograph: bool = True) -> bool:
    """Every character is CJK, CJK punctuation, full-width or common punctuation."""
    if not text:
        return False
    for ch in text:
        cp = ord(ch)
        if not (0x4E00 <= cp <= 0x9FFF or 0x3000 <= cp <= 0x303F or 0xFF00 <= cp <= 0xFFEF
                or 0x2010 <= cp <= 0x2027 or 0x3400 <= cp <= 0x4DBF):
            return False
    return not need_ideograph or any(0x4E00 <= ord(ch) <= 0x9FFF for ch in text)


_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]{2,}\??")


def _utf8_as_gbk(text: str) -> list[Edit]:
    markers = _markers()
    if markers.search(text) is None:
        return []
    out = []
    for m in _NON_ASCII_RUN.finditer(text):
        run = m.group(0)
        i = 0
        while True:
            found = markers.search(run, i)  # the next marker, not the run's last character
            if found is None or found.start() >= len(run) - 1:
                break
            i = found.start()
            span = _utf8_span(run, i)
            if span is None:
                i += 1
                continue
            end, fixed = span
            out.append(Edit(m.start() + i, m.start() + end, fixed, "utf8_as_gbk", 0.95))
            i = end
    return out


def _utf8_span(run: str, i: int) -> tuple[int, str] | None:
    """Longest stretch from ``i`` whose GBK bytes are UTF-8 Chinese: (end, fixed text).

    A stretch that decodes to anything but Chinese is given up at once: the longest one
    would hold it and be refused. Without that, a run of ``锟斤拷`` (UTF-8's U+FFFD read
    as GBK, a marker at every third character) was decoded from each marker to its end,
    joined at every step: 3,000 characters took 4 s, 30,000 more than two minutes.
    """
    import codecs

    dec = codecs.getincrementaldecoder("utf-8")()
    pieces: list[str] = []
    best = None
    for j in range(i, len(run)):
        ch = run[j]
        if ch == "?" and j == len(run) - 1:
            break
        raw = _gbk_bytes(ch)
        if raw is None:
            break
        try:
            piece = dec.decode(raw)
        except UnicodeDecodeError:
            break
        if piece and not _chinese(piece, need_ideograph=False):
            return None
        pieces.append(piece)
        if not dec.getstate()[0] and j > i:
            best = (j + 1, len(pieces))
    best = best and (best[0], "".join(pieces[:best[1]]))
    # a sequence cut short right before a "?" (the bad pair that took its last byte)
    pending = dec.getstate()[0]
    if pending and run.endswith("?") and len(pieces) == len(run) - 1 - i:
        fill = _COMPLETE.get(pending)
        if fill is not None:
            try:
                tail = (pending + fill).decode("utf-8")
                best = (len(run), "".join(pieces) + tail)
            except UnicodeDecodeError:
                pass
    if best is None or not _chinese(best[1], need_ideograph=False):
        return None
    return best


#: the most likely last byte of a UTF-8 sequence whose last byte a GBK reader swallowed
_COMPLETE = {b"\xe2\x80": b"\x9d", b"\xe3\x80": b"\x82"}


def _latin_runs(text: str) -> list[Edit]:
    out = []
    for m in _LATIN_RUN.finditer(text):
        run = m.group(0)
        if not _HAS_LETTER.search(run):
            continue  # "——" or "……" are Chinese punctuation, not mojibake
        fixed = _ftfy(run)
        if fixed is not None:
            out.append(Edit(m.start(), m.end(), fixed, "utf8_as_cp1252", 0.95))
            continue
        found = _gbk_from_latin(run)
        if found is not None:
            length, candidate = found
            out.append(Edit(m.start(), m.start() + length, candidate, "gbk_as_latin1", 0.9))
    return out


def _gbk_from_latin(run: str) -> tuple[int, str] | None:
    """(length used, Chinese) when the run's Latin-1/cp1252 bytes are GBK Chinese.

    The run may end in genuine ASCII the pattern took for a trail byte: try one shorter,
    but only then (``ÄÖÜ`` is no ``闹`` and a stray ``Ü``). Two Chinese characters at
    least: one is what any two accented capitals make (``ÄÖ`` is ``闹``).
    """
    cuts = (len(run), len(run) - 1) if run[-1] < "\x80" else (len(run),)
    for cut in cuts:
        part = run[:cut]
        for codec in ("latin-1", "cp1252"):
            try:
                candidate = part.encode(codec).decode("gbk")
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
            if (sum("\u4e00" <= ch <= "\u9fff" for ch in candidate) >= 2
                    and _chinese(candidate) and _common(candidate)):
                return cut, candidate
    return None


def _common(text: str) -> bool:
    """Real Chinese read back is made of common characters; ``brûlée`` read as GBK is not."""
    from pipeline.repair import langmodel

    chars = langmodel.load().chars
    probs = [chars.get(ch, langmodel.UNSEEN) for ch in text if "\u4e00" <= ch <= "\u9fff"]
    return bool(probs) and min(probs) > -15.0 and sum(probs) / len(probs) > -11.5


def _ftfy(run: str) -> str | None:
    import ftfy

    config = ftfy.TextFixerConfig(
        unescape_html=False, remove_terminal_escapes=False, fix_latin_ligatures=False,
        fix_character_width=False, uncurl_quotes=False, fix_line_breaks=False,
        fix_surrogates=False, remove_control_chars=False, normalization=None,
        explain=False,
    )
    fixed = ftfy.fix_encoding(run, config)
    if fixed != run and _chinese(fixed):
        return fixed
    return None


def edits(text: str) -> list[Edit]:
    found = _utf8_as_gbk(text) + _latin_runs(text)
    found.sort(key=lambda e: e.start)
    out, last = [], -1
    for e in found:
        if e.start >= last:
            out.append(e)
            last = e.end
    return out
