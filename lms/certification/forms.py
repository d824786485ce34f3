"""Certificate forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DecimalField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.certification.models import REVOCATION_REASON_LABELS, STATUS_LABELS
from lms.core.forms import BaseForm, MultiCheckboxField


class SearchForm(BaseForm):
    """Read-only GET forms (verification, list filters): nothing changes, so no CSRF token."""

    class Meta:
        csrf = False


class VerifyForm(SearchForm):
    code = StringField(
        _l("Verification code"),
        validators=[DataRequired(), Length(max=80)],
        description=_l("The code printed under the QR code, with or without the dashes."),
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


class FilterForm(SearchForm):
    q = StringField(_l("Name or code"), validators=[Optional(), Length(max=100)])
    course = SelectField(_l("Course"), coerce=str, validators=[Optional()])
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("", _l("Any status"))] + [SelectChoice(k, v) for k, v in STATUS_LABELS.items()],
        validators=[Optional()],
    )
    issued_from = DateField(_l("Issued from"), validators=[Optional()])
    issued_to = DateField(_l("Issued until"), validators=[Optional()])
    unit = StringField(
        _l("Unit code"), validators=[Optional(), Length(max=10)],
        description=_l("A province or commune code (2025 list): only people registered there."),
    )


class _DetailsMixin:
    issuer = StringField(_l("Issuing agency"), validators=[DataRequired(), Length(max=300)])
    signer_title = StringField(_l("Signer's title"), validators=[Optional(), Length(max=200)])
    signer_name = StringField(_l("Signer's name"), validators=[Optional(), Length(max=200)])
    place = StringField(_l("Place of issue"), validators=[Optional(), Length(max=100)])
    decision_number = StringField(_l("Decision number"), validators=[Optional(), Length(max=100)])
    decision_date = DateField(_l("Decision date"), validators=[Optional()])
    expires_on = DateField(
        _l("Valid until"), validators=[Optional()], description=_l("Leave empty if it does not expire.")
    )


class IssueForm(_DetailsMixin, BaseForm):
    pass


class CorrectForm(_DetailsMixin, BaseForm):
    holder_name = StringField(_l("Holder's name"), validators=[DataRequired(), Length(max=200)])
    course_title = StringField(_l("Course title"), validators=[DataRequired(), Length(max=300)])
    hours = DecimalField(_l("Hours"), places=1, validators=[DataRequired(), NumberRange(min=0, max=10000)])
    completed_on = DateField(_l("Completed on"), validators=[DataRequired()])
    issued_on = DateField(_l("Issued on"), validators=[DataRequired()])
    note = StringField(
        _l("Reason for the correction"),
        validators=[DataRequired(), Length(max=500)],
        description=_l("Kept with the new version, e.g. “name misspelt in the registry”."),
    )

    FIELD_ORDER = (
        "holder_name", "course_title", "hours", "completed_on", "issued_on", "expires_on",
        "issuer", "signer_title", "signer_name", "place", "decision_number", "decision_date",
    )


class RevokeForm(BaseForm):
    reason = SelectField(
        _l("Reason"),
        choices=[SelectChoice("", _l("Choose a reason"))]
        + [SelectChoice(k, v) for k, v in REVOCATION_REASON_LABELS.items()],
        validators=[DataRequired()],
    )
    note = TextAreaField(
        _l("Note (not shown publicly)"), validators=[Optional(), Length(max=2000)]
    )


VIA_LABELS = {
    "online": _l("Online (lessons and quizzes)"),
    "class": _l("Face-to-face class"),
    "historical": _l("Historical record (imported)"),
}


class PolicyForm(BaseForm):
    vias = MultiCheckboxField(
        _l("Issue automatically when completed through"),
        choices=[SelectChoice(k, v) for k, v in VIA_LABELS.items()],
        validators=[Optional()],
        description=_l("Completions through the other routes wait in the list of completions "
                       "without a certificate, to be issued by hand."),
    )


class DecisionForm(BaseForm):
    """The decision printed on a course's certificates (administrators)."""

    number = StringField(_l("Decision number"), validators=[Optional(), Length(max=100)],
                         description=_l("For example: 123/QĐ-SNN. Leave empty to print none. A class "
                                        "with a decision of its own prints that one."))
    decided_on = DateField(_l("Decision date"), validators=[Optional()])
