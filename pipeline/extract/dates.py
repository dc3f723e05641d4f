"""Publication dates as Chinese pages write them → ISO 8601 with an offset.

Why our own parser rather than htmldate (trafilatura's): on Chinese portals htmldate
picks copyright years and archive dates ("1996-01-01"), while the page states its date on
a labelled line beside the title — ``發布時間：2024-03-05 10:30:00``, ``2024年03月04日 09:15``,
``日期：2024-03-01``. We read those lines, in that order of trust.

Output: ``YYYY-MM-DDTHH:MM:SS+08:00``. A page that gives no zone is taken to be in
China's zone (+08:00). A page that gives only a day gets ``T00:00:00+08:00``, so every
value has one shape and sorts as text; a month without a day gives no date at all.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8))

_NUM_DATE = (
    r"(?P<y>(?:19|20)\d{2})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})\s*日?"
)
_TIME = (
    r"(?:\s*(?:[Tt]|\s|日)?\s*(?P<ampm1>上午|下午|晚上|凌晨)?\s*"
    r"(?P<H>\d{1,2})\s*[:：时時点點]\s*(?P<M>\d{2})(?:\s*[:：分]\s*(?P<S>\d{2}))?\s*(?:秒|分)?"
    r"(?:\s*(?P<ampm>[AaPp]\.?[Mm]\.?))?"
    r"(?:\s*(?P<tz>Z|[+-]\d{2}:?\d{2}))?)?"
)
DATE_RE = re.compile(r"(?<!\d)" + _NUM_DATE + _TIME)
#: 9/17/2004 5:54:13 AM (US) or 06/02/2022 - 13:48 (European): order decided below
SLASH_RE = re.compile(
    r"(?<![\d/])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>(?:19|20)\d{2})(?![\d/])"
    r"(?:\s*-?\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:\s*(?P<ampm>[AaPp][Mm]))?)?"
)
#: 二〇二四年三月五日
CN_DATE_RE = re.compile(r"(?P<y>[〇零一二三四五六七八九]{4})年(?P<m>[一二三四五六七八九十]{1,3})月(?P<d>[一二三四五六七八九十]{1,3})日")

#: labels that introduce the publication date; 成文日期 (signing date) is weaker
PUBLISH_LABEL = re.compile(
    r"(?:發布|发布|發佈|发表|發表|刊發|刊发|公布|出版|上線|上线|更新)?\s*(?:時間|时间|日期)\s*[:：]"
    r"|(?:發布|发布|發佈|发表|發表|发表于|發表於)\s*[:：于於]?"
    r"|(?:日期|時間|时间)\s*[:：]"
)


def _cn_number(s: str) -> int:
    """二〇二四 → 2024 (digit by digit); 十二 → 12, 二十五 → 25, 三十 → 30."""
    vals = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
    if len(s) > 1 and all(ch in vals for ch in s):
        return int("".join(str(vals[ch]) for ch in s))
    if s == "十":
        return 10
    if s.startswith("十"):
        return 10 + vals.get(s[1:], 0)
    if "十" in s:
        a, _, b = s.partition("十")
        return vals[a] * 10 + (vals.get(b, 0) if b else 0)
    return vals.get(s, 0)


def _build(y, m, d, H=None, M=None, S=None, ampm=None, tz=None) -> str | None:
    try:
        y, m, d = int(y), int(m), int(d)
        h = int(H) if H is not None else 0
        mi = int(M) if M is not None else 0
        s = int(S) if S is not None else 0
        if ampm:
            pm = ampm.lower().startswith("p") or ampm in ("下午", "晚上")
            if pm and h < 12:
                h += 12
            elif not pm and ampm.lower().startswith("a") and h == 12:
                h = 0
        zone = CHINA
        if tz:
            if tz in ("Z", "z"):
                zone = timezone.utc
            else:
                sign = 1 if tz[0] == "+" else -1
                digits = tz[1:].replace(":", "")
                zone = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))
        dt = datetime(y, m, d, h, mi, s, tzinfo=zone)
    except (ValueError, TypeError, KeyError):
        return None
    if not plausible(dt):
        return None
    return dt.isoformat(timespec="seconds")


def plausible(dt: datetime) -> bool:
    """Web news starts in the 1990s and is not published tomorrow."""
    return dt.year >= 1990 and dt <= datetime.now(timezone.utc) + timedelta(days=2)


def parse_date(text: str) -> str | None:
    """First full date (with its time, if written next to it) in ``text``, as ISO 8601."""
    found = find_dates(text)
    return found[0][1] if found else None


def find_dates(text: str) -> list[tuple[int, str]]:
    """All full dates in ``text`` as (offset, iso), in order of appearance."""
    out: list[tuple[int, str]] = []
    for m in DATE_RE.finditer(text):
        ampm = m.group("ampm") or m.group("ampm1")
        iso = _build(m["y"], m["m"], m["d"], m["H"], m["M"], m["S"], ampm, m["tz"])
        if iso:
            out.append((m.start(), iso))
    for m in SLASH_RE.finditer(text):
        a, b = int(m["a"]), int(m["b"])
        if a > 12:
            month, day = b, a
        elif b > 12:
            month, day = a, b
        elif m["ampm"]:
            month, day = a, b  # 12-hour clock: the US month/day/year order
        else:
            month, day = b, a  # otherwise day/month/year, as most of the world writes it
        iso = _build(m["y"], month, day, m["H"], m["M"], m["S"], m["ampm"])
        if iso:
            out.append((m.start(), iso))
    for m in CN_DATE_RE.finditer(text):
        iso = _build(_cn_number(m["y"]), _cn_number(m["m"]), _cn_number(m["d"]))
        if iso:
            out.append((m.start(), iso))
    out.sort()
    return out


def labelled_date(line: str) -> str | None:
    """The date a ``发布时间：…`` style label introduces in ``line``, if any."""
    for lab in PUBLISH_LABEL.finditer(line):
        rest = line[lab.end(): lab.end() + 40]
        found = find_dates(rest)
        if found and found[0][0] <= 3:
            return found[0][1]
    return None


def parse_meta_date(value: str) -> str | None:
    """A <meta> date value: ISO 8601 (any zone kept as given) or a Chinese date."""
    value = value.strip()
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        iso = parse_date(value)
        if iso:
            return iso
        try:  # "Tue, 05 Mar 2024 10:30:00 +0800" (RFC 2822, some feeds and CMSs)
            from email.utils import parsedate_to_datetime

            dt = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=CHINA)
    return dt.isoformat(timespec="seconds") if plausible(dt) else None


_URL_DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})[-/_]?(?P<m>[01]\d)[-/_]?(?P<d>[0-3]\d)(?!\d)"
)


def url_date(url: str | None) -> str | None:
    """``/t20240305_123.html``, ``/2024-03/05/``, ``/20240305/`` → that day."""
    if not url:
        return None
    for m in _URL_DATE.finditer(url):
        iso = _build(m["y"], m["m"], m["d"])
        if iso:
            return iso
    m = re.search(r"(?<!\d)((?:19|20)\d{2})[-/]?([01]\d)/([0-3]\d)(?!\d)", url)
    if m:
        return _build(m[1], m[2], m[3])
    return None
