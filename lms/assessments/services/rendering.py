"""Question texts to sanitised HTML, and the cached spec of a question row."""

from __future__ import annotations

import html as html_lib
import json
import re
from functools import lru_cache
from typing import Any

from lms.assessments.models import Question
from lms.assessments.questions import QuestionSpec
from lms.core import markdown as core_markdown


def _drop_data_images(tag: str, attr: str, value: str) -> str | None:
    if (tag, attr) == ("img", "src") and value.strip().lower().startswith("data:"):
        return None
    return value


def sanitise_html(raw: str) -> str:
    """HTML from a GIFT ``[html]`` / ``[moodle]`` text through the lessons' nh3 allow-list."""
    import nh3  # on first use, like the Markdown pipeline (lms.core.markdown)

    return nh3.clean(
        raw,
        tags=core_markdown.TAGS,
        attributes=core_markdown.ATTRIBUTES,
        allowed_classes=core_markdown.ALLOWED_CLASSES,
        attribute_filter=_drop_data_images,
        url_schemes=core_markdown.URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_text(text: str, fmt: str) -> str:
    """One text of a question, in its format, to sanitised HTML (done once, at import)."""
    if not text or not text.strip():
        return ""
    if fmt == "markdown":
        return core_markdown.render_markdown(text)
    if fmt == "plain":
        return "<p>" + html_lib.escape(text).replace("\n", "<br>") + "</p>"
    if fmt == "moodle":  # Moodle's auto-format: HTML allowed, new lines kept
        return sanitise_html("<p>" + text.replace("\n", "<br>\n") + "</p>")
    return sanitise_html(text)


_SINGLE_P = re.compile(r"\A<p>((?:(?!<p[ >]).)*)</p>\Z", re.DOTALL)


def render_inline(text: str, fmt: str) -> str:
    """Like render_text, without the paragraph around a one-paragraph text (choice labels)."""
    rendered = render_text(text, fmt).strip()
    match = _SINGLE_P.match(rendered)
    return match.group(1) if match else rendered


def render_question(spec: QuestionSpec) -> dict[str, Any]:
    """Every text of a question as sanitised HTML (see QuestionType.render_html)."""
    return spec.type_class.render_html(spec, render_text, render_inline)


@lru_cache(maxsize=4096)
def _spec_from_json(canonical: str) -> QuestionSpec:
    return QuestionSpec.from_dict(json.loads(canonical))


def question_spec(question: Question) -> QuestionSpec:
    """The spec of a question row (rows never change content, so specs are cached)."""
    return _spec_from_json(json.dumps(question.data, sort_keys=True))
