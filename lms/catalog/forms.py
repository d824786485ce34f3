"""Catalog forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from lms.core.forms import BaseForm, MultiCheckboxField
from lms.core.groups import TARGET_GROUP_LABELS

SLUG_RE = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_MESSAGE = _l("Use lower-case letters without accents, digits and hyphens, e.g. quan-tri-co-ban.")


class EnrolListForm(BaseForm):
    identifiers = TextAreaField(
        _l("Phone numbers or e-mail addresses"),
        description=_l("One per line, or separated by commas."),
        validators=[Optional(), Length(max=200_000)],
    )
    csv_file = FileField(
        _l("Or a CSV file"),
        description=_l("A column named phone or email (or the first column)."),
        validators=[FileAllowed(["csv", "txt"], _l("Choose a .csv file."))],
    )


class CourseForm(BaseForm):
    slug = StringField(_l("Short name (in the address)"),
                       validators=[DataRequired(), Length(max=100), Regexp(SLUG_RE, message=SLUG_MESSAGE)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=300)])
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=2000)],
                            render_kw={"rows": 3})
    summary_en = TextAreaField(_l("Summary in English"), validators=[Optional(), Length(max=2000)],
                               render_kw={"rows": 3})
    audience = MultiCheckboxField(
        _l("Audience"), choices=[SelectChoice(k, v) for k, v in TARGET_GROUP_LABELS.items()],
        validators=[DataRequired()],
    )
    hours = DecimalField(_l("Hours"), places=1, validators=[Optional(), NumberRange(min=0, max=1000)])
    language = SelectField(_l("Language of the course"),
                           choices=[SelectChoice("vi", "Tiếng Việt"), SelectChoice("en", "English")])
    self_enrol = BooleanField(_l("Learners may enrol themselves"), default=True)
    overview_md = TextAreaField(_l("Overview (Markdown)"), validators=[Optional(), Length(max=200_000)],
                                render_kw={"rows": 12, "data-markdown": True})


class ModuleForm(BaseForm):
    slug = StringField(_l("Short name (in the address)"),
                       validators=[DataRequired(), Length(max=100), Regexp(SLUG_RE, message=SLUG_MESSAGE)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=300)])
    overview_md = TextAreaField(_l("Overview (Markdown)"), validators=[Optional(), Length(max=100_000)],
                                render_kw={"rows": 6, "data-markdown": True})


class LessonForm(BaseForm):
    slug = StringField(_l("Short name (in the address)"),
                       validators=[DataRequired(), Length(max=100), Regexp(SLUG_RE, message=SLUG_MESSAGE)])
    module = SelectField(_l("Module"), validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=300)])
    minutes = IntegerField(_l("Reading time (minutes)"), default=5,
                           validators=[Optional(), NumberRange(min=0, max=600)])
    required = BooleanField(_l("Required for completion"), default=True)
    body_md = TextAreaField(_l("Text (Markdown)"), validators=[Optional(), Length(max=500_000)],
                            render_kw={"rows": 20, "data-markdown": True})


class ImportForm(BaseForm):
    archive = FileField(_l("Course zip"), validators=[FileRequired(_l("Choose a file.")), FileAllowed(["zip"], _l("Choose a .zip file."))])
    replace = BooleanField(_l("Replace a course that was changed in the browser"))


class PreviewForm(BaseForm):
    """The live preview of the editor: Markdown in, the lesson page's HTML out."""

    text = TextAreaField(validators=[Optional(), Length(max=500_000)])
    course = StringField(validators=[Optional(), Length(max=100)])
    base = StringField(validators=[Optional(), Length(max=100)])
    module = StringField(validators=[Optional(), Length(max=20)])


class UploadForm(BaseForm):
    """A file for a course: a picture, a form to download (PDF, XLSX, DOCX) or an audio file."""

    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file."))])
