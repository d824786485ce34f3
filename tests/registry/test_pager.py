"""Registry lists longer than one page render their pager (regression: a 500 once the
template's ``{% set _ = … %}`` shadowed the gettext function ``_``)."""

from __future__ import annotations

import pytest

from lms.main.demo import DEMO_PASSWORD
from tests.support.client import login


@pytest.mark.parametrize("path", ["/registry/organisations", "/registry/people"])
def test_lists_of_several_pages_show_next_and_previous(app, runner, path):
    assert runner.invoke(args=["lms", "seed-demo"]).exit_code == 0
    client = app.test_client()
    assert login(client, "manager@demo.ocop.vn", DEMO_PASSWORD).status_code == 302
    first = client.get(path)
    assert first.status_code == 200
    assert "page=2" in first.get_data(as_text=True)
    second = client.get(f"{path}?page=2")
    assert second.status_code == 200
    assert "page=1" in second.get_data(as_text=True)
