"""Line-level boilerplate: what survives the extractors but is not the article.

Why a second pass after trafilatura/readability: share bars ("分享到：微信 微博"), font
controls ("【字体：大 中 小】"), print/close links and "为你推荐" lists are often plain text
inside the same box as the article, so no block-level extractor can drop them. They are
recognisable as lines, in both scripts.
"""

from __future__ import annotations

import re

#: a whole line that is chrome, never prose
_JUNK_LINE = re.compile(
    r"^(?:"
    r"[【\[]?\s*(?:字[体體号號]|字号|字體)\s*[:：]?\s*[【\[]?\s*大\s*[】\]]?\s*[【\[]?\s*中\s*[】\]]?\s*[【\[]?\s*小.*"
    r"|.{0,6}(?:(?:分享到|分享至|轉發到|转发到)\s*[:：]?|分享\s*[:：])[^。！？]{0,60}"
    r"|[【\[]?\s*(?:打印(?:本页|本頁|本文|文章|此页|此頁)?|關閉(?:窗口|本页|本頁)?|关闭(?:窗口|本页)?|收藏(?:本页|本頁)?|返回顶部|返回頂部|回到顶部|回到頂部|纠错|糾錯|保存|加入收藏|小字号|大字号|朗读|朗讀)\s*[】\]]?(?:\s*[【\[]?\s*(?:打印|關閉|关闭|收藏|窗口|本页|本頁|纠错|糾錯|保存|返回|顶部|頂部|【|】|\]|\[|\||\s)*[】\]]?)*"
    r"|(?:扫一扫|掃一掃|扫描二维码|掃描二維碼|微信扫一扫|微信掃一掃|用微信扫描|手机扫码|手機掃碼).{0,40}"
    r"|[<«‹\[【\s]*(?:上一篇|下一篇|上一条|下一条|上一條|下一條|上一页|下一页|上一頁|下一頁|首页|首頁|尾页|尾頁)\s*[:：>»]?.{0,80}"
    r"|第\s*\d+\s*[页頁]\s*/?\s*共\s*\d+\s*[页頁].{0,40}|共\s*\d+\s*[页頁].{0,20}"
    r"|[【\[(（]?\s*(?:文章|信息|新闻|新聞|稿件)?(?:来源|來源|稿源)\s*[:：]\s*\S{1,24}\s*[】\])）]?"
    r"|(?:责任编辑|責任編輯|编辑|編輯|校对|校對|审核|審核|审校|審校|监制|監製|签发|簽發|终审|終審)\s*[:：].{0,30}"
    r"|[【\[(（]\s*(?:责任编辑|責任編輯|编辑|編輯)\s*[:：].{0,20}[】\])）].{0,20}"
    r"|返回搜狐.{0,20}|查看更多.{0,10}"
    r"|(?:相关附件|相關附件|附件下载|附件下載)\s*[:：]?"
    r"|(?:阅读|閱讀|浏览|瀏覽|点击|點擊|访问|訪問)(?:量|数|數|次数|次數)?\s*[:：]\s*\d+.{0,10}"
    r"|(?:版权所有|版權所有|copyright|©).{0,120}"
    r"|(?:网站地图|網站地圖|联系我们|聯繫我們|关于我们|關於我們)(?:\s*[|｜丨]\s*.{0,20})*"
    r"|(?:发表评论|發表評論|我要评论|我要評論|网友评论|網友評論|评论|評論)\s*(?:\(\d+\))?"
    r"|(?:当前位置|當前位置|您的位置|您现在的位置|您現在的位置|你的位置|你现在的位置)\s*[:：].{0,80}"
    r")$",
    re.I,
)

#: headings after which a page lists other articles; everything from here on is a list
TAIL_MARKER = re.compile(
    r"^[【\[■▍|·\s]*(?:为你推荐|為你推薦|为您推荐|為您推薦|相关推荐|相關推薦|推荐阅读|推薦閱讀|相关阅读|相關閱讀|"
    r"相关新闻|相關新聞|相关文章|相關文章|相关链接|相關鏈接|相关报道|相關報道|延伸阅读|延伸閱讀|猜你喜欢|猜你喜歡|"
    r"热门推荐|熱門推薦|热点推荐|熱點推薦|热点新闻|熱點新聞|热门文章|熱門文章|最新文章|精彩推荐|精彩推薦|今日推荐|今日推薦|"
    r"更多精彩|相关稿件|相關稿件|网友评论|網友評論|热门评论|熱門評論|最新评论|最新評論)"
    r"\s*[】\]■:：>»]*\s*(?:更多.{0,4})?$"
)


_MENU_SEP = re.compile(r"\s*(?:[|｜丨]|>>?|»|›|→)\s*")
_PROSE_PUNCT = re.compile(r"[。！？；，、：:,.!?]")


def is_menu_line(line: str) -> bool:
    """``首页 | 新闻 | 政务公开 | 办事服务`` or ``首页 > 新闻中心 > 正文``: a row of short links."""
    parts = [p for p in _MENU_SEP.split(line.strip()) if p]
    if len(parts) < 3 or len(_MENU_SEP.findall(line)) < 2:
        return False
    return all(len(p) <= 8 for p in parts) and not _PROSE_PUNCT.search(line)


def is_junk_line(line: str) -> bool:
    s = line.strip()
    if not s:
        return True
    if len(s) > 160:
        return False
    return bool(_JUNK_LINE.match(s)) or is_menu_line(s)


def cut_tail(lines: list[str]) -> list[str]:
    """Drop a related-articles list and everything after its heading.

    Only when the heading sits in the second half of the text or what follows it is a
    list (short lines): a "相关新闻" subheading inside a long article must stay.
    """
    total = sum(len(l) for l in lines) or 1
    seen = 0
    for i, line in enumerate(lines):
        if TAIL_MARKER.match(line.strip()):
            rest = lines[i + 1:]
            short = sum(1 for r in rest if len(r) < 40)
            if seen >= 0.5 * total or not rest or short >= 0.6 * len(rest):
                return lines[:i]
        seen += len(line)
    return lines


#: a site footer's notices: licence and ICP numbers, report hotlines, reprint bans
_FOOTER_LINE = re.compile(
    r"ICP[备備证證]|[许許]可[证證]|[举舉][报報](?:[电電][话話]|[邮郵]箱|中心)|[违違]法和不良信息|"
    r"版[权權]所有|All Rights Reserved|未[经經](?:许可|許可|授[权權]).{0,6}(?:转载|轉載|使用|复制|複製)|"
    r"公[网網]安[备備]",
    re.I,
)


def cut_footer(lines: list[str]) -> list[str]:
    """Drop the page footer's notices at the end of the body.

    Only trailing lines: readability keeps a footer box that sits beside the article in
    the same container, and such notices never end an article's own text.
    """
    end = len(lines)
    while end and len(lines[end - 1]) <= 200 and _FOOTER_LINE.search(lines[end - 1]):
        end -= 1
    return lines[:end]


def clean_lines(lines: list[str]) -> list[str]:
    out = [l for l in lines if not is_junk_line(l)]
    return cut_footer(cut_tail(out))
