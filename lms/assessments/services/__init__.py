"""Assessment mutations: importing quiz files, attempts, saving, submitting, grading.

Services validate, change and flush; the caller commits (one commit per request).

- ``rendering``: question texts to sanitised HTML, and the cached spec of a question row;
- ``importing``: quiz files into quizzes and questions, and the GIFT export;
- ``attempts``: starting, saving, submitting, grading and closing attempts (the rules that
  hold under load are in its docstring);
- ``catalog_hooks``: the requirement checker and quiz slug provider the catalog calls.
"""

from lms.assessments.services.attempts import (
    AttemptClosed,
    SaveResult,
    attempts_used,
    close_if_overdue,
    close_overdue,
    extract_raw,
    grace_seconds,
    grade_essay,
    load_response,
    open_attempt_of,
    questions_of,
    response_key,
    save_answers,
    start_attempt,
    submit_attempt,
)
from lms.assessments.services.catalog_hooks import quiz_slugs, quizzes_passed
from lms.assessments.services.importing import (
    ImportProblems,
    ImportResult,
    active_questions,
    export_quiz_gift,
    import_quizzes,
    load_quiz_specs,
)
from lms.assessments.services.rendering import question_spec, render_question, sanitise_html

__all__ = [
    "AttemptClosed",
    "ImportProblems",
    "ImportResult",
    "SaveResult",
    "active_questions",
    "attempts_used",
    "close_if_overdue",
    "close_overdue",
    "export_quiz_gift",
    "extract_raw",
    "grace_seconds",
    "grade_essay",
    "import_quizzes",
    "load_quiz_specs",
    "load_response",
    "open_attempt_of",
    "question_spec",
    "questions_of",
    "quiz_slugs",
    "quizzes_passed",
    "render_question",
    "response_key",
    "sanitise_html",
    "save_answers",
    "start_attempt",
    "submit_attempt",
]
