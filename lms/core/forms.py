"""The base form: every form inherits CSRF protection from it, also in tests."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectMultipleField
from wtforms.validators import DataRequired
from wtforms.widgets import CheckboxInput, ListWidget

LANGUAGE_CHOICES = [SelectChoice("vi", "Tiếng Việt"), SelectChoice("en", "English")]


class BaseForm(FlaskForm):
    """All forms derive from this; CSRF is never switched off."""


class ConfirmForm(BaseForm):
    """An empty form for POST-only buttons (logout, deactivate, publish …)."""


class LanguageForm(BaseForm):
    """The language switch in the page header."""

    lang = RadioField(choices=LANGUAGE_CHOICES, validators=[DataRequired()])


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes for a multiple choice."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
