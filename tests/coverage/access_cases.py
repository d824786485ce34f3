"""Access matrix entries for the coverage routes and the JSON API."""

from tests.support.access import Case, only

MA = ("manager", "admin")

MATRIX = {
    "coverage.dashboard": [Case("GET", "/coverage/", only(MA))],
    "coverage.gaps": [Case("GET", "/coverage/gaps", only(MA))],
    "coverage.gaps_export": [
        # A manager without an assigned area has nothing to export.
        Case("GET", "/coverage/gaps.csv", {**only(MA), "manager": 400}),
        Case("GET", "/coverage/gaps.xlsx", {**only(MA), "manager": 400}),
        Case("GET", "/coverage/gaps.pdf", {**only(MA), "manager": 404, "admin": 404}),
    ],
    "coverage.units_export": [
        Case("GET", "/coverage/units.csv", {**only(MA), "manager": 400}),
        Case("GET", "/coverage/units.xlsx?sort=percent", {**only(MA), "manager": 400}),
        Case("GET", "/coverage/units.pdf", {**only(MA), "manager": 404, "admin": 404}),
    ],
    "coverage.gaps_remind": [
        Case("GET", "/coverage/gaps/remind", only(MA)),
        # A manager without an assigned area has nobody to remind.
        Case("POST", "/coverage/gaps/remind", {**only(MA, ok=302), "manager": 400}),
    ],
    "coverage.requirements": [Case("GET", "/coverage/requirements", only(("admin",)))],
    "coverage.api_coverage": [
        Case("GET", "/api/v1/coverage",
             {"anonymous": 401, "learner": 403, "trainer": 403, "manager": 400, "admin": 200}),
    ],
}
