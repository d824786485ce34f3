"""Access matrix entries for the privacy notice, "my data" and the data requests."""

from tests.support.access import LOGGED_IN, Case, everyone, only

STAFF_ONLY = only(("manager", "admin"))
ADMIN_POST = {**only(("admin",)), "admin": 404}

MATRIX = {
    "privacy.notice": [Case("GET", "/privacy", everyone(200))],
    "privacy.my_data": [Case("GET", "/account/data", LOGGED_IN)],
    "privacy.my_data_json": [Case("GET", "/account/data.json", LOGGED_IN)],
    "privacy.my_data_xlsx": [Case("GET", "/account/data.xlsx", LOGGED_IN)],
    "privacy.my_request": [Case("POST", "/account/data/requests", everyone(302), {"kind": "restrict"})],
    "privacy.requests": [Case("GET", "/privacy/requests", STAFF_ONLY)],
    "privacy.request_detail": [
        # The request of a person outside every area: only admins see it.
        Case("GET", "/privacy/requests/{data_request}", {**STAFF_ONLY, "manager": 404}),
        Case("GET", "/privacy/requests/999999", {**STAFF_ONLY, "manager": 404, "admin": 404}),
    ],
    "privacy.request_correct": [Case("POST", "/privacy/requests/999999/correct", ADMIN_POST, {"full_name": "X"})],
    "privacy.request_restrict": [Case("POST", "/privacy/requests/999999/restrict", ADMIN_POST)],
    "privacy.request_anonymise": [Case("POST", "/privacy/requests/999999/anonymise", ADMIN_POST)],
    "privacy.request_reject": [Case("POST", "/privacy/requests/999999/reject", ADMIN_POST, {"note": "x"})],
    "privacy.person_identifiers": [
        # The learner's person is outside every manager's area.
        Case("POST", "/privacy/people/{learner_person}/identifiers", {**STAFF_ONLY, "manager": 404},
             {"purpose": "Gọi điện mời học"}),
        Case("POST", "/privacy/people/999999/identifiers", {**STAFF_ONLY, "manager": 404, "admin": 404},
             {"purpose": "Gọi điện mời học"}),
    ],
    # Managers of the matrix have no area: no default area to export (as coverage.gaps_export).
    "privacy.full_export": [Case("GET", "/privacy/exports/gaps", {**STAFF_ONLY, "manager": 400})],
}


def objects(app, users) -> dict:
    from datetime import date

    from lms.auth.models import User
    from lms.extensions import db
    from lms.privacy.models import DataRequest

    with app.app_context():
        person_id = db.session.get(User, users["learner"].id).person_id
        request = DataRequest(person_id=person_id, kind="correct", message="Sai năm sinh",
                              ack_due=date(2026, 1, 2), due_on=date(2026, 1, 20))
        db.session.add(request)
        db.session.commit()
        return {"data_request": request.id, "learner_person": person_id}
