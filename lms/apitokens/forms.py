"""API token forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from lms.core.forms import BaseForm


class TokenForm(BaseForm):
    name = StringField(_l("Name of the token"), validators=[DataRequired(), Length(max=100)],
                       description=_l("What the token is for, e.g. “provincial report script”."))
