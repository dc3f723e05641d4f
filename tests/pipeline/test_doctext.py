"""Attachment text: what a notice's PDF, Word, Excel, PowerPoint or OFD attachment says, read
from bytes newsmon did not write, or one line saying why not."""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import pytest

from pipeline.doctext import MAX_TEXT, READABLE, DocText, document_text, kind_of

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "attachments"

TITLE = "關於印發《優化營商環境三年行動方案》的通知"
PLAN = "優化營商環境三年行動方案"
DAY = "企業開辦時間壓縮至1個工作日以內"
FIFTY = "工程建設項目審批時間壓縮至50個工作日以內"

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
P = "http://schemas.openxmlformats.org/presentationml/2006/main"
S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
OFD = "http://www.ofdspec.org/2016"
XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def zipped(members: dict[str, str | bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in members.items():
            zf.writestr(name, body.encode("utf-8") if isinstance(body, str) else body)
    return buf.getvalue()


def content_types(*overrides: str) -> str:
    parts = "".join(f'<Override PartName="/{p}" ContentType="application/xml"/>' for p in overrides)
    return (XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>' + parts + "</Types>")


def docx(body: str) -> bytes:
    document = (XML + f'<w:document xmlns:w="{W}" xmlns:mc="{MC}"><w:body>{body}'
                '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>')
    return zipped({"[Content_Types].xml": content_types("word/document.xml"),
                   "_rels/.rels": XML + "<Relationships/>",
                   "word/document.xml": document,
                   "word/media/image1.png": b"\x89PNG\r\n\x1a\n" + bytes(64)})


def para(*runs: str, style: str = "") -> str:
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return "<w:p>" + ppr + "".join(f'<w:r><w:rPr><w:rFonts w:hint="eastAsia"/></w:rPr>'
                                   f'<w:t xml:space="preserve">{r}</w:t></w:r>' for r in runs) + "</w:p>"


def test_a_docx_gives_its_paragraphs_a_line_each():
    body = (para("關於印發《", PLAN, "》的通知", style="Title")
            + para("一、", "企業開辦時間壓縮至", "1", "個工作日以內。")
            + '<w:p><w:r><w:delText>已刪除的文字</w:delText></w:r><w:r><w:t>二、</w:t><w:tab/>'
              f"<w:t>{FIFTY}。</w:t></w:r></w:p>")
    result = document_text(docx(body), "2403061030.docx")
    assert result == DocText(f"{TITLE}\n一、{DAY}。\n二、 {FIFTY}。", None)


def test_a_docx_text_box_is_read_once_not_again_from_its_fallback():
    box = (f'<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent>'
           f"<w:p><w:r><w:t>{DAY}</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice>"
           f"<mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>{DAY}</w:t></w:r></w:p>"
           "</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>")
    text = document_text(docx(para(PLAN) + box), "a.docx").text
    assert text == f"{PLAN}\n{DAY}"


def test_a_docx_named_doc_is_read_by_its_members_and_a_doc_is_not_read():
    assert document_text(docx(para(DAY)), "附件1.doc").text == DAY
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    assert document_text(ole, "附件1.doc") == DocText(None, "not a format newsmon reads (.doc)")
    assert document_text(ole, "附件1.docx").reason == "an old-format or encrypted Office file (.docx)"


def test_an_xlsx_gives_its_string_cells_row_by_row():
    shared = (XML + f'<sst xmlns="{S}" count="4" uniqueCount="4">'
              "<si><t>序號</t></si><si><t>任務</t></si>"
              f"<si><r><rPr><b/></rPr><t>{DAY[:6]}</t></r><r><t>{DAY[6:]}</t></r>"
              "<rPh sb=\"0\" eb=\"2\"><t>ヨミ</t></rPh></si>"
              "<si><t>牽頭單位</t></si></sst>")
    sheet = (XML + f'<worksheet xmlns="{S}"><sheetData>'
             '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>3</v></c></row>'
             '<row r="2"><c r="A2"><v>1</v></c><c r="B2" t="s"><v>2</v></c>'
             '<c r="C2" t="inlineStr"><is><t>市市場監管局</t></is></c></row>'
             f'<row r="3"><c r="A3"><v>2</v></c><c r="B3" t="inlineStr"><is><t>{FIFTY}</t></is></c>'
             '<c r="C3" t="s"><v>99</v></c></row>'
             "</sheetData></worksheet>")
    sheet2 = (XML + f'<worksheet xmlns="{S}"><sheetData><row r="1">'
              f'<c r="A1" t="inlineStr"><is><t>{PLAN}</t></is></c></row></sheetData></worksheet>')
    data = zipped({"[Content_Types].xml": content_types("xl/workbook.xml"),
                   "xl/workbook.xml": XML + f'<workbook xmlns="{S}"><sheets/></workbook>',
                   "xl/sharedStrings.xml": shared,
                   "xl/worksheets/sheet10.xml": sheet2,
                   "xl/worksheets/sheet2.xml": sheet})
    assert document_text(data, "附表.xlsx").text == f"序號 任務 牽頭單位\n{DAY} 市市場監管局\n{FIFTY}\n{PLAN}"


def test_a_pptx_gives_its_slides_in_order():
    def slide(*paras: str) -> str:
        ps = "".join(f'<a:p><a:r><a:rPr lang="zh-CN"/><a:t>{t}</a:t></a:r></a:p>' for t in paras)
        return (XML + f'<p:sld xmlns:a="{A}" xmlns:p="{P}"><p:cSld><p:spTree><p:sp><p:txBody>'
                f"<a:bodyPr/>{ps}</p:txBody></p:sp></p:spTree></p:cSld></p:sld>")
    data = zipped({"[Content_Types].xml": content_types("ppt/presentation.xml"),
                   "ppt/presentation.xml": XML + f'<p:presentation xmlns:p="{P}"/>',
                   "ppt/slides/slide10.xml": slide("第十頁"),
                   "ppt/slides/slide2.xml": slide(DAY, FIFTY),
                   "ppt/slides/slide1.xml": slide(PLAN),
                   "ppt/slides/_rels/slide1.xml.rels": XML + "<Relationships/>"})
    assert document_text(data, "解讀.pptx").text == f"{PLAN}\n{DAY}\n{FIFTY}\n第十頁"


def ofd_page(*lines: tuple[float, str]) -> str:
    """A page with a TextObject per line, its text in two TextCodes (as producers split it)."""
    objs = []
    for y, text in lines:
        codes = [f'<ofd:TextCode X="0" Y="6" DeltaX="g 3 4.2">{text[:4]}</ofd:TextCode>',
                 f'<ofd:TextCode X="16.8" DeltaX="g {len(text) - 5} 4.2">{text[4:]}</ofd:TextCode>']
        objs.append(f'<ofd:TextObject ID="{y:.0f}" Boundary="20 {y} 170 8" Font="3" Size="4.2">'
                    '<ofd:FillColor Value="0 0 0"/>' + "".join(codes) + "</ofd:TextObject>")
    return (XML + f'<ofd:Page xmlns:ofd="{OFD}"><ofd:Content><ofd:Layer ID="2">{"".join(objs)}'
            "</ofd:Layer></ofd:Content></ofd:Page>")


def test_an_ofd_gives_its_text_codes_page_by_page_a_line_per_baseline():
    document = (XML + f'<ofd:Document xmlns:ofd="{OFD}"><ofd:Pages>'
                + "".join(f'<ofd:Page ID="{n}" BaseLoc="Pages/Page_{n}/Content.xml"/>' for n in (0, 1, 10))
                + "</ofd:Pages></ofd:Document>")
    data = zipped({
        "OFD.xml": XML + f'<ofd:OFD xmlns:ofd="{OFD}" Version="1.0" DocType="OFD"><ofd:DocBody>'
                   "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        "Doc_0/Document.xml": document,
        "Doc_0/Pages/Page_10/Content.xml": ofd_page((30, "第十一頁")),
        "Doc_0/Pages/Page_1/Content.xml": ofd_page((30, FIFTY)),
        "Doc_0/Pages/Page_0/Content.xml": ofd_page((30, TITLE), (45, DAY)),
        "Doc_0/Res/image.png": b"\x89PNG",
    })
    assert document_text(data, "通知.ofd").text == f"{TITLE}\n{DAY}\n{FIFTY}\n第十一頁"


def test_a_text_pdf_gives_both_pages_in_order():
    result = document_text((FIXTURES / "plan.pdf").read_bytes(), "P020240306512345678901.pdf")
    assert result.reason is None
    assert TITLE in result.text
    assert result.text.index(TITLE) < result.text.index(DAY) < result.text.index(FIFTY)


def test_a_pdf_is_known_by_its_bytes_whatever_its_name():
    data = (FIXTURES / "plan.pdf").read_bytes()
    assert FIFTY in document_text(data, "downfile.jsp").text
    assert FIFTY in document_text(data, "附件.txt").text


def test_a_pdf_of_images_is_a_scanned_pdf():
    result = document_text((FIXTURES / "scanned.pdf").read_bytes(), "掃描件.pdf")
    assert result.text is None
    assert "scanned" in result.reason


@pytest.mark.parametrize("data", [
    (FIXTURES / "plan.pdf").read_bytes()[:900],
    b"%PDF-1.7\n" + bytes(range(256)) * 40,
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
    b"%PDF-",
])
def test_a_broken_pdf_is_damaged_and_raises_nothing(data):
    assert document_text(data, "a.pdf") == DocText(None, "a damaged PDF")


def test_pypdf_does_not_flood_the_log_with_a_damaged_pdf(caplog):
    plan = (FIXTURES / "plan.pdf").read_bytes()
    odd_font = plan.replace(b"/UniGB-UCS2-H", b"/UniGB-XXXX-H")  # pypdf logs an error per font
    assert odd_font != plan
    with caplog.at_level(0):
        assert DAY in document_text(odd_font, "a.pdf").text
        assert document_text(plan[:-40], "a.pdf").reason == "a damaged PDF"
    assert [r for r in caplog.records if r.name.startswith("pypdf")] == []


def test_a_pdf_that_needs_a_password_is_encrypted():
    result = document_text((FIXTURES / "encrypted.pdf").read_bytes(), "a.pdf")
    assert result == DocText(None, "an encrypted PDF")


def test_a_pdf_encrypted_only_against_printing_opens_with_the_empty_password():
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter(clone_from=str(FIXTURES / "plan.pdf"))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    assert FIFTY in document_text(buf.getvalue(), "a.pdf").text


def test_an_html_error_page_named_pdf_says_so():
    page = "<!DOCTYPE html><html><head><title>404</title></head><body>文件不存在</body></html>"
    assert document_text(page.encode(), "a.pdf") == DocText(None, "a web page, not a .pdf file")


@pytest.mark.parametrize("name, members", [
    ("a.docx", {"word/document.xml": 51}),
    ("a.xlsx", {"xl/workbook.xml": 0, "xl/sharedStrings.xml": 26, "xl/worksheets/sheet1.xml": 26}),
    ("a.pptx", {f"ppt/slides/slide{n}.xml": 9 for n in range(1, 7)}),
    ("a.ofd", {"OFD.xml": 0, **{f"Doc_0/Pages/Page_{n}/Content.xml": 9 for n in range(6)}}),
])
def test_a_zip_bomb_is_refused(name, members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, megabytes in members.items():
            zf.writestr(member, b"<x/>" + bytes(megabytes * 1024 * 1024))
    assert len(buf.getvalue()) < 1024 * 1024
    assert document_text(buf.getvalue(), name) == DocText(None, "larger than 50 MB unpacked")


def test_a_zip_member_that_understates_its_size_is_not_unpacked_past_it():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b"<w:document/>" + bytes(51 * 1024 * 1024))
    data = bytearray(buf.getvalue())
    central = data.rindex(b"PK\x01\x02")
    data[central + 24:central + 28] = (100).to_bytes(4, "little")  # claims 100 bytes unpacked
    assert document_text(bytes(data), "a.docx") == DocText(None, "a damaged file (.docx)")


def test_a_zip_member_that_claims_too_much_is_refused_on_the_claim():
    data = bytearray(docx(para(DAY)))
    central = data.index(b"word/document.xml", data.index(b"PK\x01\x02")) - 46  # its header
    assert data[central:central + 4] == b"PK\x01\x02"
    data[central + 24:central + 28] = (60 * 1024 * 1024).to_bytes(4, "little")
    assert document_text(bytes(data), "a.docx") == DocText(None, "larger than 50 MB unpacked")


def test_large_media_in_a_docx_is_not_read_or_counted():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", f'<w:document xmlns:w="{W}"><w:body>{para(DAY)}</w:body></w:document>')
        zf.writestr("word/media/image1.bmp", bytes(60 * 1024 * 1024))
    assert document_text(buf.getvalue(), "a.docx").text == DAY


@pytest.mark.parametrize("data, name", [
    (b"PK\x03\x04" + bytes(100), "a.docx"),
    (zipped({"word/document.xml": "x"})[:-30], "a.docx"),
    (b"not a zip at all", "a.xlsx"),
])
def test_a_broken_zip_is_a_damaged_file(data, name):
    assert document_text(data, name) == DocText(None, f"a damaged file (.{kind_of(name)})")


def test_hostile_xml_entities_are_not_expanded():
    body = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "哈哈哈哈哈哈哈哈"><!ENTITY b "&a;&a;&a;&a;&a;">'
            '<!ENTITY f SYSTEM "file:///etc/passwd">]>'
            f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>{DAY}&b;&f;</w:t></w:r></w:p></w:body></w:document>')
    text = document_text(zipped({"word/document.xml": body}), "a.docx").text
    assert DAY in text
    assert "哈" not in text and "root" not in text


def test_a_plain_zip_and_other_office_formats_are_not_read():
    assert document_text(zipped({"a.txt": "x"}), "附件.zip") == DocText(None, "not a format newsmon reads (.zip)")
    for ext in ("wps", "et", "dps", "rtf", "rar", "7z"):
        assert document_text(b"\x00\x01binary", f"附件.{ext.upper()}") == DocText(
            None, f"not a format newsmon reads (.{ext})")


def test_a_gbk_text_file_is_decoded():
    data = f"{TITLE}\r\n\r\n\t{DAY}。  \r\n{FIFTY}。\x00".encode("gbk")
    assert document_text(data, "通知.TXT") == DocText(f"{TITLE}\n{DAY}。\n{FIFTY}。", None)


def test_a_big5_csv_is_decoded():
    data = f"任務,牽頭單位\n{DAY},市市場監管局\n".encode("big5")
    assert document_text(data, "附表.csv").text == f"任務,牽頭單位\n{DAY},市市場監管局"


def test_text_is_normalised_and_cut_at_max_text():
    data = ("\u3000\u3000" + DAY + "\x07\x1b 。\n" + "營" * (4 * MAX_TEXT)).encode("utf-8")
    text = document_text(data, "a.txt").text
    assert text.startswith(DAY + " 。\n營")
    assert len(text) == MAX_TEXT


def test_a_document_without_text_says_so():
    assert document_text(docx(para(" ", "\u3000")), "a.docx") == DocText(None, "no text in it")
    assert document_text(b"", "a.txt") == DocText(None, "no text in it")


@pytest.mark.parametrize("name, kind", [
    ("2403061030.PDF", "pdf"),
    ("附件1：優化營商環境三年行動方案.docx", "docx"),
    ("/module/download/P020240306.ofd", "ofd"),
    ("C:\\Users\\公文\\附表.Xlsx", "xlsx"),
    ("downfile.jsp?classid=0", "jsp"),
    ("plan.tar.gz", "gz"),
    ("plan.pdf ", "pdf"),
    ("README", None),
    ("plan.", None),
    ("plan.pdf/", None),
    ("", None),
    ("a.附件", None),
])
def test_kind_of(name, kind):
    assert kind_of(name) == kind


def test_readable_is_what_is_read():
    assert READABLE == {"pdf", "docx", "xlsx", "pptx", "ofd", "txt", "csv"}


def test_a_pdf_is_read_apart_within_a_time_limit_and_other_files_here(monkeypatch):
    from pipeline import doctext

    pdf = (FIXTURES / "plan.pdf").read_bytes()
    assert doctext.document_text_apart(pdf, "2403061030.pdf") == document_text(pdf, "2403061030.pdf")
    slow = doctext.document_text_apart(pdf, "2403061030.pdf", timeout=0.001)
    assert slow == DocText(None, "a PDF that takes more than 0.001 s to read")
    # a child that dies (here: a bad interpreter) leaves the file damaged, not the crawl
    monkeypatch.setattr(sys, "executable", "/bin/false")
    assert doctext.document_text_apart(pdf, "x.pdf") == DocText(None, "a damaged PDF")
    # no child for the other formats (the bad interpreter would fail them)
    assert doctext.document_text_apart(docx(para(PLAN)), "x.docx").text == PLAN
