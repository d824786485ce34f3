"""Access matrix entries for certificates.

The learner's certificate belongs to a person outside every manager's and trainer's
area (the registry's scoping: until it lands, only administrators see any person).
"""

from sqlalchemy import select

from tests.support.access import LOGGED_IN, Case, everyone, only

STAFF = ("trainer", "manager", "admin")
# Staff outside the person's area get 403; the holder gets the PDF from "my" routes only.
ADMIN_ONLY_OBJECT = {**only(STAFF), "trainer": 403, "manager": 403}
UNKNOWN_CODE = "0000-0000-0000-0000-0000-0000-0000"

MATRIX = {
    "certification.verify_form": [Case("GET", "/verify", everyone(200))],
    "certification.verify": [
        Case("GET", "/verify/{cert_code}", everyone(200)),
        Case("GET", "/verify/" + UNKNOWN_CODE.replace("-", ""), everyone(404)),
    ],
    "certification.mine": [Case("GET", "/my/certificates", LOGGED_IN)],
    "certification.my_pdf": [
        Case("GET", "/my/certificates/{cert_code}.pdf", {**everyone(403, anonymous=302), "learner": 200}),
    ],
    "certification.manage": [Case("GET", "/certificates", only(STAFF))],
    "certification.export_csv": [Case("GET", "/certificates/export.csv", only(STAFF))],
    "certification.export_xlsx": [Case("GET", "/certificates/export.xlsx", only(STAFF))],
    # Nothing in a trainer's or manager's area: they are sent back to the list.
    "certification.bulk_pdf": [
        Case("GET", "/certificates/print.pdf", {**only(STAFF), "trainer": 302, "manager": 302})
    ],
    "certification.bulk_zip": [
        Case("GET", "/certificates/print.zip", {**only(STAFF), "trainer": 302, "manager": 302})
    ],
    "certification.courses": [Case("GET", "/certificates/courses", only(("manager", "admin")))],
    "certification.course_policy": [
        Case("GET", "/certificates/courses/{course_id}", only(("manager", "admin"))),
        Case("GET", "/certificates/courses/999999", {**only(("manager", "admin")), "manager": 404, "admin": 404}),
        # It applies to every area: administrators only change it (issue 18, finding 7).
        Case("POST", "/certificates/courses/{course_id}", only(("admin",), 302), {"vias": "online"}),
    ],
    "certification.pending": [Case("GET", "/certificates/pending", only(STAFF))],
    "certification.issue": [
        Case("GET", "/certificates/issue/{pending_completion_id}", ADMIN_ONLY_OBJECT),
        Case("GET", "/certificates/issue/999999", {**only(STAFF), "trainer": 404, "manager": 404, "admin": 404}),
    ],
    "certification.detail": [
        Case("GET", "/certificates/{cert_code}", ADMIN_ONLY_OBJECT),
        Case("GET", "/certificates/" + UNKNOWN_CODE, {**only(STAFF), "trainer": 404, "manager": 404, "admin": 404}),
    ],
    "certification.pdf": [Case("GET", "/certificates/{cert_code}/pdf", ADMIN_ONLY_OBJECT)],
    "certification.version_pdf": [Case("GET", "/certificates/{cert_code}/versions/1.pdf", ADMIN_ONLY_OBJECT)],
    "certification.correct": [Case("GET", "/certificates/{cert_code}/correct", ADMIN_ONLY_OBJECT)],
    "certification.revoke": [Case("GET", "/certificates/{cert_code}/revoke", ADMIN_ONLY_OBJECT)],
}


def objects(app, users) -> dict:
    from lms.catalog.models import Course
    from lms.catalog.services import record_completion
    from lms.certification import services
    from lms.certification.models import Certificate
    from lms.extensions import db
    from lms.registry.models import Person

    with app.app_context():
        course = Course(slug="matrix-course", title="Khóa học kiểm thử", hours=8)
        manual = Course(slug="matrix-manual", title="Khóa học cấp tay", hours=4)
        db.session.add_all([course, manual])
        db.session.flush()
        services.set_auto_issue_vias(manual, [])
        record_completion(users["learner"].person_id, course, via="online")
        other = Person(full_name="Người chờ cấp")
        db.session.add(other)
        db.session.flush()
        pending, _ = record_completion(other.id, manual, via="class")
        db.session.commit()
        code = db.session.scalar(select(Certificate.code).where(Certificate.course_id == course.id))
        return {"cert_code": code, "pending_completion_id": pending.id, "course_id": manual.id}

MATRIX["certification.course_decision"] = [
    Case("POST", "/certificates/courses/{course_id}/decision", {**only(("admin",)), "admin": 302},
         {"number": "12/QĐ-SNN", "decided_on": "2026-03-01"}),
]
