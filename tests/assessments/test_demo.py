"""Demo data: a finished attempt of the demo learner when the demo quiz is imported; idempotent."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from lms.assessments.models import Attempt
from lms.catalog.models import Course
from lms.extensions import db
from tests.support.quizzes import import_files

REPO_QUIZZES = Path(__file__).resolve().parents[2] / "quizzes"


def test_seed_demo_adds_one_finished_attempt(app, runner):
    assert runner.invoke(args=["lms", "seed-demo"]).exit_code == 0  # no quiz yet: nothing
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attempt)) == 0
        db.session.add(Course(slug="quan-tri-san-xuat-kinh-doanh", title="Quản trị", summary=""))
        db.session.commit()
    assert import_files(runner, REPO_QUIZZES / "quan-tri-cuoi-khoa.yaml").exit_code == 0
    for _ in range(2):
        result = runner.invoke(args=["lms", "seed-demo"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        attempts = db.session.scalars(select(Attempt)).all()
        assert len(attempts) == 1 and attempts[0].status in ("graded", "pending_review")
        assert attempts[0].score is not None and attempts[0].score > 0
