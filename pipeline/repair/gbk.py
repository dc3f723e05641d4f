"""GBK byte facts the byte-shift repair and the damage simulator share.

Why a module of our own: Python's ``gbk`` codec rejects the user-defined areas and the
unassigned codes that GB18030-2000 mapped to private-use characters, and it never
swallows an ASCII byte after a bad lead byte, while the tools that damaged our text did
both. To rebuild the bytes a damaged run was read from, we need the *damaging* decoder's
behaviour, byte for byte, and its inverse.
"""

from __future__ import annotations

import functools

#: ``?`` that a lead byte was replaced with, and that an unreadable pair turned into
QMARK = "?"


def is_lead(b: int) -> bool:
    return 0x81 <= b <= 0xFE


def is_trail(b: int) -> bool:
    return 0x40 <= b <= 0xFE and b != 0x7F


def is_uda(lead: int, trail: int) -> bool:
    """GBK user-defined areas: readers without a private font drop these pairs."""
    return (
        (0xAA <= lead <= 0xAF and 0xA1 <= trail <= 0xFE)
        or (0xF8 <= lead <= 0xFE and 0xA1 <= trail <= 0xFE)
        or (0xA1 <= lead <= 0xA7 and 0x40 <= trail <= 0xA0 and trail != 0x7F)
    )


@functools.lru_cache(maxsize=1)
def _tables() -> tuple[dict[int, str], dict[str, int], dict[str, int]]:
    """(pair → char, char → pair, legacy PUA char → pair), built once from Python's codecs.

    The legacy table: GB18030-2000 gave each GBK code that was neither assigned nor
    user-defined a private-use code point, U+E766 upwards in code order (``FE 84`` →
    U+E848, as in seed 004). GB18030-2005 moved several of them to real characters, so
    a modern codec cannot invert what an old reader produced.
    """
    pair_to_char: dict[int, str] = {}
    legacy: dict[str, int] = {}
    pua_next = 0xE766
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            if trail == 0x7F:
                continue
            code = (lead << 8) | trail
            try:
                pair_to_char[code] = bytes((lead, trail)).decode("gbk")
                continue
            except UnicodeDecodeError:
                pass
            if is_uda(lead, trail):
                continue
            legacy[chr(pua_next)] = code
            pua_next += 1
    # GBK maps 0x80 to the euro sign in cp936 only; Python's gbk has A2E3 for it
    char_to_pair = {}
    for code, ch in pair_to_char.items():
        char_to_pair.setdefault(ch, code)
    return pair_to_char, char_to_pair, legacy


def pair_char(lead: int, trail: int) -> str | None:
    """What a GBK reader shows for an aligned pair: a char, '' (vanished) or None (invalid)."""
    code = (lead << 8) | trail
    ch = _tables()[0].get(code)
    if ch is not None:
        return ch
    if not is_trail(trail) or not is_lead(lead):
        return None
    if is_uda(lead, trail):
        return ""
    return legacy_char(code)


@functools.lru_cache(maxsize=1)
def _legacy_by_code() -> dict[int, str]:
    return {code: ch for ch, code in _tables()[2].items()}


def legacy_char(code: int) -> str | None:
    return _legacy_by_code().get(code)


@functools.lru_cache(maxsize=65536)
def char_bytes(ch: str) -> bytes | None:
    """The GBK bytes a character was read from (ASCII: one byte), or None.

    Remembered: the search for readings asks for the same few hundred characters some
    ten thousand times a damaged run."""
    cp = ord(ch)
    if cp < 0x80:
        return bytes((cp,))
    code = _tables()[1].get(ch)
    if code is None:
        code = _tables()[2].get(ch)
        if code is None and 0xE000 <= cp <= 0xE765:
            code = _uda_code(cp)
        if code is None:
            return None
    return bytes((code >> 8, code & 0xFF))


def _uda_code(cp: int) -> int | None:
    """Private-use char → user-defined-area pair (the GB18030 layout of the three areas)."""
    try:
        raw = chr(cp).encode("gb18030")
    except UnicodeEncodeError:
        return None
    return (raw[0] << 8) | raw[1] if len(raw) == 2 else None


def damaging_decode(data: bytes) -> str:
    """Decode GBK the way the tools that hurt our text did.

    An invalid pair becomes ``?`` and takes both bytes with it, even an ASCII second byte;
    a user-defined pair vanishes; an unassigned pair becomes its GB18030-2000 private-use
    character; 0x80 and 0xFF alone become ``?``.
    """
    out: list[str] = []
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b < 0x80:
            out.append(chr(b))
            i += 1
            continue
        if not is_lead(b) or i + 1 >= n:
            out.append(QMARK)
            i += 1
            continue
        ch = pair_char(b, data[i + 1])
        out.append(QMARK if ch is None else ch)
        i += 2
    return "".join(out)


def fold_width(text: str) -> str:
    """Full-width ASCII variants → ASCII (``！`` → ``!``), as the damaging chain did last."""
    return text.translate(_FOLD)


_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}


def unfold_options(ch: str) -> list[bytes]:
    """Byte readings a damaged character may stand for, given the width folding."""
    opts = []
    raw = char_bytes(ch)
    if raw is not None:
        opts.append(raw)
    cp = ord(ch)
    if 0x21 <= cp <= 0x7E:
        wide = char_bytes(chr(cp + 0xFEE0))
        if wide is not None:
            opts.append(wide)
    return opts
