"""Decode stage: raw page bytes → text, without trusting what the page says about itself.

Why this order: Chinese portals often declare ``gb2312`` and serve UTF-8 (or the other way
round), and their GBK pages use characters GB2312 lacks. So:

1. a byte-order mark settles it;
2. bytes that decode strictly as UTF-8 and hold non-ASCII are UTF-8, whatever a header says
   (random GBK text is almost never valid UTF-8);
3. a declared charset (HTTP header, then ``<meta>``/XML declaration) is used only when the
   bytes decode strictly with it; ``gb2312``/``gbk`` are read as ``gb18030`` (a superset)
   and ``big5`` as ``big5hkscs``; and where the other of those two reads them strictly as
   well, as far commoner Chinese, the declaration lied (GB18030 reads nearly any bytes);
4. otherwise charset-normalizer decides;
5. bytes no codec reads: the candidate with the fewest replacement characters wins, and
   the count goes on the article.

Whether a declaration lied is recorded: it is a property of the source worth watching.
"""

from __future__ import annotations

import codecs
import itertools
import re
from dataclasses import dataclass


@dataclass
class Decoded:
    text: str
    #: codec actually used (python name, e.g. 'utf-8', 'gb18030', 'big5hkscs')
    encoding: str
    #: what the HTTP header / <meta> declared, if anything
    declared: str | None = None
    #: True when a declaration disagreed with the bytes
    lied: bool = False
    #: replacement characters introduced for bytes no codec could read
    replaced: int = 0
    #: where the decision came from: bom | utf-8 | declared | detected | fallback
    source: str = ""


#: declared names → the codec that reads what pages labelled so really contain
_WIDEN = {
    "gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "x-gbk": "gb18030",
    "gb_2312-80": "gb18030", "euc-cn": "gb18030", "hz-gb-2312": "hz",
    "big5": "big5hkscs", "big5-hkscs": "big5hkscs", "cp950": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252",
    "ascii": "cp1252",
}

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_CHARSET_RE = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.I)
_META_RE = re.compile(rb"<meta\b[^>]*>", re.I)
_XML_RE = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""", re.I)
#: an ``encoding="..."`` attribute on the first element (crawl archives wrap pages so)
_FIRST_TAG_RE = re.compile(rb"""\A\s*<[A-Za-z][^>]*\bencoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")
#: multi-byte codecs worth a lossy reading before trusting a single-byte guess
_CJK = ("gb18030", "big5hkscs")


def codec_for(name: str | None) -> str | None:
    """A declared charset name → the Python codec we read it with, or None if unknown."""
    if not name:
        return None
    key = name.strip().strip("\"'").lower()
    key = _WIDEN.get(key, key)
    try:
        return codecs.lookup(key).name
    except LookupError:
        return None


def header_charset_of(value: str | None) -> str | None:
    """``text/html; charset=GBK`` or a bare ``GBK`` → ``GBK``."""
    if not value:
        return None
    m = _CHARSET_RE.search(value.encode("latin-1", "replace"))
    if m:
        return m.group(1).decode("ascii")
    if "/" in value or ";" in value:
        return None
    return value.strip() or None


def meta_charset(body: bytes) -> str | None:
    """Charset from ``<meta charset>``, ``<meta http-equiv content>`` or ``<?xml encoding>``."""
    head = body[:8192]
    for m in _META_RE.finditer(head):
        cm = _CHARSET_RE.search(m.group(0))
        if cm:
            return cm.group(1).decode("ascii")
    xm = _XML_RE.search(head[:512]) or _FIRST_TAG_RE.search(head[:2048])
    if xm:
        return xm.group(1).decode("ascii")
    return None


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and codec_for(a) == codec_for(b)


def decode_bytes(body: bytes, header_charset: str | None = None) -> Decoded:
    header = header_charset_of(header_charset)
    meta = meta_charset(body)
    declared = header or meta
    # an unknown name (``unset``, ``none``) is no declaration at all
    decls = [d for d in (header, meta) if d and codec_for(d)]
    declared = decls[0] if decls else declared

    def lied_for(codec: str) -> bool:
        # a declaration lies when it names a codec whose reading differs from ours
        for d in decls:
            c = codec_for(d)
            if c is None:
                return True
            if c != codec and not (c == "cp1252" and codec == "ascii"):
                return True
        return False

    for bom, codec in _BOMS:
        if body.startswith(bom):
            text = body[len(bom):].decode(codec, errors="replace")
            return Decoded(text, codec, declared, lied_for(codecs.lookup(codec).name),
                           text.count("\ufffd"), "bom")

    ascii_only = not any(b >= 0x80 for b in body)
    if ascii_only:
        return Decoded(body.decode("ascii"), codec_for(declared) or "utf-8", declared, False,
                       0, "declared" if declared else "utf-8")

    text = _strict(body, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8", declared, lied_for("utf-8"), 0, "utf-8")

    for d in decls:
        codec = codec_for(d)
        if codec and codec != "utf-8":
            text = _strict(body, codec)
            if text is not None and not _implausible(text, codec):
                other = (_likelier_cjk(body, text, codec) if codec in _OTHER_CJK
                         else _as_chinese(body)[1:] if codec in _SINGLE_BYTE else None)
                if other:
                    codec, text = other
                return Decoded(text, codec, declared, lied_for(codec), 0, "declared")

    detected = _detect(body)
    if detected and _multibyte(detected):
        text = _strict(body, detected)
        if text is not None:
            # a few bytes of Big5 are a coin toss for the detector (Shift-JIS, say)
            other = _as_chinese(body) if detected not in _CJK + ("utf-8",) else ()
            if other and other[0] - _commonness(text) > COMMONER_BY:
                _, detected, text = other
            return Decoded(text, detected, declared, lied_for(detected), 0, "detected")
    # a single-byte guess reads anything; a CJK codec that reads all but a few bytes of a
    # damaged Chinese page is the better reading (charset-normalizer calls such pages
    # Cyrillic)
    for codec in _CJK:
        t = body.decode(codec, errors="replace")
        bad = t.count("\ufffd")
        cjk = sum(1 for ch in t if "\u4e00" <= ch <= "\u9fff")
        if bad <= max(3, len(t) // 500) and cjk >= 10 and cjk * 4 >= len(body) // 10:
            return Decoded(t, codec, declared, lied_for(codec), bad, "fallback" if bad else "detected")
    if detected:
        text = _strict(body, detected)
        if text is not None:
            return Decoded(text, detected, declared, lied_for(detected), 0, "detected")

    # nothing reads every byte: keep the reading that loses least
    cands = []
    for codec in [codec_for(d) for d in decls] + [detected, "gb18030", "utf-8", "big5hkscs"]:
        if codec and codec not in [c for c, _ in cands]:
            try:
                t = body.decode(codec, errors="replace")
            except LookupError:
                continue
            cands.append((codec, t))
    codec, text = min(cands, key=lambda ct: ct[1].count("\ufffd"))
    return Decoded(text, codec, declared, lied_for(codec), text.count("\ufffd"), "fallback")


def _multibyte(codec: str) -> bool:
    try:
        info = codecs.lookup(codec)
    except LookupError:
        return False
    return info.name in ("gb18030", "gbk", "gb2312", "big5", "big5hkscs", "cp950", "hz",
                         "euc_jp", "shift_jis", "cp932", "euc_kr", "cp949", "iso2022_jp",
                         "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8")


_SINGLE_BYTE = ("cp1252", "latin-1", "iso8859-1", "ascii")


def _implausible(text: str, codec: str) -> bool:
    """A single-byte codec 'reads' any bytes; refuse it when the result is CJK mojibake."""
    if codec not in _SINGLE_BYTE:
        return False
    high = sum(1 for ch in text if "\u00c0" <= ch <= "\u00ff")
    return high > 20 and high > len(text) // 50


#: the reading a GB or Big5 declaration is held against
_OTHER_CJK = {"gb18030": "big5hkscs", "big5hkscs": "gb18030"}
#: nats per Chinese character by which the other reading must be commoner Chinese
COMMONER_BY = 2.0
#: ... and above which a reading is ordinary Chinese (cwced's texts in both scripts, cut to
#: 20, 60 and 300 characters: -8.4 to -5.9; GBK read as Big5 and Big5 as GB18030: -12.5
#: and below)
CHINESE = -10.0
#: Chinese characters compared (a page's first few hundred tell)
_COMPARED = 2000


def _likelier_cjk(body: bytes, text: str, codec: str) -> tuple[str, str] | None:
    """(codec, text) of the other of GB18030 and Big5 when it too reads every byte, and
    reads as far commoner Chinese than the declared one.

    Why: GB18030 reads almost any pair of high bytes, so Big5 pages served as ``gbk``
    decode "strictly" into rare characters (``跪弇疑ㄛ`` for ``各位好，``), and short GBK
    text read as Big5 does the same. Both readings are strict; only the characters tell.
    """
    other = _OTHER_CJK.get(codec)
    alt = _strict(body, other) if other else None
    if alt is None or alt == text:
        return None
    if _commonness(alt) - _commonness(text) > COMMONER_BY:
        return other, alt
    return None


def _as_chinese(body: bytes) -> tuple:
    """(commonness, codec, text) of the GB18030 or Big5 reading of every byte that reads
    as ordinary Chinese, the commoner of the two; () if neither does.

    Why: a short text served as ``iso-8859-1`` (a web server's default) holds too few
    accented letters for ``_implausible`` to count, yet reads as Chinese in its own codec.
    """
    best = None
    for codec in _CJK:
        text = _strict(body, codec)
        if text is not None:
            score = _commonness(text)
            if score > CHINESE and (best is None or score > best[0]):
                best = (score, codec, text)
    return best or ()


def _commonness(text: str) -> float:
    """Mean log-frequency of the text's Chinese characters in news prose (the repair's
    character model, both scripts through simplification: loaded in hundredths of a
    second, where the word model costs half a second and 230 MB); Bopomofo and private-use
    characters, what a wrong reading of the other codec leaves, score as unseen, and a
    text without any scores as unseen too."""
    from pipeline.chinese import simplify
    from pipeline.repair import charlm

    model = charlm.load()
    chinese = (ch for ch in text if "\u3100" <= ch <= "\u9fff" or "\ue000" <= ch <= "\uf8ff")
    scores = [model.logp("", simplify(ch)) for ch in itertools.islice(chinese, _COMPARED)]
    return sum(scores) / len(scores) if scores else model.logp("", "\ue000")


def _detect(body: bytes) -> str | None:
    import charset_normalizer

    results = charset_normalizer.from_bytes(body)
    best = results.best()
    if best is None:
        return None
    # newsmon reads mainland portals: between readings the detector finds about as clean,
    # GB18030 is the likelier one (short texts are a coin toss between GBK and Big5)
    for match in results:
        if codec_for(match.encoding) == "gb18030" and match.chaos <= best.chaos + 0.05:
            return "gb18030"
    return codec_for(best.encoding) or best.encoding
