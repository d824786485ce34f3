"""Threshold arithmetic, post-test rule, and completion exactly once (repeated, concurrent)."""

from __future__ import annotations

import threading
from datetime import date, time

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from tests.support.classes import make_class

FOUR_DAYS = [(date(2026, 3, d), time(7, 30), time(11, 30)) for d in (10, 11, 12, 13)]


@pytest.mark.parametrize(("attended", "excused", "days", "threshold", "meets"), [
    (4, 0, 5, 80, True),     # 4/5 = 80 %: exactly the threshold
    (3, 0, 5, 80, False),    # 60 %
    (3, 1, 5, 80, False),    # 3/(5-1) = 75 %
    (4, 1, 5, 80, True),     # 4/4 = 100 %
    (3, 2, 5, 80, True),     # 3/3: excused days leave the denominator
    (0, 5, 5, 80, False),    # excused every day: nothing to count, not met
    (0, 0, 0, 80, False),    # a class without days
    (2, 0, 3, 67, False),    # 66.67 % < 67 % (integer arithmetic, no rounding up)
    (2, 0, 3, 66, True),
    (0, 0, 4, 0, True),      # a threshold of 0 needs nothing
])
def test_threshold_arithmetic(app, attended, excused, days, threshold, meets):
    from lms.classes.services import meets_threshold

    assert meets_threshold(attended, excused, days, threshold) is meets


def _setup(app, world, users, marks: dict[int, list[str]], **kwargs) -> int:
    """A four-day class; ``marks`` maps a person index to their marks per day ('' = none)."""
    from lms.classes import services
    from lms.classes.models import TrainingClass

    class_id = make_class(app, world, days=FOUR_DAYS, trainers=[users["trainer"].id], **kwargs)
    with app.app_context():
        training_class = db.session.get(TrainingClass, class_id)
        services.add_people(training_class, [world["people"][i] for i in marks], actor=None)
        for i, statuses in marks.items():
            for day, status in zip(training_class.days, statuses, strict=True):
                if status:
                    services.mark(day, world["people"][i], status, actor=None)
        db.session.commit()
    return class_id


def _completions(app, course_id, via="class"):
    from lms.catalog.models import CourseCompletion

    with app.app_context():
        return sorted(db.session.scalars(
            select(CourseCompletion.person_id).where(CourseCompletion.course_id == course_id,
                                                     CourseCompletion.via == via)
        ))


def test_finishing_awards_those_meeting_the_threshold_and_excused_rule(app, world, users):
    from lms.classes import services
    from lms.classes.models import TrainingClass

    people = world["people"]
    class_id = _setup(app, world, users, {
        0: ["present", "present", "late", "present"],      # 4/4
        1: ["present", "present", "present", "absent"],    # 3/4 = 75 % < 80 %
        2: ["present", "excused", "present", "late"],      # 3/3 (one excused)
        3: ["present", "present", "present", ""],          # unmarked counts as absent: 3/4
        4: ["excused", "excused", "excused", "excused"],   # nothing to count
    })
    with app.app_context():
        training_class = db.session.get(TrainingClass, class_id)
        result = services.finish_class(training_class, actor=None)
        db.session.commit()
        assert result.finished_now and result.awarded == 2
    assert _completions(app, world["course"]) == sorted([people[0], people[2]])


def test_post_test_required_uses_paper_score_and_pass_mark(app, world, users):
    from lms.classes import services
    from lms.classes.models import TrainingClass

    people = world["people"]
    full = ["present"] * 4
    class_id = _setup(app, world, users, {0: full, 1: full, 2: full}, posttest=True, pass_mark=70)
    with app.app_context():
        training_class = db.session.get(TrainingClass, class_id)
        services.set_paper_score(training_class, people[0], 70, actor=None)  # exactly the pass mark
        services.set_paper_score(training_class, people[1], 69.5, actor=None)
        services.finish_class(training_class, actor=None)
        db.session.commit()
    assert _completions(app, world["course"]) == [people[0]]
    # A paper score typed in after the class (a late correction) completes, exactly once.
    with app.app_context():
        training_class = db.session.get(TrainingClass, class_id)
        assert services.set_paper_score(training_class, people[2], 90, actor=None)
        services.set_paper_score(training_class, people[2], 95, actor=None)
        db.session.commit()
    assert _completions(app, world["course"]) == sorted([people[0], people[2]])


def test_person_already_complete_online_is_not_duplicated(app, world, users):
    from lms.catalog.models import Course, CourseCompletion
    from lms.catalog.services import record_completion
    from lms.classes import services
    from lms.classes.models import TrainingClass

    people = world["people"]
    class_id = _setup(app, world, users, {0: ["present"] * 4, 1: ["present"] * 4})
    with app.app_context():
        record_completion(people[0], db.session.get(Course, world["course"]), via="online")
        db.session.commit()
        result = services.finish_class(db.session.get(TrainingClass, class_id), actor=None)
        db.session.commit()
        assert result.awarded == 1
        rows = db.session.execute(select(CourseCompletion.person_id, CourseCompletion.via)
                                  .order_by(CourseCompletion.person_id)).all()
    assert rows == [(people[0], "online"), (people[1], "class")]


def test_finishing_twice_changes_nothing(app, world, users, runner):
    from lms.catalog.models import CourseCompletion
    from lms.certification.models import Certificate
    from lms.classes import services
    from lms.classes.models import TrainingClass

    class_id = _setup(app, world, users, {0: ["present"] * 4, 1: ["present"] * 4})
    with app.app_context():
        first = services.finish_class(db.session.get(TrainingClass, class_id), actor=None)
        db.session.commit()
        second = services.finish_class(db.session.get(TrainingClass, class_id), actor=None)
        db.session.commit()
        assert (first.finished_now, first.awarded) == (True, 2)
        assert (second.finished_now, second.awarded) == (False, 0)
    result = runner.invoke(args=["lms", "class-finish", str(class_id)])
    assert result.exit_code == 0 and "already finished" in result.output
    assert runner.invoke(args=["lms", "class-finish", "999999"]).exit_code != 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CourseCompletion)) == 2
        # Certificates follow the completions automatically (course_completed), once each.
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 2


def test_concurrent_finishing_awards_exactly_once(app, world, users):
    from lms.catalog.models import CourseCompletion
    from lms.classes import services
    from lms.classes.models import TrainingClass
    from lms.core.audit import AuditLog

    class_id = _setup(app, world, users, {i: ["present"] * 4 for i in range(5)})
    n = 6
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                result = services.finish_class(db.session.get(TrainingClass, class_id), actor=None)
                db.session.commit()
                results.append(result)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(r.finished_now for r in results) == [False] * (n - 1) + [True]
    assert sum(r.awarded for r in results) == 5
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CourseCompletion)) == 5
        assert db.session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "class.finish")) == 1


def test_cancelled_class_cannot_be_finished(app, world, users):
    from lms.classes import services
    from lms.classes.models import TrainingClass
    from lms.core.errors import ServiceError

    class_id = _setup(app, world, users, {0: ["present"] * 4})
    with app.app_context():
        training_class = db.session.get(TrainingClass, class_id)
        services.set_status(training_class, "cancelled", actor=None)
        with pytest.raises(ServiceError):
            services.finish_class(training_class, actor=None)
    assert _completions(app, world["course"]) == []


def test_a_class_can_print_its_certificates_with_its_own_template(app, world, users):
    """The class's template is used for the certificates its completions produce; others keep
    the course's (the default Vietnamese template)."""
    from lms.certification.models import Certificate
    from lms.classes import services
    from lms.classes.models import TrainingClass

    class_id = _setup(app, world, users, {0: ["present"] * 4})
    with app.app_context():
        training_class = db.session.get(TrainingClass, class_id)
        training_class.certificate_template = "en"
        services.finish_class(training_class, actor=None)
        db.session.commit()
        certificate = db.session.scalar(select(Certificate).where(Certificate.person_id == world["people"][0]))
        assert certificate.template == "en"

    from lms.catalog.models import Course
    from lms.catalog.services import record_completion

    with app.app_context():  # an online completion of the same course keeps the course's template
        record_completion(world["people"][1], db.session.get(Course, world["course"]), via="online")
        db.session.commit()
        other = db.session.scalar(select(Certificate).where(Certificate.person_id == world["people"][1]))
        assert other.template == "vi"
