"""What every index backend must do alike: one suite, run on SQLite and on Elasticsearch.

`pytest -m elasticsearch` runs only the Elasticsearch half (osmem-server, or the cluster
named by NEWSMON_TEST_ES_URL). Articles are this file's own, written in traditional and
simplified script, and go in through the real chain (``process_text`` → ``storing.save``).
"""

from __future__ import annotations

import re
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from pipeline.model import Article
from pipeline.process import process_text
from pipeline.query import QueryError
from pipeline.store import SearchRequest
from pipeline.storing import save
from pipeline.timeutil import BEIJING

sys.path.insert(0, str(Path(__file__).parents[1] / "pipeline"))
from repost_case import PARTIAL_AT, RELEASE, county_article, damaged_repost, left_report  # noqa: E402

#: (url, source, text as in a .txt article: title line, date/source line, body)
ARTICLES = {
    "trad": (
        "https://example.gov.cn/hy/1.html",
        "cjrb",
        "漢陽區持續優化營商環境\n2024-03-01 09:30:00 來源: 長江日報\n\n"
        "漢陽區出台新一輪優化營商環境方案，推進一網通辦，審批時限再壓縮三成。",
    ),
    "simp": (
        "https://example.gov.cn/sy/2.html",
        "xinhua",
        "沈阳市营商环境改革提速\n2024-03-05 10:00:00 来源: 新华网\n\n"
        "沈阳市印发营商环境改革方案，企业开办时间压缩至一天。",
    ),
    "apart": (
        "https://example.gov.cn/hk/3.html",
        "cjrb",
        "漢口江灘陽光明媚\n2024-03-08 08:00:00 來源: 長江日報\n\n"
        "漢口的市民在江灘享受陽光，春天的花開了。",
    ),
    "hostile": (
        "https://example.gov.cn/x/4.html",
        "local",
        "審批<script>提速\n2024-02-20 12:00:00 来源: 测试\n\n"
        "審批 <script>alert('x')</script> & 改革 \"引号\" 一網通辦的報道。",
    ),
}


def make(key: str, **changes) -> Article:
    url, source, text = ARTICLES[key]
    a = process_text(text, url=url, source=source)
    for k, v in changes.items():
        setattr(a, k, v)
    return a


def ids(store, query="", **kw) -> set[str]:
    return {h.article.url.rsplit("/", 1)[-1].split(".")[0] for h in store.search(SearchRequest(query, limit=100, **kw)).hits}


@pytest.fixture
def loaded(store):
    outcomes = save(store, [make(k) for k in ARTICLES])
    assert outcomes == ["new"] * len(ARTICLES)
    return store


def test_ingest_through_the_chain(loaded):
    a = loaded.get_by_url(ARTICLES["trad"][0])
    assert a is not None
    assert a.title == "漢陽區持續優化營商環境"
    assert a.source == "cjrb"
    assert a.published_at.startswith("2024-03-01T09:30")
    assert a.ingested_at
    assert loaded.get(a.id).to_dict() == a.to_dict()
    assert loaded.get("no-such-id") is None
    assert loaded.get_by_url("https://example.gov.cn/nothing") is None
    stats = loaded.stats()
    assert stats["total"] == 4
    assert stats["sources"] == {"cjrb": 2, "local": 1, "xinhua": 1}
    assert stats["newest"]["title"] == "漢口江灘陽光明媚"
    assert {"backend", "total", "sources", "newest", "size_bytes", "location"} <= set(stats)


def test_search_finds_either_script(loaded):
    assert ids(loaded, "營商環境") == {"1", "2"}
    assert ids(loaded, "营商环境") == {"1", "2"}
    assert ids(loaded, "瀋陽") == {"2"}  # traditional query, simplified article
    assert ids(loaded, "优化营商环境") == {"1"}  # simplified query, traditional article


def test_a_name_matches_only_where_its_characters_stand_together(loaded):
    assert ids(loaded, "漢陽") == {"1"}
    assert ids(loaded, "汉阳") == {"1"}
    # one character matches wherever it stands, in either script
    assert ids(loaded, "漢") == {"1", "3"}
    assert ids(loaded, "阳") == {"1", "2", "3"}


def test_query_syntax(loaded):
    assert ids(loaded, "營商環境 漢陽") == {"1"}
    assert ids(loaded, "漢陽 OR 瀋陽") == {"1", "2"}
    assert ids(loaded, "營商環境 -沈阳") == {"1"}
    assert ids(loaded, "營商環境 NOT 沈阳") == {"1"}
    assert ids(loaded, '"改革方案"') == {"2"}
    assert ids(loaded, "(漢陽 OR 沈阳) AND 方案") == {"1", "2"}
    assert ids(loaded, "一网通办") == {"1", "4"}
    assert ids(loaded, "不存在的詞") == set()
    with pytest.raises(QueryError):
        loaded.search(SearchRequest('"營商'))
    with pytest.raises(QueryError):
        loaded.search(SearchRequest("-營商"))


def test_title_terms_match_the_headline_only(loaded):
    assert ids(loaded, "一网通办") == {"1", "4"}  # in their bodies
    assert ids(loaded, "title:一网通办") == set()
    assert ids(loaded, "title:營商環境") == {"1", "2"}
    assert ids(loaded, 'title:"营商环境改革"') == {"2"} == ids(loaded, 'title:“營商環境改革”')
    assert ids(loaded, "title:阳") == {"1", "2", "3"}  # one character, either script
    assert ids(loaded, "title:市民") == set() and ids(loaded, "市民") == {"3"}
    assert ids(loaded, "營商環境 -title:改革") == {"1"}
    assert ids(loaded, "title:審批 OR title:江灘") == {"3", "4"}

def test_filters(loaded):
    assert ids(loaded, sources=["cjrb"]) == {"1", "3"}
    assert ids(loaded, "source:cjrb") == {"1", "3"}
    assert ids(loaded, "營商環境", sources=["xinhua"]) == {"2"}
    assert ids(loaded, since="2024-03-05") == {"2", "3"}
    assert ids(loaded, until="2024-03-01") == {"1", "4"}  # the whole day, Beijing time
    assert ids(loaded, since="2024-03-02", until="2024-03-06") == {"2"}
    assert ids(loaded, since="2024-03-05T10:00:00+08:00") == {"2", "3"}


def test_filters_back_from_now(store):
    """``7d`` and ``48h`` as a bookmarked search or feed sends them, measured at query time."""
    now = datetime.now(BEIJING)

    def noon(days_back: int) -> str:
        day = now.date() - timedelta(days=days_back)
        return f"{day.isoformat()}T12:00:00+08:00"

    # "1": published this moment; "2": three days ago at noon (between 60 and 84 hours
    # ago, whatever the time now); "3": twenty days ago
    save(store, [make("trad", published_at=now.isoformat(timespec="seconds")),
                 make("simp", published_at=noon(3)), make("apart", published_at=noon(20))])
    assert ids(store, since="today") == {"1"}
    assert ids(store, since="48h") == {"1"}
    assert ids(store, since="100h") == {"1", "2"}
    assert ids(store, since="7d") == {"1", "2"}
    assert ids(store, "營商環境", since="2w") == {"1", "2"}
    assert ids(store, since="3w") == {"1", "2", "3"}
    assert ids(store, until="yesterday") == {"2", "3"}
    assert ids(store, since="7d", until="yesterday") == {"2"}

def test_tag_filters_in_either_script(store):
    save(store, [make("trad", tags=["营商环境", "一网通办"]), make("simp", tags=["营商环境"]), make("apart")])
    assert ids(store, tags=["營商環境"]) == {"1", "2"}
    assert ids(store, tags=["营商环境", "一网通办"]) == {"1"}
    assert ids(store, "tag:一網通辦") == {"1"}
    assert ids(store, "審批", tags=["一网通办"]) == {"1"}


def test_sorting_and_paging(loaded):
    newest = [h.article.title for h in loaded.search(SearchRequest("", sort="newest", limit=10)).hits]
    assert newest == ["漢口江灘陽光明媚", "沈阳市营商环境改革提速", "漢陽區持續優化營商環境", "審批<script>提速"]
    page = loaded.search(SearchRequest("", sort="newest", limit=2, offset=1))
    assert page.total == 4
    assert [h.article.title for h in page.hits] == newest[1:3]
    ranked = loaded.search(SearchRequest("營商環境", limit=10))
    assert ranked.total == 2
    assert all(h.score is not None for h in ranked.hits)
    # a hit in the title and the body ranks above one in the body only
    save(loaded, [Article(id="body-only", text="文中提到營商環境一次。" + "其他內容。" * 30, source="t")])
    assert loaded.search(SearchRequest("營商環境", limit=10)).hits[-1].article.id == "body-only"


def test_idempotent_upserts(loaded):
    before = loaded.stats()["total"]
    assert save(loaded, [make("trad"), make("simp")]) == ["unchanged", "unchanged"]
    assert loaded.upsert(make("trad", fetched_at="2030-01-01T00:00:00+08:00")) == "unchanged"
    assert loaded.stats()["total"] == before
    assert loaded.search(SearchRequest("營商環境")).total == 2


def test_a_changed_article_is_updated_and_the_old_version_kept(loaded):
    old = loaded.get_by_url(ARTICLES["simp"][0])
    changed = make("simp")
    changed.text += "\n\n更正：开办时间为半天。"
    assert loaded.upsert(changed) == "updated"
    assert loaded.stats()["total"] == 4
    hist = loaded.history(old.id)
    assert len(hist) == 1 and hist[0]["version"] == 1
    assert hist[0]["article"].text == old.text
    assert ids(loaded, "更正") == {"2"}
    again = make("simp")
    again.text += "\n\n再次更正。"
    assert loaded.upsert(again) == "updated"
    assert [h["version"] for h in loaded.history(old.id)] == [1, 2]
    assert ids(loaded, "半天") == set() and ids(loaded, "再次更正") == {"2"}
    assert loaded.history("no-such-id") == []
    # the replacements, newest first, for the monitor page's "recently revised"
    time.sleep(0.005)  # Elasticsearch keeps times to the millisecond: no tie with the last one
    trad = make("trad")
    trad.title += "（更新）"
    assert loaded.upsert(trad) == "updated"
    recent = loaded.replaced_since("2000-01-01T00:00:00+00:00")
    assert [(r["id"], r["version"]) for r in recent] == [(trad.id, 1), (old.id, 2), (old.id, 1)]
    assert [r["replaced_at"] for r in recent] == [h["replaced_at"] for h in (
        loaded.history(trad.id)[0], loaded.history(old.id)[1], loaded.history(old.id)[0])]
    assert loaded.replaced_since("2000-01-01T00:00:00+00:00", limit=1)[0]["id"] == trad.id
    assert loaded.replaced_since("2999-01-01T00:00:00+00:00") == []


def test_attachments_are_kept_and_a_replaced_file_is_a_new_version(loaded):
    files = [{"url": "https://example.gov.cn/sy/P0201.pdf", "title": "沈阳市营商环境改革方案"}]
    # stored before attachments were read (None), read again without any: the same article
    assert loaded.get_by_url(ARTICLES["simp"][0]).attachments is None
    assert loaded.upsert(make("simp", attachments=[])) == "unchanged"
    assert loaded.upsert(make("simp", attachments=files)) == "updated"
    got = loaded.get_by_url(ARTICLES["simp"][0])
    assert got.attachments == files
    assert loaded.history(got.id)[-1]["article"].attachments is None
    assert loaded.upsert(make("simp", attachments=files)) == "unchanged"
    moved = [{**files[0], "url": "https://example.gov.cn/sy/P0202.pdf"}]
    assert loaded.upsert(make("simp", attachments=moved)) == "updated"
    assert loaded.get(got.id).attachments == moved


def test_an_attachments_text_is_searched_and_the_hit_says_so(loaded):
    plan = ("第一條　企業開辦時間壓縮至1個工作日以內。\n第二條　工程建設項目審批時間\n壓縮至50個工作日以內。\n"
            "第三條　推行「證照分離」改革全覆蓋。")
    files = [{"url": "https://example.gov.cn/sy/P0201.pdf", "title": "實施方案", "text": plan},
             {"url": "https://example.gov.cn/sy/P0202.wps", "title": "分工表", "unread": "not a format newsmon reads (.wps)"}]
    assert loaded.upsert(make("simp", attachments=files)) == "updated"
    # in the attachment only, in the other script, a phrase across a line break
    hits = loaded.search(SearchRequest('"审批时间压缩至50个工作日"')).hits
    assert [h.article.url for h in hits] == [ARTICLES["simp"][0]]
    (found,) = hits[0].attached
    # the attachment's title, then the hit in its own script with its context either side
    assert found.startswith("實施方案: …") and found.endswith("…")
    assert "第二條 工程建設項目審批時間 壓縮至50個工作日以內。" in found and "企業開辦" not in found
    assert "unread" not in hits[0].attached[0] and "分工表" not in hits[0].attached[0]
    assert [f.get("chars") for f in hits[0].to_dict()["attachments"]] == [len(plan), None]
    assert "text" not in str(hits[0].to_dict()["attachments"])
    # a word the article's own text holds: found there, not through the attachment
    hits = loaded.search(SearchRequest("企业开办 沈阳")).hits
    assert [h.article.url for h in hits] == [ARTICLES["simp"][0]] and hits[0].attached == []
    assert ids(loaded, "證照分離") == {"2"} and ids(loaded, "分工表") == set()
    # a search (an alert rule) that leaves the attachments out finds the article by its own words only
    assert ids(loaded, "證照分離", attachments=False) == set()
    assert ids(loaded, "企业开办 沈阳", attachments=False) == {"2"}
    assert ids(loaded, "沈阳 OR 證照分離", attachments=False) == {"2"}
    assert ids(loaded, "沈阳 -證照分離", attachments=False) == {"2"} and ids(loaded, "沈阳 -證照分離") == set()


def test_snippets_are_safe_html_cut_from_the_original(loaded):
    hit = loaded.search(SearchRequest("营商环境")).hits
    trad = next(h for h in hit if h.article.source == "cjrb")
    # a simplified query marks the traditional words the page really has
    assert "<mark>營商環境</mark>" in trad.snippet
    hostile = loaded.search(SearchRequest("改革", sources=["local"])).hits[0]
    assert "<script>" not in hostile.snippet
    assert "&lt;script&gt;" in hostile.snippet
    assert "<mark>改革</mark>" in hostile.snippet
    assert re.sub(r"</?mark>", "", hostile.snippet).count("<") == 0
    plain = loaded.search(SearchRequest("", sources=["xinhua"])).hits[0]
    assert "<mark>" not in plain.snippet and plain.snippet.startswith("沈阳市印发")


def test_collapse_by_story(loaded):
    trad = loaded.get_by_url(ARTICLES["trad"][0])
    simp = loaded.get_by_url(ARTICLES["simp"][0])
    loaded.set_story(trad.id, trad.id)
    loaded.set_story(simp.id, trad.id)
    assert loaded.get(simp.id).story_id == trad.id
    # set_story is bookkeeping, not a new version
    assert loaded.history(simp.id) == []
    res = loaded.search(SearchRequest("營商環境", collapse=True))
    assert res.total == 1 and len(res.hits) == 1
    assert res.hits[0].story_size == 2
    every = loaded.search(SearchRequest("", collapse=True, limit=10))
    assert every.total == 3 and len(every.hits) == 3
    assert ids(loaded, f"story:{trad.id}") == {"1", "2"}
    assert ids(loaded, story_id=trad.id) == {"1", "2"}
    # a later update keeps the story
    changed = make("simp")
    changed.text += "更新。"
    assert loaded.upsert(changed) == "updated"
    assert loaded.get(simp.id).story_id == trad.id
    plain = loaded.search(SearchRequest("營商環境"))
    assert plain.total == 2 and {h.story_size for h in plain.hits} == {2}


def test_ingested_after_is_an_alert_checkpoint(store):
    save(store, [make("trad"), make("simp")])
    checkpoint = max(a.ingested_at for a in (store.get_by_url(ARTICLES[k][0]) for k in ("trad", "simp")))
    assert ids(store, "營商環境", ingested_after=checkpoint) == set()
    save(store, [make("apart"), make("hostile")])
    assert ids(store, ingested_after=checkpoint) == {"3", "4"}
    # an unchanged re-fetch is not news; a changed article is
    save(store, [make("trad")])
    assert ids(store, ingested_after=checkpoint) == {"3", "4"}
    changed = make("trad")
    changed.text += "新的進展。"
    store.upsert(changed)
    assert ids(store, "營商環境", ingested_after=checkpoint) == {"1"}
    with pytest.raises(QueryError):
        store.search(SearchRequest("", ingested_after="yesterday-ish"))


def test_meta(store):
    assert store.get_meta("baseline") is None
    store.set_meta("baseline", "1")
    store.set_meta("baseline", "2")
    assert store.get_meta("baseline") == "2"


def test_reopening_sees_the_same_index(open_backend):
    first = open_backend()
    save(first, [make("trad")])
    first.close()
    again = open_backend()
    assert again.stats()["total"] == 1
    assert again.upsert(make("trad")) == "unchanged"


def test_same_answers_as_sqlite_on_the_seeds(store, tmp_path):
    """The seed baseline gives the same hits on this backend as on SQLite."""
    from pipeline.baseline import seed_articles
    from pipeline.store.sqlite import SQLiteStore

    ref = SQLiteStore(tmp_path / "ref.db")
    try:
        save(ref, list(seed_articles()))
        save(store, list(seed_articles()))
        found = 0
        for q in ["營商環境", "营商环境", "漢陽", "汉阳", "長江日報", "改革 OR 考核", "武漢 -漢陽", "江"]:
            want = {h.article.id for h in ref.search(SearchRequest(q, limit=50)).hits}
            got = {h.article.id for h in store.search(SearchRequest(q, limit=50)).hits}
            assert got == want, q
            found += bool(want)
        assert found >= 4  # the comparison is about real hits, not two empty answers
        # 漢陽 is only in seed 004 (whose text reads 漢陽 once the pinyin is repaired away)
        for q in ("漢陽", "汉阳"):
            hits = store.search(SearchRequest(q)).hits
            assert [h.article.title[:6] for h in hits] == ["考核全省第一"], q
    finally:
        ref.close()


@pytest.mark.parametrize("recorded", [True, False], ids=["run-left", "no-record"])
def test_a_stored_damaged_repost_is_mended_when_its_original_arrives(store, recorded):
    repost = county_article()
    if not recorded:  # the repair took the run's '?' for a genuine one
        repost.repair_log, repost.repairs = [], {}
    assert save(store, [repost]) == ["new"]
    assert save(store, [Article(id="city", text=RELEASE, source="wuhan")]) == ["new"]
    got = store.get("county")
    assert got.text == damaged_repost()[2]
    assert got.repair_log[0]["from_copy"] == "city" and got.repairs == {"byte_shift": 1}
    # saved again, the original finds nothing more to mend: the copy stays as it is
    assert save(store, [Article(id="city", text=RELEASE, source="wuhan")]) == ["unchanged"]
    assert store.get("county").repair_log == got.repair_log


def test_a_left_run_is_found_by_its_likeliest_reading(store):
    """A search (and so an alert rule) for words a left run hit finds the article through
    the run's readings; the text stays as it arrived, and a version without the readings is
    no longer found by them (on SQLite: the old tokens left the contentless index)."""
    report = left_report()
    assert save(store, [report]) == ["new"]
    assert "企業開辦" not in report.text and "企業" in report.text  # hit elsewhere, not here
    found = store.search(SearchRequest("企業開辦時間"))
    assert [h.article.id for h in found.hits] == ["report"]
    assert found.hits[0].article.text == report.text
    # the snippet marks the damage that may read so (nothing in the text says 企業開辦)
    assert re.findall(r"<mark>(.*?)</mark>", found.hits[0].snippet) == [report.repair_log[0]["before"]]
    assert "readings_s" not in found.hits[0].article.to_dict()
    # the hit names the guess it was found through; a hit found through its text names none
    assert found.hits[0].guessed == ["一網通辦”,企業開辦時間壓縮至一個"]
    assert found.hits[0].to_dict()["guessed"] == found.hits[0].guessed
    [plain] = store.search(SearchRequest("縣政務服務")).hits
    assert plain.guessed == [] and "guessed" not in plain.to_dict()
    assert [h.article.id for h in store.search(SearchRequest("企业开办")).hits] == ["report"]
    assert store.search(SearchRequest("企業開辦 source:jh")).total == 1
    stripped = left_report()
    del stripped.repair_log[0]["readings"]
    assert store.upsert(stripped) == "updated"
    assert store.search(SearchRequest("企業開辦時間")).total == 0
    assert store.search(SearchRequest("縣政務服務")).total == 1


def test_the_kept_question_mark_of_a_partial_repair_is_found_by_its_readings(store):
    partial = left_report(PARTIAL_AT, id="partial")
    assert "持續" not in partial.text
    assert save(store, [partial]) == ["new"]
    [hit] = store.search(SearchRequest("持續優化")).hits
    assert hit.article.id == "partial" and "瑤族自治縣<mark>?</mark>續優化" in hit.snippet
    assert [h.article.id for h in store.search(SearchRequest("手續")).hits] == ["partial"]  # a guess, too
    assert store.search(SearchRequest("繼續優化")).total == 0


def test_scan_yields_every_article_once_oldest_stored_first(store):
    """What `newsmon export` reads: all of the index, past any search window, page by page."""
    articles = [Article(id=f"s{i:03d}", url=f"https://example.gov.cn/s/{i}.html", source="cjrb" if i % 3 else "xinhua",
                        text=f"第{i}篇 優化營商環境的報道。", published_at=f"2024-03-{1 + i % 28:02d}T08:00:00+08:00")
                for i in range(23)]
    save(store, articles[:10])
    save(store, articles[10:])
    # an update moves an article to the end: it was stored again
    changed = Article.from_dict({**articles[4].to_dict(), "text": "第4篇 改過的報道。"})
    save(store, [changed])
    scanned = list(store.scan(batch=4))
    order = [a.id for a in scanned]
    assert sorted(order) == sorted(a.id for a in articles) and len(order) == 23
    assert order[-1] == "s004" and order[:4] == ["s000", "s001", "s002", "s003"]
    assert next(a for a in scanned if a.id == "s004").text == "第4篇 改過的報道。"
    only = [a.id for a in store.scan(sources=["xinhua"], batch=3)]
    assert only == [a.id for a in articles if a.source == "xinhua" and a.id != "s004"] + (
        ["s004"] if articles[4].source == "xinhua" else [])


def test_source_counts_ignore_the_source_filter_and_follow_the_rest(loaded):
    """What the results page shows beside the count: articles per portal for this search."""
    def counts(*args, **kw):
        found, complete = loaded.source_counts(SearchRequest(*args, **kw))
        assert complete  # four articles: far below the window
        return found

    assert counts("營商環境") == {"cjrb": 1, "xinhua": 1}
    # the page is filtered to one portal: the others still show what they hold
    assert counts("营商环境", sources=["cjrb"]) == {"cjrb": 1, "xinhua": 1}
    assert counts("營商環境", since="2024-03-03") == {"xinhua": 1}
    assert counts("", since="2024-01-01") == {"cjrb": 2, "xinhua": 1, "local": 1}
    assert counts("不存在的詞") == {}
