"""Coverage forms: a requirement set, a new set, one target group's courses."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.core.forms import BaseForm


def _day(text: str) -> date:
    """YYYY-MM-DD or dd/mm/yyyy."""
    text = text.strip()
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if match:
        return date(int(match[3]), int(match[2]), int(match[1]))
    return date.fromisoformat(text)


def parse_milestones(text: str) -> list[tuple[date, int]]:
    """One milestone a line: "31/12/2027: 60" (or "2027-12-31 60")."""
    result = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        match = re.fullmatch(r"(\S+?)\s*[:=]?\s+(\d{1,3})\s*%?|(\S+?)\s*[:=]\s*(\d{1,3})\s*%?", line)
        try:
            day, pct = (match[1] or match[3]), int(match[2] or match[4])
            result.append((_day(day), pct))
        except (TypeError, ValueError):
            raise ValueError(number) from None
    return result


def parse_validity(text: str) -> dict[str, dict]:
    """One course a line: "course-code: 36 months, from 06/07/2025, version 2" (any of the three)."""
    result: dict[str, dict] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        slug, _, rest = line.partition(":")
        rule: dict = {}
        try:
            for part in filter(None, (p.strip() for p in rest.split(","))):
                words = part.split()
                if len(words) == 2 and words[1].lower() in {"months", "tháng", "month"}:
                    rule["valid_months"] = int(words[0])
                elif len(words) == 2 and words[0].lower() in {"from", "từ"}:
                    rule["valid_from"] = _day(words[1])
                elif len(words) == 2 and words[0].lower() in {"version", "phiên"}:
                    rule["min_version"] = words[1]
                elif len(words) == 3 and words[0].lower() == "phiên" and words[1].lower() == "bản":
                    rule["min_version"] = words[2]
                else:
                    raise ValueError(part)
        except ValueError:
            raise ValueError(number) from None
        if not slug.strip() or not rule:
            raise ValueError(number)
        result[slug.strip()] = rule
    return result


def format_milestones(milestones) -> str:
    return "\n".join(f"{m.due_on.strftime('%d/%m/%Y')}: {m.percent}" for m in milestones)


def format_validity(rules) -> str:
    lines = []
    for v in rules:
        parts = []
        if v.valid_months:
            parts.append(_("%(num)d months", num=v.valid_months))
        if v.valid_from:
            parts.append(_("from %(date)s", date=v.valid_from.strftime("%d/%m/%Y")))
        if v.min_version:
            parts.append(_("version %(version)s", version=v.min_version))
        lines.append(f"{v.course_slug}: {', '.join(parts)}")
    return "\n".join(lines)


class RequirementSetForm(BaseForm):
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    target_percent = IntegerField(_l("Target (%)"), default=100, validators=[DataRequired(), NumberRange(1, 100)])
    deadline = DateField(_l("Deadline"), validators=[Optional()])
    milestones = TextAreaField(
        _l("Milestones"), validators=[Optional(), Length(max=2000)],
        description=_l("One a line: date and percent trained by then, e.g. 31/12/2027: 60"),
    )
    validity = TextAreaField(
        _l("When a completion counts"), validators=[Optional(), Length(max=4000)],
        description=_l("One course a line, e.g. tieu-chi-ocop-ho-so: 36 months, from 06/07/2025, version 2 "
                       "(any of the three). Courses not listed count whenever they were completed."),
    )
    primary = BooleanField(_l("Primary set (reports use it unless told otherwise)"))

    def validate_milestones(self, field):
        try:
            self.milestone_list = parse_milestones(field.data)
        except ValueError as exc:
            raise ValidationError(_l("Line %(line)s: write a date and a percent.", line=exc.args[0])) from None

    def validate_validity(self, field):
        try:
            self.validity_rules = parse_validity(field.data)
        except ValueError as exc:
            raise ValidationError(_l("Line %(line)s: write the course code, a colon, then months, "
                                     "a start date or a version.", line=exc.args[0])) from None


class NewRequirementSetForm(BaseForm):
    name = StringField(_l("Short name"), validators=[DataRequired(), Length(max=60)],
                       description=_l("Lower-case letters, digits and dashes, e.g. chi-tieu-2026."))
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])


class RequirementForm(BaseForm):
    courses = StringField(
        _l("Required courses"), validators=[Optional(), Length(max=1000)],
        description=_l("Course codes separated by commas."),
    )
    recommended = StringField(
        _l("Recommended courses"), validators=[Optional(), Length(max=1000)],
        description=_l("Course codes separated by commas; they do not count toward the target."),
    )
