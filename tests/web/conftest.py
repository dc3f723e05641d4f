"""A seeded index, the web app over it, a real server on 127.0.0.1, and headless chromium.

The seed set is built the way articles really arrive (the baseline seeds, `ingest` of a
file) plus Articles made directly where a test needs a shape the chain cannot yet produce
(repair logs, story groups, hostile titles).
"""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
import tempfile
from pathlib import Path

import pytest

from pipeline.alerts import evaluate, load_alerts
from pipeline.baseline import ensure_baseline
from pipeline.crawlstate import record_run
from pipeline.ingest import ingest_paths
from pipeline.model import Article
from pipeline.statedb import open_state
from pipeline.store import open_store
from pipeline.topics import load_lexicon

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

XSS_TITLE = "<script>alert(1)</script><img src=x onerror=alert(2)>"
STORY = "story-bizenv-2024"

SOURCES_YAML = """\
sources:
  - name: cjrb
    title: 長江日報
    urls: [https://news.cjn.cn/sywh/]
    every: 30m
  - name: hubei_gov
    title: 湖北省人民政府
    urls: [https://www.hubei.gov.cn/zwgk/hbyw/]
    every: 1h
  - name: wuhan_gov
    title: 武汉市人民政府
    urls: [https://www.wuhan.gov.cn/xxgk/]
    every: 1h
  - name: hbrb
    title: 湖北日報
    urls: [https://hbrb.cnhubei.com/]
    every: 30m
"""

ALERTS_YAML = """\
channels:
  log: {type: file, path: alerts.jsonl}
default_rule: false
rules:
  - name: bizenv
    query: '優化 AND 營商環境'
    notify: [log]
    max_age: none
  - name: hostile
    query: 'alert'
    notify: [log]
    max_age: none
  - name: nothing_yet
    query: '不存在的詞語組合'
    notify: [log]
silence:
  after: 3
  failures: 3
  notify: [log]
"""

TRAD_BODY = "湖北省持續優化營商環境,推進“一網通辦”改革,企業開辦時間壓縮至一個工作日。"
#: what the notice's attached plan says (as read from the file): words its own text lacks
ATTACHED_TEXT = "第一條　推行惠企政策免申即享。\n第二條　<script>alert(8)</script>涉企經營許可事項\n全部實行告知承諾。"


def seed_articles() -> list[Article]:
    """Articles made directly: their ids are named so the tests can find them."""
    arts = [
        Article(
            id="trad0001",
            url="https://www.hubei.gov.cn/zwgk/hbyw/202403/t20240305_1.shtml",
            title="湖北優化營商環境再出新招",
            text=TRAD_BODY,
            source="hubei_gov",
            origin="湖北日報",
            published_at="2024-03-05T02:30:00+00:00",  # 10:30 in Beijing
            tags=["营商环境", "一网通办"],
            attachments=[{"url": "https://www.hubei.gov.cn/zwgk/hbyw/202403/P020240305.pdf",
                          "title": "湖北省優化營商環境實施方案", "text": ATTACHED_TEXT},
                         {"url": "https://www.hubei.gov.cn/zwgk/hbyw/202403/P020240305.wps",
                          "title": "任務分工表", "unread": "not a format newsmon reads (.wps)"}],
        ),
        Article(
            id="simp0001",
            url="https://news.cjn.cn/sywh/202401/t5000001.htm",
            title="武汉政务服务一网通办提速",
            text="武汉市政务服务中心推出一网通办新举措,群众办事不再跑腿。",
            source="cjrb",
            published_at="2024-01-10T09:00:00+08:00",
            tags=["一网通办", "政务服务"],
        ),
        Article(
            id="repair01",
            url="https://news.cjn.cn/sywh/202402/t5000002.htm",
            title="漢陽區營商環境考核全省第一",
            text="漢陽區怎么做到的?企業辦事更便利,營商環境持續優化。",
            source="cjrb",
            published_at="2024-02-23T09:27:00+08:00",
            tags=["营商环境"],
            repairs={"pinyin": 1, "byte_shift": 1},
            repair_log=[
                # "漢陽" sits at offset 0 of the text: marked in place
                {"field": "text", "kind": "pinyin", "offset": 0, "before": "漢陽(yáng)", "after": "漢陽",
                 "confidence": 0.97},
                # offset counted in a longer text (title line included): found before it
                {"field": "text", "kind": "byte_shift", "offset": 30, "before": "浼佷笟", "after": "企業",
                 "confidence": 1.0, "from_copy": "repair02"},  # taken from another copy
                # a title repair: listed, not marked in the body
                {"field": "title", "kind": "utf8_as_gbk", "offset": 3, "before": "钀ュ晢", "after": "營商",
                 "confidence": 0.9},
            ],
        ),
        Article(
            id="repair02",
            url="https://news.cjn.cn/sywh/202402/t5000003.htm",
            title="江華縣優化營商環境",
            text="江華速度,真情服務?!敖A縣持續優化營商環境。漢陽區考核第一。",
            source="cjrb",
            published_at="2024-02-20T09:00:00+08:00",
            repairs={"pinyin": 2, "unresolved": 1, "lost": 1},
            repair_log=[
                {"field": "text", "kind": "pinyin", "offset": 21, "before": "(yáng)", "after": "",
                 "confidence": 1.0},
                {"field": "text", "kind": "pinyin", "offset": 40, "before": "(yáng)", "after": "",
                 "confidence": 0.98},
                {"field": "text", "kind": "unresolved", "offset": 10, "before": "?!敖A", "after": "?!敖A",
                 "confidence": 0.72, "readings": ["。”江華", "<b>江</b>", "江華"]},  # guesses, one hostile
                {"field": "text", "kind": "lost", "offset": 99, "before": "锟斤拷", "after": "锟斤拷",
                 "confidence": 1.0},
            ],
        ),
        Article(
            id="xss00001",
            url="javascript:alert(3)",
            title=XSS_TITLE,
            text="營商環境 <script>alert(4)</script> <b onmouseover=alert(5)>粗体</b> &lt;mark&gt;假的&lt;/mark&gt;",
            source="cjrb",
            published_at="2024-03-06T08:00:00+08:00",
            tags=["营商环境"],
            # an imported line may carry any address: it is shown, never linked, unless web
            attachments=[{"url": "javascript:alert(7)", "title": XSS_TITLE}],
        ),
    ]
    # one story on three portals
    for i, src in enumerate(("hubei_gov", "cjrb", "wuhan_gov")):
        arts.append(
            Article(
                id=f"story{i:03d}",
                url=f"https://example.gov.cn/{src}/2024/story.html",
                title="國務院部署進一步優化營商環境" if i == 0 else "国务院部署进一步优化营商环境",
                text="国务院常务会议部署进一步优化营商环境,降低制度性交易成本。" + "转载" * i,
                source=src,
                published_at=f"2024-03-0{i + 1}T12:00:00+08:00",
                tags=["营商环境", "优化营商环境"],
                story_id=STORY,
            )
        )
    # enough undated-free filler on one source to need a second page
    for i in range(25):
        arts.append(
            Article(
                id=f"fill{i:04d}",
                url=f"https://www.wuhan.gov.cn/xxgk/2023/{i}.html",
                title=f"武汉市审批服务第{i}期简报",
                text=f"审批服务简报第{i}期,行政审批事项持续精简。",
                source="wuhan_gov",
                published_at=f"2023-06-{(i % 28) + 1:02d}T08:00:00+08:00",
                tags=["审批"],
            )
        )
    return arts


def build_site(root: Path, settings: dict | None = None) -> tuple[Path, Path]:
    """(config_dir, data_dir) with the seeds, an ingested file, made articles and crawl runs,
    in the index ``settings`` name (SQLite by default)."""
    config_dir = root / "config"
    data_dir = root / "data"
    config_dir.mkdir(parents=True)
    data_dir.mkdir(parents=True)
    (config_dir / "sources.yaml").write_text(SOURCES_YAML, encoding="utf-8")
    (config_dir / "alerts.yaml").write_text(ALERTS_YAML, encoding="utf-8")
    shutil.copy(REPO / "config" / "topics.yaml", config_dir / "topics.yaml")
    lexicon = load_lexicon(config_dir)
    store = open_store(settings or {}, data_dir)
    try:
        ensure_baseline(store, lexicon)
        drop = root / "drop"
        drop.mkdir()
        (drop / "ingested.txt").write_text(
            "襄陽推進審批制度改革\n\n2024-02-01 08:00 來源: 襄陽日報\n\n襄陽市推進審批制度改革,優化營商環境,市場主體倍增。\n",
            encoding="utf-8",
        )
        report = ingest_paths(store, [drop], source="xiangyang", lexicon=lexicon)
        assert report.new == 1, report
        store.upsert_many(seed_articles())
        # the alert engine records its matches the way the daemon runs it
        evaluate(store, data_dir, load_alerts(config_dir))
    finally:
        store.close()
    conn = open_state(data_dir)
    try:
        # cjrb: crawled ten minutes ago, found new articles (ok)
        record_run(conn, "cjrb", ago(11), ago(10), pages=3, new=2, unchanged=5, errors=0, blocked=False)
        # hubei_gov: the last three crawls were refused (blocked, and a silence warning)
        for m in (130, 70, 10):
            record_run(conn, "hubei_gov", ago(m + 2), ago(m), pages=2, new=0, unchanged=0, errors=4,
                       blocked=True, message="HTTP 403 on every listing page")
        # hbrb: crawls fine but has found nothing new for five hours, every 30m (silent)
        for m in (300, 150, 20):
            record_run(conn, "hbrb", ago(m + 1), ago(m), pages=1, new=0, unchanged=4, errors=0, blocked=False)
        # wuhan_gov: configured, never crawled
    finally:
        conn.close()
    return config_dir, data_dir


def ago(minutes: int) -> str:
    return (datetime.now(timezone.utc) - timedelta(minutes=minutes)).isoformat(timespec="seconds")


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("web-site"))


@pytest.fixture(scope="session")
def store(site):
    config_dir, data_dir = site
    s = open_store({}, data_dir)
    yield s
    s.close()


def make_app(store, site, **kw):
    from pipeline.web import create_app

    config_dir, data_dir = site
    return create_app(store, config_dir=config_dir, data_dir=data_dir, lexicon=load_lexicon(config_dir), **kw)


@pytest.fixture(scope="session")
def app(store, site):
    return make_app(store, site)


@pytest.fixture
def client(app, monkeypatch):
    from fastapi.testclient import TestClient

    monkeypatch.delenv("NEWSMON_WEB_TOKEN", raising=False)
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="session")
def live_server(store, site):
    with serving(store, site) as url:
        yield url


@contextmanager
def serving(store, site):
    """The app as `newsmon serve` runs it (loopback Host pinning on), on a free port."""
    from pipeline.web.access import Access
    from pipeline.web.server import ServerThread, build

    config_dir, data_dir = site
    app = build(store, config_dir=config_dir, data_dir=data_dir, lexicon=load_lexicon(config_dir),
                host="127.0.0.1", access=Access())
    with ServerThread(app, "127.0.0.1", 0) as server:
        yield server.url.rstrip("/")


def _chromium_missing() -> str | None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        return (f"{' and '.join(missing)} not installed "
                "(apt-get install -y chromium chromium-driver)")
    return None


@pytest.fixture(scope="session")
def browser():
    reason = _chromium_missing()
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="newsmon-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,1400", f"--user-data-dir={profile}"):
        opts.add_argument(flag)
    # an unexpected alert() must surface as an error, not be silently dismissed
    opts.set_capability("unhandledPromptBehavior", "ignore")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


class Screenshots:
    """Whole-page screenshots into test-artifacts/screenshots/ (named in docs/web.md)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def save(self, driver, name: str) -> Path:
        # grow the window to the page so the picture holds all of it, then restore
        size = driver.get_window_size()
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(size["width"], min(max(height, 600), 6000))
        path = self.folder / name
        try:
            assert driver.save_screenshot(str(path)), f"screenshot {path} failed"
        finally:
            driver.set_window_size(size["width"], size["height"])
        return path


@pytest.fixture(scope="session")
def screenshots() -> Screenshots:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return Screenshots(SCREENSHOTS)
