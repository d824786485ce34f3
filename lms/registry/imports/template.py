"""The downloadable import template: one sheet per kind with Vietnamese headers, examples and
instructions.
"""

from __future__ import annotations

import io

from lms.registry.hooks import import_handlers
from lms.registry.imports.schema import COLUMNS, HEADERS_VI, KINDS, SHEETS_VI

INSTRUCTIONS_VI = (
    "Hướng dẫn nhập danh sách",
    "Mỗi trang tính là một loại dữ liệu: Tổ chức (tổ chức và người đứng đầu), Cán bộ, "
    "Sản phẩm (sản phẩm OCOP), Kết quả đào tạo (kết quả đào tạo trước đây). Xóa các trang không dùng.",
    "Trang Mã khóa học liệt kê các mã khóa học được chấp nhận ở cột Mã khóa học.",
    "Dòng đầu tiên là tiêu đề cột; có thể dùng tiêu đề tiếng Việt hoặc mã cột tiếng Anh (org_code, …).",
    "Mã đơn vị hành chính: mã của Tổng cục Thống kê (tỉnh 2 chữ số, xã 5 chữ số), theo danh mục 2025 "
    "hoặc danh mục trước 1/7/2025 (chọn khi tải lên).",
    "Loại hình: Doanh nghiệp, Hợp tác xã, Liên hiệp hợp tác xã, Tổ hợp tác, Hộ kinh doanh. Cấp: tỉnh, huyện, xã "
    "(cán bộ cấp huyện không còn được tính từ 1/7/2025). Thành viên Hội đồng đánh giá hoặc Tổ tư vấn: ghi “Có”. "
    "Giới tính: Nam, Nữ, Khác. Trạng thái: Đang hoạt động hoặc Đã rút (kèm ngày rút).",
    "Ngày viết YYYY-MM-DD hoặc DD/MM/YYYY. Hình thức đào tạo: lớp (tập trung) hoặc lịch sử (trước đây). "
    "Ngày công nhận: ngày quyết định công nhận sản phẩm OCOP; giấy chứng nhận có hiệu lực 36 tháng.",
    "Tệp có lỗi sẽ không được nhập dòng nào; mỗi lỗi ghi rõ trang, dòng và cột. Nhập lại cùng một tệp "
    "không thay đổi gì.",
)

EXAMPLES = {
    "organizations": ["0101234567", "HTX Nông nghiệp Hoàn Lão", "Hợp tác xã", "18880", "Nguyễn Văn An",
                      "0900 000 001", "", "", "Nam", "2021", "Đang hoạt động", ""],
    "officials": ["Trần Thị Bình", "0900000002", "", "", "Nữ", "UBND xã", "Cán bộ OCOP", "xã", "18880", ""],
    "products": ["0101234567", "Khoai deo Hoàn Lão", "Thực phẩm", "4", "2023", "15/09/2023"],
    "completions": ["", "0900000001", "Nguyễn Văn An", "quan-tri-san-xuat-kinh-doanh", "2023-11-20", "lớp"],
}


def template_xlsx() -> bytes:
    """The import template: one sheet per kind with Vietnamese headers, and instructions."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    guide = book.active
    guide.title = "Hướng dẫn"
    for line in INSTRUCTIONS_VI:
        guide.append([line])
    guide["A1"].font = Font(bold=True)
    guide.column_dimensions["A"].width = 120
    for kind in KINDS:
        sheet = book.create_sheet(SHEETS_VI[kind])
        sheet.append([HEADERS_VI[k] for k in COLUMNS[kind]])
        sheet.append(EXAMPLES[kind])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for column in sheet.columns:
            sheet.column_dimensions[column[0].column_letter].width = 22
            for cell in column:
                cell.number_format = "@"  # text: keeps leading zeros of codes and phones
    for handler in import_handlers.functions():
        reference = getattr(handler, "reference", None)
        if reference is None:
            continue
        title, header, rows = reference()
        sheet = book.create_sheet(title[:31])
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for column in sheet.columns:
            sheet.column_dimensions[column[0].column_letter].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
