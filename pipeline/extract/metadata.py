"""The Chinese metadata lines trafilatura misses: title, date, origin, author, doc numbers.

Why line-based: portals print these as one short line between the headline and the body
(``发布时间：2024-03-05 10:30:00 来源：湖南日报 作者：张三``), in markup that differs on every
site but reads the same as text. So we find the headline among the page's visible lines
and read the few lines around it.
"""

from __future__ import annotations

import re

from pipeline.extract import dates
from pipeline.extract.names import looks_like_name

#: how many visible lines after the headline still count as its byline block
_BYLINE_SPAN = 12
_BYLINE_BEFORE = 3
#: a headline this many visible lines above the body's first line counts as "at" the body
_HEADLINE_REACH = 8
#: body lines read for a date when the byline block has none
_OPENING_LINES = 6
_DOMAIN = re.compile(r"(?:https?://)?[\w-]+(?:\.[\w-]+)+/?", re.A)

_TITLE_SEP = re.compile(r"\s*(?:_|\||｜|丨|--|—|–|»|«|›|::|\s-\s|-(?=[^-]{2,20}$))\s*")

_ORIGIN_RE = re.compile(
    r"(?:信息來源|信息来源|文章來源|文章来源|新聞來源|新闻来源|來源|来源|稿源|出處|出处|来自|來自)\s*[:：]\s*"
    r"[\[【(（]?\s*(?P<v>[^\s\[\]【】()（）|｜丨:：<>]{2,40}?)\s*[\]】)）]?"
    r"(?=\s|$|[|｜丨【\[(（]|(?:作者|記者|记者|编辑|編輯|责任编辑|責任編輯|发布|發布|时间|時間|日期|点击|點擊|浏览|瀏覽|阅读|閱讀|字号|字號|分享)|\d{4}[-年/.])"
)
_AUTHOR_RE = re.compile(
    r"(?:(?:作者|作\s+者|撰文|撰稿|执笔人|執筆人|执笔|執筆)(?:\s*[:：]\s*|\s+)|(?<![\u4e00-\u9fff])文\s*[/／]\s*)[\[【]?\s*"
    r"(?P<v>[\u4e00-\u9fff][ \u3000]{1,3}[\u4e00-\u9fff](?![\u4e00-\u9fff])"
    r"|[\u4e00-\u9fffA-Za-z·•][\u4e00-\u9fffA-Za-z0-9·•_ 、,，]{0,30}?)\s*[\]】]?"
    r"(?=\s*(?:$|[:：|｜丨【\[(（]|\S{1,6}[:：]|來源|来源|发布|發布|时间|時間|日期|编辑|編輯|责任|責任|点击|點擊|\d{4}[-年/.]))"
)
_ROLE = (r"(?:本报|本報|新华社|新華社|央视|央視|本台|本网|本網)?"
         r"(?:实习生|實習生|通讯员|通訊員|特约记者|特約記者|記者|记者)")
_NAMES = r"(?:[\u4e00-\u9fff]{2,4}(?:[\s、,，]+|$|(?=[)）]))){1,6}"
#: 记者 王小明 陈大文 / 本报实习生 刘国栋 周炜本报记者 王燕平
_REPORTER_RE = re.compile(rf"{_ROLE}\s*[:：]?\s*{_NAMES}(?:\s*{_ROLE}\s*[:：]?\s*{_NAMES})*")
_ROLE_RE = re.compile(_ROLE)
#: every _REPORTER_RE match holds one of these: a literal scan first is far cheaper than the
#: pattern's search, which tries its optional prefix at every position of every line
_REPORTER_WORD = re.compile(r"实习生|實習生|通讯员|通訊員|记者|記者")
#: the same for _AUTHOR_RE: 作者, 撰文/撰稿, 执笔, 文/
_AUTHOR_CHAR = re.compile(r"[作撰文执執]")
_NAME_SPLIT = re.compile(r"[\s、,，/]+")
_NOT_NAME = re.compile(r"(报道|報道|摄影|攝影|综合|綜合|编辑|編輯|来源|來源|发布|發布|日期|时间|時間|电|電|讯|訊)$")

#: 湘政办发〔2023〕12号, 国发〔2024〕5号, 吉政明电[2022]1号
DOC_NUMBER_RE = re.compile(
    r"[\u4e00-\u9fff]{2,10}[〔\[［【(（]\s*(?:19|20)\d{2}\s*[〕\]］】)）]\s*第?\s*\d{1,5}\s*[号號]"
)


def clean_title(s: str | None) -> str | None:
    if not s:
        return None
    s = " ".join(s.split())
    return s or None


def title_segments(page_title: str) -> list[str]:
    """'正文标题_栏目_某市人民政府' → ['正文标题', '栏目', '某市人民政府']."""
    return [p for p in _TITLE_SEP.split(page_title) if p and p.strip()]


def _squash(s: str) -> str:
    return "".join(s.split())


def choose_title(doc, lines: list[str], body_start: int | None = None) -> tuple[str | None, int | None]:
    """The headline and its index in ``lines`` (None when it is not a visible line).

    Candidates: headline elements (h1–h3) that the <title> repeats, a lone <h1>, the
    gov-portal ``ArticleTitle`` and OpenGraph metas, and the <title>'s segments
    (``标题_栏目_某市人民政府`` → 标题). The <title> as a whole comes last: it carries the
    site suffix. When the body's first line is known, the candidate printed closest
    above it wins — a site name in a logo <h1> sits at the top of the page, the headline
    right above the article.
    """
    page_title = clean_title(doc.findtext(".//title")) or ""
    metas = {}
    for m in doc.iter("meta"):
        key = (m.get("name") or m.get("property") or m.get("itemprop") or "").lower()
        if key and m.get("content"):
            metas.setdefault(key, clean_title(m.get("content")))
    sq_title = _squash(page_title)
    heads = []
    for tag in ("h1", "h2", "h3"):
        for h in doc.iter(tag):
            t = clean_title(h.text_content())
            if t and 2 <= len(t) <= 120:
                heads.append((tag, t))
    candidates: list[str] = []
    # longest first: a site name in an <h1> logo is also "in" the <title>
    for tag, t in sorted(heads, key=lambda h: -len(h[1])):
        if sq_title and _squash(t) in sq_title:
            candidates.append(t)
    for key in ("articletitle", "og:title", "twitter:title", "headline", "title"):
        v = metas.get(key)
        if v and 4 <= len(v) <= 120 and not re.search(r"<\w", v):
            candidates.append(v)
    # "标题_栏目_网站" or "网站 » 标题": the headline is usually the longest segment
    segs = [seg for seg in title_segments(page_title)
            if len(_squash(seg)) >= 2 and not _DOMAIN.fullmatch(seg.strip())]
    candidates.extend(sorted(segs, key=lambda seg: -len(seg)))
    h1s = [t for tag, t in heads if tag == "h1"]
    if len(h1s) == 1:
        candidates.append(h1s[0])
    if page_title:
        candidates.append(page_title)

    sq_lines = [_squash(l) for l in lines]
    placed: list[tuple[int, int, str]] = []  # (line index, candidate rank, candidate)
    for rank, cand in enumerate(candidates):
        sq = _squash(cand)
        if len(sq) < 2:
            continue
        for i, l in enumerate(sq_lines):
            # the headline line, possibly with a "(图)" mark or the byline glued on, or
            # a headline broken over two lines by a <br>
            if l == sq or (len(sq) >= 4 and l.startswith(sq) and len(l) <= len(sq) + 40):
                placed.append((i, rank, cand))
                break
            if (len(l) >= 4 and sq.startswith(l) and i + 1 < len(sq_lines)
                    and (l + sq_lines[i + 1]).startswith(sq)):
                placed.append((i + 1, rank, cand))
                break
    if placed:
        if body_start is not None:
            above = [p for p in placed if p[0] <= body_start and len(_squash(p[2])) >= 2]
            near = [p for p in above if body_start - p[0] <= _HEADLINE_REACH]
            if near:
                i, _, cand = min(near, key=lambda p: (p[1], -p[0]))
                return cand, i
            if above:
                i, _, cand = max(above, key=lambda p: (p[0], -p[1]))
                return cand, i
        long_enough = [p for p in placed if len(_squash(p[2])) >= 4] or placed
        i, _, cand = min(long_enough, key=lambda p: p[1])
        return cand, i
    # no candidate is printed on the page: the headline-like line right above the body
    # (skipping a date/byline line between them)
    if body_start is not None:
        for j in range(body_start - 1, max(-1, body_start - 4), -1):
            if _headline_like(lines[j]):
                return lines[j], j
    # the <title> names only the site: the headline is the line above the first
    # labelled date line (发布日期：…), when that line looks like a headline
    for i, line in enumerate(join_labels(lines)):
        if len(line) <= 120 and dates.labelled_date(line):
            for j in range(i - 1, max(-1, i - 4), -1):
                if _headline_like(lines[j]):
                    return lines[j], j
            break
    return (candidates[0] if candidates else None), None


def find_line(lines: list[str], text: str) -> int | None:
    """Index of the visible line where ``text`` (a body's first line) starts."""
    sq = _squash(text)[:20]
    if len(sq) < 4:
        return None
    squashed = [_squash(l) for l in lines]
    for i, l in enumerate(squashed):
        if l.startswith(sq):
            return i
    for i, l in enumerate(squashed):  # the first line was broken by a <br>
        if len(l) >= 8 and sq.startswith(l):
            return i
    return None


def _headline_like(line: str) -> bool:
    sq = _squash(line)
    if not 6 <= len(sq) <= 80 or sq[-1] in "。；，、：:":
        return False
    if dates.find_dates(line) or _ORIGIN_RE.search(line) or _AUTHOR_RE.search(line):
        return False
    cjk = sum(1 for ch in sq if "\u4e00" <= ch <= "\u9fff")
    return cjk >= 0.5 * len(sq)


def join_labels(lines: list[str]) -> list[str]:
    """``发布日期：`` alone on its line reads with the next line (the value in its own cell)."""
    out = []
    for i, line in enumerate(lines):
        if line.endswith((":", "：")) and i + 1 < len(lines) and len(line) <= 40:
            out.append(line + " " + lines[i + 1])
        else:
            out.append(line)
    return out


def byline_window(lines: list[str], title_idx: int | None) -> list[str]:
    if title_idx is None:
        return []
    lo = max(0, title_idx - _BYLINE_BEFORE)
    return lines[lo: title_idx + 1 + _BYLINE_SPAN]


def find_published(doc, lines: list[str], title_idx: int | None, url: str | None,
                   body_start: int | None = None) -> str | None:
    """Publication time, most trusted source first:

    1. a labelled date line in the byline block, between the headline and the body
       (``发布时间：…``, ``日期：…``);
    2. a page-level meta naming the publication time (gov portals' ``PubDate``, OpenGraph);
    3. the first date in the byline block (``2024年03月04日 09:15 来源：…``), then in the
       few lines above the headline;
    4. a full date in the lines under the headline even past the byline block (a byline
       printed inside the text, or the day of the event, which a news report shares
       with its publication);
    4b. ``datePublished`` in a JSON-LD block (after the visible dates: such blocks are
       often site templates, or give when a page was first created, not this version);
    5. a labelled date line anywhere on the page;
    6. a full date in the body's first lines, when no headline was found;
    7. the date in the URL (``/t20240305_1.html``);
    8. a line that is nothing but a date and time (a blog's or forum's post stamp).
    """
    lines = join_labels(lines)
    byline: list[str] = []
    above: list[str] = []
    opening: list[str] = []
    if title_idx is not None:
        end = title_idx + 1 + _BYLINE_SPAN
        if body_start is not None and body_start > title_idx:
            # the byline ends where the body starts: "2024年3月1日，全县…" is prose
            end = min(end, body_start)
        byline = lines[title_idx:end]
        above = lines[max(0, title_idx - _BYLINE_BEFORE): title_idx]
    if body_start is not None:
        # the short lines that open the body (subtitle, a byline printed in the text) and
        # the first paragraph of prose
        for line in lines[body_start: body_start + _OPENING_LINES]:
            opening.append(line)
            if len(line) >= 80:
                break
    for line in byline:
        iso = dates.labelled_date(line)
        if iso:
            return iso
    meta = _meta_date(doc)
    if meta:
        return meta
    near = lines[title_idx: title_idx + 1 + _BYLINE_SPAN] if title_idx is not None else []
    for line in byline + above + near:
        found = dates.find_dates(line)
        if found:
            return found[0][1]
    iso = _json_ld_date(doc)
    if iso:
        return iso
    for line in lines:
        if len(line) <= 200:
            iso = dates.labelled_date(line)
            if iso:
                return iso
    for line in opening:
        found = dates.find_dates(line)
        if found:
            return found[0][1]
    iso = dates.url_date(url)
    if iso:
        return iso
    for line in lines:
        if len(line) <= 30:
            found = dates.find_dates(line)
            if found and found[0][0] == 0 and len(dates.DATE_RE.sub("", line).strip()) <= 2:
                return found[0][1]
    return None


_META_DATE_KEYS = (
    "article:published_time", "pubdate", "publishdate", "publish_date", "publishtime",
    "og:release_date", "datepublished", "dc.date.issued", "dc.date", "firstpublishedtime",
    "releasedate", "og:published_time",
)


def _meta_date(doc) -> str | None:
    found = {}
    for m in doc.iter("meta"):
        key = (m.get("name") or m.get("property") or m.get("itemprop") or "").lower()
        if key in _META_DATE_KEYS and m.get("content") and key not in found:
            found[key] = m.get("content")
    for key in _META_DATE_KEYS:
        if key in found:
            iso = dates.parse_meta_date(found[key])
            if iso:
                return iso
    return None


def _json_ld_date(doc) -> str | None:
    for script in doc.xpath('//script[@type="application/ld+json"]'):
        value = _json_ld_value(script.text or "", "datePublished")
        if isinstance(value, str):
            iso = dates.parse_meta_date(value)
            if iso:
                return iso
    return None


def _json_ld_value(text: str, key: str):
    """First ``key`` anywhere in a JSON-LD block (news sites nest it in @graph lists)."""
    import json

    try:
        data = json.loads(text)
    except ValueError:
        return None
    stack = [data]
    while stack:
        item = stack.pop(0)
        if isinstance(item, dict):
            if key in item:
                return item[key]
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def find_origin(lines: list[str], title_idx: int | None, tail: list[str]) -> str | None:
    """Where the article comes from, most trusted first: ``来源：湖南日报`` /
    ``信息來源：…`` in the byline block; a publisher's name printed beside the date
    (``2022-02-11 08:52 内蒙古日报``); a ``来源：`` line at the end of the body."""
    v = _labelled_origin(byline_window(join_labels(lines), title_idx))
    if v:
        return v
    if title_idx is not None:
        seen_date = False
        for line in lines[title_idx + 1: title_idx + 4]:
            if len(line) > 80:
                break
            seen_date = seen_date or bool(dates.find_dates(line))
            if not seen_date:
                continue
            rest = dates.DATE_RE.sub(" ", line)
            for token in rest.split():
                token = token.strip("《》〈〉[]【】()（）")
                if _PUBLISHER.fullmatch(token):
                    return token
    return _labelled_origin(tail)


def _labelled_origin(lines: list[str]) -> str | None:
    for line in lines:
        if len(line) > 200:
            continue
        m = _ORIGIN_RE.search(line)
        if m:
            v = m["v"].strip(" 　·-")
            if v and not dates.find_dates(v):
                return v
    return None


#: what a publisher's name ends with: 湖南日报, 光明网, 新华社, 央视新闻客户端 …
_PUBLISHER = re.compile(
    r"[\u4e00-\u9fff]{1,12}(?:日报|日報|晚报|晚報|早报|早報|时报|時報|商报|商報|报|報|网|網|社|电视台|電視台|"
    r"广播电台|廣播電台|台|客户端|客戶端|新闻|新聞|杂志|雜誌|周刊|週刊)"
)


def find_author(lines: list[str], title_idx: int | None, head: list[str], tail: list[str]) -> str | None:
    """Who wrote it, the most explicit credit first:

    1. a labelled byline (``作者：张三``, ``执笔人：…``, ``文/王五``) or a reporter line
       (``记者 张三 李四``, set on one line or several) in the byline block, the body's first
       or last lines;
    2. a credit closing the body: ``（记者 胡晓蓉）``, ``（姚峰 上海报道）``, ``（常书香 马丹阳）``;
    3. a blog's or forum's ``NAME 发表于 2005-9-15``;
    4. a bracketed name before the source in the byline block: ``[ 黄宇 ] 来源：…``;
    5. a name alone on one of the body's first lines (under a headline the page did not mark);
    6. for an official document, the issuing body (``发文机关：吉林省人民政府``).

    Bare names (2, 4, 5) must look like names (``names.looks_like_name``). Editors
    (``责任编辑``) are not authors.
    """
    window = byline_window(join_labels(lines), title_idx)
    candidates = window + head + tail
    for i, line in enumerate(candidates):
        if len(line) > 200:
            continue
        m = _AUTHOR_RE.search(line) if _AUTHOR_CHAR.search(line) else None
        if m:
            names = _names(m["v"])
            if names:
                return " ".join(names)
        m = _REPORTER_RE.search(line) if _REPORTER_WORD.search(line) else None
        if m:
            names = _names(_ROLE_RE.sub(" ", m.group(0)))
            # 本报实习生 刘国栋 周炜 / 本报记者 王燕平 方云凤: one byline over several lines
            for following in candidates[i + 1:]:
                more = _REPORTER_RE.fullmatch(following.strip()) if _REPORTER_WORD.search(following) else None
                if more is None:
                    break
                names += [n for n in _names(_ROLE_RE.sub(" ", more.group(0))) if n not in names]
            if names:
                return " ".join(names)
    for line in reversed(tail):
        names = _closing_credit(line)
        if names:
            return " ".join(names)
    for line in lines:
        m = _POSTED_BY.search(line) if "发表于" in line or "發表於" in line else None
        # a handle (ggjjzhzz) or a name; not 本文 or 该文 发表于…
        if m and (not re.search(r"[\u4e00-\u9fff]", m["v"]) or looks_like_name(m["v"])):
            return m["v"]
    for line in window:
        m = _BRACKETED_NAMES.search(line)
        if m and all(looks_like_name(n) for n in m["v"].split()):
            return " ".join(m["v"].split())
    for line in head:
        if looks_like_name(line.strip()):
            return line.strip()
    for line in join_labels(lines)[:_ISSUER_LINES]:
        m = _ISSUER.search(line)
        if m:
            return m["v"]
    return None


#: a credit in brackets closing the body's last line: （记者 胡晓蓉） (常书香 马丹阳)
_CLOSING = re.compile(r"[（(]\s*([^（）()]{2,40}?)\s*[）)]\s*$")
#: 上海报道 after the names: where the reporter filed from
_FILED_FROM = re.compile(r"\s[\u4e00-\u9fff]{0,6}(?:报道|報道|电|電)$")
_ROLE_WORDS = re.compile(r"[\u4e00-\u9fff]{0,4}?(?:实习生|實習生|通讯员|通訊員|记者|記者)")
_BARE_NAMES = 6
#: ggjjzhzz 发表于 2005-9-15 11:46:00, 陈天华《警世钟》张三 发表于 …
_POSTED_BY = re.compile(r"(?:^|(?<=[\s》」』）)\]】]))(?P<v>[A-Za-z0-9_\u4e00-\u9fff·]{2,20})\s*(?:发表于|發表於)\s*\d{4}")
_BRACKETED_NAMES = re.compile(
    r"[\[【]\s*(?P<v>[\u4e00-\u9fff]{2,4}(?:\s+[\u4e00-\u9fff]{2,4}){0,3})\s*[\]】]\W{0,3}(?:来源|來源)")
_ISSUER = re.compile(r"(?:发\s*文\s*机\s*关|發\s*文\s*機\s*關)\s*[:：]\s*(?P<v>[\u4e00-\u9fff]{2,40})")
#: how far into the page an official document's information table is looked for
_ISSUER_LINES = 200


def _closing_credit(line: str) -> list[str] | None:
    m = _CLOSING.search(line)
    if not m:
        return None
    inner = " " + m.group(1)
    credited = bool(_REPORTER_WORD.search(inner))
    inner = _FILED_FROM.sub("", _ROLE_WORDS.sub(" ", inner))
    names = [n for n in _NAME_SPLIT.split(inner.strip()) if n]
    if not names or len(names) > _BARE_NAMES:
        return None
    # after 记者 anything name-shaped is a name; with no role word it must look like one
    ok = (lambda n: bool(re.fullmatch(r"[\u4e00-\u9fff]{2,4}", n))) if credited else looks_like_name
    return names if all(ok(n) for n in names) else None


#: a two-character name padded to three characters' width: 赵  培
_PADDED_NAME = re.compile(r"(?<![\u4e00-\u9fff])([\u4e00-\u9fff])[ \u3000]{1,3}([\u4e00-\u9fff])(?![\u4e00-\u9fff])")


def _names(v: str) -> list[str]:
    v = _PADDED_NAME.sub(r"\1\2", v.strip())
    out = []
    for n in _NAME_SPLIT.split(v.strip()):
        n = n.strip("·• ")
        if not n or _NOT_NAME.search(n) or len(n) > 20:
            continue
        if n not in out:
            out.append(n)
    return out


#: words that run into a document number in prose: 根据湘政办发〔2023〕12号
_DOC_LEAD = re.compile(r"^(?:[^〔\[［【(（]*?(?:根据|根據|依据|依據|按照|关于|關於|印发|印發|转发|轉發|贯彻|貫徹|落实|落實|执行|執行|参照|參照|对照|對照|通过|通過|和|及|与|與|的))+")


def find_doc_numbers(*texts: str) -> list[str]:
    out: list[str] = []
    for t in texts:
        for m in DOC_NUMBER_RE.finditer(t or ""):
            v = "".join(m.group(0).split())
            v = re.sub(r"^(?:发文字号|發文字號|文号|文號|字号|字號)", "", v)
            v = _DOC_LEAD.sub("", v.lstrip("：:"))
            if v and v not in out:
                out.append(v)
    return out
