"""The files a notice attaches: read from the page's own markup (not navigation, sidebars or
footers), absolute, each once, named as the page names them."""

from __future__ import annotations

from pipeline.extract import extract_html
from pipeline.extract.attachments import MAX_ATTACHMENTS

URL = "http://www.example.gov.cn/zwgk/202403/t20240306_1.html"
BODY = ("<p>各区人民政府，市政府各部门：</p><p>现将《优化营商环境三年行动方案》印发给你们，请认真贯彻执行。"
        "方案提出企业开办时间压缩至1个工作日以内，工程建设项目审批时间压缩至50个工作日以内。</p>")


def page(attachments: str, head: str = "") -> str:
    return (f"<html><head><meta charset='utf-8'>{head}<title>关于印发《优化营商环境三年行动方案》的通知</title></head><body>"
            "<div class='nav'><a href='/'>首页</a><a href='/xzzx/biaoge.doc'>下载中心：申请表格</a></div>"
            "<div class='sidebar'><a href='/files/banshi.pdf'>办事指南汇编</a></div>"
            f"<div class='article'><h1>关于印发《优化营商环境三年行动方案》的通知</h1><div class='TRS_Editor'>{BODY}"
            f"{attachments}</div></div>"
            "<div class='footer'><a href='/about.pdf'>网站介绍</a></div></body></html>")


def test_links_to_documents_in_the_notice_are_its_attachments():
    html = page("<p>附件：<a href='./P020240306512345678901.pdf'>1.优化营商环境三年行动方案</a></p>"
                "<p><a href='/module/download/downfile.jsp?classid=0&amp;filename=2403061030.docx'>附件2</a></p>"
                "<p><a href='http://files.example.gov.cn/2024/%E9%99%84%E8%A1%A8.xls'>附表：任务分工</a></p>"
                "<p><a href='./P020240306512345678901.pdf#page=2'>方案全文</a>"
                "<a href='javascript:void(0)'>fake.pdf</a><a href='./t20240305_9.html'>上一篇通知</a></p>")
    assert extract_html(html, URL).attachments == [
        {"url": "http://www.example.gov.cn/zwgk/202403/P020240306512345678901.pdf", "title": "1.优化营商环境三年行动方案"},
        {"url": "http://www.example.gov.cn/module/download/downfile.jsp?classid=0&filename=2403061030.docx",
         "title": "附件2 (2403061030.docx)"},
        {"url": "http://files.example.gov.cn/2024/%E9%99%84%E8%A1%A8.xls", "title": "附表：任务分工"},
    ]


def test_a_link_without_words_is_named_by_its_title_or_file_and_base_href_is_honoured():
    html = page("<p><a href='fj/a1.wps' title='实施细则'><img src='wps.gif'></a> <a href='fj/a2.ofd'></a></p>",
                head="<base href='http://www.example.gov.cn/attach/'>")
    assert extract_html(html, URL).attachments == [
        {"url": "http://www.example.gov.cn/attach/fj/a1.wps", "title": "实施细则"},
        {"url": "http://www.example.gov.cn/attach/fj/a2.ofd", "title": "a2.ofd"},
    ]


def test_a_page_without_attachments_and_a_relative_link_without_an_address():
    assert extract_html(page(""), URL).attachments == []
    # a saved page read without its address: a relative link leads nowhere, so it is not listed
    assert extract_html(page("<a href='./P0201.pdf'>方案全文</a>"), None).attachments == []


def test_a_download_page_lists_at_most_the_cap():
    many = "".join(f"<p><a href='/fj/{i}.pdf'>第{i}号附件材料</a></p>" for i in range(MAX_ATTACHMENTS + 10))
    got = extract_html(page(many), URL).attachments
    assert len(got) == MAX_ATTACHMENTS and got[0]["title"] == "第0号附件材料"
