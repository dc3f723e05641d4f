"""Line-level chrome: what survives the extractors but is not the article."""

from __future__ import annotations

import pytest

from pipeline.extract.boilerplate import clean_lines, cut_tail, is_junk_line


@pytest.mark.parametrize("line", [
    "分享到：微信 微博 QQ空间",
    "分享到:",
    "【字体：大 中 小】",
    "字號：大 中 小",
    "【打印本页】【关闭窗口】",
    "[打印] [关闭]",
    "扫一扫在手机打开当前页",
    "上一篇：我市召开营商环境推进会",
    "[上一篇] [下一篇]",
    "<< 上一页 | 下一页 >>",
    "第1页/共1页",
    "责任编辑：李四",
    "責任編輯：陳大文",
    "【编辑:刘欢】",
    "来源：新华网",
    "信息來源：某某日報",
    "当前位置：首页 > 政务公开 > 通知公告",
    "版权所有：某市人民政府办公室",
    "Copyright © 2024 example.gov.cn",
    "首页 | 新闻 | 政务公开 | 办事服务",
    "首页 > 新闻中心 > 正文",
    "浏览次数：1024",
    "发表评论",
])
def test_chrome_lines(line):
    assert is_junk_line(line)


@pytest.mark.parametrize("line", [
    "市政府研究制定了进一步优化营商环境的若干措施，现印发给你们，请认真贯彻执行。",
    "一、全面推行政务服务“一网通办”。",
    "分享经济蓬勃发展，共享单车、共享充电宝走进千家万户，带动了大量就业。",
    "编辑部收到读者来信后，立即联系了有关部门核实情况，并将处理结果反馈给读者。",
    "他说：“一 | 二 | 三”。",
    "来源于群众的意见建议，市里逐条研究，能办的马上办。",
    "位置：县城东北部，占地约两百亩",
    "评论员文章指出，优化营商环境没有完成时。",
])
def test_prose_is_kept(line):
    assert not is_junk_line(line)


def test_list_after_a_recommendation_heading_is_cut():
    body = ["正文第一段，内容很长很长很长很长很长很长很长很长很长很长很长很长。"] * 3
    tail = ["为你推荐", "标题一", "标题二", "标题三"]
    assert cut_tail(body + tail) == body


def test_heading_early_in_a_long_article_with_prose_after_stays():
    para = "这是一段很长的正文，讲的是改革的具体措施，内容详实，远远超过四十个字的长度，所以不是列表。"
    lines = [para, "相关新闻", para + "一", para + "二", para + "三", para + "四"]
    assert cut_tail(lines) == lines


def test_clean_lines_keeps_order_and_prose():
    lines = ["分享到：微信", "第一段正文。", "【字体：大 中 小】", "第二段正文。", "相关阅读", "某条链接"]
    assert clean_lines(lines) == ["第一段正文。", "第二段正文。"]


def test_a_site_footer_at_the_end_of_the_body_is_dropped():
    body = [
        "全省召开优化营商环境大会，部署下一阶段工作。",
        "会议要求各地压缩审批时限。",
        "云南日报网 滇ICP备11000491号-1 yndaily.com All Rights Reserved since 1999.11",
        "云南日报报业集团 版权所有，未经许可不得转载",
        "云南省互联网违法和不良信息举报电话：0871-64166935；举报邮箱： jubao@yunnan.cn",
        "互联网新闻信息服务许可证编号：53120170001",
    ]
    assert clean_lines(body) == body[:2]


def test_a_licence_mentioned_inside_the_article_stays():
    body = [
        "市场监管局今天起为个体工商户办理食品经营许可证，材料可网上提交。",
        "办理时限压缩到三个工作日。",
    ]
    assert clean_lines(body) == body
