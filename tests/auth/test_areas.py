"""Areas are assigned from the user's own page with a unit picker (issue 17, item 2)."""

from __future__ import annotations

from lms.extensions import db
from tests.support.classes import build_world
from tests.support.client import login, post_form


def _add_units(app, world):
    from lms.registry.models import AdminUnit

    with app.app_context():
        ids = {}
        for code, name in (("4410", "Xã Gio Linh"), ("4411", "Phường Đông Hà")):
            u = AdminUnit(scheme="2025", code=code, name=name, level="commune", type="commune",
                          parent_id=world["province"], province_id=world["province"],
                          new_province_id=world["province"])
            db.session.add(u)
            db.session.flush()
            u.new_commune_id = u.id
            ids[code] = u.id
        db.session.commit()
        return ids


def test_admin_assigns_an_area_from_the_user_page_by_name(app, client, users):
    world = build_world(app, users, assign=False)
    units = _add_units(app, world)
    trainer = users["trainer"].id
    login(client, "admin@example.vn")
    page = client.get(f"/admin/users/{trainer}").get_data(as_text=True)
    assert 'data-testid="no-areas"' in page
    for query in ("Gio Linh", "gio linh", "GIO LINH"):
        found = client.get(f"/admin/users/{trainer}", query_string={"unit_q": query}).get_data(as_text=True)
        matches = found.split('data-testid="unit-matches"')[1].split("</ul>")[0]
        assert "Xã Gio Linh" in matches and "Đông Hà" not in matches
    found = client.get(f"/admin/users/{trainer}", query_string={"unit_q": "dong ha"}).get_data(as_text=True)
    assert "Phường Đông Hà" in found.split('data-testid="unit-matches"')[1]
    response = post_form(client, f"/admin/users/{trainer}/units", {"unit_id": units["4410"]},
                         token_from=f"/admin/users/{trainer}")
    assert response.status_code == 302
    page = client.get(f"/admin/users/{trainer}").get_data(as_text=True)
    areas = page.split('data-testid="user-areas"')[1].split("</ul>")[0]
    assert "Xã Gio Linh" in areas

    response = post_form(client, f"/admin/users/{trainer}/units/{units['4410']}/remove", {},
                         token_from=f"/admin/users/{trainer}")
    assert response.status_code == 302
    assert 'data-testid="no-areas"' in client.get(f"/admin/users/{trainer}").get_data(as_text=True)


def test_a_trainer_without_an_area_is_told_what_is_missing(app, client, users):
    build_world(app, users, assign=False)
    login(client, "trainer@example.vn")
    for path in ("/classes/new", "/classes/", "/registry/people"):
        text = client.get(path).get_data(as_text=True)
        assert 'data-testid="no-area"' in text, path
    admin = app.test_client()
    login(admin, "admin@example.vn")
    assert 'data-testid="no-area"' not in admin.get("/classes/new").get_data(as_text=True)


def test_the_assignments_page_accepts_a_unit_name(app, client, users):
    from lms.registry.queries import assigned_units

    world = build_world(app, users, assign=False)
    _add_units(app, world)
    login(client, "admin@example.vn")
    response = post_form(client, "/registry/assignments",
                         {"login": "trainer@example.vn", "unit_code": "gio linh", "scheme": "2025"})
    assert response.status_code == 302
    with app.app_context():
        assert [u.name for u in assigned_units(users["trainer"])] == ["Xã Gio Linh"]
    several = post_form(client, "/registry/assignments",
                        {"login": "trainer@example.vn", "unit_code": "Xã", "scheme": "2025"})
    assert several.status_code == 200 and "4410" in several.get_data(as_text=True)


def test_a_refused_user_form_keeps_the_temporary_password(app, client, users):
    login(client, "admin@example.vn")
    response = post_form(client, "/admin/users/new", {"name": "Người Mới", "email": "not-an-email",
                                                       "roles": ["learner"], "temporary_password": "tam-thoi-123"})
    assert response.status_code == 200
    assert 'value="tam-thoi-123"' in response.get_data(as_text=True)
