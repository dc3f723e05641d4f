"""Attachment text: the plain text of a document a notice attaches (附件), from its raw bytes.

Why: a government notice is often a two-line cover (现将《…方案》印发给你们，请认真贯彻执行)
and its measures are only in the attached PDF, Word or OFD file. Search must see that text,
or the notice that matters most looks like the emptiest one.

These files are hostile input from thousands of sites: the format is taken from the bytes
before the name (``.doc`` files that are really ``.docx``, PDFs named ``.txt``, HTML error
pages named ``.pdf``), zips are read within a size budget, XML without entities or network,
and whatever goes wrong becomes a one-line ``reason`` for an editor, never an exception.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from dataclasses import dataclass

from lxml import etree

from pipeline.decode import decode_bytes

#: extensions (lower case, no dot) document_text reads
READABLE = frozenset({"pdf", "docx", "xlsx", "pptx", "ofd", "txt", "csv"})
#: characters of text kept at most
MAX_TEXT = 200_000
#: pages of a PDF read at most
MAX_PAGES = 200
#: uncompressed bytes read at most from one zip (docx, xlsx, pptx, ofd)
MAX_UNPACKED = 50 * 1024 * 1024
#: fewer non-space characters than this in a whole PDF: its pages are images
MIN_PDF_CHARS = 20
#: bytes of a .txt/.csv decoded at most: ample for MAX_TEXT characters in any encoding
MAX_TEXT_BYTES = 8 * MAX_TEXT

# a damaged PDF makes pypdf warn per object, and log errors a page long per broken font:
# that would flood the crawl log, and the reason on the attachment says enough
logging.getLogger("pypdf").setLevel(logging.CRITICAL)

_ZIP_KINDS = ("docx", "xlsx", "pptx", "ofd")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXT_RE = re.compile(r"[a-z0-9]{1,10}")
_LOW_TAIL_RE = re.compile(rb"[\x00-\x3f][\x40-\xff]*\Z")
_HTML_RE = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<(?:!doctype\s+html|html|head|body|script|meta)\b",
                      re.IGNORECASE)


@dataclass(frozen=True)
class DocText:
    #: the document's text, or None when it could not be read
    text: str | None
    #: None when text was read; else one short line for an editor
    reason: str | None


class _TooLarge(Exception):
    """A zip holds more than MAX_UNPACKED bytes we would have to read."""


def kind_of(name: str) -> str | None:
    """The lower-case extension of a file name (``2403061030.PDF`` → ``pdf``), or None."""
    base = re.split(r"[/\\]", name or "")[-1].split("?", 1)[0].strip().rstrip(".")
    _, dot, ext = base.rpartition(".")
    ext = ext.strip().lower()
    return ext if dot and _EXT_RE.fullmatch(ext) else None


def document_text(data: bytes, name: str) -> DocText:
    """The text of a document file, chosen by its bytes first and its name second."""
    ext = kind_of(name)
    try:
        return _read(data, ext)
    except Exception:  # noqa: BLE001 - hostile input must not break a crawl
        return DocText(None, f"a damaged file ({_dotted(ext)})")


def _read(data: bytes, ext: str | None) -> DocText:
    if b"%PDF-" in data[:1024]:
        return _pdf(data)
    if data.startswith(b"PK\x03\x04") or (ext in _ZIP_KINDS and data.startswith(b"PK")):
        return _zipped(data, ext)
    if ext in ("pdf", *_ZIP_KINDS):
        return _not_that_file(data, ext)
    if ext in ("txt", "csv"):
        return _finish(_plain(data))
    return DocText(None, unreadable(ext))


def unreadable(ext: str | None) -> str:
    """Why a file of this extension is not read (one not in READABLE)."""
    return f"not a format newsmon reads ({_dotted(ext)})"


def _dotted(ext: str | None) -> str:
    return f".{ext}" if ext else "a file without extension"


def _not_that_file(data: bytes, ext: str) -> DocText:
    """Bytes named .pdf/.docx/… that are not one: an error page, an old or encrypted Office file."""
    if _HTML_RE.match(data[:1024]):
        return DocText(None, f"a web page, not a .{ext} file")
    if ext != "pdf" and data.startswith(_OLE):
        return DocText(None, f"an old-format or encrypted Office file (.{ext})")
    if ext == "pdf":
        return DocText(None, "a damaged PDF")
    return DocText(None, f"a damaged file (.{ext})")


def _plain(data: bytes) -> str:
    """A .txt/.csv through the page decoder (GBK, Big5, UTF-8, …)."""
    if len(data) > MAX_TEXT_BYTES:
        data = _cut(data, MAX_TEXT_BYTES)
    return decode_bytes(data, None).text


def _cut(data: bytes, size: int) -> bytes:
    """At most size bytes, not ending inside a character (a cut one would fool the decoder)."""
    data = data[:size]
    # a byte below 0x40 is never part of a UTF-8, GBK or Big5 character: cut after one
    tail = _LOW_TAIL_RE.search(data[-2048:])
    if tail:
        return data[: len(data) - len(tail.group()) + 1]
    for back in range(4):  # UTF-8 without such a byte near the end: before a lead byte
        head = data[: len(data) - back]
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            continue
        return head
    return data


# -- PDF -------------------------------------------------------------------------------------

def _pdf(data: bytes) -> DocText:
    """Text of the first MAX_PAGES pages; a page pypdf cannot read is skipped."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not _unlocked(reader):
            return DocText(None, "an encrypted PDF")
        pages = reader.pages
        count = min(len(pages), MAX_PAGES)
    except Exception:  # noqa: BLE001 - pypdf raises many kinds on hostile input
        return DocText(None, "a damaged PDF")
    parts: list[str] = []
    failed = size = 0
    for i in range(count):
        if size > MAX_TEXT:
            break
        try:
            part = pages[i].extract_text() or ""
        except Exception:  # noqa: BLE001
            failed += 1
            continue
        parts.append(part)
        size += len(part)
    text = "\n".join(parts)
    if sum(not ch.isspace() for ch in text) < MIN_PDF_CHARS:
        reason = "a damaged PDF" if failed or not count else "a scanned PDF: no text in it"
        return DocText(None, reason)
    return _finish(text)


def _unlocked(reader) -> bool:
    """An encrypted PDF opens with the empty password (only printing or copying is barred)."""
    try:
        return bool(reader.decrypt(""))
    except Exception:  # noqa: BLE001 - unsupported cipher, missing crypto library
        return False


# -- zips: docx, xlsx, pptx, ofd -------------------------------------------------------------

def _zipped(data: bytes, ext: str | None) -> DocText:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = {i.filename: i for i in zf.infolist()}
            kind = _zip_kind(names, ext)
            if kind is None:
                return DocText(None, f"not a format newsmon reads ({_dotted(ext or 'zip')})")
            return _finish(_ZIP_READERS[kind](_Members(zf, names)))
    except _TooLarge:
        return DocText(None, f"larger than {MAX_UNPACKED // (1024 * 1024)} MB unpacked")
    except Exception:  # noqa: BLE001 - a bad zip, an encrypted member, an odd compression
        return DocText(None, f"a damaged file ({_dotted(ext or 'zip')})")


def _zip_kind(names: dict, ext: str | None) -> str | None:
    """docx, xlsx, pptx or ofd by the members the zip holds (the name's guess first)."""
    found = []
    if "word/document.xml" in names:
        found.append("docx")
    if "xl/workbook.xml" in names or "xl/sharedStrings.xml" in names:
        found.append("xlsx")
    if any(_SLIDE_RE.fullmatch(n) for n in names):
        found.append("pptx")
    if "OFD.xml" in names or "ofd.xml" in names:
        found.append("ofd")
    if ext in found:
        return ext
    return found[0] if found else None


class _Members:
    """The members of an open zip, read within one MAX_UNPACKED budget."""

    def __init__(self, zf: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo]):
        self.zf, self.infos, self.left = zf, infos, MAX_UNPACKED

    def names(self) -> list[str]:
        return list(self.infos)

    def reserve(self, names: list[str]) -> None:
        """Refuse before reading anything when the members claim more than the budget."""
        if sum(self.infos[n].file_size for n in names if n in self.infos) > self.left:
            raise _TooLarge

    def xml(self, name: str):
        """The parsed member, or None when absent or unreadable as XML."""
        info = self.infos.get(name)
        if info is None:
            return None
        if info.file_size > self.left:
            raise _TooLarge
        with self.zf.open(info) as f:
            raw = f.read(self.left + 1)  # sizes in the zip can lie: read no more than is left
        if len(raw) > self.left:
            raise _TooLarge
        self.left -= len(raw)
        return _parse(raw)


def _parse(raw: bytes):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             recover=True)
    try:
        return etree.fromstring(raw, parser)
    except etree.LxmlError:
        return None


def _local(el) -> str:
    """An element's name without namespace ('' for comments and processing instructions)."""
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _numbered(names: list[str], pattern: re.Pattern) -> list[str]:
    """Names matching pattern, ordered by the numbers it captures (slide2 before slide10)."""
    keyed = [(tuple(int(g) for g in m.groups()), n) for n in names if (m := pattern.fullmatch(n))]
    return [n for _, n in sorted(keyed)]


def _paragraphs(root, para: str, text: str) -> str:
    """Text of ``text`` elements, a line per ``para`` element (breaks and tabs kept)."""
    if root is None:
        return ""
    for fallback in [el for el in root.iter() if _local(el) == "Fallback"]:
        fallback.getparent().remove(fallback)  # mc:Fallback repeats its mc:Choice
    out: list[str] = []
    for el in root.iter():
        local = _local(el)
        if local == para or local in ("br", "cr"):
            out.append("\n")
        elif local == "tab":
            out.append(" ")
        elif local == text and el.text:
            out.append(el.text)
    return "".join(out)


def _docx(m: _Members) -> str:
    """``w:t`` of word/document.xml, a line per ``w:p``."""
    return _paragraphs(m.xml("word/document.xml"), "p", "t")


_SLIDE_RE = re.compile(r"ppt/slides/slide(\d+)\.xml")


def _pptx(m: _Members) -> str:
    """``a:t`` of each slide in slide order, a line per ``a:p``."""
    slides = _numbered(m.names(), _SLIDE_RE)
    m.reserve(slides)
    return "\n".join(_paragraphs(m.xml(s), "p", "t") for s in slides)


_SHEET_RE = re.compile(r"xl/worksheets/sheet(\d+)\.xml")


def _xlsx(m: _Members) -> str:
    """Each sheet's string cells, a line per row (shared and inline strings)."""
    sheets = _numbered(m.names(), _SHEET_RE)
    m.reserve(["xl/sharedStrings.xml", *sheets])
    shared = _shared_strings(m.xml("xl/sharedStrings.xml"))
    rows = "\n".join(_sheet_rows(m.xml(s), shared) for s in sheets)
    return rows if rows.strip() else "\n".join(shared)


def _string_of(el) -> str:
    """Text of the ``t`` elements in a ``si``/``is`` string, without phonetic runs."""
    return "".join(t.text or "" for t in el.iter()
                   if _local(t) == "t" and _local(t.getparent()) != "rPh")


def _shared_strings(root) -> list[str]:
    if root is None:
        return []
    return [_string_of(si) for si in root.iter() if _local(si) == "si"]


def _sheet_rows(root, shared: list[str]) -> str:
    if root is None:
        return ""
    rows = []
    for row in (el for el in root.iter() if _local(el) == "row"):
        cells = [_cell(c, shared) for c in row if _local(c) == "c"]
        rows.append(" ".join(c for c in cells if c))
    return "\n".join(rows)


def _cell(c, shared: list[str]) -> str:
    """A string cell's text (shared, inline or formula string); numbers and dates are not text."""
    kind = c.get("t")
    if kind == "inlineStr":
        return "".join(_string_of(el) for el in c if _local(el) == "is")
    value = next((el.text or "" for el in c if _local(el) == "v"), "").strip()
    if kind == "s":
        index = int(value) if re.fullmatch(r"[0-9]{1,9}", value) else len(shared)
        return shared[index] if index < len(shared) else ""
    return value if kind == "str" else ""


_OFD_PAGE_RE = re.compile(r"(?:.*/)?Doc_(\d+)/Pages/Page_(\d+)/(?:.*/)?Content\.xml",
                          re.IGNORECASE)


def _ofd(m: _Members) -> str:
    """``TextCode`` of every page, pages in order, a line where the baseline moves."""
    pages = _numbered(m.names(), _OFD_PAGE_RE)
    m.reserve(pages)
    return "\n".join(_ofd_page(m.xml(p)) for p in pages)


def _ofd_page(root) -> str:
    if root is None:
        return ""
    out: list[str] = []
    last_y: float | None = None
    for obj in (el for el in root.iter() if _local(el) == "TextObject"):
        top = _number(((obj.get("Boundary") or "").split() + ["", ""])[1]) or 0.0
        y = top
        for code in (el for el in obj.iter() if _local(el) == "TextCode"):
            dy = _number(code.get("Y"))  # a TextCode without Y goes on where the last one was
            y = top + dy if dy is not None else y
            if last_y is not None and abs(y - last_y) > 1.0:
                out.append("\n")
            last_y = y
            out.append(code.text or "")
    return "".join(out)


def _number(value: str | None) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


_ZIP_READERS = {"docx": _docx, "xlsx": _xlsx, "pptx": _pptx, "ofd": _ofd}


# -- normalising -----------------------------------------------------------------------------

_BREAKS_RE = re.compile(r"\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_SPACES_RE = re.compile(r"[^\S\n]+")


def _finish(text: str) -> DocText:
    """Spaces collapsed, lines stripped, empty lines and control characters dropped, cut."""
    text = _BREAKS_RE.sub("\n", text)
    text = _CONTROL_RE.sub("", text)
    text = _SPACES_RE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n") if line.strip())
    text = text[:MAX_TEXT].rstrip()
    if not text:
        return DocText(None, "no text in it")
    return DocText(text, None)


# -- a PDF in a process of its own ------------------------------------------------------------

#: seconds a PDF may take to read; past that its process is killed
PDF_SECONDS = 60.0
#: memory a PDF's reading process may take
PDF_MEMORY = 2 * 1024 ** 3


def document_text_apart(data: bytes, name: str, timeout: float | None = None) -> DocText:
    """``document_text``, with a PDF read in a child process that is killed after
    ``timeout`` seconds (``PDF_SECONDS``) or past ``PDF_MEMORY``: pypdf is pure Python over
    hostile input, and a pathological file must not hold up the crawl that stores its
    article. Other formats are read here, bounded by the zip and XML limits above."""
    if not (b"%PDF-" in data[:1024] or (kind_of(name) == "pdf" and not _HTML_RE.match(data[:1024]))):
        return document_text(data, name)
    import json
    import subprocess
    import sys

    timeout = PDF_SECONDS if timeout is None else timeout
    try:
        done = subprocess.run([sys.executable, "-m", "pipeline.doctext", name], input=data, capture_output=True,
                              timeout=timeout, check=False)
        out = json.loads(done.stdout.decode("utf-8")) if done.returncode == 0 else None
    except subprocess.TimeoutExpired:
        return DocText(None, f"a PDF that takes more than {timeout:g} s to read")
    except (OSError, ValueError):
        out = None
    if not isinstance(out, dict):
        return DocText(None, "a damaged PDF")
    return DocText(out.get("text"), out.get("reason"))


def _limit_memory() -> None:
    """Set in the child itself: a ``preexec_fn`` can deadlock a parent that has threads."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (PDF_MEMORY, PDF_MEMORY))
    except (ImportError, ValueError, OSError):
        pass


def _main() -> None:
    """``python -m pipeline.doctext NAME`` < FILE: the file's DocText as JSON on stdout."""
    import json
    import sys

    _limit_memory()
    doc = document_text(sys.stdin.buffer.read(), sys.argv[1] if len(sys.argv) > 1 else "")
    sys.stdout.write(json.dumps({"text": doc.text, "reason": doc.reason}, ensure_ascii=False))


if __name__ == "__main__":
    _main()
