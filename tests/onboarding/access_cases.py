"""Access matrix entries for the onboarding routes."""

from tests.support.access import Case, everyone, only

PUBLIC = everyone(200)
ADMIN_ONLY = {**only(("manager", "admin")), "manager": 403}  # the matrix's manager has no area

MATRIX = {
    "onboarding.activate": [Case("GET", "/activate", PUBLIC)],
    "onboarding.activate_code": [Case("GET", "/activate/ABCDE-FGHJK", PUBLIC)],
    "onboarding.reset": [Case("GET", "/reset", PUBLIC)],
    "onboarding.reset_code": [Case("GET", "/reset/ABCDE-FGHJK", PUBLIC)],
    "onboarding.forgot": [Case("GET", "/forgot-password", PUBLIC)],
    "onboarding.register": [Case("GET", "/register", PUBLIC), Case("GET", "/register?province=98", PUBLIC)],
    "onboarding.requests": [Case("GET", "/registry/requests", only(("manager", "admin")))],
    "onboarding.request_detail": [
        Case("GET", "/registry/requests/{request_id}", ADMIN_ONLY),
        Case("GET", "/registry/requests/999999", {**only(("manager", "admin")), "manager": 404, "admin": 404}),
    ],
    "onboarding.accept": [Case("POST", "/registry/requests/{request_id}/accept", ADMIN_ONLY)],
    "onboarding.reject": [Case("POST", "/registry/requests/{request_id}/reject",
                               {**ADMIN_ONLY, "admin": 302}, data={"reason": "Không có trong danh sách"})],
    "onboarding.print_slips": [
        Case("POST", "/onboarding/slips", {**only(("trainer", "manager", "admin")), "trainer": 403, "manager": 403},
             data={"source": "people", "person_ids": "{slip_person_id}", "fmt": "csv"}),
    ],
}


def objects(app, users) -> dict:
    from lms.extensions import db
    from lms.onboarding.models import RegistrationRequest
    from lms.registry.models import AdminUnit, Person

    with app.app_context():
        province = AdminUnit(scheme="2025", code="98", name="Tỉnh Đăng Ký", level="province", type="Tỉnh")
        db.session.add(province)
        db.session.flush()
        commune = AdminUnit(scheme="2025", code="98001", name="Xã Đăng Ký", level="commune", type="Xã",
                            parent_id=province.id, new_province_id=province.id)
        db.session.add(commune)
        db.session.flush()
        commune.new_commune_id = commune.id
        person = Person(full_name="Người Có Phiếu", phone="0977000111", target_group="household_head",
                        unit_id=commune.id)
        request = RegistrationRequest(full_name="Người Đăng Ký", phone="0977000222", pending_phone="0977000222",
                                      unit_id=commune.id, org_code="0300000001")
        db.session.add_all([person, request])
        db.session.commit()
        return {"request_id": request.id, "slip_person_id": person.id}
