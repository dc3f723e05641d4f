"""Extraction on small hand-written pages: body without chrome, and the Chinese metadata."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.decode import decode_bytes
from pipeline.extract import Extracted, extract_html

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"


def extract_file(name: str, url: str | None = None) -> Extracted:
    return extract_html(decode_bytes((PAGES / name).read_bytes()).text, url=url)


# --- a GBK government notice: <title> suffix, info line, share bar, font control, "为你推荐"


@pytest.fixture(scope="module")
def gov():
    return extract_file("gov_notice.html")


def test_gov_title_is_the_headline_not_the_title_with_site_suffix(gov):
    assert gov.title == "关于进一步优化营商环境的若干措施"


def test_gov_metadata_line(gov):
    assert gov.published_at == "2024-03-05T10:30:00+08:00"
    assert gov.origin == "湖南日报"
    assert gov.author == "张三"
    assert gov.doc_numbers == ["湘政办发〔2023〕12号"]


def test_gov_body_keeps_every_paragraph(gov):
    for start in ("为深入贯彻落实", "一、全面推行政务服务", "二、推进“一件事一次办”", "三、落实减税降费政策"):
        assert start in gov.text
    assert gov.text.count("\n\n") == 3


@pytest.mark.parametrize("chrome", [
    "分享到", "微博", "字体", "打印本页", "关闭窗口", "为你推荐", "我市召开优化营商环境工作推进会",
    "版权所有", "当前位置", "政务公开", "浏览次数", "发布时间", "责任编辑",
])
def test_gov_body_has_no_chrome(gov, chrome):
    assert chrome not in gov.text


# --- traditional script, byline without labels, 為你推薦 in an <aside>


@pytest.fixture(scope="module")
def trad():
    return extract_file("news_traditional.html")


def test_traditional_metadata(trad):
    assert trad.title == "一件事一次辦 市民辦事少跑腿"
    assert trad.published_at == "2024-03-04T09:15:00+08:00"
    assert trad.origin == "某某日報"
    assert trad.author == "王小明 陳大文"


def test_traditional_body_without_share_bar_or_recommendations(trad):
    assert trad.text.startswith("本市自去年起推行")
    assert "讓數據多跑路、群眾少跑腿" in trad.text
    for chrome in ("分享到", "Facebook", "為你推薦", "颱風過境", "版權所有", "首頁", "信息來源", "記者"):
        assert chrome not in trad.text


# --- an old table layout: nav table, hot-news column, footer table


def test_table_layout_keeps_the_content_cell_only():
    ex = extract_file("table_layout.html")
    assert ex.title == "我市召开优化营商环境工作推进会"
    assert ex.published_at == "2024-03-01T00:00:00+08:00"
    assert ex.origin == "县政务服务中心"
    assert ex.doc_numbers == ["国办发〔2024〕5号"]
    assert ex.text.startswith("3月1日，全县优化营商环境工作推进会召开")
    assert "确保各项措施落地见效" in ex.text
    for chrome in ("网站首页", "热点新闻", "县长热线", "主办单位", "联系电话", "日期："):
        assert chrome not in ex.text


# --- a crawl-corpus <text id=URL> wrapper around a blog post whose <title> names the blog


def test_wrapped_blog_post():
    ex = extract_file("wrapped_blog.html")
    assert ex.title == "湘菜粤菜 兵分两路"
    assert ex.published_at == "2005-06-14T03:25:55+08:00"
    assert ex.text.startswith("湘菜粤菜兵分两路，新鲜的是")
    assert "口感特别" in ex.text
    for chrome in ("目录", "发表评论", "篇评论", "<text", "blog.example.com"):
        assert chrome not in ex.text


# --- robustness


@pytest.mark.parametrize("html", ["", "   ", "<html></html>", "<<<>>>", "\x00\x01", "<?xml version='1.0' encoding='gbk'?><html><body><p>短</p></body></html>"])
def test_junk_input_gives_an_empty_result_not_a_crash(html):
    ex = extract_html(html)
    assert isinstance(ex, Extracted)
    assert isinstance(ex.text, str)


def test_url_date_is_the_last_resort():
    html = "<html><head><title>无日期的页面</title></head><body><h1>无日期的页面</h1>" + \
        "<p>" + "这是一段没有日期的正文，用来检查网址里的日期。" * 5 + "</p></body></html>"
    ex = extract_html(html, url="http://www.hunan.gov.cn/hnszf/hnyw/202403/t20240305_33.html")
    assert ex.published_at == "2024-03-05T00:00:00+08:00"
    assert extract_html(html).published_at is None


def test_labelled_meta_date_beats_dates_in_the_text():
    html = ("<html><head><title>标题_网站</title><meta name='PubDate' content='2022-02-11 09:52'>"
            "</head><body><h1>标题</h1><p>" + "2021年5月1日发生的事情在这里被回顾。" * 6 + "</p></body></html>")
    assert extract_html(html).published_at == "2022-02-11T09:52:00+08:00"


def test_labelled_line_in_the_body_does_not_beat_the_meta_date():
    html = ("<html><head><title>关于召开工作会议的通知_某县人民政府</title>"
            "<meta name='PubDate' content='2024-02-20 16:00'></head><body>"
            "<h1>关于召开工作会议的通知</h1>"
            "<div id='zoom'><p>各乡镇、县直各单位：经研究，决定召开全县优化营商环境工作会议，现将有关事项通知如下。</p>"
            "<p>会议时间：2024年3月10日上午9时</p><p>会议地点：县政府三楼会议室，请各单位主要负责人准时参加会议，不得缺席。</p></div>"
            "</body></html>")
    assert extract_html(html).published_at == "2024-02-20T16:00:00+08:00"


def test_a_related_news_subheading_inside_a_long_article_stays():
    paras = [f"第{n}段：这是正文中的一个长段落，讲述优化营商环境的具体做法和取得的成效，"
             f"内容充实，共有六段，这是其中的第{n}段。" * 2 for n in "一二三四五六"]
    html = ("<html><head><title>长文章_某网</title></head><body><h1>长文章</h1>"
            "<p>发布时间：2024-03-05 10:30</p><div class='content'>"
            + "".join(f"<p>{p}</p>" for p in paras[:2])
            + "<p>相关新闻</p>"
            + "".join(f"<p>{p}</p>" for p in paras[2:])
            + "</div></body></html>")
    ex = extract_html(html)
    assert all(p in ex.text for p in paras)


def test_recommendation_list_without_class_names_is_cut():
    paras = [f"第{n}段正文：市政务服务中心推出帮办代办服务，企业开办时间压缩到一个工作日以内，群众满意度明显提升。"
             for n in "一二三四"]
    html = ("<html><head><title>帮办代办_某网</title></head><body><h1>帮办代办</h1><div>"
            + "".join(f"<p>{p}</p>" for p in paras)
            + "<p>分享到：微信 微博 QQ空间</p><p>为你推荐</p><ul>"
            + "".join(f"<li><a href='/{i}.html'>推荐文章标题第{i}条</a></li>" for i in range(6))
            + "</ul></div></body></html>")
    ex = extract_html(html)
    assert all(p in ex.text for p in paras)
    for chrome in ("为你推荐", "推荐文章标题", "分享到"):
        assert chrome not in ex.text


def test_choice_between_extractors():
    from pipeline.extract.body import choose, split_table_rows

    article = ["市场主体登记实现全程网办，办理时间由五天压缩到一天，企业满意度达到百分之九十九。"] * 3
    chrome = ["首页", "新闻中心", "政务公开", "办事服务", "互动交流"] * 20
    # the same article with less chrome wins
    assert choose({"a": article, "b": chrome + article})[0] == "a"
    # a tiny piece of a much longer text: the longer one wins
    assert choose({"a": article[:1], "b": article * 8 + ["另一段不同的正文内容，讲述减税降费政策落实情况。"] * 10})[0] == "b"
    # one extractor found nothing
    assert choose({"a": [], "b": article}) == ("b", article)
    assert choose({"a": [], "b": []}) == ("none", [])
    assert split_table_rows(["| 发布日期 | 2024-03-05 |", "| --- | --- |", "正文"]) == ["发布日期", "2024-03-05", "正文"]


@pytest.mark.parametrize("byline, origin", [
    ("<p>2022-02-11 08:52 内蒙古日报</p>", "内蒙古日报"),
    ("<p>2022-02-13 09:57</p><p>光明网</p>", "光明网"),
    ("<p>2005年03月21日 11:21 《理财周刊》</p>", "理财周刊"),
    ("<p>2022-02-11 08:52 打印本页</p>", None),
])
def test_unlabelled_publisher_beside_the_date(byline, origin):
    body = "".join(f"<p>第{n}段：自治区财政厅传出消息，决定延续到期的税收优惠政策，预计为纳税人减负一百八十亿元。</p>"
                   for n in "一二三")
    html = f"<html><head><title>减负_某网</title></head><body><h1>减负</h1>{byline}<div>{body}</div></body></html>"
    assert extract_html(html).origin == origin


@pytest.mark.parametrize("byline, author", [
    ("<p>2024-03-05 作者：张三 浏览次数：12</p>", "张三"),
    ("<p>作者：赵  培：北京物资学院</p>", "赵培"),
    ("<p>文/王五</p>", "王五"),
    ("<p>本报记者 王燕平 方云凤 通讯员 柏建斌</p>", "王燕平 方云凤 柏建斌"),
    ("<p>2024-03-05 来源：人民网</p>", None),
])
def test_author_lines(byline, author):
    body = "".join(f"<p>第{n}段：本文作者认为，优化营商环境要从企业最关心的事情做起，持续推进改革。</p>" for n in "一二三")
    html = f"<html><head><title>评论_某网</title></head><body><h1>评论</h1>{byline}<div>{body}</div></body></html>"
    assert extract_html(html).author == author


def test_json_ld_date_published():
    html = ("<html><head><title>标题_网站</title><script type='application/ld+json'>"
            '{"@context": "https://schema.org", "@graph": [{"@type": "NewsArticle", '
            '"datePublished": "2024-03-05T10:30:00+08:00"}]}</script></head><body><h1>标题</h1><p>'
            + "本文没有日期行，只在结构化数据里写明发布时间，正文足够长。" * 4 + "</p></body></html>")
    assert extract_html(html).published_at == "2024-03-05T10:30:00+08:00"


def test_a_short_first_paragraph_that_starts_with_a_date_is_prose():
    html = ("<html><head><title>大会召开_某网</title></head><body><h1>大会召开</h1>"
            "<p>发布时间：2024-03-02 08:00</p><div>"
            "<p>2024年3月1日，全县召开大会。</p>"
            "<p>会议总结了去年的工作，部署了今年优化营商环境的重点任务，要求各部门抓好落实，确保各项措施落地见效。</p>"
            "<p>会议强调，要持续深化放管服改革，压减审批事项和审批时限，全面推行告知承诺制，切实为市场主体减负。</p>"
            "</div></body></html>")
    ex = extract_html(html)
    assert ex.text.startswith("2024年3月1日，全县召开大会。")
    assert ex.published_at == "2024-03-02T08:00:00+08:00"


def test_density_fallback_when_both_extractors_give_up():
    from pipeline.extract.body import densest_run

    lines = ["首页", "论坛", "第一段：这是一段足够长的正文内容，讲的是帖子本身的主要意思，超过三十个字。",
             "第二段：继续写正文，仍然是足够长的句子，读起来像文章而不像导航。", "回复", "第三段：另一处较长的内容，但只有一行，不如前面连续的两行长。"]
    assert densest_run(lines) == lines[2:4]
    assert densest_run(["首页", "论坛"]) == []


def test_body_extraction_from_a_tree_leaves_the_tree_as_it_was():
    import lxml.html

    from pipeline.extract import dom
    from pipeline.extract.body import extract_body

    paras = "".join(f"<p>第{i}段：全市优化营商环境，压缩审批时限，提升企业和群众办事的获得感。</p>" for i in range(8))
    tree = dom.parse(f"<html><body><div class='content'>{paras}</div><div>页脚</div></body></html>")
    before = lxml.html.tostring(tree)
    method, body = extract_body(tree)
    assert method in ("readability", "trafilatura")
    assert len(body) == 8 and body[0].startswith("第0段")
    assert lxml.html.tostring(tree) == before


def test_trafilatura_is_asked_only_when_readability_kept_a_small_part_of_the_page():
    from pipeline.extract import dom
    from pipeline.extract.body import _trusted

    prose = "全市优化营商环境，压缩审批时限，提升企业和群众办事的获得感。" * 8
    one_box = dom.parse(f"<html><body><div>{prose}</div></body></html>")
    assert _trusted([prose], one_box)
    many = dom.parse("<html><body>" + "".join(f"<div>{prose}</div>" for _ in range(5)) + "</body></html>")
    assert not _trusted([prose], many)  # one box of many: a portal page, ask the other
    assert not _trusted(["短"], dom.parse("<html><body><p>短</p></body></html>"))  # tiny: ask


@pytest.mark.parametrize("closing, author", [
    ("（记者 胡晓蓉）", "胡晓蓉"),
    ("(信报记者 蔡雪婧)", "蔡雪婧"),
    ("（姚峰 上海报道）", "姚峰"),
    ("（常书香 马丹阳 ）", "常书香 马丹阳"),
    ("（完）", None),
    ("（全文完）", None),
    ("（王先生）", None),
    ("（方案）", None),
    ("（新华社）", None),
    ("（2024年3月5日）", None),
])
def test_a_credit_closing_the_body(closing, author):
    body = "".join(f"<p>第{n}段：全省持续优化营商环境，推进政务服务“一网通办”，企业开办时间压缩至一个工作日。</p>"
                   for n in "一二三")
    html = (f"<html><head><title>优化营商环境_某网</title></head><body><h1>优化营商环境</h1><p>2024-03-05</p>"
            f"<div>{body}<p>各地各部门要抓好落实，确保各项措施落地见效。{closing}</p></div>"
            "<p>责任编辑：孙重远</p></body></html>")
    assert extract_html(html).author == author


@pytest.mark.parametrize("page, author", [
    # a byline over two lines
    ("<h1>谁来埋单</h1><p>本报实习生 刘国栋 周炜</p><p>本报记者 王燕平 方云凤</p><p>2003-7-24</p>",
     "刘国栋 周炜 王燕平 方云凤"),
    # Sohu: the name in brackets before the source
    ("<h1>劳伦斯</h1><p>2004年7月16日08:19</p><p>[ 黄宇 ] 来源：[ 国际金融报 ]</p>", "黄宇"),
    # a name alone under a headline the page did not mark up
    ("<p>犬儒病(上)</p><p>胡平</p><p>——当代中国的精神危机</p>", "胡平"),
    # a blog's post stamp: a handle, or a name; never 本文
    ("<h1>警世钟</h1><p>陈天华《警世钟》ggjjzhzz 发表于 2005-9-15 11:46:00</p>", "ggjjzhzz"),
    ("<h1>警世钟</h1><p>本文发表于 2005-9-15 的周刊</p>", None),
    ("<h1>报告</h1><p>执笔人：闵乐夫 赵兰波 刘韬</p>", "闵乐夫 赵兰波 刘韬"),
    # an official document: its issuing body
    ("<h1>通告</h1><p>发文机关：</p><p>吉林省人民政府</p><p>成文日期：2022年01月27日</p>", "吉林省人民政府"),
])
def test_authors_credited_without_a_label_line(page, author):
    body = "".join(f"<p>第{n}段：全省持续优化营商环境，推进政务服务“一网通办”，企业开办时间压缩至一个工作日。</p>"
                   for n in "一二三")
    html = f"<html><head><title>文章</title></head><body>{page}<div>{body}</div></body></html>"
    assert extract_html(html).author == author
