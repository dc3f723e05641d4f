"""The article body: two well-kept extractors, and a choice between them by general signals.

Why two: on Chinese pages trafilatura keeps too much in table layouts (a whole portal
page laid out in <table>s reads to it as one long article), and readability-lxml
sometimes keeps only one box of several. Where they agree, the shorter text is the same
article with less chrome; where readability's text is a small part of trafilatura's,
readability found one box of many and trafilatura is the safer answer.

Why readability first and trafilatura only in doubt: on most article pages readability's
body is nearly all the pruned page says, and the second opinion cost as much again while
never changing the outcome by more than a trimmed line (eval set: same body F1).
"""

from __future__ import annotations

import logging
import re
from collections import Counter

import lxml.html

log = logging.getLogger(__name__)
# trafilatura warns about every page it gives up on, quoting page content; a page without
# an article is an ordinary outcome here, and crawled text is not for the log
logging.getLogger("trafilatura").setLevel(logging.ERROR)

#: the shorter candidate is taken when it is at least this much of the longer …
_MIN_SHARE = 0.25
#: … and this much of it (character bigrams) is found in the longer one
_MIN_CONTAINED = 0.8
_SENTENCE_PUNCT = re.compile(r"[。！？；，、：“”]")


def _trafilatura(html, url: str | None) -> list[str]:
    """``html``: markup, or a parsed tree this call may change."""
    import trafilatura

    try:
        text = trafilatura.extract(
            html, url=url, include_comments=False, include_tables=True, deduplicate=False,
        )
    except Exception:  # noqa: BLE001 - a crash in one extractor leaves the other
        log.debug("trafilatura failed", exc_info=True)
        return []
    return split_table_rows((text or "").splitlines())


def _readability(html) -> list[str]:
    """``html``: markup, or a parsed tree this call may change."""
    from readability import Document

    try:
        summary = Document(html).summary(html_partial=True)
    except Exception:  # noqa: BLE001 - readability raises on empty or odd documents
        log.debug("readability failed", exc_info=True)
        return []
    if not summary.strip():
        return []
    from pipeline.extract.dom import visible_lines

    try:
        return visible_lines(lxml.html.fromstring(summary))
    except Exception:  # noqa: BLE001
        return []


def split_table_rows(lines: list[str]) -> list[str]:
    """trafilatura writes tables as ``| a | b |`` rows; a layout table's cells are lines."""
    out = []
    for line in lines:
        s = line.strip()
        if s.startswith("|") and s.endswith("|"):
            cells = [c.replace("\\|", "|").strip() for c in re.split(r"(?<!\\)\|", s[1:-1])]
            if all(set(c) <= set("-: ") for c in cells):
                continue  # the markdown separator row
            out.extend(c for c in cells if c)
        elif s:
            out.append(s)
    return out


def _squash(s: str) -> str:
    return "".join(s.split())


def _bigrams(s: str) -> Counter:
    # map over two offsets runs in C; a generator of slices was a tenth of extraction time
    return Counter(map(str.__add__, s, s[1:]))


def contained(small: str, big: str) -> float:
    a, b = _bigrams(_squash(small)), _bigrams(_squash(big))
    n = sum(a.values())
    return sum((a & b).values()) / n if n else 0.0


def choose(cands: dict[str, list[str]]) -> tuple[str, list[str]]:
    """Pick one candidate body (see the module docstring for why these rules)."""
    texts = {k: "\n".join(v) for k, v in cands.items() if _squash("\n".join(v))}
    if not texts:
        return "none", []
    if len(texts) == 1:
        k = next(iter(texts))
        return k, cands[k]
    (ks, short), (kl, long_) = sorted(texts.items(), key=lambda kv: len(_squash(kv[1])))
    ls, ll = len(_squash(short)), len(_squash(long_))
    if ls >= _MIN_SHARE * ll:
        if contained(short, long_) >= _MIN_CONTAINED:
            return ks, cands[ks]
        # they disagree: the one that reads more like prose
        def prose(t: str) -> float:
            return len(_SENTENCE_PUNCT.findall(t)) / max(1, len(_squash(t))) * len(_squash(t)) ** 0.5
        best = max((ks, kl), key=lambda k: prose(texts[k]))
        return best, cands[best]
    return kl, cands[kl]


#: below this many characters the extractors are taken to have missed the article
_TINY = 100

#: readability's body alone is trusted when it holds at least this share of the pruned
#: page's text (and is not tiny): trafilatura could then only trim a little chrome or
#: agree, and running it too doubled the cost of extraction (bench/crawl.py, docs/crawler.md)
_TRUST_SHARE = 0.8
_TRUST_MIN = 2 * _TINY


def densest_run(lines: list[str]) -> list[str]:
    """The longest stretch of consecutive prose lines: a last resort for pages both
    extractors give up on (forum posts in layout tables, hand-made HTML)."""
    best: list[str] = []
    run: list[str] = []
    for line in lines + [""]:
        sq = _squash(line)
        if len(sq) >= 30 or (sq and _SENTENCE_PUNCT.search(line) and len(sq) >= 10):
            run.append(line)
            continue
        if sum(map(len, run)) > sum(map(len, best)):
            best = run
        run = []
    return best


def _trusted(lines: list[str], tree) -> bool:
    """Readability's body is most of what the pruned page says: nothing for a second opinion
    to decide (a portal page where it found one box of many fails the share test)."""
    got = len(_squash("".join(lines)))
    if got < _TRUST_MIN:
        return False
    body = tree.find("body")
    total = len(_squash("".join((body if body is not None else tree).itertext())))
    return got >= _TRUST_SHARE * total


def extract_body(html, url: str | None = None) -> tuple[str, list[str]]:
    """(which extractor won, body lines). ``html``: markup or a parsed (pruned) tree; a tree
    is not changed (each extractor gets its own copy, cheaper than parsing text again)."""
    from pipeline.extract.dom import copy_tree, parse, visible_lines

    tree = parse(html) if isinstance(html, str) else html
    cands = {"readability": _readability(copy_tree(tree))}
    if not _trusted(cands["readability"], tree):
        cands["trafilatura"] = _trafilatura(copy_tree(tree), url)
    method, body = choose(cands)
    if len(_squash("".join(body))) < _TINY:
        run = densest_run(visible_lines(tree))
        if len(_squash("".join(run))) > max(_TINY, len(_squash("".join(body)))):
            return "density", run
    return method, body
