"""Every identifiable export or print leaves a row in the audit log: who, when, which
filter, how many rows (lms.core.audit.audit_disclosure)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.extensions import db
from tests.privacy.test_masking import ready  # noqa: F401 - the fixture
from tests.support.client import login


def _disclosures(app):
    from lms.core.audit import AuditLog

    with app.app_context():
        return [(a.actor_id, a.action, a.details, a.at) for a in db.session.scalars(
            select(AuditLog).where(AuditLog.action.startswith("disclosure.")).order_by(AuditLog.id))]


@pytest.fixture
def manager(app):
    client = app.test_client()
    login(client, "manager@example.vn")
    return client


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_gap_list_export_is_audited(app, ready, users, manager, fmt):  # noqa: F811
    assert manager.get(f"/coverage/gaps.{fmt}?group=cooperative_leader").status_code == 200
    [(actor, action, details, at)] = _disclosures(app)
    assert actor == users["manager"].id and action == f"disclosure.coverage.gaps.{fmt}" and at is not None
    assert details["filters"]["unit"] == "4401" and details["filters"]["group"] == "cooperative_leader"
    assert details["rows"] >= 1


def test_unit_table_export_is_audited(app, ready, users, manager):  # noqa: F811
    assert manager.get("/coverage/units.xlsx").status_code == 200
    [(actor, action, details, _at)] = _disclosures(app)
    assert (actor, action) == (users["manager"].id, "disclosure.coverage.units.xlsx")
    assert details["rows"] >= 1 and "as_of" in details["filters"]


def test_class_print_report_and_files_are_audited(app, ready, users, manager):  # noqa: F811
    training_class = ready["class"]
    for url in (f"/classes/{training_class}/print", f"/classes/{training_class}/report", f"/classes/{training_class}/report.csv",
                f"/classes/{training_class}/report.xlsx", f"/classes/{training_class}/signin/template.xlsx"):
        assert manager.get(url).status_code == 200, url
    entries = _disclosures(app)
    assert [a for _, a, _, _ in entries] == [
        "disclosure.class.roster_print", "disclosure.class.report", "disclosure.class.report.csv",
        "disclosure.class.report.xlsx", "disclosure.class.signin_sheet"]
    assert all(actor == users["manager"].id and d["filters"]["class_id"] == training_class and d["rows"] >= 1
               for actor, _, d, _ in entries)


def test_certificate_exports_are_audited(app, ready, users):  # noqa: F811
    client = app.test_client()
    login(client, "admin@example.vn")
    assert client.get("/certificates/export.csv?q=Hoa").status_code == 200
    assert client.get("/certificates/export.xlsx").status_code == 200
    [csv, xlsx] = _disclosures(app)
    assert csv[1] == "disclosure.certificates.csv" and csv[2] == {"filters": {"q": "Hoa"}, "rows": 1}
    assert xlsx[1] == "disclosure.certificates.xlsx" and xlsx[2]["rows"] >= 1
    assert csv[0] == users["admin"].id


def test_a_refused_export_leaves_no_row(app, ready):  # noqa: F811
    learner = app.test_client()
    login(learner, "learner@example.vn")
    assert learner.get("/coverage/gaps.csv").status_code in (302, 403)
    assert _disclosures(app) == []
