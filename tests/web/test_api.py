"""The JSON API and the pages as HTTP, through FastAPI's TestClient and a real uvicorn."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.web.conftest import STORY


def ids(resp) -> list[str]:
    return [h["id"] for h in resp.json()["hits"]]


# --- search ---------------------------------------------------------------------------------

def test_simplified_query_finds_traditional_articles(client):
    r = client.get("/api/search", params={"q": "营商环境"})
    assert r.status_code == 200
    found = ids(r)
    assert "trad0001" in found  # 營商環境 in the text and title
    assert "repair01" in found
    hit = next(h for h in r.json()["hits"] if h["id"] == "trad0001")
    assert "<mark>營商環境</mark>" in hit["snippet"]
    assert r.json()["sort"] == "relevance"


def test_traditional_query_finds_simplified_articles(client):
    found = ids(client.get("/api/search", params={"q": "一網通辦"}))
    assert "simp0001" in found and "trad0001" in found


def test_empty_query_lists_newest_first(client):
    r = client.get("/api/search")
    body = r.json()
    assert body["sort"] == "newest"
    dates = [h["published_at"] for h in body["hits"] if h["published_at"]]
    assert dates == sorted(dates, reverse=True)
    dated = [h["id"] for h in body["hits"] if h["published_at"]]
    assert dated[0] == "xss00001"  # 2024-03-06, the newest date (undated ones sort by arrival)


def test_source_filter_repeatable(client):
    r = client.get("/api/search", params=[("q", "营商环境"), ("source", "cjrb")])
    assert {h["source"] for h in r.json()["hits"]} == {"cjrb"}
    r = client.get("/api/search", params=[("source", "cjrb"), ("source", "xiangyang")])
    assert {h["source"] for h in r.json()["hits"]} == {"cjrb", "xiangyang"}


def test_date_range_is_beijing_days(client):
    # trad0001 was published 2024-03-05 02:30 UTC = 10:30 Beijing, on the 5th
    r = client.get("/api/search", params={"since": "2024-03-05", "until": "2024-03-05"})
    assert ids(r) == ["trad0001"]
    r = client.get("/api/search", params={"q": "审批", "until": "2023-12-31", "source": "wuhan_gov"})
    assert r.json()["total"] == 25  # the fillers; the story copy on wuhan_gov is from 2024
    r = client.get("/api/search", params={"q": "审批", "since": "2023-06-10", "until": "2023-06-12"})
    assert sorted(h["published_at"][:10] for h in r.json()["hits"]) == ["2023-06-10", "2023-06-11", "2023-06-12"]


def test_tag_filter(client):
    r = client.get("/api/search", params={"tag": "政务服务"})
    assert "simp0001" in ids(r)
    assert "trad0001" not in ids(r)


def test_one_row_per_story_with_its_other_portals(client):
    r = client.get("/api/search", params={"q": "国务院 优化营商环境"})
    hits = [h for h in r.json()["hits"] if h["story_id"] == STORY]
    assert len(hits) == 1
    hit = hits[0]
    assert hit["story_size"] == 3
    others = {"hubei_gov", "cjrb", "wuhan_gov"} - {hit["source"]}
    assert sorted(hit["also_on"]) == sorted(others)


def test_pagination_covers_every_story_once(client):
    seen: list[str] = []
    first = client.get("/api/search", params={"q": "审批服务简报"}).json()
    assert first["total"] == 25 and first["pages"] == 2 and first["page_size"] == 20
    for page in (1, 2):
        seen += ids(client.get("/api/search", params={"q": "审批服务简报", "page": page}))
    assert len(seen) == 25 and len(set(seen)) == 25


def test_form_submissions_redirect_to_the_clean_url(client):
    r = client.get("/search?q=%E8%90%A5%E5%95%86&sort=&since=&until=&source=cjrb", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/search?q=%E8%90%A5%E5%95%86&source=cjrb"
    r = client.get("/search?q=&sort=", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/search"
    assert client.get("/search?q=%E8%90%A5%E5%95%86&source=cjrb", follow_redirects=False).status_code == 200


def test_page_past_the_end(client):
    r = client.get("/search", params={"q": "审批服务简报", "page": 9})
    assert r.status_code == 200 and "past the last page of 25 stories" in r.text
    assert client.get("/api/search", params={"q": "审批服务简报", "page": 9}).json()["hits"] == []



def test_dates_back_from_now(client):
    # the fixture articles are from 2023 and 2024: years back, but not a week
    assert ids(client.get("/api/search", params={"since": "7d"})) == []
    assert "trad0001" in ids(client.get("/api/search", params={"since": "5000d", "until": "yesterday"}))
    page = client.get("/search", params={"q": "营商", "since": "7d", "until": "2026-12-31"}).text
    # a date field would drop "7d", so it is shown, and sent again, as text
    assert re.search(r'type="text" name="since" id="since" value="7d"', page)
    assert re.search(r'type="date" name="until" id="until" value="2026-12-31"', page)
    assert 'aria-current' not in page.split('id="periods"')[1].split("</span>")[0]  # until is set
    page = client.get("/search", params={"q": "营商", "since": "7d"}).text
    periods = page.split('id="periods"')[1].split("</span>")[0]
    assert re.search(r'href="/search\?q=%E8%90%A5%E5%95%86&amp;since=7d" aria-current="true">7 days<', periods)
    assert 'since=30d"' in periods and periods.count("aria-current") == 1

@pytest.mark.parametrize(
    "params, needle",
    [
        ({"q": '"营商'}, "unbalanced quote"),
        ({"q": "(营商 OR"}, "query"),
        ({"q": "-营商"}, "not excluded"),
        ({"since": "last week"}, "not a date"),
        ({"page": "two"}, "page must be a number"),
        ({"sort": "random"}, "sort must be"),
    ],
)
def test_bad_input_is_a_400_with_one_line(client, params, needle):
    r = client.get("/api/search", params=params)
    assert r.status_code == 400
    assert needle in r.json()["error"]
    assert "\n" not in r.json()["error"]
    page = client.get("/search", params=params)
    assert page.status_code == 400
    assert needle in page.text.replace("&#34;", '"').replace("&#39;", "'")
    assert "Traceback" not in page.text
    assert 'id="q"' in page.text  # the form is still there to fix the query


def test_a_bad_date_keeps_the_rest_of_the_form(client):
    page = client.get("/search", params=[("q", "营商"), ("source", "cjrb"), ("since", "the day before")]).text
    assert "not a date" in page
    assert 'value="营商"' in page and 'value="the day before"' in page
    assert re.search(r'value="cjrb" checked', page)


# --- articles -------------------------------------------------------------------------------

def test_article_api_has_repairs_copies_and_beijing_time(client):
    r = client.get("/api/articles/trad0001")
    assert r.status_code == 200
    assert r.json()["published_beijing"] == "2024-03-05 10:30"
    rep = client.get("/api/articles/repair01").json()
    assert [e["kind"] for e in rep["repair_log"]] == ["pinyin", "byte_shift", "utf8_as_gbk"]
    story = client.get("/api/articles/story000").json()
    assert sorted(c["id"] for c in story["copies"]) == ["story001", "story002"]


def test_an_articles_attachments_are_linked_on_its_page_and_in_the_api(client):
    files = client.get("/api/articles/trad0001").json()["attachments"]
    assert [(f["url"], f["title"], f["unread"]) for f in files] == [
        ("https://www.hubei.gov.cn/zwgk/hbyw/202403/P020240305.pdf", "湖北省優化營商環境實施方案", None),
        ("https://www.hubei.gov.cn/zwgk/hbyw/202403/P020240305.wps", "任務分工表", "not a format newsmon reads (.wps)")]
    assert "免申即享" in files[0]["text"] and files[1]["text"] is None  # one article: the text too
    html = client.get("/articles/trad0001").text
    box = re.search(r'<dd id="attachments">(.*?)</dd>', html, re.S).group(1)
    assert '<a class="attachment" href="https://www.hubei.gov.cn/zwgk/hbyw/202403/P020240305.pdf"' in box
    assert ">湖北省優化營商環境實施方案</a>" in box
    assert 'id="attachments"' not in client.get("/articles/simp0001").text
    # the file read, its text below the article's (escaped); the one not read says why
    assert 'href="#attachment-1">its text</a>' in box and "(not read: not a format newsmon reads (.wps))" in box
    section = re.search(r'<section class="attachment-texts".*?</section>', html, re.S).group(0)
    assert "湖北省優化營商環境實施方案 (" in section and "免申即享" in section
    assert "<script>alert(8)" not in section and "&lt;script&gt;alert(8)&lt;/script&gt;" in section
    assert "<section class=\"attachment-texts\"" not in client.get("/articles/simp0001").text


def test_words_only_an_attachment_holds_find_the_article_and_say_so(client):
    hit = client.get("/api/search", params={"q": "告知承诺"}).json()["hits"][0]
    assert hit["id"] == "trad0001"
    (found,) = hit["attached"]
    assert found.startswith("湖北省優化營商環境實施方案: …") and "告知承諾" in found
    # results carry what each file is, not its text
    assert hit["attachments"][0]["chars"] == len("第一條　推行惠企政策免申即享。\n第二條　<script>alert(8)</script>涉企經營許可事項\n全部實行告知承諾。")
    assert hit["attachments"][0]["text"] is None and hit["attachments"][1]["unread"].startswith("not a format")
    page = client.get("/search", params={"q": "告知承诺"}).text
    assert '<a class="attachments" href="/articles/trad0001#attachments">2 attachments</a>' in page
    line = re.search(r'<p class="attached muted">(.*?)</p>', page, re.S).group(1)
    assert line.startswith("found in an attachment: ") and "<script>" not in line
    # a word the article's own text holds is found there, not through the attachment
    assert client.get("/api/search", params={"q": "一網通辦 惠企"}).json()["hits"][0]["attached"] != []
    assert client.get("/api/search", params={"q": "企業開辦"}).json()["hits"][0].get("attached") == []


def test_unknown_article_is_404(client):
    r = client.get("/api/articles/0000000000000000")
    assert r.status_code == 404 and "no article" in r.json()["error"]
    page = client.get("/articles/0000000000000000")
    assert page.status_code == 404 and "no article" in page.text


def test_article_page_shows_repairs_before_and_after(client):
    html = client.get("/articles/repair01").text
    rows = re.findall(r'<del class="before">(.*?)</del>.*?<ins class="after">(.*?)</ins>', html, re.S)
    assert rows == [("浼佷笟", "企業"), ("钀ュ晢", "營商"), ("漢陽(yáng)", "漢陽")]  # pinyin last
    # the two body repairs are marked in the text, the title one is only listed
    text = re.search(r'<div class="text" id="text"[^>]*>(.*?)</div>', html, re.S).group(1)
    marked = re.findall(r'<ins class="repaired"[^>]*>(.*?)</ins>', text)
    assert marked == ["漢陽", "企業"]
    assert "2024-02-23 09:27 Beijing time" in html
    # a repair taken from another copy of the story links to that copy, and only that one
    table = re.findall(r'<tr class="repair kind-\w+">(.*?)</tr>', html, re.S)
    copies = [re.findall(r'class="muted from-copy">from <a href="([^"]+)">', row) for row in table]
    assert copies == [["/articles/repair02"], [], []]


def test_repairs_view_counts_removals_and_damage_left(client):
    html = client.get("/articles/repair02").text
    rows = re.findall(r'<tr class="repair kind-(\w+)">(.*?)</tr>', html, re.S)
    assert [k for k, _ in rows] == ["unresolved", "lost", "pinyin"]  # glosses last
    pinyin = rows[2][1]
    assert "(yáng)" in pinyin and "removed" in pinyin and '<td class="num">2</td>' in pinyin
    assert "0.98" in pinyin  # the lower confidence of the two
    assert "left as it is" in rows[0][1] and "left as it is" in rows[1][1]
    # the unresolved run is in the text and underlined there; the lost one is not in it
    text = re.search(r'<div class="text" id="text"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert re.findall(r'<span class="damaged"[^>]*>(.*?)</span>', text) == ["?!敖A"]
    # what the left run may read as: listed as guesses, best first, escaped like all text
    assert re.findall(r'<span class="reading">(.*?)</span>', rows[0][1]) == ["。”江華", "&lt;b&gt;江&lt;/b&gt;", "江華"]
    assert "may read 。”江華 or &lt;b&gt;江&lt;/b&gt; or 江華" in text and "<b>江" not in html
    summary = re.search(r'<p class="summary" id="repair-summary">(.*?)</p>', html, re.S).group(1)
    assert "pinyin × 2" in summary and "unresolved × 1" in summary and "lost × 1" in summary
    assert "<h2>Repairs (4)</h2>" in html


def test_seed_repaired_by_the_real_chain_shows_every_repair(client):
    """The baseline seeds went through the repair stage: the page accounts for each entry."""
    from collections import Counter

    seeds = client.get("/api/search", params={"source": "seed"}).json()["hits"]
    logs = {h["id"]: client.get(f"/api/articles/{h['id']}").json()["repair_log"] for h in seeds}
    damaged = max(logs, key=lambda i: len(logs[i]))
    assert logs[damaged], "the seeds should carry repairs once the repair stage ran"
    html = client.get(f"/articles/{damaged}").text
    times = sum(int(n) for n in re.findall(r'<td class="num">(\d+)</td>', html.split('id="repairs"')[1]))
    assert times == len(logs[damaged])
    summary = re.search(r'<p class="summary" id="repair-summary">(.*?)</p>', html, re.S).group(1)
    for kind, n in Counter(e["kind"] for e in logs[damaged]).items():
        assert f"{kind} × {n}" in summary
    assert "Traceback" not in html


def test_untitled_article_shows_its_first_words(client):
    seed = client.get("/api/search", params={"source": "seed"}).json()["hits"]
    untitled = next(h for h in seed if not h["title"])
    html = client.get(f"/articles/{untitled['id']}").text
    h1 = re.search(r'<h1 id="title">(.*?)</h1>', html, re.S).group(1)
    assert "[untitled]" in h1
    first = " ".join(untitled["text"].split())[:10]
    assert first in h1


def test_hostile_text_is_escaped_everywhere(client):
    html = client.get("/articles/xss00001").text
    assert "<script>alert" not in html and "<img src=x" not in html and "<b onmouseover" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    assert 'href="javascript:' not in html  # the crawled URL is shown, never linked
    assert "javascript:alert(7): not a web link" in html  # nor an attachment's
    results = client.get("/search", params={"q": "营商环境"}).text
    assert "<script>alert" not in results and "<img src=x" not in results
    # crawled text that spells <mark> stays text; only real hits are marked
    api = client.get("/api/search", params={"q": "假的"}).json()["hits"][0]
    assert "<mark>假的</mark>" in api["snippet"] or "&lt;mark&gt;" in api["snippet"]
    page = client.get("/search", params={"q": "假的"}).text
    snippet = re.search(r'<p class="snippet"[^>]*>(.*?)</p>', page, re.S).group(1)
    assert re.sub(r"</?mark>", "", snippet).count("<") == 0


def test_every_response_forbids_scripts(client):
    for path in ("/", "/search?q=x", "/articles/xss00001", "/monitor", "/api/search", "/nope", "/static/style.css"):
        csp = client.get(path).headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp
    assert client.get("/").headers["x-content-type-options"] == "nosniff"


def test_pages_ship_no_script_and_no_remote_assets(client):
    for path in ("/", "/search?q=营商环境", "/articles/repair01", "/monitor"):
        html = client.get(path).text
        assert "<script" not in html.lower()
        assert not re.search(r'(src|href)="(https?:)?//', html.split("<main>")[0])


# --- monitor and sources ----------------------------------------------------------------------

def test_sources_api_reports_crawl_health(client):
    body = client.get("/api/sources").json()
    by = {s["name"]: s for s in body["sources"]}
    assert by["cjrb"]["state"] == "ok" and by["cjrb"]["last_new_at"] and not by["cjrb"]["silence"]
    hubei = by["hubei_gov"]
    assert hubei["state"] == "blocked" and hubei["errors"] == 4 and hubei["failing_runs"] == 3
    assert "last 3 crawls were blocked" in hubei["silence"]
    assert by["hbrb"]["state"] == "silent" and "no new article" in by["hbrb"]["silence"]
    assert by["hbrb"]["last_new_at"] is None
    assert by["wuhan_gov"]["state"] == "never" and by["wuhan_gov"]["configured"]
    assert by["wuhan_gov"]["articles"] == 26
    assert by["xiangyang"]["articles"] == 1 and not by["xiangyang"]["configured"]
    assert body["notes"] == {}
    # what each source last published, as stored
    assert by["cjrb"]["newest"]["id"] == "xss00001"
    assert by["hubei_gov"]["newest"]["id"] == "trad0001"
    assert by["hbrb"]["newest"] is None


def test_monitor_page(client):
    html = client.get("/monitor").text
    row = re.search(r'<tr class="src state-never" data-source="wuhan_gov">(.*?)</tr>', html, re.S).group(1)
    assert "no crawl yet" in row
    # a source only ingested or loaded is not waiting for a crawl: it never gets one
    for name, how in (("xiangyang", "ingested from files"), ("seed", "the seed baseline")):
        row = re.search(rf'data-source="{name}">(.*?)</tr>', html, re.S).group(1)
        assert f"not crawled: {how}" in row and "no crawl yet" not in row
    blocked = re.search(r'data-source="hubei_gov">(.*?)</tr>', html, re.S).group(1)
    assert "blocked" in blocked and "HTTP 403" in blocked and "last 3 crawls were blocked" in blocked
    silent = re.search(r'data-source="hbrb">(.*?)</tr>', html, re.S).group(1)
    assert "silent" in silent and "no new article for 5.0 hours" in silent


def test_monitor_shows_rules_with_their_last_matches(client):
    from pipeline.alerts import last_matches

    html = client.get("/monitor").text
    rules = dict(re.findall(r'<div class="rule"[^>]*data-rule="([^"]+)"[^>]*>(.*?)</div>', html, re.S))
    assert set(rules) == {"bizenv", "hostile", "nothing_yet"}
    assert "No matches yet." in rules["nothing_yet"]
    expected = [m["article_id"] for m in last_matches(client.app.state.web.data_dir, "bizenv", 5)]
    assert len(expected) == 5
    assert re.findall(r'href="/articles/([^"]+)"', rules["bizenv"]) == expected
    # the rule's "search" link carries its query, and so does its feed: the same search,
    # newest first
    assert "q=%E5%84%AA%E5%8C%96+AND" in rules["bizenv"]
    feed = re.search(r'class="small feed" href="([^"]+)"', rules["bizenv"]).group(1)
    assert feed.startswith("/search.atom?q=%E5%84%AA%E5%8C%96+AND")
    atom = client.get(feed.replace("&amp;", "&"))
    in_feed = re.findall(r'/articles/([^"]+)" rel="alternate"', atom.text)
    newest = client.get("/api/search", params={"q": "優化 AND 營商環境", "sort": "newest"}).json()
    assert in_feed and in_feed[:20] == [h["id"] for h in newest["hits"]]
    # the XSS title reached the alert log through a real match: escaped here as well
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rules["hostile"]
    assert "<script" not in html and "<img src=x" not in html
    assert len(last_matches(client.app.state.web.data_dir, "bizenv", 50)) > 5  # only the last 5 shown


def test_monitor_with_nothing_recorded(tmp_path, store, site):
    """A fresh data dir (no state.db) and no sources.yaml of ours: still a page."""
    from fastapi.testclient import TestClient

    from pipeline.web import create_app

    empty_data = tmp_path / "d"
    empty_data.mkdir()
    app = create_app(store, config_dir=tmp_path / "noconfig", data_dir=empty_data)
    with TestClient(app) as c:
        r = c.get("/monitor")
        assert r.status_code == 200 and "no crawl yet" in r.text
        assert c.get("/api/sources").status_code == 200


def test_broken_sources_yaml_is_a_note_not_a_crash(tmp_path, store, site):
    from fastapi.testclient import TestClient

    from pipeline.web import create_app

    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "sources.yaml").write_text("sources:\n  - name: Bad Name\n", encoding="utf-8")
    with TestClient(create_app(store, config_dir=cfg, data_dir=site[1])) as c:
        r = c.get("/monitor")
        assert r.status_code == 200
        assert "sources.yaml:2" in r.text


# --- OpenAPI --------------------------------------------------------------------------------

def test_openapi_describes_the_api(client):
    spec = client.get("/api/openapi.json").json()
    assert {"/api/search", "/api/articles/{article_id}", "/api/sources"} <= set(spec["paths"])
    names = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert {"q", "source", "tag", "since", "until", "sort", "page"} <= names
    assert "/search" not in spec["paths"]  # pages are not API
    assert client.get("/docs").status_code == 404  # the CDN-backed docs page is off


# --- over a real server -----------------------------------------------------------------------

def test_real_server_answers_and_pins_the_host(live_server):
    r = httpx.get(f"{live_server}/api/search", params={"q": "營商環境"})
    assert r.status_code == 200 and r.json()["total"] >= 3
    r = httpx.get(f"{live_server}/search", params={"q": "营商环境", "source": "hubei_gov"})
    assert r.status_code == 200 and "湖北優化營商環境再出新招" in r.text
    # DNS rebinding: a loopback server answers only to loopback names
    r = httpx.get(f"{live_server}/", headers={"Host": "evil.example"})
    assert r.status_code == 400
    r = httpx.get(live_server.replace("127.0.0.1", "localhost") + "/api/sources")
    assert r.status_code == 200


def test_real_server_under_concurrent_requests(live_server):
    """The handlers run in a thread pool over one store: parallel pages must all succeed."""
    from concurrent.futures import ThreadPoolExecutor

    paths = ["/search?q=营商环境", "/articles/repair01", "/api/search?q=審批&page=2", "/monitor",
             "/api/articles/story000", "/search?source=wuhan_gov&sort=newest", "/api/sources"] * 12

    def get(path):
        with httpx.Client(timeout=30) as c:
            return c.get(live_server + path).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        codes = list(pool.map(get, paths))
    assert codes == [200] * len(paths)


def test_damage_left_shows_its_readings_and_repairs_made_do_not():
    """Guesses go with damage left as it is (a run, a kept '?'), never with a repair made;
    a log from the index that holds something else there is read as no guesses."""
    from pipeline.model import Article
    from pipeline.web.display import repairs_view

    guesses = ["持", "手"]
    log = [{"field": "text", "kind": k, "offset": 7, "before": "?", "after": a, "confidence": 1.0,
            "readings": r}
           for k, a, r in (("lost", "?", guesses), ("byte_shift", "持", guesses),
                           ("unresolved", "?", "持手"))]
    views, _ = repairs_view(Article(id="p", text="江華瑤族自治縣?續優化", source="t", repair_log=log))
    assert [(v.kind, v.readings) for v in views] == [("lost", ("持", "手")), ("byte_shift", ()),
                                                     ("unresolved", ())]


def test_a_hit_found_through_a_guess_says_so(client):
    """``服務江華`` stands nowhere in repair02's text (``服務?!敖A縣``), only in the third
    reading of its left run: found, the damage marked, the guess named, on the page and in
    the API; a hit found through its text names none."""
    html = client.get("/search", params={"q": "服務江華"}).text
    hits = re.findall(r'<li class="hit" data-id="([^"]+)">(.*?)</li>', html, re.S)
    assert [i for i, _ in hits] == ["repair02"]
    body = hits[0][1]
    assert "<mark>?!敖A</mark>" in body
    guessed = re.search(r'<p class="guessed muted">(.*?)</p>', body, re.S).group(1)
    assert guessed.startswith("found through a guessed reading of damaged text: ")
    assert re.findall(r'<span class="reading">(.*?)</span>', guessed) == ["華速度,真情服務江華縣持續優化營商環"]
    api = client.get("/api/search", params={"q": "服務江華"}).json()["hits"]
    assert [h["guessed"] for h in api] == [["華速度,真情服務江華縣持續優化營商環"]]
    assert all(not h["guessed"] for h in client.get("/api/search", params={"q": "營商環境"}).json()["hits"])


def test_a_page_served_before_the_baseline_is_in_says_it_is_loading(site, tmp_path, monkeypatch):
    """`newsmon run --serve` answers while its child process still loads the seeds: an empty
    result then must not read as "nothing found" for good."""
    from fastapi.testclient import TestClient

    from pipeline.baseline import ensure_baseline
    from pipeline.store import open_store
    from tests.web.conftest import make_app

    monkeypatch.delenv("NEWSMON_WEB_TOKEN", raising=False)
    fresh = open_store({}, tmp_path / "data")
    try:
        with TestClient(make_app(fresh, (site[0], tmp_path / "data"))) as c:
            assert 'id="baseline-loading"' in c.get("/").text
            r = c.get("/api/search", params={"q": "江華縣優化營商環境"})
            assert r.json()["baseline_loading"] is True and r.json()["total"] == 0
            ensure_baseline(fresh)
            assert 'id="baseline-loading"' not in c.get("/search", params={"q": "江華縣優化營商環境"}).text
            r = c.get("/api/search", params={"q": "江華縣優化營商環境"})
            assert r.json()["baseline_loading"] is False and r.json()["total"] >= 1
    finally:
        fresh.close()


def test_chinese_text_carries_the_language_tag_of_its_script(client):
    """The page is in English; titles, snippets and the article text say which script they
    are in, so a browser draws shared characters with that script's glyphs."""
    html = client.get("/search", params={"q": "一网通办 OR 營商環境"}).text
    assert html.startswith("<!doctype html>\n<html lang=\"en\">")
    titles = dict(re.findall(r'<a class="title" href="/articles/([^"]+)" lang="([^"]+)">', html))
    assert titles["trad0001"] == "zh-Hant" and titles["simp0001"] == "zh-Hans"
    assert re.search(r'<p class="snippet" lang="zh-Hans">[^<]*<mark>一网通办', html)
    for article_id, tag in (("trad0001", "zh-Hant"), ("simp0001", "zh-Hans")):
        page = client.get(f"/articles/{article_id}").text
        assert f'<div class="text" id="text" lang="{tag}">' in page
        assert f'<span class="title" lang="{tag}">' in page


def test_stories_an_alert_rule_matched_are_flagged_on_the_pages_and_in_the_api(client):
    """The mission's "flagged when it announces a reform": a story a rule matched carries
    the rule's name where editors read, linked to the rule on the monitor page."""
    from pipeline.alerts import last_matches

    data_dir = client.app.state.web.data_dir
    matched = {rule: {m["story_id"] for m in last_matches(data_dir, rule, 500)} for rule in ("bizenv", "hostile")}
    api = client.get("/api/search", params={"sort": "newest"}).json()["hits"]
    for h in api:
        story = h["story_id"] or h["id"]
        assert h["flags"] == [rule for rule in ("bizenv", "hostile") if story in matched[rule]]
    assert any("bizenv" in h["flags"] for h in api) and any(not h["flags"] for h in api)
    html = client.get("/search", params={"sort": "newest"}).text
    rows = re.findall(r'<li class="hit" data-id="([^"]+)">(.*?)</li>', html, re.S)
    assert [i for i, _ in rows] == [h["id"] for h in api]
    for (_, body), h in zip(rows, api):
        assert ('<a class="flag" href="/monitor#rule-bizenv"' in body) == ("bizenv" in h["flags"])
    marked = next(h["id"] for h in api if h["flags"] == ["bizenv"])
    assert '<dd id="flags"><a class="flag" href="/monitor#rule-bizenv"' in client.get(f"/articles/{marked}").text
    assert client.get(f"/api/articles/{marked}").json()["flags"] == ["bizenv"]
    plain = next(h["id"] for h in api if not h["flags"])
    assert 'id="flags"' not in client.get(f"/articles/{plain}").text
    assert client.get(f"/api/articles/{plain}").json()["flags"] == []
    assert 'id="rule-bizenv"' in client.get("/monitor").text


def test_a_search_counts_its_articles_by_source_and_links_each(client):
    api = client.get("/api/search", params={"q": "营商环境"}).json()
    counts = api["source_counts"]
    assert counts and sum(counts.values()) >= api["total"]  # articles, copies included
    assert api["source_counts_complete"] is True
    assert "among the newest" not in client.get("/search", params={"q": "营商环境"}).text
    html = client.get("/search", params={"q": "营商环境"}).text
    facets = re.search(r'<p class="facets" id="facets">(.*?)</p>', html, re.S).group(1)
    shown = re.findall(r'<a class="source" href="/search\?([^"]+)">([^<]+)</a> (\d+)', facets)
    assert {name: int(n) for _, name, n in shown} == counts
    ranked = [int(n) for _, _, n in shown]
    assert ranked == sorted(ranked, reverse=True)
    # each links the same search on that source alone; there, the others still show
    first_qs, first, _ = shown[0]
    assert first_qs == f"q=%E8%90%A5%E5%95%86%E7%8E%AF%E5%A2%83&amp;source={first}"
    narrowed = client.get("/search?" + first_qs.replace("&amp;", "&")).text
    assert f'<strong class="source">{first}</strong>' in narrowed
    assert client.get("/api/search", params={"q": "营商环境", "source": first}).json()["source_counts"] == counts
    # the front page lists the latest articles, with no counts
    assert 'id="facets"' not in client.get("/").text
    assert client.get("/api/search").json()["source_counts"] == {}


def test_counts_that_stop_at_the_window_say_so(client, monkeypatch):
    """SQLite counts the newest FACET_WINDOW matches (2,000): past that the line says so."""
    import pipeline.store.sqlite as sqlite_store
    import pipeline.web.searching as searching

    monkeypatch.setattr(sqlite_store, "FACET_WINDOW", 3)
    monkeypatch.setattr(searching, "FACET_WINDOW", 3)
    api = client.get("/api/search", params={"q": "营商环境"}).json()
    assert api["total"] > 3 and sum(api["source_counts"].values()) == 3 and api["source_counts_complete"] is False
    html = client.get("/search", params={"q": "营商环境"}).text
    assert "(articles, copies included, among the newest 3 matches)" in html
