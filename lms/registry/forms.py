"""Registry forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectChoice, SelectField

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
