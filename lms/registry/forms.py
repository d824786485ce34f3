"""Registry forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from lms.core.forms import BaseForm
from lms.registry.imports import KIND_LABELS
from lms.registry.models import SCHEME_LABELS


class ImportForm(BaseForm):
    file = FileField(_l("File (XLSX or CSV)"), validators=[FileRequired()])
    kind = SelectField(
        _l("Kind of rows"),
        choices=[SelectChoice("", _l("From the sheet names or the header row"))]
        + [SelectChoice(k, v) for k, v in KIND_LABELS.items()],
        default="",
    )
    scheme = SelectField(
        _l("Unit codes in the file"),
        choices=[SelectChoice(k, v) for k, v in SCHEME_LABELS.items()],
        default="2025",
    )


class AssignmentForm(BaseForm):
    login = StringField(_l("E-mail or phone of the manager or trainer"),
                        validators=[DataRequired(), Length(max=254)])
    unit_code = StringField(_l("Unit code"), validators=[DataRequired(), Length(max=10)],
                            description=_l("The statistics office code, e.g. 44 for the province."))
    scheme = SelectField(_l("Scheme"), choices=[SelectChoice(k, v) for k, v in SCHEME_LABELS.items()],
                         default="2025")


class UnassignForm(BaseForm):
    user_id = StringField(validators=[DataRequired()])
    unit_id = StringField(validators=[DataRequired()])
