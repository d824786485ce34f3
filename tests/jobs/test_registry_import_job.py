"""A large registry file is checked and applied by the worker: the upload queues its check,
whose page leads to the preview; the preview's "Import now" queues the apply, which
``flask lms worker --once`` runs in one transaction."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.jobs.models import Job
from lms.registry.models import Organisation, Person
from tests.support import registry as r
from tests.support.client import login, post_form

ORG_HEADER = "org_code,org_name,org_type,unit_code,leader_name,leader_phone,leader_national_id,joined_year,status,withdrawn_on\n"


@pytest.fixture
def app_config():
    return {"JOBS_INLINE_IMPORT_ROWS": 2}


@pytest.fixture
def units(app):
    with app.app_context():
        r.load_test_units()
        db.session.commit()
    return app


def org_rows(n: int, start: int = 0) -> str:
    return "".join(f"0101{k:06d},HTX Số {k},cooperative,{r.HOME_COMMUNE},Người {k},0912{k:06d},,,,\n"
                   for k in range(start, start + n))


def upload(client, text: str) -> str:
    """Upload a file; return where the upload leads (a job page for a large file)."""
    response = post_form(client, "/registry/import", {"file": (io.BytesIO(text.encode()), "orgs.csv"),
                                                      "scheme": "2025", "kind": ""},
                         content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"]


def checked(client, runner, text: str) -> str:
    """Upload a large file and let the worker check it; return the preview's address."""
    check = upload(client, text)
    assert job_id(check)
    assert runner.invoke(args=["lms", "worker", "--once"]).exit_code == 0
    html = client.get(check).get_data(as_text=True)
    preview = re.search(r'href="(/registry/import/\d+)" data-testid="job-link"', html)
    assert preview, html
    return preview.group(1)


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Organisation)),
                db.session.scalar(select(func.count()).select_from(Person).where(Person.target_group.is_not(None))))


def job_id(location: str) -> int:
    match = re.fullmatch(r"/jobs/(\d+)", location)
    assert match, location
    return int(match.group(1))


def test_large_file_is_checked_then_applied_by_the_worker(units, client, users, runner):
    login(client, "admin@example.vn")
    check = upload(client, ORG_HEADER + org_rows(5))
    cid = job_id(check)  # the upload queued the check: no request reads all the rows
    page = client.get(check)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'http-equiv="refresh"' in html and "<progress" in html
    assert "Đang chờ máy chạy nền" in html  # queued, in Vietnamese
    assert page.headers["Cache-Control"] == "private, no-store"

    assert "1 job(s) run" in runner.invoke(args=["lms", "worker", "--once"]).output
    html = client.get(check).get_data(as_text=True)
    assert 'data-status="done"' in html and "Không có lỗi" in html and 'data-testid="job-download"' not in html
    preview = re.search(r'href="(/registry/import/\d+)" data-testid="job-link"', html).group(1)
    assert client.get(f"/jobs/{cid}/download").status_code == 404  # the summary is not a download

    html = client.get(preview).get_data(as_text=True)  # the preview, from the check's summary
    assert "HTX Số 0" in html and "nhập ở chế độ nền" in html and counts(units) == (0, 0)
    queued = post_form(client, preview, {})
    jid = job_id(queued.headers["Location"])
    assert counts(units) == (0, 0)  # nothing written by the request
    # The same confirmation again does not queue a second apply of the same file.
    assert job_id(post_form(client, preview, {}).headers["Location"]) == jid

    result = runner.invoke(args=["lms", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 job(s) run" in result.output
    assert counts(units) == (5, 5), client.get(f"/jobs/{jid}").get_data(as_text=True)

    html = client.get(f"/jobs/{jid}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in html and 'value="1" max="1"' in html
    assert "Tổ chức: 5 thêm mới, 0 cập nhật, 0 không đổi." in html
    assert 'href="/registry/people"' in html
    mine = client.get("/jobs").get_data(as_text=True)
    assert f'href="/jobs/{jid}"' in mine and f'href="/jobs/{cid}"' in mine and "orgs.csv" in mine
    assert "Tệp này đã được nhập" in client.get(preview, follow_redirects=True).get_data(as_text=True)


def test_errors_found_by_the_check_are_shown_and_nothing_can_be_imported(units, client, users, runner):
    login(client, "admin@example.vn")
    preview = checked(client, runner, ORG_HEADER + org_rows(3) + "0101,X,cooperative,00000,An,,,,,\n")
    html = client.get(preview).get_data(as_text=True)
    assert "00000" in html and "Mã đơn vị hành chính" in html and "Nhập ngay" not in html
    assert post_form(client, preview, {}).status_code == 200  # no job
    assert runner.invoke(args=["lms", "worker", "--once"]).output.startswith("worker: 0 job(s) run")
    assert counts(units) == (0, 0)


def test_a_manager_checks_within_their_area(units, client, users, runner):
    """The check runs as its owner: a manager without that unit gets its rows refused."""
    login(client, "manager@example.vn")
    preview = checked(client, runner, ORG_HEADER + org_rows(3))
    assert "nằm ngoài địa bàn của bạn" in client.get(preview).get_data(as_text=True)


def test_the_apply_commits_whole_or_not_at_all(units, client, users, runner, app, monkeypatch):
    """A failure after the rows were written (here: right after the apply) leaves nothing;
    the file can be imported again and then everything is there."""
    from lms.registry import import_jobs

    login(client, "admin@example.vn")
    preview = checked(client, runner, ORG_HEADER + org_rows(6))
    jid = job_id(post_form(client, preview, {}).headers["Location"])
    real = import_jobs.services.apply_import

    def apply_then_fail(*args, **kwargs):
        real(*args, **kwargs)
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == 6  # written, not committed
        raise RuntimeError("disk full")

    monkeypatch.setattr(import_jobs.services, "apply_import", apply_then_fail)
    runner.invoke(args=["lms", "worker", "--once"])
    html = client.get(f"/jobs/{jid}").get_data(as_text=True)
    assert 'data-status="failed"' in html and "disk full" not in html
    assert "Không có gì được lưu" in html  # "nothing of it was saved", in Vietnamese
    assert counts(app) == (0, 0)

    monkeypatch.setattr(import_jobs.services, "apply_import", real)
    again = job_id(post_form(client, preview, {}).headers["Location"])
    assert again != jid
    runner.invoke(args=["lms", "worker", "--once"])
    assert counts(app) == (6, 6)
    assert 'data-status="done"' in client.get(f"/jobs/{again}").get_data(as_text=True)


def test_a_file_no_longer_kept_fails_the_job_clearly(units, client, users, runner, app):
    login(client, "admin@example.vn")
    preview = checked(client, runner, ORG_HEADER + org_rows(4))
    jid = job_id(post_form(client, preview, {}).headers["Location"])
    with app.app_context():
        job = db.session.get(Job, jid)
        job.params = {"batch_id": 999999}
        db.session.commit()
    runner.invoke(args=["lms", "worker", "--once"])
    html = client.get(f"/jobs/{jid}").get_data(as_text=True)
    assert 'data-status="failed"' in html and "Tải tệp lên lại" in html
    assert counts(app) == (0, 0)
