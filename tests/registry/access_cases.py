"""Access matrix entries for the registry routes."""

from tests.support.access import Case, only

STAFF = ("trainer", "manager", "admin")
OUT_OF_AREA = {"anonymous": 302, "learner": 403, "trainer": 403, "manager": 403, "admin": 200}

MATRIX = {
    "registry.people": [Case("GET", "/registry/people", only(STAFF))],
    "registry.person": [
        Case("GET", "/registry/people/{person_id}", OUT_OF_AREA),
        Case("GET", "/registry/people/999999", {**only(STAFF), "trainer": 404, "manager": 404, "admin": 404}),
    ],
    "registry.organisations": [Case("GET", "/registry/organisations", only(STAFF))],
    "registry.organisation": [Case("GET", "/registry/organisations/{org_id}", OUT_OF_AREA)],
    "registry.import_upload": [Case("GET", "/registry/import", only(("manager", "admin")))],
    "registry.import_preview": [
        Case("GET", "/registry/import/{batch_id}", {**only(("manager", "admin")), "manager": 404}),
    ],
    "registry.import_template": [Case("GET", "/registry/import/template.xlsx", only(("manager", "admin")))],
}


def objects(app, users) -> dict:
    from lms.extensions import db
    from lms.registry.models import AdminUnit, ImportBatch, Organisation, Person

    with app.app_context():
        unit = AdminUnit(scheme="2025", code="99", name="Tỉnh Thử", level="province", type="Tỉnh")
        db.session.add(unit)
        db.session.flush()
        org = Organisation(code="0309999999", name="HTX Thử", org_type="cooperative", unit_id=unit.id)
        db.session.add(org)
        db.session.flush()
        person = Person(full_name="Người Thử", target_group="cooperative_leader", unit_id=unit.id,
                        organisation_id=org.id)
        batch = ImportBatch(user_id=users["admin"].id, filename="x.csv", scheme="2025",
                            content=b"org_code,org_name,org_type,unit_code,leader_name\n")
        db.session.add_all([person, batch])
        db.session.commit()
        return {"person_id": person.id, "org_id": org.id, "batch_id": batch.id}
