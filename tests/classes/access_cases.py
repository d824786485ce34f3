"""Access matrix entries for the class routes.

The class is in commune A of province 44; the matrix trainer teaches it; the matrix
manager has no assigned unit (nobody's area is set here), so the class is outside their
area (403).
"""

from tests.support.access import LOGGED_IN, Case, only

STAFF = ("trainer", "manager", "admin")
CLASS = {**only(STAFF), "manager": 403}
CLASS_POST = {**CLASS, "trainer": 302, "admin": 302}

MATRIX = {
    "classes.index": [Case("GET", "/classes/", only(STAFF))],
    "classes.new": [Case("GET", "/classes/new", only(STAFF))],
    "classes.detail": [
        Case("GET", "/classes/{class_id}", CLASS),
        Case("GET", "/classes/999999", {**only(STAFF), "trainer": 404, "manager": 404, "admin": 404}),
    ],
    "classes.edit": [Case("GET", "/classes/{class_id}/edit", CLASS)],
    "classes.change_status": [Case("POST", "/classes/{class_id}/status", CLASS_POST, {"status": "running"})],
    "classes.finish": [Case("GET", "/classes/{class_id}/finish", CLASS),
                       Case("POST", "/classes/{class_id}/finish", CLASS_POST)],
    "classes.reopen": [Case("POST", "/classes/{class_id}/reopen", {**only(("admin",)), "admin": 302})],
    "classes.people": [Case("GET", "/classes/{class_id}/people", CLASS)],
    "classes.add_gap": [Case("GET", "/classes/{class_id}/people/gap", CLASS),
                        Case("POST", "/classes/{class_id}/people/gap", CLASS_POST)],
    "classes.remove_person": [Case("POST", "/classes/{class_id}/people/{person_id}/remove", CLASS_POST)],
    "classes.signin_import": [Case("GET", "/classes/{class_id}/signin", CLASS)],
    "classes.signin_template": [Case("GET", "/classes/{class_id}/signin/template.xlsx", CLASS)],
    "classes.attendance": [Case("GET", "/classes/{class_id}/days/{day_id}", CLASS)],
    "classes.all_present": [Case("POST", "/classes/{class_id}/days/{day_id}/all-present", CLASS_POST)],
    "classes.marks_json": [Case("GET", "/classes/{class_id}/days/{day_id}/marks.json", CLASS)],
    "classes.day_code": [Case("GET", "/classes/{class_id}/days/{day_id}/code", CLASS)],
    "classes.day_qr": [Case("GET", "/classes/{class_id}/days/{day_id}/qr.svg", CLASS)],
    "classes.print_roster": [Case("GET", "/classes/{class_id}/print", CLASS)],
    "classes.scores": [Case("GET", "/classes/{class_id}/scores", CLASS)],
    "classes.report": [Case("GET", "/classes/{class_id}/report", CLASS)],
    "classes.report_export": [
        Case("GET", "/classes/{class_id}/report.csv", CLASS),
        Case("GET", "/classes/{class_id}/report.xlsx", CLASS),
        Case("GET", "/classes/{class_id}/report.pdf", {**CLASS, "trainer": 404, "admin": 404, "manager": 404}),
    ],
    # No certificate issued yet: staff are sent back to the class page.
    "classes.certificates": [Case("GET", "/classes/{class_id}/certificates.pdf", CLASS_POST)],
    "classes.checkin": [Case("GET", "/checkin", LOGGED_IN), Case("GET", "/checkin/ABC234", LOGGED_IN)],
    "classes.mine": [Case("GET", "/my/classes", LOGGED_IN)],
}


def objects(app, users) -> dict:
    from lms.classes.models import TrainingClass
    from lms.extensions import db
    from tests.support.classes import build_world, make_class

    world = build_world(app, users, assign=False)
    class_id = make_class(app, world, trainers=[users["trainer"].id])
    with app.app_context():
        from lms.classes import services

        training_class = db.session.get(TrainingClass, class_id)
        services.add_people(training_class, world["people"][:2], actor=None)
        day_id = training_class.days[0].id
        db.session.commit()
    return {"class_id": class_id, "day_id": day_id, "person_id": world["people"][0]}
