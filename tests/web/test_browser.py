"""The pages in Debian's headless chromium, against a real server on 127.0.0.1.

Screenshots of the three pages go to test-artifacts/screenshots/ (see docs/web.md).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.common.exceptions import (NoAlertPresentException,
                                        StaleElementReferenceException, WebDriverException)
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from tests.web.conftest import STORY, XSS_TITLE

pytestmark = pytest.mark.browser


def navigates(driver, action, timeout: float = 15) -> None:
    """Run ``action`` (a click, an Enter) and wait until the next page has replaced this one:
    selenium does not wait for a navigation it did not start with get()."""
    old = driver.find_element(By.TAG_NAME, "html")
    action()
    WebDriverWait(driver, timeout).until(_replaced(old))
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script("return document.readyState") == "complete")


def _replaced(element):
    """``EC.staleness_of``, also taking chromedriver's other word for an element whose page
    is being replaced ("Node with given id does not belong to the document"), which it
    gives in a race with the navigation."""

    def check(_driver) -> bool:
        try:
            element.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            if "does not belong to the document" in str(exc):
                return True
            raise
        return False

    return check


def no_dialog(driver) -> bool:
    try:
        text = driver.switch_to.alert.text
    except NoAlertPresentException:
        return True
    driver.switch_to.alert.dismiss()
    raise AssertionError(f"a dialog opened: {text!r}")


def texts(driver, css: str) -> list[str]:
    """The rendered text of every element ``css`` selects, read in one script call: element
    by element, chromium once answered "Node with given id does not belong to the document"
    for a node of a page that had finished loading (one run in six of this file's test)."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]), e => e.innerText.trim())", css)


def result_ids(driver) -> list[str]:
    return [li.get_attribute("data-id") for li in driver.find_elements(By.CSS_SELECTOR, "li.hit")]


def test_front_page_lists_latest_and_search_in_simplified_finds_traditional(browser, live_server, screenshots):
    browser.get(live_server + "/")
    assert "Latest articles" in browser.find_element(By.ID, "count").text
    assert len(result_ids(browser)) == 20  # a full first page, newest first
    box = browser.find_element(By.ID, "q")
    box.send_keys("营商环境")
    navigates(browser, lambda: box.send_keys(Keys.ENTER))
    found = result_ids(browser)
    assert "trad0001" in found and "repair01" in found
    # the hit is highlighted in the script the page used
    marks = [m.text for m in browser.find_elements(By.CSS_SELECTOR, 'li.hit[data-id="trad0001"] mark')]
    assert "營商環境" in marks
    # one row for the story on three portals, saying where else it ran
    story_rows = [li for li in browser.find_elements(By.CSS_SELECTOR, "li.hit")
                  if li.get_attribute("data-id").startswith("story")]
    assert len(story_rows) == 1
    assert "also on 2 portals" in story_rows[0].find_element(By.CSS_SELECTOR, ".also").text
    # the URL is the shareable contract
    query = parse_qs(urlsplit(browser.current_url).query)
    assert urlsplit(browser.current_url).path == "/search" and query == {"q": ["营商环境"]}  # no empty fields
    screenshots.save(browser, "search.png")
    assert no_dialog(browser)


def test_source_filter_through_the_form(browser, live_server):
    browser.get(live_server + "/search?q=%E8%90%A5%E5%95%86%E7%8E%AF%E5%A2%83")  # 营商环境
    before = set(texts(browser, "li.hit .source"))
    assert len(before) > 1
    browser.find_element(By.CSS_SELECTOR, "details summary").click()  # open "Sources"
    browser.find_element(By.CSS_SELECTOR, 'input[name="source"][value="hubei_gov"]').click()
    navigates(browser, browser.find_element(By.ID, "go").click)
    sources = set(texts(browser, "li.hit .source"))
    assert sources == {"hubei_gov"}
    assert parse_qs(urlsplit(browser.current_url).query)["source"] == ["hubei_gov"]
    # the choice survives on the result page
    assert browser.find_element(By.CSS_SELECTOR, 'input[name="source"][value="hubei_gov"]').is_selected()


def test_date_range_tag_and_order_from_a_shared_url(browser, live_server):
    browser.get(live_server + "/search?since=2023-06-10&until=2023-06-12&sort=newest")
    dates = [t.text[:10] for t in browser.find_elements(By.CSS_SELECTOR, "li.hit time")]
    assert dates == ["2023-06-12", "2023-06-11", "2023-06-10"]
    assert browser.find_element(By.ID, "since").get_attribute("value") == "2023-06-10"
    browser.get(live_server + "/search?tag=%E6%94%BF%E5%8A%A1%E6%9C%8D%E5%8A%A1")  # 政务服务
    tagged = result_ids(browser)
    assert "simp0001" in tagged and "trad0001" not in tagged  # trad0001 is not about 政务服务
    assert browser.find_element(By.CSS_SELECTOR, 'input[name="tag"][value="政务服务"]').is_selected()


def test_pagination(browser, live_server):
    browser.get(live_server + "/search?q=%E5%AE%A1%E6%89%B9%E6%9C%8D%E5%8A%A1%E7%AE%80%E6%8A%A5")  # 审批服务简报
    first = result_ids(browser)
    assert len(first) == 20
    navigates(browser, browser.find_element(By.ID, "next").click)
    second = result_ids(browser)
    assert len(second) == 5 and not set(first) & set(second)
    assert parse_qs(urlsplit(browser.current_url).query)["page"] == ["2"]


def test_bad_query_is_a_message_not_a_traceback(browser, live_server):
    browser.get(live_server + "/search?q=%22%E8%90%A5%E5%95%86")  # "营商 (unbalanced quote)
    error = browser.find_element(By.ID, "error").text
    assert "unbalanced quote" in error
    assert "Traceback" not in browser.page_source
    assert browser.find_element(By.ID, "q").get_attribute("value") == '"营商'


def test_article_shows_its_repairs_and_copies(browser, live_server, screenshots):
    browser.get(live_server + "/search?q=%E6%BC%A2%E9%99%BD%E5%8D%80")  # 漢陽區
    navigates(browser, browser.find_element(By.CSS_SELECTOR, 'li.hit[data-id="repair01"] a.title').click)
    assert browser.current_url.endswith("/articles/repair01")
    assert browser.find_element(By.ID, "title").text == "漢陽區營商環境考核全省第一"
    assert browser.find_element(By.ID, "published").text == "2024-02-23 09:27 Beijing time"
    rows = browser.find_elements(By.CSS_SELECTOR, "#repairs tr.repair")
    pairs = [(r.find_element(By.CSS_SELECTOR, "del.before").text, r.find_element(By.CSS_SELECTOR, "ins.after").text)
             for r in rows]
    assert pairs == [("浼佷笟", "企業"), ("钀ュ晢", "營商"), ("漢陽(yáng)", "漢陽")]  # pinyin last
    marked = [m.text for m in browser.find_elements(By.CSS_SELECTOR, "#text ins.repaired")]
    assert marked == ["漢陽", "企業"]
    original = browser.find_element(By.ID, "original")
    assert original.get_attribute("href") == "https://news.cjn.cn/sywh/202402/t5000002.htm"
    screenshots.save(browser, "article.png")
    # a story's page names its other copies
    browser.get(live_server + "/articles/story000")
    copies = browser.find_element(By.ID, "copies").text
    assert "cjrb" in copies and "wuhan_gov" in copies
    assert STORY  # the three copies share it


def test_a_hit_found_in_an_attachment_leads_to_the_files_text(browser, live_server, screenshots):
    browser.get(live_server + "/search?q=%E5%91%8A%E7%9F%A5%E6%89%BF%E8%AF%BA")  # 告知承诺
    hit = browser.find_element(By.CSS_SELECTOR, 'li.hit[data-id="trad0001"]')
    assert hit.find_element(By.CSS_SELECTOR, "p.attached").text.startswith("found in an attachment: 湖北省優化營商環境實施方案: …")
    navigates(browser, hit.find_element(By.CSS_SELECTOR, "a.title").click)
    files = browser.find_element(By.ID, "attachments")
    assert "(not read: not a format newsmon reads (.wps))" in files.text
    text = browser.find_element(By.CSS_SELECTOR, "#attachment-1 .text")
    assert not text.is_displayed()  # folded away until asked for
    browser.find_element(By.CSS_SELECTOR, "#attachment-1 summary").click()
    assert text.is_displayed() and "全部實行告知承諾" in text.text and "<script>alert(8)</script>" in text.text
    assert no_dialog(browser)
    screenshots.save(browser, "article-attachments.png")


def test_hostile_title_renders_as_text_with_no_dialog(browser, live_server):
    browser.get(live_server + "/search?q=alert")
    assert no_dialog(browser)
    link = browser.find_element(By.CSS_SELECTOR, 'li.hit[data-id="xss00001"] a.title')
    assert link.text == XSS_TITLE
    assert browser.find_elements(By.CSS_SELECTOR, "main img") == []
    navigates(browser, link.click)
    assert no_dialog(browser)
    assert browser.find_element(By.ID, "title").text == XSS_TITLE
    assert "<script>alert(4)</script>" in browser.find_element(By.ID, "text").text
    assert browser.find_elements(By.CSS_SELECTOR, "main img, main script, #text b") == []
    # the javascript: URL is shown as text, never as a link
    assert browser.find_elements(By.ID, "original") == []
    assert no_dialog(browser)


def test_monitor_page(browser, live_server, screenshots):
    browser.get(live_server + "/monitor")
    never = browser.find_element(By.CSS_SELECTOR, 'tr[data-source="wuhan_gov"]').text
    assert "no crawl yet" in never
    blocked = browser.find_element(By.CSS_SELECTOR, 'tr[data-source="hubei_gov"]').text
    assert "blocked" in blocked and "last 3 crawls were blocked" in blocked
    assert "silent" in browser.find_element(By.CSS_SELECTOR, 'tr[data-source="hbrb"]').text
    rule = browser.find_element(By.CSS_SELECTOR, 'div.rule[data-rule="bizenv"]')
    assert rule.find_elements(By.CSS_SELECTOR, "ul.matches li")
    hostile = browser.find_element(By.CSS_SELECTOR, 'div.rule[data-rule="hostile"]').text
    assert XSS_TITLE in hostile
    assert no_dialog(browser)
    screenshots.save(browser, "monitor.png")


def test_untitled_seed_shows_first_words_marked(browser, live_server):
    browser.get(live_server + "/search?source=seed")
    titles = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "li.hit a.title")]
    assert any(t.startswith("[untitled] ") and len(t) > 15 for t in titles), titles


def test_the_dialog_check_can_fail(browser):
    """The XSS test relies on no_dialog noticing an alert(): show that it does."""
    browser.get("data:text/html,<title>x</title><script>alert('caught')</script>")
    with pytest.raises(AssertionError, match="caught"):
        no_dialog(browser)
    browser.get("about:blank")
    assert no_dialog(browser)
