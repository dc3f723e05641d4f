"""A damaged repost and its clean original: the case ``pipeline.repair.reference`` mends.

Shared by the unit tests (``test_repair_reference.py``) and the store suite, which runs it
on every backend.
"""

from pipeline import damage
from pipeline.chinese import to_traditional
from pipeline.model import Article
from pipeline.repair import gbk

# a city government's release (simplified); the county repost is traditional and damaged
RELEASE = (
    "为进一步优化营商环境，市人民政府近日印发《优化营商环境三年行动方案》，提出到2025年，"
    "企业开办时间压缩至1个工作日以内，工程建设项目审批时间压缩至50个工作日以内。方案明确了"
    "政务服务、市场监管、要素保障等五个方面二十项重点任务，要求各区各部门对照任务清单，"
    "逐项抓好落实，确保各项改革措施落地见效。"
)
REPOST = to_traditional(RELEASE)
AT = REPOST.index("企業開辦")  # the lead byte of 企 is lost: out of step up to the "1"


def damaged_repost(at=AT, text=REPOST):
    """(damaged text, the run as received, the clean text in the repost's form)"""
    hurt = damage.damage_at(text, at)
    clean = gbk.fold_width(text)
    tail = len(clean) - clean.index("1個工作日")
    return hurt.text, hurt.text[at:len(hurt.text) - tail], clean


def left_run(run, at=AT, kind="unresolved"):
    return {"kind": kind, "offset": at, "before": run, "after": run, "confidence": 0.4,
            "field": "text"}


def county_article() -> Article:
    """The damaged repost as the chain would hand it over: its run recorded as left."""
    text, run, _ = damaged_repost()
    return Article(id="county", text=text, source="jh", repair_log=[left_run(run)],
                   repairs={"unresolved": 1})


# a county report whose damage the repair cannot settle alone: the lead byte of "開"
# (E9 5F) in "企業開辦" is lost, and "開" and "達" (DF 5F) read about as well after
# "企業", so the run is left; the likeliest of the readings its record keeps is the
# original. (Until 2026-12-06 the run was the "”" before "，企業開辦" with a pair vanished
# after it; the repair now settles that one, rightly.)
REPORT = (
    "江華瑤族自治縣持續優化營商環境，全縣政務服務事項實現“一網通辦”，企業開辦時間壓縮至一個"
    "工作日以內。縣政務服務中心負責人介紹，今年以來，全縣新登記市場主體三千餘戶，同比增長百分之"
    "十二。“我們把企業的事當成自己的事來辦。”這位負責人說，下一步將繼續深化改革，打造一流營商環境。"
)
REPORT_AT = REPORT.index("開辦時間")


def left_report(at=REPORT_AT, id="report") -> Article:
    """The damaged report as the chain hands it over (``repair_article``: its run left)."""
    from pipeline.process import repair_article
    from tests.pipeline.repair_shared import own_models

    hurt = damage.damage_at(REPORT, at)
    with own_models():  # the case was picked where the repair's own models doubt
        return repair_article(Article(id=id, text=hurt.text, source="jh"))


#: damaged here, the report is repaired but for the first character (持 or 手): kept as "?"
PARTIAL_AT = REPORT.index("持續優化")
