"""Account forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import PasswordInput

from lms.core.forms import LANGUAGE_CHOICES, BaseForm, MultiCheckboxField
from lms.core.security import ROLE_LABELS
from lms.registry.models import SCHEME_LABELS


class LoginForm(BaseForm):
    login = StringField(
        _l("E-mail or phone number"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )


class ChangePasswordForm(BaseForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class ProfileForm(BaseForm):
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=200)])
    locale = RadioField(
        _l("Language"), choices=LANGUAGE_CHOICES, validators=[Optional()]
    )


class UserForm(BaseForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    phone = StringField(_l("Mobile phone"), validators=[Optional(), Length(max=20)])
    roles = MultiCheckboxField(
        _l("Roles"), choices=[SelectChoice(k, v) for k, v in ROLE_LABELS.items()], validators=[DataRequired()]
    )
    active = BooleanField(_l("Active (can log in)"), default=True)
    temporary_password = PasswordField(
        _l("Temporary password"),
        validators=[Optional(), Length(max=256)],
        description=_l("The user must change it at the next login."),
        render_kw={"autocomplete": "new-password"},
        # Kept when the form is refused for another field, so the administrator need not type it again.
        widget=PasswordInput(hide_value=False),
    )


class AssignmentForm(BaseForm):
    login = StringField(_l("E-mail or phone of the manager or trainer"),
                        validators=[DataRequired(), Length(max=254)])
    unit_code = StringField(_l("Unit code or name"), validators=[DataRequired(), Length(max=100)],
                            description=_l("The statistics office code (e.g. 44 for the province) or the "
                                           "unit's name, with or without diacritics."))
    scheme = SelectField(_l("Scheme"), choices=[SelectChoice(k, v) for k, v in SCHEME_LABELS.items()],
                         default="2025")


class UnassignForm(BaseForm):
    user_id = StringField(validators=[DataRequired()])
    unit_id = StringField(validators=[DataRequired()])
