""""Print activation slips" on the web: within the issuer's area only, audited, never the code."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from lms.core.audit import AuditLog
from lms.extensions import db
from lms.onboarding.models import ActivationCode
from tests.support import registry as reg
from tests.support.client import CSRF_RE, login
from tests.support.registry import staff


def _client(app, make_user, role="manager", unit_code=reg.HOME, email="cb@example.vn"):
    staff(app, make_user, role, unit_code, email)
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def _post(client, page, data):
    html = client.get(page).get_data(as_text=True)
    token = CSRF_RE.search(html).group(1)
    return client.post("/onboarding/slips", data={"csrf_token": token, **data})


def _rows(response) -> list[dict]:
    assert response.status_code == 200 and response.mimetype == "text/csv", response.status_code
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _codes(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ActivationCode))


@pytest.mark.parametrize("role", ["manager", "trainer"])
def test_the_person_page_prints_a_slip_for_that_person(app, make_user, people, role):
    client = _client(app, make_user, role)
    page = client.get(f"/registry/people/{people['home']}").get_data(as_text=True)
    assert "In phiếu kích hoạt" in page and 'action="/onboarding/slips"' in page
    response = _post(client, f"/registry/people/{people['home']}",
                     {"source": "people", "person_ids": str(people["home"]), "fmt": "pdf"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.get_data().startswith(b"%PDF")
    with app.app_context():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "onboarding.code_issued"))
        assert entry.object_id == str(people["home"]) and entry.actor_id is not None
        assert set(entry.details) == {"purpose", "channel"}  # who, for whom, when; never the code


def test_another_areas_person_is_refused_also_by_id_probing(app, make_user, people):
    client = _client(app, make_user)
    assert client.get(f"/registry/people/{people['other']}").status_code == 403
    for ids in (str(people["other"]), f"{people['home']},{people['other']}"):
        response = _post(client, "/registry/people", {"source": "people", "person_ids": ids, "fmt": "csv"})
        assert response.status_code == 403
    assert _post(client, "/registry/people", {"source": "people", "person_ids": "999999", "fmt": "csv"}).status_code == 404
    # A unit outside the area, through the list filter and the gap list.
    for source in ("filter", "gaps"):
        response = _post(client, "/registry/people", {"source": source, "unit": reg.OTHER_COMMUNE, "fmt": "csv"})
        assert response.status_code == 403
    assert _codes(app) == 0


def test_the_people_list_prints_its_current_filter(app, make_user, people):
    client = _client(app, make_user)
    page = client.get("/registry/people?group=cooperative_leader").get_data(as_text=True)
    assert 'name="group" value="cooperative_leader"' in page
    rows = _rows(_post(client, "/registry/people", {"source": "filter", "group": "cooperative_leader", "fmt": "csv"}))
    assert [r["full_name"] for r in rows] == ["Trần Văn An"]
    rows = _rows(_post(client, "/registry/people", {"source": "filter", "fmt": "csv"}))
    assert sorted(r["full_name"] for r in rows) == ["Nguyễn Thị Hoa", "Trần Văn An"]  # not Lò Văn Pá


def test_the_gap_list_prints_the_untrained(app, make_user, people):
    from lms.coverage import services as coverage

    with app.app_context():
        coverage.set_requirement("household_head", ["an-toan"])
        coverage.set_requirement("cooperative_leader", ["an-toan"])
        reg.course("an-toan")
        from lms.registry.models import Person

        reg.complete(db.session.get(Person, people["home2"]), "an-toan", __import__("datetime").date(2026, 1, 5))
        db.session.commit()
    client = _client(app, make_user)
    page = client.get(f"/coverage/gaps?unit={reg.HOME}&scheme=2025").get_data(as_text=True)
    assert 'value="gaps"' in page
    rows = _rows(_post(client, "/coverage/gaps", {"source": "gaps", "unit": reg.HOME, "scheme": "2025", "fmt": "csv"}))
    assert [r["full_name"] for r in rows] == ["Nguyễn Thị Hoa"]


def test_people_who_can_log_in_get_reset_slips_only_when_asked(app, make_user, people, issue):
    from tests.onboarding.test_codes import _activate

    assert _activate(app.test_client(), issue(people["home"]), "0912000001").status_code == 302
    client = _client(app, make_user)
    rows = _rows(_post(client, "/registry/people", {"source": "filter", "fmt": "csv"}))
    assert [r["full_name"] for r in rows] == ["Trần Văn An"]
    page = client.get(f"/registry/people/{people['home']}").get_data(as_text=True)
    assert "In phiếu đặt lại mật khẩu" in page
    rows = _rows(_post(client, "/registry/people", {"source": "people", "person_ids": str(people["home"]),
                                                    "include_active": "y", "fmt": "csv"}))
    assert "/reset/" in rows[0]["url"]


def test_learners_cannot_print(app, make_user, people):
    make_user(("learner",), email="hv@example.vn")
    client = app.test_client()
    login(client, "hv@example.vn")
    response = _post(client, "/account", {"source": "people", "person_ids": str(people["home"]), "fmt": "csv"})
    assert response.status_code == 403


@pytest.mark.parametrize("app_config", [{"SLIPS_MAX": 1}])
def test_too_many_people_for_the_web_are_refused(app, make_user, people, app_config):
    client = _client(app, make_user)
    response = _post(client, "/registry/people", {"source": "filter", "fmt": "pdf", "next": "/registry/people"})
    assert response.status_code == 302 and response.headers["Location"] == "/registry/people"
    assert _codes(app) == 0
