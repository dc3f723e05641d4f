"""Times as editors mean them: a bare date is a day in Beijing time (+08:00)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from pipeline.errors import UserError

BEIJING = timezone(timedelta(hours=8))


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def parse_iso(value: str | None) -> datetime | None:
    """An ISO 8601 string; a naive one is taken as Beijing time."""
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=BEIJING)


def beijing_time(value: str | None) -> str | None:
    """``2023-02-23 09:27`` in Beijing time (how editors read dates), or None."""
    dt = parse_iso(value)
    if dt is None:
        return None
    return dt.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def timestamp(value: str | None) -> float | None:
    dt = parse_iso(value)
    return dt.timestamp() if dt else None


_BACK = re.compile(r"(\d{1,5})([hdw])")
_NAMED_DAYS = {"today": 0, "yesterday": 1}


def parse_user_date(value: str, *, end_of_day: bool = False,
                    now: datetime | None = None) -> float:
    """`2024-03-01`, a full ISO time, or a time back from now, as given to --since/--until;
    epoch seconds.

    ``--until 2024-03-01`` includes the whole of that day. A time back from now lets a
    bookmarked search or feed stay current: ``today``, ``yesterday``, ``7d`` and ``2w``
    are whole days in Beijing time (``7d`` starts at midnight seven days ago, as
    Elasticsearch's ``now-7d/d``), ``24h`` is exactly that many hours ago.
    """
    text = value.strip()
    back = _BACK.fullmatch(text.lower())
    try:
        if back or text.lower() in _NAMED_DAYS:
            now = now or now_utc()
            if back and back[2] == "h":
                return (now - timedelta(hours=int(back[1]))).timestamp()
            days = int(back[1]) * (7 if back[2] == "w" else 1) if back else _NAMED_DAYS[text.lower()]
            return _day_start(now.astimezone(BEIJING).date() - timedelta(days=days), end_of_day)
        if len(text) == 10:
            return _day_start(datetime.strptime(text, "%Y-%m-%d").date(), end_of_day)
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        raise UserError(f"not a date: {value!r} (use YYYY-MM-DD, an ISO 8601 time, "
                        "today, yesterday, or a time back such as 24h, 7d, 2w)") from None
    return (dt if dt.tzinfo else dt.replace(tzinfo=BEIJING)).timestamp()


def _day_start(day: date, end_of_day: bool) -> float:
    """Midnight of ``day`` in Beijing time, or its last microsecond."""
    start = datetime(day.year, day.month, day.day, tzinfo=BEIJING)
    if end_of_day:
        start += timedelta(days=1) - timedelta(microseconds=1)
    return start.timestamp()
