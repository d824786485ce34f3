"""WTForms' built-in messages appear in Vietnamese (issue 17)."""

from __future__ import annotations

from tests.support.client import login, post_form


def test_required_field_message_on_the_login_page_is_vietnamese(client):
    page = post_form(client, "/login", {"login": "", "password": ""}).get_data(as_text=True)
    assert "This field is required." not in page
    assert "Vui lòng điền thông tin này." in page


def test_class_form_messages_are_vietnamese(client, users):
    login(client, "trainer@example.vn")
    page = post_form(client, "/classes/new", {"title": "", "capacity": "x"}).get_data(as_text=True)
    assert "This field is required." not in page and "Not a valid integer value." not in page
    assert "Vui lòng điền thông tin này." in page and "Hãy nhập một số nguyên." in page
