"""Forms of the privacy pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.core.forms import BaseForm
from lms.privacy.models import KIND_LABELS, KINDS
from lms.registry.models import GENDER_LABELS, GENDERS


class RequestForm(BaseForm):
    kind = RadioField(_l("What do you ask for?"), choices=[SelectChoice(k, KIND_LABELS[k]) for k in KINDS],
                      validators=[DataRequired()])
    message = TextAreaField(_l("Details (for a correction: what is wrong and what it should be)"),
                            validators=[Optional(), Length(max=4000)])


class NoteForm(BaseForm):
    note = TextAreaField(_l("Note to the person"), validators=[Optional(), Length(max=4000)])


class CorrectForm(NoteForm):
    full_name = StringField(_l("Full name"), validators=[Optional(), Length(max=200)])
    phone = StringField(_l("Phone (leave empty to keep)"), validators=[Optional(), Length(max=30)])
    email = StringField(_l("E-mail (leave empty to keep)"), validators=[Optional(), Length(max=254)])
    national_id = StringField(_l("National ID (leave empty to keep)"), validators=[Optional(), Length(max=20)])
    gender = SelectField(_l("Gender (optional)"), choices=[SelectChoice("", "–")] + [SelectChoice(g, GENDER_LABELS[g]) for g in GENDERS],
                         validators=[Optional()])
    birth_year = StringField(_l("Birth year (optional)"), validators=[Optional(), Length(max=4)])
    ethnicity = StringField(_l("Ethnicity (optional)"), validators=[Optional(), Length(max=50)])


class PurposeForm(BaseForm):
    """Full identifiers are shown or exported only for a stated purpose, which is audited."""

    purpose = StringField(_l("Purpose (recorded in the audit log)"),
                          validators=[DataRequired(), Length(min=5, max=300)],
                          description=_l("For example: phoning the people not yet trained for the class on 12/03."))
