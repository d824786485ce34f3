"""An administrator on a phone asks for a ZIP of many certificates: a confirmation, then the
job's page with its progress bar, refreshed by itself (no JavaScript) until the download
link appears once the worker has made the file."""

from __future__ import annotations

import io
import zipfile

import pytest

from lms.extensions import db
from lms.jobs.worker import run_worker
from tests.support.users import PASSWORD


@pytest.fixture
def app_config():
    return {"JOBS_INLINE_CERTIFICATES": 1}


def test_admin_gets_a_certificate_zip_from_the_worker(phone_page, app, users):
    from lms.catalog.models import Course
    from lms.catalog.services import record_completion
    from lms.registry.models import Person

    with app.app_context():
        record = Course(slug="khoa-a", title="Khóa A", hours=24)
        db.session.add(record)
        db.session.flush()
        for i in range(3):
            person = Person(full_name=f"Người A{i}")
            db.session.add(person)
            db.session.flush()
            record_completion(person.id, record, via="online")
        db.session.commit()
        course = record.id

    page = phone_page
    page.goto(page.base_url + "/login")
    page.get_by_label("E-mail hoặc số điện thoại").fill("admin@example.vn")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(page.base_url + "/")
    page.goto(f"{page.base_url}/certificates?course={course}")
    with page.expect_navigation():
        page.get_by_role("link", name="Tải tất cả (tệp ZIP gồm các PDF)").click()
    assert page.locator("[data-testid=job-confirm]").count() == 1
    with page.expect_navigation():
        page.get_by_role("button", name="Tạo tệp").click()
    assert "/jobs/" in page.url
    assert page.locator("meta[http-equiv=refresh]").count() == 1 and page.locator("progress").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    stats = run_worker(app, once=True)  # the worker, beside the live server
    assert len(stats.jobs) == 1
    link = page.locator("[data-testid=job-download]")
    link.wait_for(timeout=20_000)  # the page refreshes itself every 2 s
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    with page.expect_download() as info:
        link.click()
    with open(info.value.path(), "rb") as fh, zipfile.ZipFile(io.BytesIO(fh.read())) as archive:
        assert len(archive.namelist()) == 3
