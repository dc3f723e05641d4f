"""Dates as editors type them for --since/--until, the API and the page's fields."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from pipeline.errors import UserError
from pipeline.timeutil import BEIJING, parse_user_date

#: 01:30 on 6 December in Beijing is still 5 December in UTC: the day must be Beijing's
NOW = datetime(2026, 12, 6, 1, 30, tzinfo=BEIJING)


def beijing(value: float) -> str:
    return datetime.fromtimestamp(value, BEIJING).isoformat()


@pytest.mark.parametrize("value, start, end", [
    ("today", "2026-12-06T00:00:00+08:00", "2026-12-06T23:59:59.999999+08:00"),
    ("Yesterday", "2026-12-05T00:00:00+08:00", "2026-12-05T23:59:59.999999+08:00"),
    ("0d", "2026-12-06T00:00:00+08:00", "2026-12-06T23:59:59.999999+08:00"),
    ("7d", "2026-11-29T00:00:00+08:00", "2026-11-29T23:59:59.999999+08:00"),
    ("2w", "2026-11-22T00:00:00+08:00", "2026-11-22T23:59:59.999999+08:00"),
    (" 2024-03-01 ", "2024-03-01T00:00:00+08:00", "2024-03-01T23:59:59.999999+08:00"),
])
def test_days_are_whole_beijing_days(value, start, end):
    assert beijing(parse_user_date(value, now=NOW)) == start
    assert beijing(parse_user_date(value, end_of_day=True, now=NOW)) == end


def test_hours_back_are_exact_and_ignore_the_end_of_day():
    exact = (NOW - timedelta(hours=24)).timestamp()
    assert parse_user_date("24h", now=NOW) == exact
    assert parse_user_date("24H", end_of_day=True, now=NOW) == exact


def test_a_time_back_is_taken_from_the_clock_when_none_is_given():
    before = datetime.now(timezone.utc).timestamp()
    value = parse_user_date("1h")
    after = datetime.now(timezone.utc).timestamp()
    assert before - 3600 <= value <= after - 3600


def test_a_full_time_is_kept_and_a_naive_one_is_beijing():
    assert beijing(parse_user_date("2024-03-05T10:00:00")) == "2024-03-05T10:00:00+08:00"
    assert parse_user_date("2024-03-05T02:00:00Z") == parse_user_date("2024-03-05T10:00:00+08:00")


@pytest.mark.parametrize("value", ["last week", "7", "7y", "-7d", "d", "7 d", "2024-13-01", "123456d", ""])
def test_anything_else_is_a_one_line_error(value):
    with pytest.raises(UserError) as err:
        parse_user_date(value, now=NOW)
    assert "not a date" in str(err.value) and "7d" in str(err.value)
    assert "\n" not in str(err.value)
