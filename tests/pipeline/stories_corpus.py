"""A corpus of story pairs for choosing and checking the near-duplicate threshold.

Same story (positives): one text as different portals publish it: the other script,
different boilerplate around the body (breadcrumbs, 來源/責任編輯 lines, share bars,
copyright footers), punctuation width and line wrapping changed, a paragraph dropped, a
reporter credit or editor's note added, the tail cut off.
Different stories (negatives): every pair of distinct texts, each wrapped in the *same*
portal's boilerplate (the hard case for short texts), plus short notices cut from one
template (關於印發《…》的通知) that differ only in the document they announce.

Texts: the two seeds and the 35 hand-cleaned pages of the CWCED set (shared/eval/cwced),
cut to their first 3,000 characters like a typical article. Deterministic (seeded).

Run as a script to print the precision/recall sweep used for docs/daemon.md.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CWCED = next(
    (p for p in (ROOT.parent / "shared" / "eval" / "cwced" / "cleaned", Path("/work/shared/eval/cwced/cleaned"))
     if p.is_dir()),
    Path("/work/shared/eval/cwced/cleaned"),
)

HEADERS = [
    "首頁 > 新聞中心 > 政務要聞\n發布時間：{date} 來源：{portal} 瀏覽次數：{n}\n【字體：大 中 小】【打印】【關閉】\n",
    "当前位置：首页 > 信息公开 > 工作动态\n{date}　来源：{portal}\n分享到：微信 微博 QQ空间\n",
    "{portal}　{date}　【我要纠错】\n",
    "",
]
FOOTERS = [
    "\n責任編輯：{editor}\n掃一掃在手機打開當前頁\n版權所有：{portal}辦公室　網站標識碼{n}\n",
    "\n【打印本页】【关闭窗口】\n主办：{portal}　承办：{portal}信息中心\nICP备{n}号　公网安备{n}号\n",
    "\n（責任編輯：{editor}）\n",
    "\n相关链接：\n国务院关于进一步优化营商环境的意见\n省政府办公厅关于印发实施方案的通知\n",
    "",
]
PORTALS = ["江华瑶族自治县人民政府", "永州市人民政府", "湖南省人民政府", "武汉市汉阳区人民政府", "长江网"]
EDITORS = ["李明", "王芳", "張偉", "劉洋"]


def base_texts(limit: int = 3000) -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    if CWCED.is_dir():
        texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(CWCED.glob("*.txt"))]
    out = []
    for t in texts:
        t = re.sub(r"\n\s*\n+", "\n", t).strip()
        if len(t) >= 200:
            out.append(t[:limit])
    return out


def wrap(text: str, rnd: random.Random, portal: str | None = None) -> str:
    portal = portal or rnd.choice(PORTALS)
    fill = dict(
        date=f"2024-0{rnd.randint(1, 9)}-{rnd.randint(10, 28)} {rnd.randint(8, 18)}:{rnd.randint(10, 59)}",
        portal=portal,
        n=rnd.randint(10000, 99999),
        editor=rnd.choice(EDITORS),
    )
    return rnd.choice(HEADERS).format(**fill) + text + rnd.choice(FOOTERS).format(**fill)


def _script_flip(text: str) -> str:
    from pipeline.chinese import simplify, to_traditional

    folded = simplify(text)
    return to_traditional(text) if folded == text else folded


def _punct(text: str) -> str:
    table = str.maketrans({"，": ",", "。": ".", "：": ":", "；": ";", "（": "(", "）": ")", "“": '"', "”": '"'})
    return text.translate(table)


def _rewrap(text: str, rnd: random.Random) -> str:
    flat = text.replace("\n", "")
    width = rnd.randint(30, 60)
    return "\n".join(flat[i : i + width] for i in range(0, len(flat), width))


def _drop_paragraph(text: str, rnd: random.Random) -> str:
    paras = text.split("\n")
    if len(paras) > 4:
        del paras[rnd.randrange(1, len(paras))]
    return "\n".join(paras)


def _credit(text: str, rnd: random.Random) -> str:
    return f"（記者 {rnd.choice(EDITORS)} 通訊員 {rnd.choice(EDITORS)}）" + text + "\n編者按：本文轉載自長江日報，如有侵權請聯繫刪除。"


def _cut_tail(text: str, rnd: random.Random) -> str:
    return text[: int(len(text) * rnd.uniform(0.75, 0.9))]


def variant(text: str, rnd: random.Random) -> str:
    """One repost of ``text``: two or three edits, then a portal's boilerplate."""
    edits = [
        _script_flip,
        _punct,
        lambda t: _rewrap(t, rnd),
        lambda t: _drop_paragraph(t, rnd),
        lambda t: _credit(t, rnd),
        lambda t: _cut_tail(t, rnd),
    ]
    for edit in rnd.sample(edits, rnd.randint(2, 3)):
        text = edit(text)
    return wrap(text, rnd)


TEMPLATE = (
    "關於印發《{name}》的通知\n各縣市區人民政府，市直各單位：\n現將《{name}》印發給你們，"
    "請結合實際，認真貫徹執行。\n{body}\n{portal}辦公室\n{date}"
)
PLANS = [
    "優化營商環境三年行動方案", "政務服務一網通辦實施辦法", "中小企業紓困解難若干措施",
    "工程建設項目審批制度改革方案", "促進民營經濟發展條例實施細則", "市場主體登記便利化措施",
]


def template_notices(texts: list[str], rnd: random.Random) -> list[str]:
    out = []
    for i, name in enumerate(PLANS):
        body = texts[i % len(texts)][:300]
        out.append(TEMPLATE.format(name=name, body=body, portal=rnd.choice(PORTALS), date="2024年3月1日"))
    return out


def pairs(seed: int = 7) -> list[tuple[str, str, bool]]:
    """(text_a, text_b, same_story) for every pair the corpus holds."""
    rnd = random.Random(seed)
    texts = base_texts()
    out: list[tuple[str, str, bool]] = []
    for t in texts:
        copies = [wrap(t, rnd)] + [variant(t, rnd) for _ in range(3)]
        for i in range(len(copies)):
            for j in range(i + 1, len(copies)):
                out.append((copies[i], copies[j], True))
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            portal = rnd.choice(PORTALS)
            out.append((wrap(texts[i], rnd, portal), wrap(texts[j], rnd, portal), False))
    notices = template_notices(texts, rnd)
    for i in range(len(notices)):
        for j in range(i + 1, len(notices)):
            out.append((notices[i], notices[j], False))
    out += quoting_pairs(texts, rnd)
    return out


def sweep(thresholds=(0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7), seed: int = 7) -> list[tuple[float, float, float]]:
    from pipeline.stories import similarity, sketch_text

    scored = []
    for a, b, same in pairs(seed):
        scored.append((similarity(sketch_text(a).values, sketch_text(b).values), same))
    rows = []
    for th in thresholds:
        tp = sum(1 for s, same in scored if s >= th and same)
        fp = sum(1 for s, same in scored if s >= th and not same)
        fn = sum(1 for s, same in scored if s < th and same)
        rows.append((th, tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0))
    return rows


def quoting_pairs(texts: list[str], rnd: random.Random) -> list[tuple[str, str, bool]]:
    """Different stories that share a passage: a follow-up quoting a fifth of an earlier one."""
    out = []
    for i in range(len(texts)):
        j = (i + 1) % len(texts)
        a, b = texts[i], texts[j]
        cut = len(a) // 5
        start = rnd.randrange(0, len(a) - cut)
        out.append((wrap(a, rnd), wrap(b[: len(b) // 2] + a[start : start + cut] + b[len(b) // 2 :], rnd), False))
    return out


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(ROOT))
    for seed in (7, 11):
        ps = pairs(seed)
        print(f"seed {seed}: {sum(1 for p in ps if p[2])} same-story pairs,"
              f" {sum(1 for p in ps if not p[2])} different-story pairs")
        for th, p, r in sweep(seed=seed):
            print(f"  threshold {th:.2f}: precision {p:.3f} recall {r:.3f}")
