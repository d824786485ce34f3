"""This project's YAML quiz format (``quizzes/<slug>.yaml``) and the quiz loader.

A YAML file holds a quiz's settings and (some of) its questions; a GIFT
(``.gift``) or Aiken (``.txt``) file named by ``questions_file:`` adds its
questions to the pool. A GIFT or Aiken file that no YAML file references is a
question bank without settings. See ``quizzes/README.md`` for the schema.

Every problem is reported as ``path:line: message``; line numbers come from
the YAML node marks (the file is composed with ``yaml.compose``, never
constructed with a loader that could run code). Numbers are parsed with
:func:`decimal.Decimal`, never evaluated.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from lms.catalog.importer import named_file_part, parts_hash
from lms.core.text import strip_controls

from .aiken import parse_aiken
from .gift import parse_gift
from .questions import (
    EPSILON,
    QUESTION_TYPES,
    Choice,
    MatchPair,
    NumericAnswer,
    Problems,
    QuestionSpec,
    QuizFileError,
    check_spec,
    parse_decimal,
    snap_percent,
    weights_add_up,
)

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
IDENT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
REVIEW_MODES = ("score", "correctness", "answers", "answers_always")
YAML_QUESTION_TYPES = ("single", "multiple", "truefalse", "short", "numeric", "matching", "essay", "description")
VIETNAM_TZ = timezone(timedelta(hours=7), "+07:00")  # dates without an offset are Vietnam time
BANK_SUFFIXES = (".gift", ".txt")
YAML_SUFFIXES = (".yaml", ".yml")

_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:str")

QUIZ_KEYS = (
    "title",
    "title_en",
    "course",
    "module",
    "pass_mark",
    "max_attempts",
    "time_limit_minutes",
    "opens_at",
    "closes_at",
    "shuffle_questions",
    "shuffle_choices",
    "draw",
    "review",
    "review_after_close",
    "questions_file",
    "questions",
)
COMMON_QUESTION_KEYS = ("id", "type", "category", "points", "text", "feedback", "tags")
MAX_TAG_LENGTH = 100
TYPE_KEYS: dict[str, tuple[str, ...]] = {
    "single": ("choices",),
    "multiple": ("choices",),
    "truefalse": ("answer", "feedback_true", "feedback_false"),
    "short": ("answers",),
    "numeric": ("numeric",),
    "matching": ("pairs",),
    "essay": (),
    "description": (),
}
ALL_QUESTION_KEYS = COMMON_QUESTION_KEYS + tuple(k for keys in TYPE_KEYS.values() for k in keys)


def yaml_question_types() -> list[str]:
    """The types a YAML quiz file may use: the built-in ones and any registered type
    that reads its own keys (``QuestionType.yaml_keys``)."""
    extra = [name for name, cls in QUESTION_TYPES.items() if name not in YAML_QUESTION_TYPES and cls.yaml_keys is not None]
    return [*YAML_QUESTION_TYPES, *extra]


@dataclass
class QuizFileSpec:
    """A quiz (YAML file, with its optional bank) or a stand-alone question bank."""

    slug: str
    path: str
    questions: list[QuestionSpec] = field(default_factory=list)
    title: str = ""
    title_en: str = ""
    course: str = ""
    module: str = ""
    pass_mark: float = 70.0
    max_attempts: int = 0
    time_limit_minutes: int = 0
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    shuffle_questions: bool = True
    shuffle_choices: bool = True
    draw: int | dict[str, int] | None = None
    review: str = "answers"
    review_after_close: bool = False
    questions_file: str = ""
    is_bank: bool = False
    source_hash: str = ""
    # The hash of the files as read before parsing (file_digest; "" when it cannot vouch for
    # this spec), and whether that hash showed the files unchanged since the last import: then
    # nothing was parsed and the spec holds only the slug, the path and questions_file.
    file_digest: str = ""
    unchanged: bool = False
    # (path, line, message): accepted, but probably not what the author wants.
    warnings: list[tuple[str, int, str]] = field(default_factory=list)

    def settings_dict(self) -> dict[str, Any]:
        """The settings as JSON-safe values (datetimes in ISO 8601)."""
        return {
            "slug": self.slug,
            "is_bank": self.is_bank,
            "title": self.title,
            "title_en": self.title_en,
            "course": self.course,
            "module": self.module,
            "pass_mark": self.pass_mark,
            "max_attempts": self.max_attempts,
            "time_limit_minutes": self.time_limit_minutes,
            "opens_at": self.opens_at.isoformat() if self.opens_at else None,
            "closes_at": self.closes_at.isoformat() if self.closes_at else None,
            "shuffle_questions": self.shuffle_questions,
            "shuffle_choices": self.shuffle_choices,
            "draw": self.draw,
            "review": self.review,
            "review_after_close": self.review_after_close,
            "questions_file": self.questions_file,
        }

    def compute_hash(self) -> str:
        """sha256 of the settings and the questions' content (not of comments or layout)."""
        questions = []
        for question in self.questions:
            data = question.to_dict()
            data.pop("source_line")
            if not data["tags"]:
                data.pop("tags")  # as before tags were kept: an unchanged file keeps its hash
            questions.append(data)
        payload = {"settings": self.settings_dict(), "questions": questions}
        canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class KnownQuiz:
    """What the last import stored of a quiz: ``raw_hash``, the :func:`raw_hash` of its files
    and of ``vouch`` (the stored state it was written with: the importer's business), and
    ``questions_file``, the question file its YAML named."""

    raw_hash: str
    questions_file: str = ""
    vouch: bytes = b""


def file_digest(path: Path, questions_file: str = "") -> str | None:
    """The hash of what loading ``path`` reads: its name (the slug and the format) and bytes,
    and those of the question file it names; None when a file cannot be read (parsing will
    say why)."""
    if "/" in questions_file or "\\" in questions_file or questions_file.startswith("."):
        return None  # not a name in the folder: the parser refuses it
    try:
        parts = [named_file_part(b"quiz", path)]
        if questions_file:
            parts.append(named_file_part(b"bank", path.parent / questions_file))
    except (OSError, ValueError):
        return None
    return parts_hash(*parts)


def raw_hash(digest: str, vouch: bytes) -> str:
    """What an import stores (``Quiz.raw_hash``): the files' digest bound to the state it
    wrote, so that a stored row changed since no longer matches."""
    return parts_hash(digest.encode(), vouch)


def unchanged_spec(path: Path, known: KnownQuiz | None) -> QuizFileSpec | None:
    """A spec that says "unchanged" when ``path`` (and its question file) hash to what the
    last import stored: nothing is parsed. None when the file must be parsed."""
    if known is None:
        return None
    digest = file_digest(path, known.questions_file)
    if digest is None or raw_hash(digest, known.vouch) != known.raw_hash:
        return None
    return QuizFileSpec(
        slug=path.stem, path=str(path), questions_file=known.questions_file,
        is_bank=path.suffix.lower() in BANK_SUFFIXES, file_digest=digest, unchanged=True,
    )


# --------------------------------------------------------------------------- node reader


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _clean_text(text: str) -> str:
    """NFC, no trailing whitespace, no leading blank lines (a block scalar's layout)."""
    text = unicodedata.normalize("NFC", text).rstrip()
    return text.lstrip("\n")


def _short_text(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


class _Reader:
    """Reads values out of a composed YAML node tree, recording problems with lines."""

    def __init__(self, path: str, problems: Problems):
        self.path = path
        self.problems = problems
        self.loader = yaml.SafeLoader("")

    def error(self, node: Node, message: str) -> None:
        self.problems.add(self.path, _line(node), message)

    def mapping(self, node: Node, what: str) -> dict[str, tuple[Node, Node]] | None:
        if not isinstance(node, MappingNode):
            self.error(node, f"{what} must be a mapping of 'key: value' lines")
            return None
        result: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.error(key_node, "a key must be a plain word")
                continue
            if key_node.value in result:
                self.error(key_node, f"duplicate key {key_node.value!r}")
                continue
            result[key_node.value] = (key_node, value_node)
        return result

    def unknown_keys(self, keys: dict[str, tuple[Node, Node]], allowed: tuple[str, ...], where: str) -> None:
        for key, (key_node, _) in keys.items():
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.error(key_node, f"unknown key {key!r} in {where}{hint}")

    def sequence(self, node: Node, what: str) -> list[Node] | None:
        if not isinstance(node, SequenceNode):
            self.error(node, f"{what} must be a list ('- ...' items)")
            return None
        return list(node.value)

    def text(self, node: Node, key: str, required: bool = False) -> str | None:
        """A string. Any scalar is taken as written: 'No' stays 'No', 12500 stays '12500'."""
        if isinstance(node, ScalarNode):
            if node.tag == _NULL and node.style is None:
                if required:
                    self.error(node, f"{key} must not be empty")
                return None
            if required and not node.value.strip():
                self.error(node, f"{key} must not be empty")
                return None
            return node.value
        self.error(node, f"{key} must be text")
        return None

    def number(self, node: Node, key: str) -> Decimal | None:
        if isinstance(node, ScalarNode) and node.tag in _NUMBER_TAGS:
            try:
                return parse_decimal(node.value)
            except ValueError:
                pass
        self.error(node, f"{key} must be a number")
        return None

    def integer(self, node: Node, key: str, minimum: int = 0, maximum: int = 100_000) -> int | None:
        value = self.number(node, key)
        if value is None:
            return None
        if value != value.to_integral_value() or value < minimum:
            self.error(node, f"{key} must be a whole number >= {minimum}")
            return None
        if value > maximum:
            self.error(node, f"{key} must be at most {maximum}")
            return None
        return int(value)

    def boolean(self, node: Node, key: str) -> bool | None:
        if isinstance(node, ScalarNode) and node.tag == _BOOL:
            return bool(self.loader.construct_object(node))
        self.error(node, f"{key} must be true or false")
        return None

    def timestamp(self, node: Node, key: str) -> datetime | None:
        if isinstance(node, ScalarNode) and node.tag == _NULL:
            return None
        value: Any = None
        if isinstance(node, ScalarNode) and node.tag == _TIMESTAMP:
            value = self.loader.construct_object(node)
        elif isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:str":
            try:
                value = datetime.fromisoformat(node.value.strip())
            except ValueError:
                value = None
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=VIETNAM_TZ)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=VIETNAM_TZ)
        self.error(node, f"{key} must be a date and time like 2026-01-01T08:00:00+07:00")
        return None


# --------------------------------------------------------------------------- questions


def _percent(reader: _Reader, node: Node, key: str, low: int) -> float | None:
    value = reader.number(node, key)
    if value is None:
        return None
    if not low <= value <= 100:
        reader.error(node, f"{key} must be between {low} and 100 (percent)")
        return None
    return snap_percent(value)


class _QuestionReader:
    def __init__(self, reader: _Reader):
        self.r = reader

    def read(self, node: Node) -> QuestionSpec | None:
        r = self.r
        keys = r.mapping(node, "a question")
        if keys is None:
            return None
        before = len(r.problems.items)
        qid = self.required_text(keys, node, "id")
        if qid is not None and not IDENT_RE.fullmatch(qid):
            r.error(keys["id"][1], f"id {qid!r}: use letters, digits, '-', '_' or '.' (at most 100)")
        qtype = self.required_text(keys, node, "type")
        if qtype is None:
            return None
        type_class = QUESTION_TYPES.get(qtype)
        built_in = qtype in YAML_QUESTION_TYPES
        if type_class is None or not (built_in or type_class.yaml_keys is not None):
            r.error(keys["type"][1], f"unknown question type {qtype!r}: use {', '.join(yaml_question_types())}")
            return None
        type_keys = TYPE_KEYS[qtype] if built_in else tuple(type_class.yaml_keys or ())
        allowed = COMMON_QUESTION_KEYS + type_keys
        for key, (key_node, _) in keys.items():
            if key not in ALL_QUESTION_KEYS and key not in allowed:
                r.unknown_keys({key: keys[key]}, ALL_QUESTION_KEYS + type_keys, "a question")
            elif key not in allowed:
                r.error(key_node, f"{key!r} is not used by questions of type {qtype!r}")

        text = self.required_text(keys, node, "text")
        spec = QuestionSpec(
            qtype=qtype,
            text=_clean_text(text or ""),
            text_format="markdown",
            ident=qid or "",
            source_line=_line(node),
            points=1.0 if type_class.answerable else 0.0,
        )
        if "category" in keys:
            spec.category = _short_text(r.text(keys["category"][1], "category") or "")
        if "points" in keys:
            points = r.number(keys["points"][1], "points")
            if points is not None and points < 0:
                r.error(keys["points"][1], "points must not be negative")
            elif points is not None:
                spec.points = float(points)
        if "feedback" in keys:
            spec.general_feedback = _clean_text(r.text(keys["feedback"][1], "feedback") or "")
        if "tags" in keys:
            spec.tags = self.read_tags(keys["tags"][1])

        if built_in:
            getattr(self, f"read_{qtype}")(spec, keys, node)
        else:  # a type that reads its own keys from plain YAML values
            values = {key: r.loader.construct_object(keys[key][1], deep=True) for key in type_keys if key in keys}
            for message in type_class.read_yaml(spec, values):
                r.error(node, f"question {spec.ident!r}: {message}")
        if len(r.problems.items) == before:
            for message in check_spec(spec):
                r.error(node, f"question {spec.ident!r}: {message}")
        return spec

    def read_tags(self, node: Node) -> list[str]:
        """``tags: [chi-phi, khó]``: labels for authors (GIFT's ``// [tag:…]``)."""
        tags: list[str] = []
        for item in self.r.sequence(node, "tags") or []:
            tag = _short_text(self.r.text(item, "a tag", required=True) or "")
            if len(tag) > MAX_TAG_LENGTH:
                self.r.error(item, f"a tag has at most {MAX_TAG_LENGTH} characters")
            elif tag and tag not in tags:
                tags.append(tag)
        return tags

    def required_text(self, keys: dict[str, tuple[Node, Node]], node: Node, key: str) -> str | None:
        if key not in keys:
            self.r.error(node, f"missing key {key!r}")
            return None
        value = self.r.text(keys[key][1], key, required=True)
        return value.strip() if value is not None and key in ("id", "type") else value

    def required_list(self, keys: dict[str, tuple[Node, Node]], node: Node, key: str) -> list[Node]:
        if key not in keys:
            self.r.error(node, f"missing key {key!r}")
            return []
        items = self.r.sequence(keys[key][1], key)
        if items is not None and not items:
            self.r.error(keys[key][1], f"{key} must not be empty")
        return items or []

    # -- per type --------------------------------------------------------------------

    def read_choices(self, spec: QuestionSpec, keys: dict[str, tuple[Node, Node]], node: Node) -> list[tuple]:
        r = self.r
        read: list[tuple] = []  # (text, correct, weight, feedback, node)
        for item in self.required_list(keys, node, "choices"):
            fields_ = r.mapping(item, "a choice")
            if fields_ is None:
                continue
            r.unknown_keys(fields_, ("text", "correct", "weight", "feedback"), "a choice")
            text = self.required_text(fields_, item, "text")
            correct = r.boolean(fields_["correct"][1], "correct") if "correct" in fields_ else None
            weight = _percent(r, fields_["weight"][1], "weight", -100) if "weight" in fields_ else None
            if "correct" in fields_ and "weight" in fields_:
                r.error(item, "give a choice either correct: or weight:, not both")
            feedback = r.text(fields_["feedback"][1], "feedback") if "feedback" in fields_ else None
            read.append((_short_text(text or ""), correct, weight, _clean_text(feedback or ""), item))
        return read

    def read_single(self, spec: QuestionSpec, keys: dict[str, tuple[Node, Node]], node: Node) -> None:
        choices = self.read_choices(spec, keys, node)
        for text, correct, weight, feedback, _ in choices:
            fraction = 1.0 if correct else (weight if weight is not None else 0.0)
            spec.choices.append(Choice(text, fraction, feedback))
        right = sum(1 for c in spec.choices if abs(c.fraction - 1) < EPSILON)
        where = keys["choices"][0] if "choices" in keys else node
        if choices and right == 0:
            self.r.error(where, "no correct answer: mark one choice with 'correct: true'")
        elif right > 1:
            self.r.error(where, "more than one correct answer: use type: multiple")

    def read_multiple(self, spec: QuestionSpec, keys: dict[str, tuple[Node, Node]], node: Node) -> None:
        choices = self.read_choices(spec, keys, node)
        where = keys["choices"][0] if "choices" in keys else node
        weighted = any(weight is not None for _, _, weight, _, _ in choices)
        marked = [c for c in choices if c[1]]
        if weighted and marked:
            self.r.error(where, "use weight: on every choice, or correct: true, not both")
            return
        if weighted:
            for text, _, weight, feedback, _ in choices:
                spec.choices.append(Choice(text, weight or 0.0, feedback))
            positive = sum(c.fraction for c in spec.choices if c.fraction > 0)
            if not weights_add_up(positive):
                self.r.error(
                    where,
                    f"the positive weights add up to {round(positive * 100, 5):g}%: they must add up to 100% "
                    "(from 99.5% to 100.5% is accepted, as in Moodle)",
                )
            return
        if choices and not marked:
            self.r.error(where, "no correct answer: mark the right choices with 'correct: true'")
            return
        share = 1 / len(marked) if marked else 0.0
        for text, correct, _, feedback, _ in choices:
            # Each right choice earns an equal share; each wrong one takes a share away.
            spec.choices.append(Choice(text, share if correct else -share, feedback))

    def read_truefalse(self, spec: QuestionSpec, keys: dict[str, tuple[Node, Node]], node: Node) -> None:
        r = self.r
        if "answer" not in keys:
            r.error(node, "missing key 'answer' (true or false)")
        else:
            spec.correct = r.boolean(keys["answer"][1], "answer")
        for key in ("feedback_true", "feedback_false"):
            if key in keys:
                setattr(spec, key, _clean_text(r.text(keys[key][1], key) or ""))

    def read_short(self, spec: QuestionSpec, keys: dict[str, tuple[Node, Node]], node: Node) -> None:
        r = self.r
        for item in self.required_list(keys, node, "answers"):
            if isinstance(item, ScalarNode):
                text = r.text(item, "an answer", required=True)
                if text is not None:
                    spec.choices.append(Choice(_short_text(text), 1.0))
                continue
            fields_ = r.mapping(item, "an answer")
            if fields_ is None:
                continue
            r.unknown_keys(fields_, ("text", "weight", "feedback"), "an answer")
            text = self.required_text(fields_, item, "text")
            weight = _percent(r, fields_["weight"][1], "weight", 0) if "weight" in fields_ else 1.0
            feedback = r.text(fields_["feedback"][1], "feedback") if "feedback" in fields_ else ""
            spec.choices.append(Choice(_short_text(text or ""), 1.0 if weight is None else weight,
                                       _clean_text(feedback or "")))
        if spec.choices and not any(abs(c.fraction - 1) < EPSILON for c in spec.choices):
            r.error(keys["answers"][0], "no correct answer: one answer must have weight 100")

    def read_numeric(self, spec: QuestionSpec, keys: dict[str, tuple[Node, Node]], node: Node) -> None:
        r = self.r
        for item in self.required_list(keys, node, "numeric"):
            if isinstance(item, ScalarNode):
                value = r.number(item, "a numeric answer")
                if value is not None:
                    spec.numeric_answers.append(NumericAnswer(float(value)))
                continue
            fields_ = r.mapping(item, "a numeric answer")
            if fields_ is None:
                continue
            answer = self.numeric_item(fields_, item)
            if answer is not None:
                spec.numeric_answers.append(answer)
        if spec.numeric_answers and not any(abs(a.fraction - 1) < EPSILON for a in spec.numeric_answers):
            r.error(keys["numeric"][0], "no correct answer: one answer must have weight 100")

    def numeric_item(self, fields_: dict[str, tuple[Node, Node]], item: Node) -> NumericAnswer | None:
        r = self.r
        r.unknown_keys(fields_, ("value", "tolerance", "min", "max", "weight", "feedback"), "a numeric answer")
        weight = _percent(r, fields_["weight"][1], "weight", 0) if "weight" in fields_ else 1.0
        feedback = _clean_text(r.text(fields_["feedback"][1], "feedback") or "") if "feedback" in fields_ else ""
        has_range = "min" in fields_ or "max" in fields_
        if has_range == ("value" in fields_):
            r.error(item, "give either value: (with optional tolerance:) or min: and max:")
            return None
        if has_range:
            if "min" not in fields_ or "max" not in fields_ or "tolerance" in fields_:
                r.error(item, "a range needs both min: and max: (and no tolerance:)")
                return None
            low = r.number(fields_["min"][1], "min")
            high = r.number(fields_["max"][1], "max")
            if low is None or high is None or weight is None:
                return None
            if low > high:
                r.error(item, "min must not be above max")
                return None
            return NumericAnswer.from_range(low, high, weight, feedback)
        value = r.number(fields_["value"][1], "value")
        tolerance = r.number(fields_["tolerance"][1], "tolerance") if "tolerance" in fields_ else Decimal(0)
        if tolerance is not None and tolerance < 0:
            r.error(fields_["tolerance"][1], "tolerance must not be negative")
            return None
        if value is None or tolerance is None or weight is None:
            return None
        return NumericAnswer(float(value), float(tolerance), weight, feedback)

    def read_matching(self, spec: QuestionSpec, keys: dict[str, tuple[Node, Node]], node: Node) -> None:
        r = self.r
        for item in self.required_list(keys, node, "pairs"):
            fields_ = r.mapping(item, "a pair")
            if fields_ is None:
                continue
            r.unknown_keys(fields_, ("left", "right"), "a pair")
            left = r.text(fields_["left"][1], "left") if "left" in fields_ else ""
            right = self.required_text(fields_, item, "right")
            spec.pairs.append(MatchPair(_short_text(left or ""), _short_text(right or "")))

    def read_essay(self, spec: QuestionSpec, keys: dict[str, tuple[Node, Node]], node: Node) -> None:
        pass

    def read_description(self, spec: QuestionSpec, keys: dict[str, tuple[Node, Node]], node: Node) -> None:
        pass


# --------------------------------------------------------------------------- files


def _read_text(path: Path, problems: Problems) -> str | None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.add(str(path), 1, f"cannot read the file: {exc.strerror or exc}")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.add(str(path), line, "the file is not UTF-8 text (save it as UTF-8)")
        return None
    return unicodedata.normalize("NFC", strip_controls(text.lstrip("\ufeff"), multiline=True))


def _check_slug(path: Path, problems: Problems) -> str:
    slug = path.stem
    if not SLUG_RE.fullmatch(slug):
        problems.add(str(path), 1, f"file name {slug!r}: use lowercase letters, digits and hyphens (a-z, 0-9, -)")
    return slug


_FAST_LOADER = getattr(yaml, "CSafeLoader", None)  # PyYAML built with libyaml


def compose_yaml(text: str) -> Node | None:
    """``yaml.compose`` with libyaml's parser where PyYAML has it (several times faster than
    the pure-Python one on a quiz file; the same nodes and line marks). A document it
    refuses is composed again by the pure-Python loader, so that errors keep their wording."""
    if _FAST_LOADER is not None:
        try:
            return yaml.compose(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _compose(text: str, path: str, problems: Problems) -> Node | None:
    try:
        return compose_yaml(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "invalid YAML"
        problems.add(path, mark.line + 1 if mark else 1, f"YAML syntax error: {message}")
    except yaml.YAMLError as exc:
        problems.add(path, 1, f"YAML error: {exc}")
    return None


def load_questions_file(path: str | Path) -> list[QuestionSpec]:
    """Questions of a GIFT (.gift) or Aiken (.txt) file; raises QuizFileError."""
    path = Path(path)
    problems = Problems()
    text = _read_text(path, problems)
    problems.raise_if_any()
    assert text is not None
    if path.suffix.lower() == ".gift":
        return parse_gift(text, str(path))
    if path.suffix.lower() == ".txt":
        return parse_aiken(text, str(path))
    raise QuizFileError([(str(path), 1, "a question file must be GIFT (.gift) or Aiken (.txt)")])


def load_bank_file(path: str | Path) -> QuizFileSpec:
    """A stand-alone GIFT / Aiken file: a question bank without quiz settings."""
    path = Path(path)
    problems = Problems()
    slug = _check_slug(path, problems)
    questions: list[QuestionSpec] = []
    try:
        questions = load_questions_file(path)
    except QuizFileError as exc:
        problems.extend(exc)
    if not questions and not problems:
        problems.add(str(path), 1, "the file has no questions")
    problems.raise_if_any()
    spec = QuizFileSpec(slug=slug, path=str(path), questions=questions, is_bank=True)
    spec.source_hash = spec.compute_hash()
    return spec


def load_quiz_file(path: str | Path) -> QuizFileSpec:
    """Load and check ``quizzes/<slug>.yaml``; raises QuizFileError with every problem."""
    path = Path(path)
    problems = Problems()
    spec = _load_quiz(path, problems)
    problems.raise_if_any()
    assert spec is not None
    spec.source_hash = spec.compute_hash()
    return spec


def _load_quiz(path: Path, problems: Problems) -> QuizFileSpec | None:
    where = str(path)
    slug = _check_slug(path, problems)
    text = _read_text(path, problems)
    if text is None:
        return None
    root = _compose(text, where, problems)
    if root is None:
        if not problems.items:
            problems.add(where, 1, "the file is empty")
        return None
    r = _Reader(where, problems)
    keys = r.mapping(root, "a quiz file")
    if keys is None:
        return None
    r.unknown_keys(keys, QUIZ_KEYS, "the quiz settings")
    spec = QuizFileSpec(slug=slug, path=where)
    _read_settings(r, keys, root, spec)

    yaml_ids: dict[str, int] = {}
    question_nodes = (r.sequence(keys["questions"][1], "questions") or []) if "questions" in keys else []
    for node in question_nodes:
        question = _QuestionReader(r).read(node)
        if question is None:
            continue
        if question.ident in yaml_ids:
            r.error(node, f"duplicate question id {question.ident!r} (first used on line {yaml_ids[question.ident]})")
        elif question.ident:
            yaml_ids[question.ident] = question.source_line
        spec.questions.append(question)

    if "questions_file" in keys:
        _add_bank(r, keys["questions_file"][1], path, spec, yaml_ids)
    if not spec.questions and not problems.items:
        r.error(root, "the quiz has no questions: add questions: or questions_file:")
    if "draw" in keys:
        spec.draw = _read_draw(r, keys["draw"][1], spec.questions)
    if not problems.items:
        line = _line(keys["review"][0]) if "review" in keys else 1
        spec.warnings.extend((where, line, message) for message in review_warnings(spec))
    return spec


def review_warnings(spec: QuizFileSpec) -> list[str]:
    """Warn when the right answers shown after each attempt will meet the learner again.

    With ``review: answers_always`` and more than one attempt, a learner who reads the
    answers of one attempt sees the same questions in the next unless the pool is large
    enough for every attempt to draw different ones (per category when drawing by
    category). ``review: answers`` waits until the learner is done, so it never warns."""
    if spec.review != "answers_always" or spec.max_attempts == 1:
        return []
    questions = [q for q in spec.questions if q.type_class.answerable]
    available: dict[str, int] = {}
    for question in questions:
        available[question.category] = available.get(question.category, 0) + 1
    if isinstance(spec.draw, dict):
        draws = {category: (count, available.get(category, 0)) for category, count in spec.draw.items()}
    else:
        count = spec.draw if isinstance(spec.draw, int) else len(questions)
        draws = {"": (count, len(questions))}
    attempts = spec.max_attempts
    short = [
        (category, count, pool) for category, (count, pool) in draws.items()
        if attempts == 0 or count * attempts > pool
    ]
    if not short:
        return []
    allowed = "unlimited attempts" if attempts == 0 else f"{attempts} attempts"
    where = ", ".join(
        f"{count} of {pool} questions" + (f" in {category!r}" if category else "") for category, count, pool in short
    )
    return [
        f"review: answers_always shows the right answers after each attempt, with {allowed} and a pool too small "
        f"for different questions each time ({where}): later attempts repeat questions whose answers were shown. "
        "Use review: answers (answers once the learner passes or uses the last attempt), allow 1 attempt, "
        "or add questions"
    ]


def _read_settings(r: _Reader, keys: dict[str, tuple[Node, Node]], root: Node, spec: QuizFileSpec) -> None:
    for key in ("title", "course"):
        if key not in keys:
            r.error(root, f"missing key {key!r}")
    if "title" in keys:
        spec.title = _short_text(r.text(keys["title"][1], "title", required=True) or "")
    if "title_en" in keys:
        spec.title_en = _short_text(r.text(keys["title_en"][1], "title_en") or "")
    for key in ("course", "module"):
        if key in keys:
            value = (r.text(keys[key][1], key, required=(key == "course")) or "").strip()
            if value and not SLUG_RE.fullmatch(value):
                r.error(keys[key][1], f"{key} {value!r}: use the folder name (lowercase letters, digits, hyphens)")
            setattr(spec, key, value)
    if "pass_mark" in keys:
        mark = r.number(keys["pass_mark"][1], "pass_mark")
        if mark is not None and not 0 <= mark <= 100:
            r.error(keys["pass_mark"][1], "pass_mark is a percentage between 0 and 100")
        elif mark is not None:
            spec.pass_mark = float(mark)
    for key in ("max_attempts", "time_limit_minutes"):
        if key in keys:
            value = r.integer(keys[key][1], key)
            if value is not None:
                setattr(spec, key, value)
    for key in ("opens_at", "closes_at"):
        if key in keys:
            setattr(spec, key, r.timestamp(keys[key][1], key))
    if spec.opens_at and spec.closes_at and spec.closes_at <= spec.opens_at:
        r.error(keys["closes_at"][1], "closes_at must be after opens_at")
    for key in ("shuffle_questions", "shuffle_choices", "review_after_close"):
        if key in keys:
            value = r.boolean(keys[key][1], key)
            if value is not None:
                setattr(spec, key, value)
    if "review" in keys:
        review = (r.text(keys["review"][1], "review", required=True) or "").strip()
        if review and review not in REVIEW_MODES:
            r.error(keys["review"][1], f"review must be one of {', '.join(REVIEW_MODES)}")
        elif review:
            spec.review = review
    if spec.review_after_close and spec.closes_at is None:
        r.error(keys["review_after_close"][1], "review_after_close: true needs a closes_at date")


def _add_bank(r: _Reader, node: Node, path: Path, spec: QuizFileSpec, yaml_ids: dict[str, int]) -> None:
    name = (r.text(node, "questions_file", required=True) or "").strip()
    if not name:
        return
    if "/" in name or "\\" in name or name.startswith(".") or Path(name).suffix.lower() not in BANK_SUFFIXES:
        r.error(node, "questions_file must be a .gift or .txt file name in the same folder as the quiz")
        return
    bank_path = path.parent / name
    if not bank_path.is_file():
        r.error(node, f"questions_file {name!r} not found next to the quiz")
        return
    spec.questions_file = name
    try:
        bank = load_questions_file(bank_path)
    except QuizFileError as exc:
        r.problems.extend(exc)
        return
    for question in bank:
        if question.ident in yaml_ids:
            r.problems.add(
                str(bank_path),
                question.source_line,
                f"question id {question.ident!r} is also used in {path.name} line {yaml_ids[question.ident]}",
            )
    spec.questions.extend(bank)


def _read_draw(r: _Reader, node: Node, questions: list[QuestionSpec]) -> int | dict[str, int] | None:
    if isinstance(node, ScalarNode) and node.tag == _NULL:
        return None
    if isinstance(node, MappingNode):
        keys = r.mapping(node, "draw")
        if keys is None:
            return None
        available: dict[str, int] = {}
        for question in questions:
            available[question.category] = available.get(question.category, 0) + 1
        draw: dict[str, int] = {}
        for category, (key_node, value_node) in keys.items():
            count = r.integer(value_node, f"draw: {category}", minimum=1)
            if count is None:
                continue
            if category not in available:
                known = ", ".join(sorted(c for c in available if c)) or "none"
                r.error(key_node, f"draw: no question has category {category!r} (categories: {known})")
            elif count > available[category]:
                r.error(value_node, f"draw: {count} from {category!r}, but it has only {available[category]} questions")
            draw[category] = count
        return draw
    count = r.integer(node, "draw", minimum=1)
    if count is not None and questions and count > len(questions):
        r.error(node, f"draw: {count} questions, but the pool has only {len(questions)}")
    return count


def _referenced_bank(path: Path) -> str | None:
    """The questions_file named by a YAML quiz (best effort, even if the quiz is invalid)."""
    try:
        root = compose_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if isinstance(root, MappingNode):
        for key_node, value_node in root.value:
            if isinstance(key_node, ScalarNode) and key_node.value == "questions_file":
                if isinstance(value_node, ScalarNode):
                    return value_node.value.strip()
    return None


def _scan(folder: Path, known: dict[str, KnownQuiz]) -> tuple[dict[Path, QuizFileSpec], dict[Path, str]]:
    """The YAML quizzes of a folder: those unchanged since the last import (by their hash,
    unparsed), and the question file each names (an unchanged one: the one it named then)."""
    unchanged: dict[Path, QuizFileSpec] = {}
    refs: dict[Path, str] = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in YAML_SUFFIXES):
        spec = unchanged_spec(path, known.get(path.stem))
        if spec is not None:
            unchanged[path] = spec
        refs[path] = spec.questions_file if spec is not None else (_referenced_bank(path) or "")
    return unchanged, refs


def bank_references(folder: str | Path, known: dict[str, KnownQuiz] | None = None) -> dict[str, list[str]]:
    """Which quizzes use which question file: {'bank.gift': ['quiz-slug', ...]}.

    Handy to reload the right quiz when a bank changes; a GIFT / Aiken file
    missing from this mapping is a stand-alone bank. ``known``: see :func:`load_quiz_dir`."""
    references: dict[str, list[str]] = {}
    for path, name in _scan(Path(folder), known or {})[1].items():
        if name:
            references.setdefault(name, []).append(path.stem)
    return references


def load_quiz_path(path: str | Path, known: KnownQuiz | None = None, *, ref: str | None = None) -> QuizFileSpec:
    """Load one file of quizzes/: a YAML quiz, or a GIFT / Aiken file as a question
    bank without settings. (A GIFT / Aiken file named by a quiz's questions_file
    belongs to that quiz: :func:`load_quiz_dir` skips it, :func:`bank_references`
    tells which quiz to reload.)

    With ``known`` (what the last import stored) and files that still hash to it, nothing is
    parsed: see :func:`unchanged_spec`. ``ref``: the question file the YAML names, when the
    caller has read it already. The files are hashed before they are parsed, so that a file
    changed meanwhile never passes for the content parsed."""
    path = Path(path)
    suffix = path.suffix.lower()
    spec = unchanged_spec(path, known)
    if spec is not None:
        return spec
    if suffix in YAML_SUFFIXES:
        ref = (_referenced_bank(path) or "") if ref is None else ref
        digest = file_digest(path, ref)
        spec = load_quiz_file(path)
        spec.file_digest = digest if digest and spec.questions_file == ref else ""
        return spec
    if suffix in BANK_SUFFIXES:
        digest = file_digest(path)
        spec = load_bank_file(path)
        spec.file_digest = digest or ""
        return spec
    raise QuizFileError([(str(path), 1, "not a quiz file: use .yaml, .gift or .txt (Aiken)")])


def load_quiz_dir(folder: str | Path, known: dict[str, KnownQuiz] | None = None) -> list[QuizFileSpec]:
    """Every quiz of a folder, plus the GIFT / Aiken files that no quiz references
    (as question banks). Raises QuizFileError with the problems of all files.

    ``known``: what the last import stored, by slug; a quiz whose files still hash to it is
    not parsed (its spec says ``unchanged``)."""
    folder = Path(folder)
    known = known or {}
    problems = Problems()
    results: list[QuizFileSpec] = []
    unchanged, refs = _scan(folder, known)
    referenced = set(refs.values())
    banks = sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in BANK_SUFFIXES and p.name not in referenced
    )
    seen: dict[str, Path] = {}
    for path in [*refs, *banks]:
        if path.stem in seen:
            problems.add(str(path), 1, f"slug {path.stem!r} is already used by {seen[path.stem].name}")
            continue
        seen[path.stem] = path
        try:
            if path in refs:  # a YAML quiz, checked against ``known`` by _scan already
                results.append(unchanged.get(path) or load_quiz_path(path, ref=refs[path]))
            else:
                results.append(load_quiz_path(path, known.get(path.stem)))
        except QuizFileError as exc:
            problems.extend(exc)
    problems.raise_if_any()
    return results
