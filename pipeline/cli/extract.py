"""`newsmon extract FILE.html`: what the pipeline makes of one saved page.

The file's raw bytes go through the same chain as a crawled page (decode → extract →
repair → normalise), so this is the way to see why a page came out as it did.
"""

from __future__ import annotations

import json
import sys

from pipeline.cli._input import read_input

VERB = "extract"
HELP = "decode, extract and repair one saved HTML page; print title, date, body"
ORDER = 40

#: printed in this order; the first seven are the contract of `--json`
FIELDS = ("title", "text", "published_at", "author", "origin", "encoding", "repairs",
          "doc_numbers", "attachments", "tags", "relevance", "encoding_lied", "url")


def add_arguments(p) -> None:
    p.add_argument("file", metavar="FILE.html", help="a saved page (raw bytes, any encoding)")
    p.add_argument("--url", help="the page's address (helps with dates in URLs and relative links)")
    p.add_argument("--charset", metavar="NAME", help="charset the HTTP header declared, if known")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args, ctx) -> int:
    from pipeline.process import process_html

    raw = read_input(args.file)
    article = process_html(raw, url=args.url, source="local", header_charset=args.charset)
    lexicon = _lexicon(ctx)
    if lexicon is not None:
        from pipeline.topics import tag_article

        tag_article(article, lexicon)
    out = {name: getattr(article, name) for name in FIELDS}
    if args.json:
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    _print_readable(out)
    return 0


def _lexicon(ctx):
    """The topic lexicon, when one is configured or shipped; extraction works without."""
    from pipeline.topics import load_lexicon

    try:
        return load_lexicon(ctx.config_dir)
    except FileNotFoundError:
        return None


def _print_readable(out: dict) -> None:
    # crawled text is hostile: control characters (ANSI escapes) are shown, not obeyed
    def safe(v) -> str:
        s = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
        return "".join(ch if ch in "\n\t" or ch.isprintable() else f"\\x{ord(ch):02x}" for ch in s)

    for name in FIELDS:
        if name == "text":
            continue
        value = out.get(name)
        if value in (None, [], {}):
            value = "-"
        print(f"{name + ':':<14}{safe(value)}")
    print()
    print(safe(out.get("text") or "(no body text found)"))
