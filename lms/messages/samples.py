"""Example variables of every message template (see message_templates/README.md).

``flask lms message-templates`` renders each template with these, strictly (an unknown
variable is an error), for each language and channel, and reports SMS longer than one
segment: run it after rewording a template.
"""

from __future__ import annotations

from datetime import date

URL = "https://daotao.ocop.vn"

SAMPLES: dict[str, dict] = {
    "activation": {"full_name": "Nguyễn Thị Hoa", "code": "7KQ4-M2XP", "url": f"{URL}/kich-hoat",
                   "expires_on": date(2026, 3, 31)},
    "reset": {"full_name": "Nguyễn Thị Hoa", "code": "7KQ4-M2XP", "url": f"{URL}/dat-lai",
              "expires_on": date(2026, 3, 31)},
    "reminder_courses": {"full_name": "Nguyễn Thị Hoa", "courses": ["An toàn thực phẩm", "Tiêu chí OCOP"],
                         "url": f"{URL}/my-learning", "account_url": f"{URL}/account", "deadline": date(2026, 12, 31),
                         "urgent": True, "number": 2, "days_left": 45},
    **{name: {"full_name": "Nguyễn Thị Hoa", "title": "Lớp tập huấn OCOP xã Hải Ninh", "course": "Tiêu chí OCOP",
              "venue": "Hội trường UBND xã", "cancelled": False, "url": f"{URL}/my/classes",
              "days": [{"day": date(2026, 3, 10), "starts_at": "07:30", "ends_at": "11:30"}],
              "first_day": date(2026, 3, 10), "day": date(2026, 3, 10), "starts_at": "07:30", "ends_at": "11:30"}
       for name in ("class_new", "class_changed", "class_tomorrow")},
    "quiz_closing": {"full_name": "Nguyễn Thị Hoa", "quiz": "Kiểm tra cuối khóa", "closes_on": date(2026, 3, 31),
                     "closes_at": "23:59", "url": f"{URL}/attempts/12"},
    "digest": {"full_name": "Trần Văn Nam", "as_of": date(2026, 3, 2), "week": "2026-W10", "sections": [{
        "unit": "Tỉnh Quảng Trị", "total": {"required": 1200, "trained": 301, "percent": "25,1 %"},
        "groups": [{"label": "Chủ thể OCOP", "required": 1000, "trained": 250, "percent": "25,0 %",
                    "before": "24,2 %"}],
        "target": 100, "deadline": date(2027, 12, 31), "projected": date(2028, 6, 30), "reached": False,
        "late": True, "communes": [{"name": "Xã Hải Ninh", "code": "19372", "untrained": 84}],
        "classes": [{"title": "Lớp OCOP xã Hải Ninh", "venue": "Hội trường UBND xã", "unit": "Xã Hải Ninh",
                     "first_day": date(2026, 3, 5), "people": 32}],
        "url": f"{URL}/coverage/?unit=44"}]},
}
