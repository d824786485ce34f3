"""The base form: every form inherits CSRF protection from it, also in tests."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, SelectChoice, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired
from wtforms.widgets import CheckboxInput, ListWidget

from lms.core.text import strip_controls

LANGUAGE_CHOICES = [SelectChoice("vi", "Tiếng Việt"), SelectChoice("en", "English")]


def _one_line(value):
    return strip_controls(value) if isinstance(value, str) else value


def _several_lines(value):
    return strip_controls(value, multiline=True) if isinstance(value, str) else value


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
    """All forms derive from this; CSRF is never switched off.

    Every text field loses its C0 control characters before any other filter or validator
    sees it (tab and newline stay in text areas): one filter for every form of the app.
    Passwords are left exactly as typed.
    """

    class Meta:
        def bind_field(self, form, unbound_field, options):
            cls = unbound_field.field_class
            if issubclass(cls, StringField) and not issubclass(cls, PasswordField):
                own = _several_lines if issubclass(cls, TextAreaField) else _one_line
                filters = [own, *unbound_field.kwargs.get("filters", ())]
                return unbound_field.bind(form=form, filters=filters, **options)
            return unbound_field.bind(form=form, **options)

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
