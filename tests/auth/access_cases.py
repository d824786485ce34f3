"""Access matrix entries for the accounts and home routes."""

from tests.support.access import LOGGED_IN, Case, everyone, only

MATRIX = {
    "static": [Case("GET", "/static/css/app.css", everyone(200))],
    "main.index": [Case("GET", "/", LOGGED_IN)],
    "main.healthz": [Case("GET", "/healthz", everyone(200))],
    "main.set_language": [Case("POST", "/language", everyone(302), {"lang": "en", "next": "/"})],
    "auth.login": [Case("GET", "/login", {**everyone(302), "anonymous": 200})],
    "auth.logout": [Case("POST", "/logout", everyone(302))],
    "auth.account": [Case("GET", "/account", LOGGED_IN)],
    "auth.change_password": [Case("GET", "/account/password", LOGGED_IN)],
    "auth.users": [Case("GET", "/admin/users", only(("admin",)))],
    "auth.user_new": [Case("GET", "/admin/users/new", only(("admin",)))],
    "auth.user_edit": [
        Case("GET", "/admin/users/{learner_id}", only(("admin",))),
        Case("GET", "/admin/users/999999", {**only(("admin",)), "admin": 404}),
    ],
    "auth.user_unit_assign": [
        Case("POST", "/admin/users/{learner_id}/units", {**only(("admin",)), "admin": 404}, {"unit_id": "999999"}),
    ],
    "auth.user_unit_remove": [
        Case("POST", "/admin/users/{learner_id}/units/999999/remove", {**only(("admin",)), "admin": 404}),
    ],
    "auth.assignments": [Case("GET", "/registry/assignments", only(("admin",)))],
    "auth.assignment_remove": [
        Case("POST", "/registry/assignments/remove", {**only(("admin",)), "admin": 404},
             {"user_id": "999999", "unit_id": "999999"}),
    ],
}


def objects(app, users) -> dict:
    return {"learner_id": users["learner"].id}
MATRIX.update({
    "auth.audit_log": [Case("GET", "/admin/audit", only(("admin",))),
                       Case("GET", "/admin/audit?actor=admin@example.vn&kind=class&object=class%201&since=01/01/2026",
                            only(("admin",)))],
    "auth.audit_export": [Case("GET", "/admin/audit.csv", only(("admin",)))],
})
