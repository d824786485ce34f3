"""Build the downloadable forms that ship as course attachments (files/ in a course folder).

Run from the repository root:  .venv/bin/python scripts/build_course_forms.py
The generated XLSX/DOCX files are committed as content; this script stays out of the
content folders. XLSX is written with openpyxl; DOCX is plain WordprocessingML written
with zipfile (headings, paragraphs, simple tables), so no extra dependency is needed.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

ROOT = Path(__file__).resolve().parents[1] / "courses"
FIXED_TIME = (2026, 1, 1, 0, 0, 0)  # stable zip entry times: the same input builds the same bytes

# --- XLSX -------------------------------------------------------------------------------

BOLD = Font(bold=True)
HEAD = PatternFill("solid", fgColor="DDEBF7")
WRAP = Alignment(wrap_text=True, vertical="top")

# The criteria groups of Decision 148/QĐ-TTg (24/02/2023), parts A (40), B (25), C (35).
# Sub-criteria and their points differ by product sub-group and are NOT reproduced here:
# the learner copies them from the annex of Decision 148 for their sub-group.
PARTS = [
    ("A", "Sản phẩm và sức mạnh cộng đồng", 40, [
        "A1. Tổ chức sản xuất (nguồn nguyên liệu, gia tăng giá trị, năng lực sản xuất, liên kết, môi trường, quản lý chất lượng, kế toán)",
        "A2. Phát triển sản phẩm (thị trường, phương án kinh doanh)",
        "A3. Sức mạnh cộng đồng (loại hình tổ chức, sự tham gia của cộng đồng, lao động địa phương, phụ nữ)",
    ]),
    ("B", "Khả năng tiếp thị", 25, [
        "B1. Tiếp thị (bao bì, nhãn, nhãn hiệu, kênh phân phối, quảng bá, truy xuất)",
        "B2. Câu chuyện về sản phẩm",
    ]),
    ("C", "Chất lượng sản phẩm", 35, [
        "C1. Chỉ tiêu cảm quan, dinh dưỡng, tính độc đáo",
        "C2. Tiêu chuẩn sản phẩm (công bố, kiểm nghiệm, hệ thống quản lý chất lượng)",
        "C3. Khả năng xuất khẩu, phân phối quốc tế",
    ]),
]
GROUPS = [
    ("Thực phẩm", "Nước mắm, cá khô, hồ tiêu, khoai deo, mật ong, bánh kẹo"),
    ("Đồ uống", "Cà phê, trà, rượu truyền thống"),
    ("Dược liệu", "Tinh dầu tràm, trà thảo dược, dược liệu khô"),
    ("Thủ công mỹ nghệ", "Nón lá, mây tre đan, dệt thổ cẩm"),
    ("Du lịch cộng đồng", "Homestay, điểm du lịch cộng đồng, trải nghiệm làng nghề"),
]


def scoring_workbook(path: Path) -> None:
    wb = Workbook()
    guide = wb.active
    guide.title = "Hướng dẫn"
    lines = [
        "PHIẾU TỰ CHẤM ĐIỂM SẢN PHẨM OCOP (theo cấu trúc Quyết định 148/QĐ-TTg ngày 24/02/2023)",
        "",
        "Cách dùng:",
        "1. Chọn trang của nhóm sản phẩm của anh/chị (Thực phẩm, Đồ uống, Dược liệu, Thủ công mỹ nghệ, Du lịch cộng đồng).",
        "2. Chép tên từng tiêu chí con và điểm tối đa từ phiếu chấm của ĐÚNG phân nhóm trong phụ lục Quyết định 148/QĐ-TTg.",
        "   CẦN ĐỐI CHIẾU: tệp này không chép lại các tiêu chí con, vì số điểm khác nhau giữa các phân nhóm.",
        "3. Ở cột 'Tự chấm', chỉ ghi mức điểm có minh chứng. Ghi tên minh chứng ở cột bên cạnh.",
        "4. Tệp tự cộng điểm phần A (tối đa 40), B (tối đa 25), C (tối đa 35) và báo hạng dự kiến.",
        "",
        "Hạng sao theo Quyết định 148/QĐ-TTg, áp dụng cho điểm TRUNG BÌNH của các thành viên Hội đồng:",
        "   5 sao: từ 90 đến 100 điểm; 4 sao: từ 70 đến dưới 90 điểm; 3 sao: từ 50 đến dưới 70 điểm;",
        "   2 sao: từ 30 đến dưới 50 điểm; 1 sao: dưới 30 điểm. Chỉ từ 3 sao mới được công nhận OCOP.",
        "Điểm tự chấm chỉ để chuẩn bị hồ sơ; điểm chính thức là của Hội đồng cấp tỉnh.",
        "Đánh giá ở xã (Quyết định 1489/QĐ-TTg ngày 06/7/2025): UBND xã tổ chức đánh giá 4 tiêu chí:",
        "   nguồn gốc sản phẩm/nguyên liệu địa phương; lao động địa phương; nguồn gốc ý tưởng; bản sắc, trí tuệ địa phương.",
    ]
    for row, text in enumerate(lines, start=1):
        guide.cell(row=row, column=1, value=text)
    guide["A1"].font = Font(bold=True, size=13)
    guide.column_dimensions["A"].width = 120

    for group, examples in GROUPS:
        ws = wb.create_sheet(group)
        ws["A1"] = f"Nhóm {group} — ví dụ ở Quảng Trị: {examples}"
        ws["A1"].font = Font(bold=True, size=12)
        ws["A2"] = "Tên sản phẩm:"
        ws["A3"] = "Phân nhóm (theo phụ lục QĐ 148):"
        header = ["Tiêu chí (chép từ phiếu của phân nhóm)", "Điểm tối đa", "Tự chấm", "Minh chứng", "Việc cải thiện"]
        row = 5
        totals = {}
        for part, title, maximum, groups in PARTS:
            ws.cell(row=row, column=1, value=f"PHẦN {part}: {title} (tối đa {maximum} điểm)").font = BOLD
            row += 1
            for col, text in enumerate(header, start=1):
                cell = ws.cell(row=row, column=col, value=text)
                cell.font, cell.fill = BOLD, HEAD
            row += 1
            first = row
            for label in groups:
                ws.cell(row=row, column=1, value=label).font = Font(italic=True)
                row += 1
                for _ in range(4):  # blank lines for the sub-criteria of this group
                    ws.cell(row=row, column=1, value="   ")
                    row += 1
            last = row - 1
            ws.cell(row=row, column=1, value=f"Cộng phần {part}").font = BOLD
            ws.cell(row=row, column=2, value=maximum).font = BOLD
            ws.cell(row=row, column=3, value=f"=MIN({maximum},SUM(C{first}:C{last}))").font = BOLD
            totals[part] = f"C{row}"
            row += 2
        ws.cell(row=row, column=1, value="TỔNG ĐIỂM TỰ CHẤM (A + B + C)").font = BOLD
        ws.cell(row=row, column=2, value=100)
        ws.cell(row=row, column=3, value=f"={totals['A']}+{totals['B']}+{totals['C']}").font = BOLD
        total = f"C{row}"
        row += 1
        ws.cell(row=row, column=1, value="Hạng dự kiến (theo cách ghi của QĐ 148)").font = BOLD
        ws.cell(row=row, column=3, value=(
            f'=IF({total}>=90,"5 sao",IF({total}>=70,"4 sao",IF({total}>=50,"3 sao",'
            f'IF({total}>=30,"2 sao (chưa được công nhận)","1 sao (chưa được công nhận)"))))'))
        row += 2
        ws.cell(row=row, column=1, value="Cần đối chiếu: điểm tối đa từng tiêu chí con lấy từ phụ lục QĐ 148/QĐ-TTg cho đúng phân nhóm.")
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="40", allow_blank=True)
        ws.add_data_validation(dv)
        dv.add(f"C5:C{row}")
        for col, width in zip("ABCDE", (70, 12, 10, 40, 40), strict=True):
            ws.column_dimensions[col].width = width
        for line in ws.iter_rows(min_row=5, max_row=row):
            for cell in line:
                cell.alignment = WRAP
    _save(wb, path)


def checklist_workbook(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Bảng kiểm hồ sơ"
    ws["A1"] = "BẢNG KIỂM HỒ SƠ SẢN PHẨM OCOP"
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = ("Theo thành phần hồ sơ thường gặp (Quyết định 148/QĐ-TTg, sửa đổi bởi Quyết định 1489/QĐ-TTg ngày "
                "06/7/2025). Cần đối chiếu: danh mục chính thức, số bản, mẫu biểu theo kế hoạch năm của tỉnh.")
    header = ["Giấy tờ", "Có? (Có/Không)", "Còn hạn? Khớp tên?", "Căn cứ / ghi chú"]
    rows = [
        ("Phiếu đăng ký sản phẩm tham gia đánh giá, phân hạng", "Mẫu của đợt đánh giá (tỉnh)"),
        ("Phương án sản xuất kinh doanh (sản phẩm mới) hoặc báo cáo sản xuất kinh doanh (sản phẩm đã có)", "Có số liệu doanh thu, sản lượng, lao động"),
        ("Bản sao giấy chứng nhận đăng ký doanh nghiệp / hợp tác xã / hộ kinh doanh; hợp đồng hợp tác của tổ hợp tác", "Luật Hợp tác xã 2023; còn hiệu lực, đúng ngành nghề"),
        ("Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm, hoặc giấy tờ thay thế (bản cam kết, chứng nhận HACCP/ISO 22000)", "Nghị định 15/2018/NĐ-CP, Điều 11–12"),
        ("Bản tự công bố sản phẩm (đã công khai và đã nộp 01 bản cho cơ quan do UBND tỉnh chỉ định) hoặc giấy tiếp nhận đăng ký bản công bố", "Nghị định 15/2018/NĐ-CP, Điều 4–5, 6–8"),
        ("Phiếu kết quả kiểm nghiệm (trong 12 tháng khi tự công bố)", "Nghị định 15/2018/NĐ-CP, Điều 5; hạn trong hồ sơ OCOP theo tỉnh"),
        ("Tiêu chuẩn cơ sở của sản phẩm", "Áp dụng quy chuẩn, tiêu chuẩn quốc gia tương ứng"),
        ("Mẫu nhãn, ảnh bao bì", "Nghị định 43/2017/NĐ-CP, sửa đổi bởi Nghị định 111/2021/NĐ-CP"),
        ("Giấy chứng nhận nhãn hiệu / đơn đăng ký; quyền sử dụng nhãn hiệu tập thể, chỉ dẫn địa lý (nếu có)", "Luật Sở hữu trí tuệ"),
        ("Câu chuyện sản phẩm, tài liệu quảng bá", "Khớp sản phẩm thật"),
        ("Minh chứng 4 tiêu chí xã đánh giá: nguyên liệu địa phương; lao động địa phương; nguồn gốc ý tưởng; bản sắc, trí tuệ địa phương", "Quyết định 1489/QĐ-TTg ngày 06/7/2025"),
        ("Minh chứng theo phiếu chấm: hợp đồng liên kết, sổ thu mua, danh sách lao động, sổ sách kế toán, hóa đơn bán hàng, chứng nhận VietGAP/HACCP/ISO", "Xếp theo thứ tự A – B – C của phiếu chấm"),
        ("Mẫu sản phẩm", "Cùng lô với hàng đang bán, còn hạn dùng dài"),
    ]
    for col, text in enumerate(header, start=1):
        cell = ws.cell(row=4, column=col, value=text)
        cell.font, cell.fill = BOLD, HEAD
    dv = DataValidation(type="list", formula1='"Có,Không"', allow_blank=True)
    ws.add_data_validation(dv)
    for row, (item, note) in enumerate(rows, start=5):
        ws.cell(row=row, column=1, value=item).alignment = WRAP
        ws.cell(row=row, column=4, value=note).alignment = WRAP
        dv.add(f"B{row}")
    end = 5 + len(rows)
    ws.cell(row=end + 1, column=1, value="Số mục đã có:").font = BOLD
    ws.cell(row=end + 1, column=2, value=f'=COUNTIF(B5:B{end - 1},"Có")&"/{len(rows)}"')
    for col, width in zip("ABCD", (70, 16, 22, 50), strict=True):
        ws.column_dimensions[col].width = width
    _save(wb, path)


def _save(wb: Workbook, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.properties.creator = "OCOP LMS"
    from datetime import datetime

    wb.properties.created = wb.properties.modified = datetime(*FIXED_TIME)
    wb.save(path)


# --- DOCX (minimal WordprocessingML) -----------------------------------------------------

def _run(text: str, bold: bool = False, size: int | None = None) -> str:
    props = ("<w:b/>" if bold else "") + (f'<w:sz w:val="{size}"/>' if size else "")
    props = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f'<w:r>{props}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _para(text: str = "", bold: bool = False, size: int | None = None, center: bool = False) -> str:
    ppr = '<w:pPr><w:jc w:val="center"/></w:pPr>' if center else ""
    return f"<w:p>{ppr}{_run(text, bold, size) if text else ''}</w:p>"


def _table(rows: list[list[str]]) -> str:
    border = ''.join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                     for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    out = [f'<w:tbl><w:tblPr><w:tblW w:w="5000" w:type="pct"/><w:tblBorders>{border}</w:tblBorders></w:tblPr>']
    for index, row in enumerate(rows):
        out.append("<w:tr>")
        for cell in row:
            out.append(f"<w:tc><w:tcPr/>{_para(cell, bold=index == 0)}</w:tc>")
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def docx(path: Path, blocks: list) -> None:
    """blocks: ("h", text) heading, ("p", text) paragraph, ("c", text) centred bold,
    ("t", rows) table."""
    body = []
    for kind, value in blocks:
        if kind == "h":
            body.append(_para(value, bold=True, size=26))
        elif kind == "c":
            body.append(_para(value, bold=True, center=True))
        elif kind == "t":
            body.append(_table(value))
        else:
            body.append(_para(value))
    document = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                f'<w:body>{"".join(body)}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
                '<w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1701" w:header="720" '
                'w:footer="720" w:gutter="0"/></w:sectPr></w:body></w:document>')
    types = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/word/document.xml" '
             'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
             '</Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="word/document.xml"/></Relationships>')
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in (("[Content_Types].xml", types), ("_rels/.rels", rels), ("word/document.xml", document)):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)


HEADER = [("c", "ỦY BAN NHÂN DÂN XÃ ..........."), ("c", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
          ("c", "Độc lập - Tự do - Hạnh phúc"), ("p", "Số: ....../BC-UBND                                  ..........., ngày ... tháng ... năm 20...")]


def commune_report(path: Path) -> None:
    docx(path, HEADER[:1] + HEADER[1:3] + [("p", "Số: ....../BC-UBND                         ..........., ngày ... tháng ... năm 20...")] + [
        ("c", "BÁO CÁO ĐÁNH GIÁ CỦA ỦY BAN NHÂN DÂN CẤP XÃ"),
        ("c", "về hồ sơ sản phẩm đăng ký đánh giá, phân hạng sản phẩm OCOP năm 20..."),
        ("p", "(MẪU GỢI Ý của khóa học. Cần đối chiếu: nếu tỉnh ban hành mẫu riêng thì dùng mẫu của tỉnh.)"),
        ("h", "I. CĂN CỨ"),
        ("p", "- Quyết định 148/QĐ-TTg ngày 24/02/2023 của Thủ tướng Chính phủ ban hành Bộ tiêu chí và quy trình đánh giá, phân hạng sản phẩm Chương trình Mỗi xã một sản phẩm;"),
        ("p", "- Quyết định 1489/QĐ-TTg ngày 06/7/2025 của Thủ tướng Chính phủ sửa đổi, bổ sung một số nội dung của Quyết định 148/QĐ-TTg;"),
        ("p", "- Kế hoạch số ....../KH-UBND ngày ....../....../20... của UBND tỉnh về thực hiện Chương trình OCOP năm 20...;"),
        ("p", "- Biên bản họp đánh giá ngày ....../....../20... do Chủ tịch UBND xã chủ trì."),
        ("h", "II. DANH SÁCH SẢN PHẨM"),
        ("t", [["STT", "Tên sản phẩm", "Chủ thể, người đại diện", "Địa chỉ sản xuất"],
               ["1", "", "", ""], ["2", "", "", ""]]),
        ("h", "III. CÁCH THỨC ĐÁNH GIÁ"),
        ("p", "- Ngày tiếp nhận hồ sơ: ......; ngày thông báo bổ sung (nếu có): ......; ngày hoàn thiện: ......"),
        ("p", "- Ngày kiểm tra thực tế tại cơ sở: ......; thành phần đoàn kiểm tra: ......"),
        ("p", "- Ngày họp đánh giá: ......; chủ trì: Chủ tịch UBND xã ......; thành phần: ......"),
        ("p", "- Người có xung đột lợi ích đã báo cáo và không tham gia kết luận (nếu có): ......"),
        ("h", "IV. KẾT QUẢ ĐÁNH GIÁ BỐN TIÊU CHÍ (mỗi sản phẩm một bảng)"),
        ("p", "Sản phẩm: ...................................   Chủ thể: ..................................."),
        ("t", [["Tiêu chí", "Kết quả kiểm tra", "Minh chứng", "Nhận xét"],
               ["1. Nguồn gốc sản phẩm, nguyên liệu địa phương", "", "", ""],
               ["2. Sử dụng lao động địa phương", "", "", ""],
               ["3. Nguồn gốc ý tưởng sản phẩm", "", "", ""],
               ["4. Bản sắc, trí tuệ địa phương", "", "", ""]]),
        ("p", "Ghi điều đã kiểm tra được, kèm nguồn số liệu (sổ, thời gian). Không ghi theo lời khai chưa xác minh. Nếu cách ghi (điểm hay nhận xét) được tỉnh quy định, làm theo quy định của tỉnh."),
        ("h", "V. KIẾN NGHỊ"),
        ("p", "1. Đề nghị UBND tỉnh tổ chức đánh giá, phân hạng các sản phẩm: ......"),
        ("p", "2. Sản phẩm chưa đề nghị (lý do, việc chủ thể cần bổ sung): ......"),
        ("p", "Nơi nhận: UBND tỉnh (qua cơ quan thường trực OCOP); các chủ thể; lưu VT."),
        ("p", "                                                            TM. ỦY BAN NHÂN DÂN"),
        ("p", "                                                                     CHỦ TỊCH"),
        ("p", "                                                            (ký, ghi rõ họ tên, đóng dấu)"),
    ])


def request_letter(path: Path) -> None:
    docx(path, HEADER[:1] + HEADER[1:3] + [("p", "Số: ....../UBND-KT                          ..........., ngày ... tháng ... năm 20...")] + [
        ("p", "V/v đề nghị đánh giá, phân hạng sản phẩm OCOP năm 20..."),
        ("p", "(MẪU GỢI Ý của khóa học. Cần đối chiếu: dùng mẫu của tỉnh nếu có.)"),
        ("c", "Kính gửi: Ủy ban nhân dân tỉnh ..........."),
        ("c", "(qua ............ — cơ quan thường trực Chương trình OCOP tỉnh)"),
        ("p", "Căn cứ Quyết định 148/QĐ-TTg ngày 24/02/2023 và Quyết định 1489/QĐ-TTg ngày 06/7/2025 của Thủ tướng Chính phủ; căn cứ Kế hoạch số ....../KH-UBND ngày ......... của UBND tỉnh;"),
        ("p", "Ủy ban nhân dân xã ........... đã tiếp nhận hồ sơ, tổ chức đánh giá bốn tiêu chí (nguồn gốc sản phẩm, nguyên liệu địa phương; sử dụng lao động địa phương; nguồn gốc ý tưởng sản phẩm; bản sắc, trí tuệ địa phương) và họp đánh giá ngày ......... do Chủ tịch UBND xã chủ trì."),
        ("p", "Ủy ban nhân dân xã kính đề nghị Ủy ban nhân dân tỉnh tổ chức đánh giá, phân hạng các sản phẩm sau:"),
        ("t", [["STT", "Tên sản phẩm", "Chủ thể", "Nhóm / phân nhóm"], ["1", "", "", ""], ["2", "", "", ""]]),
        ("p", "Tài liệu gửi kèm: (1) hồ sơ của từng sản phẩm; (2) Báo cáo đánh giá của UBND xã số ...... ngày ......; (3) biên bản họp đánh giá; (4) mẫu sản phẩm (nếu kế hoạch của tỉnh yêu cầu gửi qua xã)."),
        ("p", "Đầu mối liên hệ: ông/bà ............, công chức ............, điện thoại ............"),
        ("p", "Nơi nhận: như trên; các chủ thể; lưu VT."),
        ("p", "                                                            TM. ỦY BAN NHÂN DÂN"),
        ("p", "                                                                     CHỦ TỊCH"),
        ("p", "                                                            (ký, ghi rõ họ tên, đóng dấu)"),
    ])


def business_plan(path: Path) -> None:
    docx(path, [
        ("c", "PHƯƠNG ÁN SẢN XUẤT KINH DOANH"),
        ("c", "Sản phẩm: ..................................."),
        ("p", "(Mẫu của khóa học \"Quản trị sản xuất, kinh doanh cho chủ thể OCOP\". Mẫu kèm hồ sơ OCOP của tỉnh có thể khác: hỏi cán bộ OCOP của xã.)"),
        ("h", "1. Giới thiệu chủ thể"),
        ("p", "Tên; loại hình (doanh nghiệp / hợp tác xã / tổ hợp tác / hộ kinh doanh); địa chỉ; người đại diện; số điện thoại; số lao động; năng lực hiện có."),
        ("h", "2. Sản phẩm"),
        ("p", "Tên, quy cách (khối lượng, bao bì), nguyên liệu, điểm khác biệt, hạng sao mong muốn."),
        ("h", "3. Thị trường"),
        ("t", [["Nhóm khách hàng", "Mua ở đâu", "Sản lượng bán dự kiến/tháng", "Giá bán"],
               ["", "", "", ""], ["", "", "", ""]]),
        ("h", "4. Sản xuất"),
        ("p", "Nguồn nguyên liệu (hộ, hợp đồng liên kết), định mức, quy trình, máy móc, nhà xưởng, tiêu chuẩn chất lượng, an toàn thực phẩm."),
        ("h", "5. Tiếp thị và bán hàng"),
        ("p", "Kênh bán (tại chỗ, cửa hàng, sàn thương mại điện tử, livestream), bao bì, quảng bá, câu chuyện sản phẩm."),
        ("h", "6. Tổ chức và nhân sự"),
        ("t", [["Việc", "Người phụ trách", "Ghi chú", ""], ["Sản xuất", "", "", ""], ["Bán hàng", "", "", ""], ["Sổ sách, thuế", "", "", ""]]),
        ("h", "7. Tài chính"),
        ("t", [["Khoản", "Số tiền (đồng)", "Nguồn", "Ghi chú"],
               ["Vốn đầu tư", "", "Tự có / góp / vay / hỗ trợ", ""],
               ["Chi phí cố định mỗi tháng", "", "", ""],
               ["Chi phí biến đổi mỗi đơn vị", "", "", ""],
               ["Giá bán bình quân", "", "", ""]]),
        ("p", "Số dư đảm phí = giá bán − chi phí biến đổi một đơn vị = ........"),
        ("p", "Sản lượng hòa vốn = chi phí cố định : số dư đảm phí = ........ (làm tròn lên)"),
        ("p", "Vốn lưu động cần có, dự báo dòng tiền 3 tháng: ........"),
        ("h", "8. Tiến độ và rủi ro"),
        ("t", [["Việc", "Tháng", "Rủi ro", "Cách phòng"], ["", "", "", ""], ["", "", "", ""]]),
        ("h", "Bảng kiểm trước khi nộp"),
        ("p", "☐ Sản lượng bán theo tháng   ☐ Giá cho từng kênh   ☐ Bảng chi phí, giá thành, hòa vốn"),
        ("p", "☐ Nguồn vốn cộng bằng nhu cầu   ☐ Người phụ trách từng việc   ☐ Ít nhất ba rủi ro và cách phòng"),
    ])


def main() -> None:
    tc = ROOT / "tieu-chi-ocop-ho-so" / "files"
    scoring_workbook(tc / "phieu-tu-cham-diem-qd148.xlsx")
    checklist_workbook(tc / "bang-kiem-ho-so-san-pham.xlsx")
    qlnn = ROOT / "quan-ly-nha-nuoc-ocop" / "files"
    commune_report(qlnn / "mau-bao-cao-danh-gia-cap-xa.docx")
    request_letter(qlnn / "mau-van-ban-de-nghi-tinh.docx")
    qt = ROOT / "quan-tri-san-xuat-kinh-doanh" / "files"
    business_plan(qt / "mau-phuong-an-kinh-doanh.docx")
    law = ROOT / "phap-ly-kinh-doanh-so-ocop" / "files"
    if law.parent.is_dir():
        checklist_workbook(law / "bang-kiem-ho-so-san-pham.xlsx")
        scoring_workbook(law / "phieu-tu-cham-diem-qd148.xlsx")
    for path in sorted(ROOT.glob("*/files/*")):
        print(path.relative_to(ROOT.parent), path.stat().st_size)


if __name__ == "__main__":
    main()
