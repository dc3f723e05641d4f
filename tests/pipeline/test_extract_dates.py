"""Chinese date lines → ISO 8601 with an offset."""

from __future__ import annotations

import pytest

from pipeline.extract import dates


@pytest.mark.parametrize("text, iso", [
    ("發布時間：2024-03-05 10:30:00", "2024-03-05T10:30:00+08:00"),
    ("发布时间：2024-03-05 10:30", "2024-03-05T10:30:00+08:00"),
    ("2024年03月04日 09:15", "2024-03-04T09:15:00+08:00"),
    ("2024年3月4日09:15 来源：新华网", "2024-03-04T09:15:00+08:00"),
    ("日期：2024-03-01", "2024-03-01T00:00:00+08:00"),
    ("2022.01.20 16:31 来源：河南日报客户端", "2022-01-20T16:31:00+08:00"),
    ("2024/3/5", "2024-03-05T00:00:00+08:00"),
    ("2024年3月5日下午3时20分", "2024-03-05T15:20:00+08:00"),
    ("二〇二四年三月五日", "2024-03-05T00:00:00+08:00"),
    ("发布日期： 9/17/2004 5:54:13 AM", "2004-09-17T05:54:13+08:00"),
    ("发布日期： 7/5/2005 9:23:57 PM", "2005-07-05T21:23:57+08:00"),
    ("发表时间： 06/02/2022 - 13:48", "2022-02-06T13:48:00+08:00"),
    ("31/12/2023", "2023-12-31T00:00:00+08:00"),
])
def test_parse_date(text, iso):
    assert dates.parse_date(text) == iso


@pytest.mark.parametrize("text", [
    "1998年3月",            # a month is not a date
    "2024-13-05",           # no 13th month
    "2024-02-30",           # no 30 February
    "1985-01-01",           # before the web
    "2999-01-01",           # the future
    "电话：0731-88889999",
    "",
])
def test_no_date(text):
    assert dates.parse_date(text) is None


def test_labelled_date_needs_the_date_right_after_the_label():
    assert dates.labelled_date("发布时间：2024-03-05 10:30:00 来源：湖南日报") == "2024-03-05T10:30:00+08:00"
    assert dates.labelled_date("日期：2024-03-01") == "2024-03-01T00:00:00+08:00"
    assert dates.labelled_date("时间：上午开会，2024-03-01 再议") is None
    assert dates.labelled_date("2024-03-01 会议召开") is None


@pytest.mark.parametrize("value, iso", [
    ("2022-02-06T12:48:06+00:00", "2022-02-06T12:48:06+00:00"),   # a stated zone is kept
    ("2022-02-06T12:48:06Z", "2022-02-06T12:48:06+00:00"),
    ("2022-02-11 09:52", "2022-02-11T09:52:00+08:00"),
    ("2022-02-11", "2022-02-11T00:00:00+08:00"),
    ("2022年02月11日", "2022-02-11T00:00:00+08:00"),
    ("Tue, 05 Mar 2024 10:30:00 +0800", "2024-03-05T10:30:00+08:00"),
    ("yesterday", None),
])
def test_meta_date(value, iso):
    assert dates.parse_meta_date(value) == iso


@pytest.mark.parametrize("url, iso", [
    ("http://www.hunan.gov.cn/hnszf/hnyw/202403/t20240305_33.html", "2024-03-05T00:00:00+08:00"),
    ("https://news.example.cn/2024-03/05/c_1130.htm", "2024-03-05T00:00:00+08:00"),
    ("https://example.cn/a/20240305/123.html", "2024-03-05T00:00:00+08:00"),
    ("https://example.cn/a/123.html", None),
    (None, None),
])
def test_url_date(url, iso):
    assert dates.url_date(url) == iso
