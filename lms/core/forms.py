"""The base form: every form inherits CSRF protection from it, also in tests."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectMultipleField
from wtforms.validators import DataRequired
from wtforms.widgets import CheckboxInput, ListWidget

LANGUAGE_CHOICES = [SelectChoice("vi", "Tiếng Việt"), SelectChoice("en", "English")]


class _AppTranslations:
    """WTForms' built-in messages ("This field is required.") through the application's
    own catalogue: WTForms ships no Vietnamese, so lms/translations carries them."""

    def gettext(self, string):
        from lms.core.i18n import _translations

        return _translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        from lms.core.i18n import _translations

        return _translations().ungettext(singular, plural, n)


class BaseForm(FlaskForm):
    """All forms derive from this; CSRF is never switched off."""

    class Meta:
        def get_translations(self, form):
            return _AppTranslations()


class ConfirmForm(BaseForm):
    """An empty form for POST-only buttons (logout, deactivate, publish …)."""


class LanguageForm(BaseForm):
    """The language switch in the page header."""

    lang = RadioField(choices=LANGUAGE_CHOICES, validators=[DataRequired()])


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes for a multiple choice."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
