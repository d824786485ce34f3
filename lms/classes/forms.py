"""Class forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.core.forms import BaseForm, MultiCheckboxField


class ClassForm(BaseForm):
    course = SelectField(_l("Course"), validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    unit = SelectField(_l("Administrative unit"), validators=[DataRequired()])
    venue = StringField(_l("Venue"), validators=[Length(max=300)],
                        description=_l("For example: the hall of the commune People's Committee."))
    days = TextAreaField(
        _l("Class days"), validators=[DataRequired()],
        description=_l("One day per line: date (day/month/year), start and end, e.g. 10/03/2026 07:30-11:30."),
    )
    capacity = IntegerField(_l("Capacity"), default=40, validators=[InputRequired(), NumberRange(1, 1000)])
    threshold_percent = IntegerField(
        _l("Attendance threshold (percent of days)"), default=80, validators=[InputRequired(), NumberRange(0, 100)],
        description=_l("Present or late counts as attended; excused days are left out of the count."),
    )
    posttest_required = BooleanField(_l("A post-test is required"))
    pass_mark = DecimalField(_l("Pass mark (%)"), default=70, places=1,
                             validators=[InputRequired(), NumberRange(0, 100)])
    quiz = SelectField(_l("Online post-test quiz"), default="")
    certificate_template = SelectField(_l("Certificate template"), default="")
    trainers = MultiCheckboxField(_l("Trainers"), coerce=str)
    # Administrators only (the view ignores them for others).
    decision_number = StringField(_l("Decision number"), validators=[Optional(), Length(max=100)],
                                  description=_l("The decision that opened the class, printed on its "
                                                 "certificates, e.g. 45/QĐ-SNN."))
    decision_date = DateField(_l("Decision date"), validators=[Optional()])


class AddPeopleForm(BaseForm):
    """The checked people arrive as ``person_ids`` (read by the view, then scoped)."""


class GapForm(BaseForm):
    """Add everyone not yet trained in the class's commune (from the coverage gap list)."""


class SigninForm(BaseForm):
    file = FileField(_l("Sign-in sheet (XLSX or CSV)"), validators=[FileRequired()])


class CheckinForm(BaseForm):
    code = StringField(_l("Check-in code"), validators=[DataRequired(), Length(max=20)])


class MarkForm(BaseForm):
    person_id = IntegerField(validators=[InputRequired()])
    status = StringField(validators=[DataRequired()])


SCORE_SCALES = {"10": _l("marks out of 10"), "100": _l("percent (0–100)")}


class ScoreForm(BaseForm):
    """Paper post-test scores: one input per person named score-<person id> (read by the view),
    in the scale chosen here (trainers mark paper tests out of 10); stored as percent."""

    scale = SelectField(_l("The scores are"), choices=[SelectChoice(k, v) for k, v in SCORE_SCALES.items()],
                        default="10")


class FinishForm(BaseForm):
    early = BooleanField(_l("The last class day has not ended yet: finish the class now anyway"))


class StatusForm(BaseForm):
    status = StringField(validators=[DataRequired()])


class SearchForm(BaseForm):
    q = StringField(_l("Name, phone or national ID"), validators=[Optional(), Length(max=100)])
