"""Identifiers are masked on every list, export, print and public page; full identifiers
only through the audited choice of a manager or an admin, with a purpose."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lms.core.masking import mask_email, mask_login, mask_national_id, mask_phone
from lms.extensions import db
from tests.support.client import login, post_form


def test_helpers():
    assert mask_phone("0912345678") == "0912•••678"
    assert mask_national_id("044123456789") == "•••••••••789"
    assert mask_national_id("123456789") == "••••••789"
    assert mask_email("hoa@example.vn") == "h•••@example.vn"
    assert mask_login("0912345678") == "0912•••678" and mask_login("hoa@example.vn") == "h•••@example.vn"
    assert mask_phone(None) == mask_national_id("") == ""


@pytest.fixture
def ready(app, filled, world):
    from lms.catalog.models import Course
    from lms.coverage.services import set_requirement

    with app.app_context():
        slug = db.session.get(Course, world["course"]).slug
        set_requirement("cooperative_leader", [slug])
        db.session.commit()
    return filled


def _audit(app, action):
    from lms.core.audit import AuditLog

    with app.app_context():
        return [(a.actor_id, a.object_id, a.details) for a in db.session.scalars(select(AuditLog)
                                                                               .where(AuditLog.action == action))]


def _manager(app):
    client = app.test_client()
    login(client, "manager@example.vn")
    return client


def test_registry_list_and_person_page_mask(app, ready):
    client = _manager(app)
    people = client.get("/registry/people").get_data(as_text=True)
    assert "0912•••678" in people and "0912345678" not in people
    assert "0912•••000" in people and "0912000000" not in people
    page = client.get(f"/registry/people/{ready['person']}").get_data(as_text=True)
    assert "0912•••678" in page and "•••••••••789" in page
    assert "0912345678" not in page and "044123456789" not in page
    assert "Xem thông tin đầy đủ" in page


def test_full_identifiers_need_a_purpose_and_are_audited(app, ready, users):
    client = _manager(app)
    url = f"/privacy/people/{ready['person']}/identifiers"
    refused = post_form(client, url, {"purpose": ""}, token_from=f"/registry/people/{ready['person']}")
    assert refused.status_code == 400 and "044123456789" not in refused.get_data(as_text=True)
    assert _audit(app, "person.view_full") == [(users["manager"].id, str(ready["person"]), {})]  # the fixture's
    shown = post_form(client, url, {"purpose": "Gọi điện mời học lớp 12/03"},
                      token_from=f"/registry/people/{ready['person']}")
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "044123456789" in html and "0912345678" in html
    assert shown.headers["Cache-Control"] == "no-store"
    entries = _audit(app, "person.view_full")
    assert entries[-1] == (users["manager"].id, str(ready["person"]), {"purpose": "Gọi điện mời học lớp 12/03"})
    trainer = app.test_client()
    login(trainer, "trainer@example.vn")
    assert "Xem thông tin đầy đủ" not in trainer.get(f"/registry/people/{ready['person']}").get_data(as_text=True)
    assert post_form(trainer, url, {"purpose": "xem thử cho biết"}, token_from="/account").status_code == 403


def test_gap_list_page_and_export_mask(app, ready):
    client = _manager(app)
    page = client.get("/coverage/gaps").get_data(as_text=True)
    assert "0912•••000" in page and "0912000000" not in page
    for fmt in ("csv", "xlsx"):
        body = client.get(f"/coverage/gaps.{fmt}").data
        if fmt == "xlsx":
            book = load_workbook(io.BytesIO(body), read_only=True)
            body = "\n".join(str(v) for s in book for row in s.iter_rows(values_only=True) for v in row).encode()
        text = body.decode("utf-8-sig")
        assert "0912•••000" in text and "0912000000" not in text, fmt


def test_full_export_asks_a_purpose_is_audited_and_says_personal_data(app, ready, users):
    client = _manager(app)
    form = client.get("/privacy/exports/gaps")
    assert form.status_code == 200 and "Mục đích" in form.get_data(as_text=True)
    assert post_form(client, "/privacy/exports/gaps", {"purpose": ""}).status_code == 400
    assert _audit(app, "privacy.export_full") == []
    response = post_form(client, "/privacy/exports/gaps", {"purpose": "Mời học lớp tháng 3"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    first = [row[0] for row in book[book.sheetnames[0]].iter_rows(values_only=True)]
    assert "dữ liệu cá nhân" in first[0] and "Mời học lớp tháng 3" in first[1]
    cells = [str(v) for row in book[book.sheetnames[1]].iter_rows(values_only=True) for v in row]
    assert "0912000000" in cells
    [(actor, kind, details)] = _audit(app, "privacy.export_full")
    assert actor == users["manager"].id and kind == "coverage.gaps"
    assert details["purpose"] == "Mời học lớp tháng 3" and details["rows"] >= 6
    assert details["filters"]["unit"] == "4401"


def test_class_pages_and_print_mask(app, ready):
    client = _manager(app)
    training_class = ready["class"]  # the learner (0912345678) is on its roster
    for url in (f"/classes/{training_class}/people", f"/classes/{training_class}/print", f"/classes/{training_class}/report.csv"):
        text = client.get(url).data.decode("utf-8-sig")
        assert "0912345678" not in text and "0912000000" not in text, url
    assert "0912•••678" in client.get(f"/classes/{training_class}/print").get_data(as_text=True)


def test_public_verification_shows_no_identifier(app, ready):
    html = app.test_client().get(f"/verify/{ready['certificate']}").get_data(as_text=True)
    assert "Nguyễn Thị Hoa" in html
    for secret in ("0912345678", "044123456789", "0912•••678", "•••789"):
        assert secret not in html
