"""Bench: what reading an attached file costs the crawl's storing thread.

    .venv/bin/python bench/attachments.py [--pages 200] [--rounds 3]

Why: files are read in the thread (or worker) that stores a crawl's articles, so a slow
read holds up the articles behind it. This prints the time ``pipeline.doctext`` takes
over the largest PDF it reads (``--pages`` copies of the two-page test plan, the 200-page
cap by default), a Word file and an OFD file of the same text size, and the characters
per second each gives. Targets: a 200-page PDF well under the 20 s a download may take
(``crawl.download_timeout``), Word and OFD far under a second. The test plan's pages hold
a sentence each, where a notice's page holds some 30 times more: read the PDF figure per
character as well as per page.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.doctext import document_text  # noqa: E402

PLAN = REPO / "tests" / "fixtures" / "attachments" / "plan.pdf"


def big_pdf(pages: int) -> bytes:
    from pypdf import PdfReader, PdfWriter

    source = PdfReader(PLAN)
    writer = PdfWriter()
    while len(writer.pages) < pages:
        for page in source.pages:
            if len(writer.pages) < pages:
                writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zipped(members: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return out.getvalue()


def docx(paragraphs: list[str]) -> bytes:
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    return zipped({"word/document.xml": f'<w:document {ns}><w:body>{body}</w:body></w:document>'})


def ofd(paragraphs: list[str], per_page: int = 40) -> bytes:
    members = {"OFD.xml": '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"/>'}
    for page in range(0, len(paragraphs), per_page):
        objs = "".join(
            f'<ofd:TextObject Boundary="0 {i * 5} 180 5"><ofd:TextCode X="0" Y="4">{p}</ofd:TextCode></ofd:TextObject>'
            for i, p in enumerate(paragraphs[page:page + per_page]))
        members[f"Doc_0/Pages/Page_{page // per_page}/Content.xml"] = (
            f'<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer>{objs}'
            "</ofd:Layer></ofd:Content></ofd:Page>")
    return zipped(members)


def timed(name: str, data: bytes, filename: str, rounds: int) -> None:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        doc = document_text(data, filename)
        best = min(best, time.perf_counter() - started)
    chars = len(doc.text or "")
    print(f"{name:<28} {len(data) / 1024:>8.0f} KB  {chars:>8} chars  {best * 1000:>9.1f} ms"
          f"  {chars / best / 1000:>8.0f} k chars/s" + (f"  ({doc.reason})" if doc.reason else ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    pdf = big_pdf(args.pages)
    text = document_text(pdf, "plan.pdf").text or ""
    paragraphs = [line for line in text.split("\n") if line] or ["（空）"]
    timed(f"PDF, {args.pages} pages", pdf, "plan.pdf", args.rounds)
    timed("Word (.docx), same text", docx(paragraphs), "plan.docx", args.rounds)
    timed("OFD, same text", ofd(paragraphs), "plan.ofd", args.rounds)


if __name__ == "__main__":
    main()
