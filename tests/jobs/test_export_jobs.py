"""A long gap list is written by the worker, within the manager's area: the person planted
in another area is in no file, whoever's job it is."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from lms.auth.models import User
from lms.coverage import services as coverage_services
from lms.extensions import db
from lms.registry import services as registry_services
from tests.support import registry as r
from tests.support.client import login, post_form


@pytest.fixture
def app_config():
    return {"JOBS_INLINE_EXPORT_ROWS": 1}


@pytest.fixture
def area(app, users):
    with app.app_context():
        r.load_test_units()
        r.course("a")
        coverage_services.set_requirement("official_commune", ["a"])
        for n in range(3):
            r.person(f"Người Trong Vùng {n}", "official_commune", r.HOME_COMMUNE)
        r.person("Người Vùng Khác", "official_commune", r.OTHER_COMMUNE)
        registry_services.assign_unit(db.session.get(User, users["manager"].id), r.unit(r.HOME))
        db.session.commit()
    return app


def test_long_gap_list_is_made_by_the_worker_within_the_area(area, client, users, runner):
    login(client, "manager@example.vn")
    gaps = client.get(f"/coverage/gaps?unit={r.HOME}").get_data(as_text=True)
    assert 'data-testid="export-xlsx">' in gaps  # no "download" attribute: the link opens a page
    url = f"/coverage/gaps.xlsx?unit={r.HOME}"
    page = client.get(url)
    assert 'data-testid="job-confirm"' in page.get_data(as_text=True)
    response = post_form(client, url, {})
    jid = int(re.fullmatch(r"/jobs/(\d+)", response.headers["Location"]).group(1))
    assert runner.invoke(args=["lms", "worker", "--once"]).exit_code == 0
    download = client.get(f"/jobs/{jid}/download")
    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(download.data), read_only=True).active
    text = " ".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)
    assert all(f"Người Trong Vùng {n}" in text for n in range(3)) and "Người Vùng Khác" not in text


def test_small_gap_lists_stay_inline(area, client, users, app):
    app.config["JOBS_INLINE_EXPORT_ROWS"] = 5000
    login(client, "manager@example.vn")
    response = client.get(f"/coverage/gaps.csv?unit={r.HOME}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
