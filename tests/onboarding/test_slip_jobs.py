"""A PDF of many activation slips is made by the worker: the request queues a job, the worker
lays the slips out with progress and only then stores the new codes, with the file, in one
transaction; the file, which holds the plain codes, is kept sealed in the database."""

from __future__ import annotations

import io
import re

import pypdf
import pytest
from sqlalchemy import func, select, update

from lms.core.audit import AuditLog
from lms.extensions import db
from lms.jobs.models import Job
from lms.onboarding.models import ActivationCode
from lms.registry.models import Person
from tests.onboarding.test_codes import _activate
from tests.onboarding.test_web_slips import _client, _post
from tests.support import registry as reg

CODE_RE = re.compile(r"\b[0-9A-Z]{5}-[0-9A-Z]{5}\b")


@pytest.fixture
def app_config():
    return {"JOBS_INLINE_SLIPS": 1}


def _queue(client, data) -> int:
    response = _post(client, "/registry/people", {"fmt": "pdf", **data})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    match = re.fullmatch(r"/jobs/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _pdf_codes(data: bytes) -> list[str]:
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    return CODE_RE.findall(text)


def test_many_slips_are_printed_by_the_worker_and_their_codes_work(app, make_user, people, runner):
    client = _client(app, make_user)
    job_id = _queue(client, {"source": "filter"})
    assert _count(app, ActivationCode) == 0  # nothing is issued before the slips exist
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Phiếu kích hoạt (PDF), 2 người" in page and 'http-equiv="refresh"' in page

    result = runner.invoke(args=["lms", "worker", "--once"])
    assert result.exit_code == 0, result.output
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'data-status="done"' in page and "2 phiếu" in page
    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert "activation-slips-" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "private, no-store"
    printed = _pdf_codes(download.data)
    assert len(printed) == 2 and "Nguyễn Thị Hoa" in "".join(
        p.extract_text() for p in pypdf.PdfReader(io.BytesIO(download.data)).pages)

    with app.app_context():
        stored = db.session.scalar(select(Job.result).where(Job.id == job_id))
        manager_id = db.session.scalar(select(Job.owner_id).where(Job.id == job_id))
        audited = db.session.scalars(select(AuditLog.actor_id).where(AuditLog.action == "onboarding.code_issued")).all()
    # The database keeps the file sealed: neither the PDF nor a code on it can be read there.
    assert not stored.startswith(b"%PDF") and all(code.encode() not in stored for code in printed)
    assert audited == [manager_id, manager_id]  # issued as the owner, in the owner's area only
    assert _count(app, ActivationCode) == 2
    # The codes on the slips are the ones stored: each works once, with its person's phone.
    phones = {"0912000001", "0912000002"}
    for code in printed:
        ok = [p for p in phones if _activate(app.test_client(), code, p).status_code == 302]
        assert len(ok) == 1
        phones -= set(ok)


def test_a_job_that_stops_midway_leaves_the_earlier_slips_valid(app, make_user, people, runner, issue,
                                                               monkeypatch):
    earlier = issue(people["home"])
    client = _client(app, make_user)
    job_id = _queue(client, {"source": "filter"})

    from lms.onboarding import slips

    def broken(texts, on_each=None):
        on_each(1)  # a progress report commits: nothing of the new codes may be in it
        raise RuntimeError("the printer ran out of paper")

    monkeypatch.setattr(slips, "render_pdf", broken)
    assert runner.invoke(args=["lms", "worker", "--once"]).exit_code == 0
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'data-status="failed"' in page and f"công việc số {job_id}" in page
    assert client.get(f"/jobs/{job_id}/download").status_code == 404
    assert _count(app, ActivationCode) == 1 and _count(app, ActivationCode, ActivationCode.revoked_at.is_not(None)) == 0
    assert _activate(app.test_client(), earlier, "0912000001").status_code == 302


def test_a_person_who_left_the_area_before_the_job_ran_fails_it(app, make_user, people, runner):
    client = _client(app, make_user)
    job_id = _queue(client, {"source": "people", "person_ids": f"{people['home']},{people['home2']}"})
    with app.app_context():
        other = reg.unit(reg.OTHER_COMMUNE)
        db.session.execute(update(Person).where(Person.id == people["home2"]).values(unit_id=other.id))
        db.session.commit()
    assert runner.invoke(args=["lms", "worker", "--once"]).exit_code == 0
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'data-status="failed"' in page and "không còn thuộc địa bàn của bạn" in page
    assert _count(app, ActivationCode) == 0


def test_only_the_issuer_sees_the_job_and_csv_stays_inline(app, make_user, people, runner):
    client = _client(app, make_user)
    job_id = _queue(client, {"source": "filter"})
    assert runner.invoke(args=["lms", "worker", "--once"]).exit_code == 0
    colleague = _client(app, make_user, email="cb2@example.vn")
    assert colleague.get(f"/jobs/{job_id}").status_code == 404
    assert colleague.get(f"/jobs/{job_id}/download").status_code == 404
    # A CSV of codes is quick to make: it stays in the request whatever the number.
    response = _post(colleague, "/registry/people", {"source": "filter", "fmt": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"


def test_a_second_click_while_the_slips_are_made_goes_to_the_same_job(app, make_user, people, runner):
    client = _client(app, make_user)
    first = _queue(client, {"source": "filter"})
    assert _queue(client, {"source": "filter"}) == first  # the first file's codes stay valid
    other = _queue(client, {"source": "filter", "include_active": "y"})
    assert other != first and _count(app, Job) == 2
    assert runner.invoke(args=["lms", "worker", "--once"]).exit_code == 0
    # Once the slips are made, printing again is a reprint: new codes, a new job.
    assert _queue(client, {"source": "filter"}) not in (first, other)
