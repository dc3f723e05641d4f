"""`newsmon clean [FILE|-]`: print repaired text, nothing else, on stdout.

Why a verb of its own: editors paste damaged text from a portal and want it back; the same
chain runs on every ingested article, so this is also the way to see what ingest will do
(``--explain`` lists each repair on stderr, escaped: the text is hostile).
"""

from __future__ import annotations

import sys

from pipeline.cli._input import read_input
from pipeline.errors import UserError

VERB = "clean"
HELP = "repair mojibake, byte-shift damage and inline pinyin in text (stdout: the text)"
ORDER = 40


def add_arguments(parser) -> None:
    parser.add_argument("file", nargs="?", default="-", metavar="FILE",
                        help="UTF-8 text file, or - for standard input (default)")
    parser.add_argument("--explain", action="store_true",
                        help="print each repair (kind, offset, before → after, confidence; for "
                             "a run left, what it may read as) on stderr")
    parser.add_argument("--bytes", dest="raw_bytes", action="store_true",
                        help="input is raw bytes of unknown encoding: decode them first")


def run(args, ctx) -> int:
    from pipeline.repair import repair_text

    data = read_input(args.file)
    source = "stdin" if args.file == "-" else args.file
    if args.raw_bytes:
        from pipeline.decode import decode_bytes

        decoded = decode_bytes(data)
        text = decoded.text
        if args.explain:
            lie = " (declared charset lied)" if decoded.lied else ""
            print(f"decoded as {decoded.encoding}{lie}; {decoded.replaced} unreadable bytes",
                  file=sys.stderr)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UserError(
                f"{source}: not UTF-8 (byte {exc.start}); use --bytes for text of unknown "
                "encoding"
            ) from None
    repaired = repair_text(text)
    out = sys.stdout
    out.write(repaired.text)
    out.flush()
    if args.explain:
        for r in repaired.repairs:
            guesses = " or ".join(_shown(g) for g in r.readings)
            print(f"{r.kind}\t{r.offset}\t{_shown(r.before)} → {_shown(r.after)}\t"
                  f"{r.confidence:.2f}" + (f"\tmay read {guesses}" if guesses else ""),
                  file=sys.stderr)
        counts: dict[str, int] = {}
        for r in repaired.repairs:
            counts[r.kind] = counts.get(r.kind, 0) + 1
        summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing to repair"
        print(summary, file=sys.stderr)
    return 0


def _shown(s: str) -> str:
    """Crawled text is hostile: escape controls and private-use characters for the terminal."""
    out = []
    for ch in s:
        cp = ord(ch)
        if cp < 0x20 or cp == 0x7F or 0x80 <= cp < 0xA0 or 0xE000 <= cp <= 0xF8FF \
                or ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f":
            out.append(f"\\u{cp:04x}" if cp > 0xFF else f"\\x{cp:02x}")
        else:
            out.append(ch)
    return "'" + "".join(out) + "'"
