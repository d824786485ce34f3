"""Vietnamese by default, English on request; remembered per user and per browser."""

from __future__ import annotations

from sqlalchemy import select

from lms.auth.models import User
from lms.extensions import db
from tests.support.client import login, post_form


def test_vietnamese_is_the_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "Đăng nhập" in html


def test_switch_is_remembered_per_browser_when_logged_out(client):
    response = post_form(client, "/language", {"lang": "en", "next": "/login"}, token_from="/login")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html and "Log in" in html
    fresh = client.application.test_client()
    assert "Đăng nhập" in fresh.get("/login").get_data(as_text=True)


def test_switch_is_remembered_per_user(app, client, users):
    login(client, "learner@example.vn")
    post_form(client, "/language", {"lang": "en", "next": "/"}, token_from="/account")
    with app.app_context():
        assert db.session.scalar(select(User.locale).filter_by(email="learner@example.vn")) == "en"
    other_browser = app.test_client()
    login(other_browser, "learner@example.vn")
    assert "Hello," in other_browser.get("/").get_data(as_text=True)


def test_language_switch_refuses_unknown_languages_and_offsite_next(client):
    response = post_form(client, "/language", {"lang": "fr", "next": "/"}, token_from="/login")
    assert response.status_code == 400
    response = post_form(client, "/language", {"lang": "en", "next": "//evil.example"}, token_from="/login")
    assert response.headers["Location"] == "/"


def test_every_message_has_a_vietnamese_translation():
    from pathlib import Path

    from babel.messages.pofile import read_po

    po = Path(__file__).resolve().parents[2] / "lms/translations/vi/LC_MESSAGES/messages.po"
    with po.open("rb") as fh:
        catalog = read_po(fh)
    untranslated = [
        m.id for m in catalog
        if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)
    ]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []


def test_catalogue_covers_every_string_in_the_code(tmp_path):
    """Extract the strings from the code now: each one must be in the Vietnamese catalogue."""
    import subprocess
    import sys
    from pathlib import Path

    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[2]
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-c", "from babel.messages.frontend import main; main()",
         "-q", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."],
        cwd=root, check=True, capture_output=True,
    )
    with pot.open("rb") as fh:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    with (root / "lms/translations/vi/LC_MESSAGES/messages.po").open("rb") as fh:
        have = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    assert sorted(wanted - have) == []
