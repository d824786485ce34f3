"""Assessment forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, HiddenField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from lms.core.forms import BaseForm


class AttemptForm(BaseForm):
    """The attempt page: CSRF and the save's sequence number; the answers are read
    from the request by services.extract_raw (their fields depend on the draw)."""

    seq = HiddenField()


class EssayGradeForm(BaseForm):
    points = DecimalField(
        _l("Points"), places=None, validators=[InputRequired(), NumberRange(min=0)],
        render_kw={"inputmode": "decimal"},
    )
    comment = TextAreaField(
        _l("Comment for the learner"), validators=[Optional(), Length(max=5000)]
    )
