"""Onboarding forms: activation, reset, forgotten password, self-registration, slips, decisions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from lms.core.forms import BaseForm

_PHONE_ATTRS = {"autocomplete": "tel", "inputmode": "tel", "autocapitalize": "none"}


class RedeemForm(BaseForm):
    code = StringField(
        _l("Code on your slip"), validators=[DataRequired(), Length(max=40)],
        description=_l("10 letters and digits, for example 7K3QH-M9T2X. Dash and capitals do not matter."),
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "characters", "spellcheck": "false"},
    )
    phone = StringField(
        _l("Your mobile phone number"), validators=[DataRequired(), Length(max=30)],
        description=_l("The number the commune's OCOP officer has for you. You log in with it."),
        render_kw=_PHONE_ATTRS,
    )
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=256)],
        description=_l("At least 10 characters: for example four words you remember, or a long number "
                       "that is not your phone number or birthday."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords are different."))],
        render_kw={"autocomplete": "new-password"},
    )


class ForgotForm(BaseForm):
    phone = StringField(_l("Your mobile phone number"), validators=[DataRequired(), Length(max=30)],
                        render_kw=_PHONE_ATTRS)


class RegisterForm(BaseForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)],
                            render_kw={"autocomplete": "name"})
    phone = StringField(_l("Mobile phone number"), validators=[DataRequired(), Length(max=30)],
                        render_kw=_PHONE_ATTRS)
    national_id = StringField(_l("Citizen identity card number (if you wish)"),
                              validators=[Optional(), Length(max=12)], render_kw={"inputmode": "numeric"},
                              description=_l("It helps the officer find you on the list."))
    province = HiddenField()
    commune = SelectField(_l("Commune or ward"), choices=[], validate_choice=False,
                          validators=[DataRequired(message=_l("Choose your commune."))])
    org_code = StringField(_l("Tax or business-registration number of your organisation"),
                           validators=[Optional(), Length(max=20)], render_kw={"inputmode": "numeric"})
    is_official = BooleanField(_l("I am a state official"))
    agency = StringField(_l("Agency"), validators=[Optional(), Length(max=300)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=200)])


class RejectForm(BaseForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])


class AcceptForm(BaseForm):
    person_id = HiddenField()


class SlipForm(BaseForm):
    """The "Print activation slips" buttons: which people (one source) and the format."""

    person_ids = HiddenField()
    unit = HiddenField()
    scheme = HiddenField()
    group = HiddenField()
    q = HiddenField()
    as_of = HiddenField()
    source = SelectField(choices=[SelectChoice(v, v) for v in ("people", "filter", "gaps")],
                         validators=[DataRequired()])
    fmt = SelectField(choices=[SelectChoice("pdf", "PDF"), SelectChoice("csv", "CSV")], default="pdf")
    include_active = BooleanField(_l("Also reset slips for people who already have an account"))
