"""Refreshers renew a completion (issue 15, validity): a person whose only completion is too old
shows as "needs refresher", retrains (class, online, registry import) and is counted trained."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from lms.extensions import db
from tests.support.classes import make_class
from tests.support.client import login

OLD = datetime(2024, 6, 1, 3, 0, tzinfo=UTC)
QUIZ = """\
title: Ôn tập
course: lop-ocop
max_attempts: 1
questions:
  - {id: a, type: truefalse, text: 'Đúng?', answer: true}
"""


def _require_fresh(app) -> None:
    """Cooperative leaders need lop-ocop, completed in the last 12 months."""
    from lms.coverage import services

    with app.app_context():
        services.set_requirement("cooperative_leader", ["lop-ocop"])
        services.update_set(services.find_set(), validity={"lop-ocop": {"valid_months": 12}})
        db.session.commit()


def _complete_old(app, person_id: int, via: str = "class") -> None:
    from lms.catalog.services import record_completion

    with app.app_context():
        record_completion(person_id, _course(), via=via, completed_at=OLD)
        db.session.commit()


def _course():
    from lms.catalog.models import Course

    return db.session.scalar(select(Course).where(Course.slug == "lop-ocop"))


def _coverage(runner, as_of: str) -> dict:
    result = runner.invoke(args=["lms", "coverage", "--unit", "44", "--scheme", "2025", "--as-of", as_of,
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    (group,) = [g for g in doc["groups"] if g["group"] == "cooperative_leader"]
    return {k: group[k] for k in ("required", "trained", "needs_refresher", "not_started")}


def _completion(app, person_id: int):
    from lms.catalog.models import CourseCompletion

    with app.app_context():
        row = db.session.scalar(select(CourseCompletion).where(CourseCompletion.person_id == person_id))
        db.session.expunge(row)
        return row


def _certificates(app, person_id: int) -> list[tuple[int, str]]:
    from lms.certification.models import Certificate

    with app.app_context():
        return [(c.renewal, c.completed_on.isoformat()) for c in db.session.scalars(
            select(Certificate).where(Certificate.person_id == person_id).order_by(Certificate.renewal))]


def test_class_and_import_refreshers_renew_and_count_as_trained(app, world, users, runner, tmp_path):
    from lms.classes import services
    from lms.classes.models import TrainingClass
    from lms.core.audit import AuditLog

    _require_fresh(app)
    people = world["people"]
    _complete_old(app, people[0])
    _complete_old(app, people[1], via="historical")
    # Six leaders: two completed in 2024 (too old on 2026-03-20), four never.
    assert _coverage(runner, "2026-03-20") == {"required": 6, "trained": 0, "needs_refresher": 2, "not_started": 4}

    # people[0] retrains in a class (10-11 March 2026), finished from the command line.
    class_id = make_class(app, world, trainers=[users["trainer"].id])
    # Filling the class from the gap list reaches the two whose completion is too old.
    trainer = app.test_client()
    login(trainer, "trainer@example.vn")
    preview = trainer.get(f"/classes/{class_id}/people/gap").get_data(as_text=True)
    assert "6 người sẽ được thêm" in preview or "6 people will be added" in preview
    with app.app_context():
        training_class = db.session.get(TrainingClass, class_id)
        services.add_people(training_class, [people[0]], actor=None)
        for day in training_class.days:
            services.mark(day, people[0], "present", actor=None)
        db.session.commit()
    finished = runner.invoke(args=["lms", "class-finish", str(class_id)])
    assert finished.exit_code == 0, finished.output
    renewed = _completion(app, people[0])
    assert (renewed.first_completed_at, renewed.via, renewed.source_ref, renewed.renewals) == (
        OLD, "class", f"class:{class_id}", 1)
    assert renewed.completed_at.date() == date(2026, 3, 11)
    # The 2024 certificate stays; the refresher has its own, stating the new date.
    assert _certificates(app, people[0]) == [(0, "2024-06-01"), (1, "2026-03-11")]

    # people[1]'s newer training arrives in a registry file; the same file again changes nothing.
    csv = tmp_path / "c.csv"
    csv.write_text("national_id,phone,full_name,course,completed_at,source\n"
                   "044000000001,,Học viên 1,lop-ocop,2026-03-15,historical\n"
                   "044000000002,,Học viên 2,lop-ocop,2026-03-16,historical\n", "utf-8")
    result = runner.invoke(args=["lms", "import-registry", str(csv)])
    assert "completions: 1 created, 1 updated, 0 unchanged" in result.output, result.output
    again = runner.invoke(args=["lms", "import-registry", str(csv)])
    assert "completions: 0 created, 0 updated, 2 unchanged" in again.output, again.output
    assert _completion(app, people[1]).completed_at.date() == date(2026, 3, 14)  # local midnight, 15 March

    assert _coverage(runner, "2026-03-20") == {"required": 6, "trained": 3, "needs_refresher": 0, "not_started": 3}
    with app.app_context():
        renewals = db.session.scalar(select(func.count()).select_from(AuditLog)
                                     .where(AuditLog.action == "completion.renew"))
        assert renewals == 2


def test_online_refresher_retakes_the_final_quiz_after_a_new_version(app, world, users, runner, client, tmp_path):
    from lms.assessments.models import Attempt, Quiz
    from lms.catalog.models import Enrolment
    from lms.core.localtime import local_today
    from tests.support.quizzes import page_token, save, start, submit

    _require_fresh(app)
    learner = world["learner_person"]
    with app.app_context():
        from lms.registry.models import Person

        db.session.get(Person, learner).target_group = "cooperative_leader"
        course = _course()
        course.completion = {"lessons": "required", "quizzes": ["on-tap"]}
        course.version = "1"
        db.session.add(Enrolment(user_id=users["learner"].id, course_id=course.id))
        db.session.commit()
    (tmp_path / "on-tap.yaml").write_text(QUIZ, "utf-8")
    assert runner.invoke(args=["lms", "import-quizzes", str(tmp_path / "on-tap.yaml")]).exit_code == 0
    with app.app_context():
        # The learner passed the (single-attempt) quiz in 2024, under version 1 …
        quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "on-tap"))
        db.session.add(Attempt(quiz_id=quiz.id, user_id=users["learner"].id, number=1, status="graded",
                               passed=True, score=100.0, started_at=OLD, submitted_at=OLD, layout=[]))
        db.session.commit()
    _complete_old(app, learner, via="online")
    with app.app_context():
        _course().version = "2"  # … and the course has changed since.
        db.session.commit()
        today = local_today().isoformat()
    before = _coverage(runner, today)
    assert (before["trained"], before["needs_refresher"]) == (0, 1)

    login(client, "learner@example.vn")
    # Retaking the final quiz renews the completion (the new version gives a fresh allowance).
    attempt_id = start(client, "on-tap")
    assert save(client, attempt_id, {"s1": "true"}).status_code == 302
    assert submit(client, attempt_id).status_code == 302
    renewed = _completion(app, learner)
    assert (renewed.via, renewed.course_version, renewed.renewals, renewed.first_completed_at) == (
        "online", "2", 1, OLD)
    after = _coverage(runner, today)
    assert (after["trained"], after["needs_refresher"]) == (1, 0)
    # Under the new version the allowance is used again: one attempt.
    token = page_token(client, "/quizzes/on-tap")
    refused = client.post("/quizzes/on-tap/start", data={"csrf_token": token}, follow_redirects=True)
    assert "hết số lần" in refused.get_data(as_text=True) or "used all" in refused.get_data(as_text=True)
