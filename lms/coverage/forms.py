"""Coverage forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.core.forms import BaseForm


class RequirementForm(BaseForm):
    courses = StringField(
        _l("Required courses"), validators=[Optional(), Length(max=1000)],
        description=_l("Course codes separated by commas."),
    )
    target_percent = IntegerField(_l("Target (%)"), default=100, validators=[DataRequired(), NumberRange(1, 100)])
    deadline = DateField(_l("Deadline"), validators=[Optional()])
