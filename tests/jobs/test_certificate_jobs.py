"""Many certificates are printed by the worker: the GET page offers to prepare the file, its
POST queues a job, ``flask lms worker --once`` renders it with progress, and only the owner
(or an administrator) sees the job and downloads the file."""

from __future__ import annotations

import io
import re
import zipfile

import pypdf
import pytest
from sqlalchemy import select

from lms.core.audit import AuditLog
from lms.extensions import db
from tests.support.client import login, post_form


@pytest.fixture
def app_config():
    return {"JOBS_INLINE_CERTIFICATES": 2}


@pytest.fixture
def course_with_four(make_course, make_person, complete):
    course = make_course(title="Khóa A")
    for i in range(4):
        complete(make_person(name=f"Người A{i}"), course)
    other = make_course(title="Khóa B")
    complete(make_person(name="Người B"), other)
    return course


def queue(client, url: str, query: dict) -> int:
    page = client.get(url, query_string=query)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="job-confirm"' in html, html[:300]
    action = re.search(r'<form method="post" action="([^"]+)" data-testid="job-confirm-form"', html).group(1).replace("&amp;", "&")
    response = post_form(client, action, {}, token_from=page.request.full_path)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    match = re.fullmatch(r"/jobs/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def test_zip_of_many_certificates_is_made_by_the_worker(app, client, users, runner, course_with_four):
    login(client, "admin@example.vn")
    jid = queue(client, "/certificates/print.zip", {"course": str(course_with_four)})
    assert client.get(f"/jobs/{jid}/download").status_code == 404  # not ready
    assert 'http-equiv="refresh"' in client.get(f"/jobs/{jid}").get_data(as_text=True)

    result = runner.invoke(args=["lms", "worker", "--once"])
    assert result.exit_code == 0, result.output

    html = client.get(f"/jobs/{jid}").get_data(as_text=True)
    assert 'data-status="done"' in html and 'http-equiv="refresh"' not in html
    assert f'href="/jobs/{jid}/download"' in html and "certificates.zip" in html
    download = client.get(f"/jobs/{jid}/download")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert 'filename=certificates.zip' in download.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(download.data)) as z:
        assert len(z.namelist()) == 4  # the filter: course A only
        assert all(z.read(n).startswith(b"%PDF") for n in z.namelist())
    with app.app_context():  # the disclosure is audited once, by the worker, as the owner
        entries = db.session.scalars(select(AuditLog).where(AuditLog.action == "disclosure.certificates.zip")).all()
        assert [(e.actor_id, e.details["rows"]) for e in entries] == [(users["admin"].id, 4)]


def test_one_pdf_for_a_class_sized_selection(app, client, users, runner, course_with_four):
    login(client, "admin@example.vn")
    jid = queue(client, "/certificates/print.pdf", {"course": str(course_with_four)})
    runner.invoke(args=["lms", "worker", "--once"])
    download = client.get(f"/jobs/{jid}/download")
    assert download.mimetype == "application/pdf"
    assert len(pypdf.PdfReader(io.BytesIO(download.data)).pages) == 4


def test_small_selections_stay_inline(client, users, course_with_four):
    login(client, "admin@example.vn")
    response = client.get("/certificates/print.zip", query_string={"q": "Người B"})
    assert response.status_code == 200 and response.mimetype == "application/zip"


def test_another_user_cannot_see_or_download_the_job(app, client, users, runner, course_with_four, make_user):
    login(client, "admin@example.vn")
    jid = queue(client, "/certificates/print.zip", {"course": str(course_with_four)})
    runner.invoke(args=["lms", "worker", "--once"])
    other_admin = make_user(("admin",), email="admin2@example.vn")
    assert other_admin
    for who in ("manager@example.vn", "trainer@example.vn", "learner@example.vn"):
        other = app.test_client()
        login(other, who)
        assert other.get(f"/jobs/{jid}").status_code == 404
        assert other.get(f"/jobs/{jid}/download").status_code == 404
        assert f"/jobs/{jid}" not in other.get("/jobs").get_data(as_text=True)
    anonymous = app.test_client()
    assert anonymous.get(f"/jobs/{jid}/download").status_code == 302  # to the login page
    # Administrators may open anyone's job (support), and download its file.
    admin2 = app.test_client()
    login(admin2, "admin2@example.vn")
    assert admin2.get(f"/jobs/{jid}/download").status_code == 200


def test_a_deactivated_owner_fails_the_job(app, client, users, runner, course_with_four):
    from lms.auth.models import User

    login(client, "admin@example.vn")
    jid = queue(client, "/certificates/print.zip", {"course": str(course_with_four)})
    with app.app_context():
        db.session.get(User, users["admin"].id).active = False
        db.session.commit()
    runner.invoke(args=["lms", "worker", "--once"])
    with app.app_context():
        from lms.jobs.models import Job

        job = db.session.get(Job, jid)
        assert job.status == "failed" and job.result is None and "không còn hoạt động" in job.error


def test_a_long_certificate_list_is_written_by_the_worker(app, client, users, runner, course_with_four):
    app.config["JOBS_INLINE_EXPORT_ROWS"] = 3
    login(client, "admin@example.vn")
    jid = queue(client, "/certificates/export.csv", {"course": str(course_with_four)})
    runner.invoke(args=["lms", "worker", "--once"])
    download = client.get(f"/jobs/{jid}/download")
    assert download.mimetype == "text/csv"
    text = download.data.decode("utf-8-sig")
    assert all(f"Người A{i}" in text for i in range(4)) and "Người B" not in text
    # Below the threshold the list is still answered at once.
    response = client.get("/certificates/export.xlsx", query_string={"q": "Người B"})
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")


def test_an_owner_who_lost_the_role_gets_neither_the_run_nor_the_file(app, client, users, runner, course_with_four,
                                                                     make_user):
    from lms.auth.models import User, UserRole

    demoted = make_user(("admin",), email="admin2@example.vn")
    login(client, "admin2@example.vn")
    first = queue(client, "/certificates/print.zip", {"course": str(course_with_four)})
    runner.invoke(args=["lms", "worker", "--once"])
    second = queue(client, "/certificates/print.zip", {"course": str(course_with_four)})
    with app.app_context():  # the administrator becomes a learner
        user = db.session.get(User, demoted.id)
        db.session.execute(UserRole.__table__.update().where(UserRole.user_id == user.id).values(role="learner"))
        db.session.commit()
    runner.invoke(args=["lms", "worker", "--once"])
    assert client.get(f"/jobs/{first}/download").status_code == 404  # made before, no longer served
    with app.app_context():
        from lms.jobs.models import Job

        job = db.session.get(Job, second)
        assert job.status == "failed" and job.result is None
