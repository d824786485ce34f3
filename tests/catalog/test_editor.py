"""The authoring editor: its files only on authoring pages, and a live preview that is the
lesson page's own rendering."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.catalog.models import Lesson
from lms.extensions import db
from tests.catalog.test_authoring import add_lesson, make_course, module_id
from tests.catalog.test_sanitize import VECTORS
from tests.support.client import csrf_token, login

EDITOR_JS = "vendor/easymde/easymde.min.js"


def preview(client, text, **extra):
    token = csrf_token(client, "/author/courses")
    return client.post("/author/preview", data={"csrf_token": token, "text": text, **extra})


def test_editor_is_loaded_only_on_authoring_pages(app, client, users, mini_course):
    login(client, "trainer@example.vn")
    for path in ("/author/courses/new", "/author/courses/mini", "/author/courses/mini/lessons/new"):
        html = client.get(path).get_data(as_text=True)
        assert EDITOR_JS in html and "js/author-editor.js" in html and "data-markdown" in html, path
        # Without JavaScript, the textarea and the Preview button are still the form.
        assert 'value="preview"' in html and "<textarea" in html
    learner_page = client.get("/courses/mini/lessons/mot").get_data(as_text=True)
    assert "easymde" not in learner_page and "author-editor" not in learner_page
    response = client.get("/static/" + EDITOR_JS)
    assert response.status_code == 200
    response.close()


def test_preview_needs_a_token(app, client, users):
    login(client, "trainer@example.vn")
    assert client.post("/author/preview", data={"text": "x"}).status_code == 400


def test_preview_resolves_links_like_the_lesson(app, client, users, mini_course):
    login(client, "trainer@example.vn")
    with app.app_context():
        module = db.session.scalar(select(Lesson).filter_by(slug="mot")).module_id
    html = preview(client, "![Hình](../images/h.png) [hai](02-hai.md)", course="mini", module=str(module))
    text = html.get_data(as_text=True)
    assert html.status_code == 200 and html.headers["Cache-Control"] == "no-store"
    assert 'src="/courses/mini/files/images/h.png"' in text and 'href="/courses/mini/lessons/hai"' in text


@pytest.mark.parametrize("vector", VECTORS)
def test_preview_equals_the_saved_lesson(app, client, users, vector):
    """One pipeline: what the editor shows is byte for byte what the lesson page will show."""
    login(client, "trainer@example.vn")
    make_course(client)
    shown = preview(client, vector, course="tu-viet", module=str(module_id(app))).get_data(as_text=True)
    assert "<script" not in shown.lower() and "javascript:" not in shown.lower()
    if add_lesson(client, app, "bai", vector).status_code != 302:
        return  # refused as a broken relative link: the lesson page never shows it
    with app.app_context():
        saved = db.session.scalar(select(Lesson).filter_by(slug="bai")).current_version.body_html
    assert shown == saved
    assert "<script" not in shown.lower() and "javascript:" not in shown.lower()
