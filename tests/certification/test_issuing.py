"""Issuing: automatically on completion, exactly once (also concurrently), by hand, audited."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import func, select

from lms.extensions import db
from tests.support.client import login, post_form


def _count(app, model, **where):
    with app.app_context():
        stmt = select(func.count()).select_from(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return db.session.scalar(stmt)


def test_completion_issues_a_certificate_with_a_snapshot_of_the_details(
    app, make_course, make_person, complete, certificate
):
    from lms.certification.models import CertificateVersion
    from lms.core.audit import AuditLog

    course = make_course(hours=24)
    person = make_person(name="Trần Văn Bình")
    code = complete(person, course, completed_at=datetime(2026, 3, 4, 18, 30, tzinfo=UTC))
    assert code
    with certificate(code) as c:
        assert c.holder_name == "Trần Văn Bình"
        assert c.course_title.startswith("Quản trị sản xuất")
        assert c.hours == 24
        # 18:30 UTC is already the 5th in Viet Nam.
        assert c.completed_on.isoformat() == "2026-03-05"
        assert c.template == "vi"
        assert c.issuer.startswith("Sở Nông nghiệp")
        assert c.issued_automatically and c.version == 1
    assert _count(app, CertificateVersion) == 1
    with app.app_context():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "certificate.issue"))
        assert entry.actor_id is None and entry.details["automatic"] is True


def test_course_template_choice_and_english_title(app, make_course, make_person, complete, certificate):
    course = make_course(template="en", title_en="Production and business management")
    code = complete(make_person(), course)
    with certificate(code) as c:
        assert c.template == "en"
        assert c.course_title == "Production and business management"
        assert c.issuer.startswith("Department of Agriculture")


def test_unknown_template_falls_back_to_the_default(make_course, make_person, complete, certificate):
    code = complete(make_person(), make_course(template="no-such-template"))
    with certificate(code) as c:
        assert c.template == "vi"


def test_a_second_completion_call_issues_nothing_more(app, make_course, make_person, complete):
    from lms.certification.models import Certificate

    course, person = make_course(), make_person()
    when = datetime(2026, 3, 10, 4, 30, tzinfo=UTC)
    first = complete(person, course, completed_at=when)
    second = complete(person, course, via="class", completed_at=when)
    earlier = complete(person, course, via="class", completed_at=datetime(2026, 1, 5, tzinfo=UTC))
    assert first == second == earlier
    assert _count(app, Certificate) == 1


def test_a_refresher_gets_a_certificate_of_its_own(app, make_course, make_person, complete, certificate):
    """A later completion renews the completion and issues a new certificate stating the new
    date; the first one stays valid (until revoked)."""
    from lms.catalog.models import CourseCompletion
    from lms.certification.models import VALID, Certificate

    course, person = make_course(), make_person()
    first = complete(person, course, completed_at=datetime(2024, 3, 10, 4, 30, tzinfo=UTC))
    renewed = complete(person, course, via="class", completed_at=datetime(2026, 3, 10, 4, 30, tzinfo=UTC))
    assert first and renewed and first != renewed
    assert _count(app, Certificate, person_id=person, course_id=course) == 2
    with certificate(first) as old:
        assert (old.renewal, str(old.completed_on), old.status(old.issued_on)) == (0, "2024-03-10", VALID)
    with certificate(renewed) as new:
        assert (new.renewal, str(new.completed_on)) == (1, "2026-03-10")
    with app.app_context():
        completion = db.session.scalar(select(CourseCompletion).where(CourseCompletion.person_id == person))
        assert (completion.renewals, completion.via) == (1, "class")
        assert completion.first_completed_at.year == 2024 and completion.completed_at.year == 2026
    # The same refresher recorded again issues nothing more.
    assert complete(person, course, via="class", completed_at=datetime(2026, 3, 10, 4, 30, tzinfo=UTC)) == renewed
    assert _count(app, Certificate, person_id=person, course_id=course) == 2


def test_policy_limits_automatic_routes(app, runner, make_course, make_person, complete):
    from lms.catalog.models import Course

    course = make_course()
    with app.app_context():
        slug = db.session.get(Course, course).slug
    result = runner.invoke(args=["lms", "certificate-policy", slug, "--via", "class"])
    assert result.exit_code == 0 and "automatic for class" in result.output
    assert complete(make_person(name="Học trực tuyến"), course, via="online") is None
    assert complete(make_person(name="Học tại lớp"), course, via="class") is not None
    result = runner.invoke(args=["lms", "certificate-policy", "no-such-course"])
    assert result.exit_code != 0 and "no course" in result.output


def _race(app, n, work):
    """Run ``work(app)`` in n threads released together; return the errors."""
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def run():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                work()
                db.session.commit()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


def test_concurrent_completions_issue_exactly_one_certificate(app, make_course, make_person):
    from lms.catalog.models import Course, CourseCompletion
    from lms.catalog.services import record_completion
    from lms.certification.models import Certificate, CertificateVersion

    course_id, person_id = make_course(), make_person()

    def work():
        record_completion(person_id, db.session.get(Course, course_id), via="online")

    assert _race(app, 6, work) == []
    assert _count(app, CourseCompletion) == 1
    assert _count(app, Certificate, person_id=person_id, course_id=course_id) == 1
    assert _count(app, CertificateVersion) == 1


def test_concurrent_issuing_of_one_completion_creates_one_certificate(
    app, make_course, make_person, complete
):
    """Automatic and manual issuing racing for the same completion: the constraint decides."""
    from lms.catalog.models import Course, CourseCompletion
    from lms.certification import services
    from lms.certification.models import Certificate
    from lms.core.audit import AuditLog

    course_id, person_id = make_course(), make_person()
    with app.app_context():
        services.set_auto_issue_vias(db.session.get(Course, course_id), [])
        db.session.commit()
    assert complete(person_id, course_id) is None

    def work():
        completion = db.session.scalar(select(CourseCompletion))
        services.issue_for_completion(completion, automatic=False)

    assert _race(app, 6, work) == []
    assert _count(app, Certificate) == 1
    assert _count(app, AuditLog, action="certificate.issue") == 1


def test_the_database_refuses_a_second_certificate(app, make_course, make_person, complete):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from lms.certification.models import Certificate

    course, person = make_course(), make_person()
    code = complete(person, course)
    with app.app_context():
        original = db.session.scalar(select(Certificate).where(Certificate.code == code))
        copy = Certificate(
            code="X" * 28, person_id=person, course_id=course, template="vi", holder_name="x",
            course_title="x", hours=1, completed_on=original.completed_on, issued_on=original.issued_on,
        )
        db.session.add(copy)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_staff_issue_by_hand_from_the_pending_list(app, client, users, make_course, make_person, complete):
    from lms.catalog.models import Course, CourseCompletion
    from lms.certification import services
    from lms.certification.models import Certificate
    from lms.core.audit import AuditLog

    course_id = make_course()
    with app.app_context():
        services.set_auto_issue_vias(db.session.get(Course, course_id), ["online"])
        db.session.commit()
    person = make_person(name="Lò Thị Mai")
    assert complete(person, course_id, via="historical") is None
    with app.app_context():
        completion_id = db.session.scalar(select(CourseCompletion.id))

    login(client, "admin@example.vn")
    page = client.get("/certificates/pending").get_data(as_text=True)
    assert "Lò Thị Mai" in page
    url = f"/certificates/issue/{completion_id}"
    form = client.get(url).get_data(as_text=True)
    assert "Sở Nông nghiệp và Môi trường tỉnh Quảng Trị" in form  # defaults from the template

    response = post_form(client, url, {"issuer": "", "signer_title": "Giám đốc"})
    assert response.status_code == 200 and "aria-invalid" in response.get_data(as_text=True)
    response = post_form(client, url, {
        "issuer": "Trung tâm Khuyến nông tỉnh", "signer_title": "Giám đốc", "signer_name": "Phạm Văn Đức",
        "place": "Đông Hà", "decision_number": "45/QĐ-TTKN", "decision_date": "2026-02-01",
        "expires_on": "2026-01-01",
    })
    assert response.status_code == 200
    assert "Ngày hết hạn phải sau ngày cấp." in response.get_data(as_text=True)
    response = post_form(client, url, {
        "issuer": "Trung tâm Khuyến nông tỉnh", "signer_title": "Giám đốc", "signer_name": "Phạm Văn Đức",
        "place": "Đông Hà", "decision_number": "45/QĐ-TTKN", "decision_date": "2026-02-01",
    })
    assert response.status_code == 302
    with app.app_context():
        c = db.session.scalar(select(Certificate))
        assert c.issuer == "Trung tâm Khuyến nông tỉnh" and c.decision_number == "45/QĐ-TTKN"
        assert not c.issued_automatically and c.issued_by_id == users["admin"].id
        assert response.headers["Location"].endswith(f"/certificates/{c.code}")
        assert db.session.scalar(select(AuditLog.actor_id).where(AuditLog.action == "certificate.issue")) == users["admin"].id
    # Issuing again leads to the existing certificate.
    assert client.get(url).status_code == 302
    assert "Mọi lượt hoàn thành" in client.get("/certificates/pending").get_data(as_text=True)


def test_issue_missing_and_demo_are_idempotent_and_silent(app, runner, make_course, make_person):
    from lms.catalog.models import CourseCompletion
    from lms.certification.models import Certificate

    result = runner.invoke(args=["lms", "seed-demo"])
    assert result.exit_code == 0, result.output
    assert _count(app, Certificate) == 0  # no completion yet: nothing, no error

    course, person = make_course(), make_person()
    with app.app_context():
        # A completion recorded before certificates existed (no signal receiver ran).
        db.session.add(CourseCompletion(person_id=person, course_id=course, via="historical",
                                        completed_at=datetime(2024, 5, 1, tzinfo=UTC)))
        db.session.commit()
    assert runner.invoke(args=["lms", "seed-demo"]).exit_code == 0
    assert _count(app, Certificate) == 1
    assert runner.invoke(args=["lms", "seed-demo"]).exit_code == 0
    result = runner.invoke(args=["lms", "certificates-issue-missing"])
    assert result.exit_code == 0 and "0 certificate(s)" in result.output
    assert _count(app, Certificate) == 1
