"""Access matrix entries for the catalog and authoring routes."""

from sqlalchemy import select

from tests.support.access import LOGGED_IN, Case, everyone, only

STAFF = ("trainer", "manager", "admin")
AUTHORS = ("trainer", "admin")
# A learner who is not enrolled is sent to the course page; staff may read.
READ_LESSON = {**only(STAFF), "learner": 302}

MATRIX = {
    "catalog.index": [Case("GET", "/courses", LOGGED_IN)],
    "catalog.course": [
        Case("GET", "/courses/{course}", LOGGED_IN),
        Case("GET", "/courses/no-such-course", everyone(404, anonymous=302)),
    ],
    "catalog.enrol": [Case("POST", "/courses/{course}/enrol", everyone(302))],
    "catalog.lesson": [
        Case("GET", "/courses/{course}/lessons/{lesson}", READ_LESSON),
        Case("GET", "/courses/{course}/lessons/nothing", everyone(404, anonymous=302)),
    ],
    "catalog.mark_done": [Case("POST", "/courses/{course}/lessons/{lesson}/done", everyone(302))],
    "catalog.asset": [
        Case("GET", "/courses/{course}/files/images/h.png", LOGGED_IN),
        Case("GET", "/courses/{course}/files/../course.md", everyone(404, anonymous=302)),
    ],
    "catalog.my_learning": [Case("GET", "/my-learning", LOGGED_IN)],
    "catalog.learners": [Case("GET", "/courses/{course}/learners", only(STAFF))],
    "author.preview_fragment": [
        Case("POST", "/author/preview", only(AUTHORS), {"text": "**x**", "course": "{course}"}),
    ],
    "author.upload": [Case("POST", "/author/courses/{course}/files", only(AUTHORS, ok=302))],
    "author.remove_file": [Case("POST", "/author/courses/{course}/files/remove", only(AUTHORS, ok=302),
                                {"path": "files/none.pdf"})],
    "author.audio": [Case("POST", "/author/courses/{course}/lessons/{lesson_id}/audio", only(AUTHORS, ok=302))],
    "author.history": [Case("GET", "/author/courses/{course}/lessons/{lesson_id}/history", only(AUTHORS))],
    "author.restore": [Case("POST", "/author/courses/{course}/lessons/{lesson_id}/history/1/restore",
                            only(AUTHORS, ok=302))],
    "author.copy_lesson": [Case("POST", "/author/courses/{course}/lessons/{lesson_id}/copy", only(AUTHORS, ok=302))],
    "author.copy_module": [Case("POST", "/author/courses/{course}/modules/{module_id}/copy", only(AUTHORS, ok=302))],
    "author.courses": [Case("GET", "/author/courses", only(AUTHORS))],
    "author.course_new": [Case("GET", "/author/courses/new", only(AUTHORS))],
    "author.course": [Case("GET", "/author/courses/{course}", only(AUTHORS))],
    "author.publish": [Case("POST", "/author/courses/{course}/publish", only(AUTHORS, ok=302), {"published": "1"})],
    "author.export": [Case("GET", "/author/courses/{course}/export.zip", only(AUTHORS))],
    "author.import_zip": [Case("GET", "/author/import", only(AUTHORS))],
    "author.module": [
        Case("GET", "/author/courses/{course}/modules/new", only(AUTHORS)),
        Case("GET", "/author/courses/{course}/modules/{module_id}", only(AUTHORS)),
        Case("GET", "/author/courses/{course}/modules/999999", {**only(AUTHORS), "trainer": 404, "admin": 404}),
    ],
    "author.lesson": [
        Case("GET", "/author/courses/{course}/lessons/new", only(AUTHORS)),
        Case("GET", "/author/courses/{course}/lessons/{lesson_id}", only(AUTHORS)),
    ],
    "author.retire": [Case("POST", "/author/courses/{course}/lessons/{lesson_id}/retire", only(AUTHORS, ok=302))],
    "author.move": [Case("POST", "/author/courses/{course}/move", only(AUTHORS, ok=302),
                         {"kind": "module", "id": "{module_id}", "direction": "down"})],
}


def objects(app, users) -> dict:
    import tempfile
    from pathlib import Path

    from lms.catalog.models import Course, Lesson, Module
    from lms.extensions import db
    from tests.support.courses import run_import, write_course

    with tempfile.TemporaryDirectory() as tmp:
        folder = write_course(Path(tmp), "matrix")
        result = run_import(app.test_cli_runner(), folder)
        assert result.exit_code == 0, result.output
    with app.app_context():
        course = db.session.scalar(select(Course).filter_by(slug="matrix"))
        lesson = db.session.scalar(select(Lesson).filter_by(course_id=course.id, slug="mot"))
        module = db.session.scalar(select(Module).filter_by(course_id=course.id, slug="dau"))
        return {"course": "matrix", "lesson": "mot", "lesson_id": lesson.id, "module_id": module.id}
