"""Times as editors mean them: a bare date is a day in Beijing time (+08:00)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

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


def parse_user_date(value: str, *, end_of_day: bool = False) -> float:
    """`2024-03-01` or a full ISO time, as given to --since/--until; epoch seconds.

    ``--until 2024-03-01`` includes the whole of that day.
    """
    text = value.strip()
    try:
        if len(text) == 10:
            day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=BEIJING)
            if end_of_day:
                day += timedelta(days=1) - timedelta(microseconds=1)
            return day.timestamp()
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"not a date: {value!r} (use YYYY-MM-DD or an ISO 8601 time)") from None
    return (dt if dt.tzinfo else dt.replace(tzinfo=BEIJING)).timestamp()
