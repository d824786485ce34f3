"""Question model and grading registry (pure Python: no database, no Flask).

A question is a :class:`QuestionSpec`. Its ``qtype`` names a class in
:data:`QUESTION_TYPES` (in the spirit of CTFd's challenge types) that knows how
to check the spec, clean a learner's form data and grade it.

Responses, once cleaned by :func:`validate_response`, are:

==============  ==========================================================
qtype           cleaned response
==============  ==========================================================
single          ``int`` index into ``spec.choices`` (or ``None``)
multiple        ``list[int]`` of indexes into ``spec.choices`` (maybe empty)
truefalse       ``bool`` (or ``None``)
short           ``str`` (or ``None``)
numeric         ``float`` (or ``None``)
matching        ``dict[int, int]``: index into ``spec.pairs`` -> index into
                :func:`right_pool` (unanswered items are absent)
missingword     as ``single`` or ``short``, following ``spec.blank_type``
essay           ``str`` (or ``None``)
description     always ``None``
==============  ==========================================================

``None`` means "not answered" and grades as 0. Fractions are always clamped to
[0, 1]; essays return ``fraction=None`` with ``needs_review=True`` and
descriptions are not graded (``fraction=None``, ``needs_review=False``).
"""

from __future__ import annotations

import hashlib
import html as html_lib
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, ClassVar, TypeVar

from lms.core.text import fold, slugify

TEXT_FORMATS = ("markdown", "html", "plain", "moodle")
BLANK_TYPES = ("single", "short")
EPSILON = 1e-6  # tolerance when checking that weights add up to 100 %

MAX_SHORT_RESPONSE = 1_000
MAX_ESSAY_RESPONSE = 50_000

_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


# --------------------------------------------------------------------------- errors


class QuizFileError(Exception):
    """One or more problems in quiz / question files.

    ``problems`` is a list of ``(path, line, message)`` with 1-based lines;
    ``str()`` gives one ``path:line: message`` line per problem.
    """

    def __init__(self, problems: Sequence[tuple[str, int, str]]):
        self.problems: list[tuple[str, int, str]] = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(f"{path}:{line}: {message}" for path, line, message in self.problems)


class Problems:
    """Collects ``(path, line, message)`` problems, then raises them all at once."""

    def __init__(self) -> None:
        self.items: list[tuple[str, int, str]] = []

    def add(self, path: str, line: int, message: str) -> None:
        self.items.append((str(path), max(int(line), 1), message))

    def extend(self, other: QuizFileError | Problems) -> None:
        source = other.problems if isinstance(other, QuizFileError) else other.items
        self.items.extend(source)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        """Raise QuizFileError with the problems, file by file, in line order: at most
        :data:`MAX_PROBLEMS_PER_FILE` per file, then one line "and N more"."""
        if self.items:
            order = {path: n for n, path in reversed(list(enumerate(p for p, _, _ in self.items)))}
            raise QuizFileError(cap_problems(sorted(self.items, key=lambda item: (order[item[0]], item[1]))))


MAX_PROBLEMS_PER_FILE = 100
_MORE_RE = re.compile(r"and (\d+) more problems? in this file")


def cap_problems(items: Sequence[tuple[str, int, str]]) -> list[tuple[str, int, str]]:
    """The first :data:`MAX_PROBLEMS_PER_FILE` problems of each file (in the given order),
    then ``and N more problems in this file``, on the line of the first one left out.
    A file whose problems are already capped is left as it is."""
    counts: dict[str, int] = {}
    for path, _, _ in items:
        counts[path] = counts.get(path, 0) + 1
    kept: list[tuple[str, int, str]] = []
    shown: dict[str, int] = {}
    for path, line, message in items:
        seen = shown.get(path, 0)
        shown[path] = seen + 1
        if seen < MAX_PROBLEMS_PER_FILE:
            kept.append((path, line, message))
        elif seen == MAX_PROBLEMS_PER_FILE and counts[path] == seen + 1 and _MORE_RE.match(message):
            kept.append((path, line, message))  # capped already
        elif seen == MAX_PROBLEMS_PER_FILE:
            more = counts[path] - MAX_PROBLEMS_PER_FILE
            kept.append((path, line, f"and {more} more problem{'s' if more > 1 else ''} in this file "
                                     "(fix the ones above first)"))
    return kept


def count_problems(items: Sequence[tuple[str, int, str]]) -> int:
    """How many problems a capped list stands for (its "and N more" lines count N)."""
    total = 0
    for _, _, message in items:
        more = _MORE_RE.match(message)
        total += int(more.group(1)) if more else 1
    return total


# --------------------------------------------------------------------------- numbers


def parse_decimal(text: str) -> Decimal:
    """Parse a plain decimal number ("12", "-3.5", "1e3"); never evaluates anything.

    Raises ValueError for anything else (including "inf", "nan", "1_000", "0x10").
    """
    candidate = text.strip()
    if not _NUMBER_RE.fullmatch(candidate):
        raise ValueError(f"not a number: {text!r}")
    try:
        value = Decimal(candidate)
    except InvalidOperation as exc:  # pragma: no cover - the regex already guards this
        raise ValueError(f"not a number: {text!r}") from exc
    if not value.is_finite():  # pragma: no cover - idem
        raise ValueError(f"not a number: {text!r}")
    return value


def to_decimal(value: float | int | Decimal) -> Decimal:
    """Exact decimal of the shortest repr of a number (0.1 -> Decimal('0.1'))."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _endless(n: int) -> bool:
    """Whether 1/n has an endless decimal expansion (n has a prime factor other than 2 and 5)."""
    for p in (2, 5):
        while n % p == 0:
            n //= p
    return n > 1


# Fractions k/n (n ≤ 20, lowest terms) that no decimal writes exactly: 1/3, 2/3, 1/6, 1/7 …
# (Moodle's grade options 0.3333333, 0.6666667, 0.1666667, 0.1428571 … are among them).
ENDLESS_FRACTIONS: tuple[Fraction, ...] = tuple(
    Fraction(k, n) for n in range(3, 21) if _endless(n) for k in range(1, n) if math.gcd(k, n) == 1
)
# Moodle (qtype_multichoice) accepts positive weights whose total rounds to 1 at two decimals
# of the fraction: 99.5 % ≤ total < 100.5 %.
WEIGHT_TOTAL_TOLERANCE = Decimal("0.005")


def snap_percent(percent: Decimal) -> float:
    """A weight in percent, as a fraction.

    A weight written with two or more decimals that is an endless fraction rounded or
    cut off at its last written decimal (33.33, 33.333 or 33.33333 for 1/3; 66.66 or
    66.67 for 2/3; 14.29 for 1/7) is stored as that fraction exactly, so that three
    thirds add up to exactly 100%, as Moodle's grade options do. Any other weight is
    taken as written (computed in decimal: 12.5 -> 0.125)."""
    exponent = percent.as_tuple().exponent
    if isinstance(exponent, int) and exponent <= -2:
        unit = Decimal(1).scaleb(exponent - 2)  # one unit of the last written decimal, as a fraction
        magnitude = abs(percent) / 100
        for exact in ENDLESS_FRACTIONS:
            if abs(Decimal(exact.numerator) / Decimal(exact.denominator) - magnitude) < unit:
                value = exact.numerator / exact.denominator
                return -value if percent < 0 else value
    return float(percent / 100)


def percent_to_fraction(percent: float | int | Decimal) -> float:
    """50 -> 0.5, computed in decimal; 33.33 or 33.33333 -> exactly 1/3 (see :func:`snap_percent`)."""
    return snap_percent(to_decimal(percent))


def weights_add_up(total: float) -> bool:
    """Whether positive weights that add up to ``total`` (a fraction) make 100%, with
    Moodle's tolerance (the total rounded to two decimals is 1)."""
    return abs(to_decimal(total) - 1) < WEIGHT_TOTAL_TOLERANCE


def format_decimal(value: float | int | Decimal) -> str:
    """Shortest plain (no exponent) text for a number: 100.0 -> '100', 0.0005 -> '0.0005'."""
    dec = to_decimal(value)
    if dec == 0:
        return "0"
    text = format(dec.normalize(), "f")
    return text


def fraction_to_percent(fraction: float) -> str:
    """0.5 -> '50', 1/3 -> '33.33333' (as Moodle writes it), -1.0 -> '-100'; the inverse
    of :func:`percent_to_fraction`."""
    for exact in ENDLESS_FRACTIONS:
        if abs(fraction) == exact.numerator / exact.denominator:
            percent = (Decimal(100 * exact.numerator) / Decimal(exact.denominator)).quantize(Decimal("0.00001"))
            return format_decimal(-percent if fraction < 0 else percent)
    return format_decimal(to_decimal(fraction) * 100)


def parse_number_response(raw: str) -> float:
    """Parse a number typed by a learner.

    Spaces (also non-breaking / thin spaces) are ignored, so "12 500" is 12500.
    A single comma is read as the decimal separator (Vietnamese usage: "3,5" is
    3.5). A number that mixes "," and "." ("12.500,5") or repeats a separator
    ("1,000,000") is refused rather than guessed.
    """
    text = unicodedata.normalize("NFKC", raw)
    text = re.sub(r"[\s\u00a0\u2009\u202f]", "", text)
    if "," in text and "." in text:
        raise ValueError("use either ',' or '.' as the decimal separator, not both")
    text = text.replace(",", ".").replace("\u2212", "-")
    if not _NUMBER_RE.fullmatch(text):
        raise ValueError(f"not a number: {raw!r}")
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"not a number: {raw!r}")
    return number


# --------------------------------------------------------------------------- text helpers


def normalise_answer(text: str) -> str:
    """NFC, trimmed, inner whitespace collapsed, case-folded (for short answers)."""
    text = unicodedata.normalize("NFC", text)
    text = " ".join(text.split())
    return unicodedata.normalize("NFC", text.casefold())


def wildcard_match(pattern: str, response: str) -> bool:
    """Moodle-style short answer match: case-insensitive, ``*`` matches anything,
    ``\\*`` is a literal asterisk. Both sides are normalised with :func:`normalise_answer`."""
    pattern = normalise_answer(pattern)
    response = normalise_answer(response)
    if "*" not in pattern:
        return pattern == response
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("\\*", i):
            parts.append(re.escape("*"))
            i += 2
        elif pattern[i] == "*":
            if not parts or parts[-1] != ".*":  # '**' is the same as '*'
                parts.append(".*")
            i += 1
        else:
            parts.append(re.escape(pattern[i]))
            i += 1
    return re.fullmatch("".join(parts), response, flags=re.DOTALL) is not None


def clamp(fraction: float) -> float:
    return max(0.0, min(1.0, fraction))


# --------------------------------------------------------------------------- model


@dataclass
class Choice:
    """A choice of a single / multiple question, or an accepted short answer.

    ``text`` and ``feedback`` are in the question's format unless
    ``text_format`` / ``feedback_format`` say otherwise (``None`` = inherit).
    ``fraction`` is in -1.0 .. 1.0.
    """

    text: str
    fraction: float = 0.0
    feedback: str = ""
    text_format: str | None = None
    feedback_format: str | None = None


@dataclass
class NumericAnswer:
    """An accepted numeric answer: ``value`` ± ``tolerance``.

    A range min..max is stored as value=(min+max)/2, tolerance=(max-min)/2 and
    keeps ``range_min`` / ``range_max`` so it can be exported in its original
    form (and graded exactly against the bounds). ``value=None`` is GIFT's
    ``*``: "any other answer", used to give feedback to wrong answers.
    """

    value: float | None
    tolerance: float = 0.0
    fraction: float = 1.0
    feedback: str = ""
    range_min: float | None = None
    range_max: float | None = None
    feedback_format: str | None = None

    @classmethod
    def from_range(
        cls,
        minimum: float | int | Decimal,
        maximum: float | int | Decimal,
        fraction: float = 1.0,
        feedback: str = "",
    ) -> NumericAnswer:
        lo, hi = to_decimal(minimum), to_decimal(maximum)
        return cls(
            value=float((lo + hi) / 2),
            tolerance=float((hi - lo) / 2),
            fraction=fraction,
            feedback=feedback,
            range_min=float(lo),
            range_max=float(hi),
        )

    @property
    def is_range(self) -> bool:
        return self.range_min is not None and self.range_max is not None

    @property
    def is_catch_all(self) -> bool:
        return self.value is None

    def matches(self, number: float) -> bool:
        if self.value is None:
            return True
        if self.is_range:
            lo, hi = float(self.range_min), float(self.range_max)  # type: ignore[arg-type]
        else:
            lo, hi = self.value - abs(self.tolerance), self.value + abs(self.tolerance)
        slack = 1e-9 * max(1.0, abs(lo), abs(hi))  # absorb float noise such as 0.1 + 0.2
        return lo - slack <= number <= hi + slack


@dataclass
class MatchPair:
    """A matching item. An empty ``left`` makes ``right`` an extra wrong answer (distractor)."""

    left: str
    right: str
    left_format: str | None = None


@dataclass
class QuestionSpec:
    """One question, whatever its source (YAML, GIFT, Aiken).

    ``text_after`` is the text that follows the answer blank when the answers
    sit mid-sentence (GIFT's missing word format); the blank goes between
    ``text`` and ``text_after``. ``blank_type`` ('single' or 'short') says how a
    ``missingword`` question is answered. ``source_line`` is informational and
    ignored by ``==`` and :meth:`content_hash`.
    """

    qtype: str
    name: str = ""
    text: str = ""
    text_format: str = "markdown"
    points: float = 1.0
    general_feedback: str = ""
    category: str = ""
    choices: list[Choice] = field(default_factory=list)
    numeric_answers: list[NumericAnswer] = field(default_factory=list)
    pairs: list[MatchPair] = field(default_factory=list)
    correct: bool | None = None
    feedback_true: str = ""
    feedback_false: str = ""
    ident: str = ""
    source_line: int = field(default=0, compare=False)
    text_after: str = ""
    blank_type: str = ""
    general_feedback_format: str | None = None
    feedback_true_format: str | None = None
    feedback_false_format: str | None = None
    # Moodle's question tags (GIFT ``// [tag:x]``): kept, shown to authors, exported again.
    # Like the ident, they label the question and are not part of its content hash.
    tags: list[str] = field(default_factory=list)

    # -- serialisation ---------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (the database stores a question's data as JSON)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QuestionSpec:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown question keys: {', '.join(sorted(unknown))}")
        values = dict(data)
        values["choices"] = [_dataclass_from_dict(Choice, c) for c in values.get("choices", [])]
        values["numeric_answers"] = [
            _dataclass_from_dict(NumericAnswer, n) for n in values.get("numeric_answers", [])
        ]
        values["pairs"] = [_dataclass_from_dict(MatchPair, p) for p in values.get("pairs", [])]
        spec = cls(**values)
        if spec.qtype not in QUESTION_TYPES:
            raise ValueError(f"unknown question type {spec.qtype!r}")
        return spec

    def canonical_json(self) -> str:
        data = self.to_dict()
        data.pop("ident")
        data.pop("source_line")
        data.pop("tags")
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    def content_hash(self) -> str:
        """sha256 of the canonical JSON of the content (ident and source line excluded)."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()

    # -- convenience -----------------------------------------------------------------

    @property
    def type_class(self) -> type[QuestionType]:
        return get_type(self.qtype)

    @property
    def display_name(self) -> str:
        """The name, or (like Moodle) the start of the text when there is none."""
        if self.name:
            return self.name
        raw = f"{self.text} _____ {self.text_after}" if self.text_after else self.text
        text = " ".join(re.sub(r"<[^>]*>", " ", raw).split())
        return text if len(text) <= 80 else text[:77].rstrip() + "..."


def _dataclass_from_dict(cls: type, data: Mapping[str, Any]) -> Any:
    known = {f.name for f in fields(cls)}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown {cls.__name__} keys: {', '.join(sorted(unknown))}")
    return cls(**data)


@dataclass(frozen=True)
class Grade:
    """Outcome of grading one response.

    ``fraction`` is in [0, 1], or ``None`` when not auto-graded (essay awaiting a
    trainer, or a description). ``feedback`` holds the specific feedback of the
    chosen answers (general feedback stays on the spec).
    """

    fraction: float | None
    feedback: list[str] = field(default_factory=list)
    needs_review: bool = False


@dataclass
class OptionCount:
    """One line of a question's item analysis: an option (HTML), how many responses chose
    it, and its weight."""

    label_html: str
    count: int
    fraction: float | None = None  # the option's weight, for the trainer's eye


@dataclass
class ReviewOption:
    """One option of a reviewed question: its HTML, whether it was chosen, and whether it
    is right (``None``: not to be shown)."""

    html: str
    chosen: bool
    right: bool | None


@dataclass
class Review:
    """What the review of a finished attempt shows of one response, besides its state.
    Every string is HTML (escaped or sanitised) except ``response_text``, which is the
    learner's own text and is escaped by the template."""

    options: list[ReviewOption] = field(default_factory=list)
    response_text: str | None = None
    right_answers: list[str] = field(default_factory=list)
    also_accepted: list[str] = field(default_factory=list)  # other spellings of a right answer
    feedback: list[str] = field(default_factory=list)
    matches: list[tuple[str, str, str | None]] = field(default_factory=list)


def assign_idents(specs: Iterable[QuestionSpec]) -> None:
    """Give every spec without an ident a stable one: the slug of its name, or a
    content hash; duplicates get -2, -3, ...

    Linear in the number of specs: each base remembers the next suffix to try, so the
    n-th duplicate of a title does not try -2 … -n again."""
    specs = list(specs)
    used = {spec.ident for spec in specs if spec.ident}
    next_suffix: dict[str, int] = {}
    for spec in specs:
        if spec.ident:
            continue
        base = slugify(spec.name) or f"q-{spec.content_hash()[:12]}"
        ident = base
        if ident in used:
            n = next_suffix.get(base, 2)
            while f"{base}-{n}" in used:  # only ids written in the file are skipped here
                n += 1
            ident = f"{base}-{n}"
            next_suffix[base] = n + 1
        used.add(ident)
        spec.ident = ident


# --------------------------------------------------------------------------- raw form data


def _one_value(raw: Any) -> str | None:
    """A single form value: '' / None / [] -> None; a one-item list -> its item."""
    if raw is None:
        return None
    if isinstance(raw, (list, tuple)):
        if not raw:
            return None
        if len(raw) > 1:
            raise ValueError("expected a single value")
        raw = raw[0]
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int):
        return str(raw)
    if not isinstance(raw, str):
        raise ValueError("expected text")
    return raw if raw.strip() else None


def _many_values(raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, (str, int)) and not isinstance(raw, bool):
        raw = [raw]
    if not isinstance(raw, (list, tuple)):
        raise ValueError("expected a list of values")
    values = []
    for item in raw:
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise ValueError("expected text values")
        text = str(item)
        if text.strip():
            values.append(text)
    return values


def _index(text: str, size: int) -> int:
    text = text.strip()
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"not a choice number: {text!r}")
    value = int(text)
    if value >= size:
        raise ValueError(f"no such choice: {value}")
    return value


def _check_indexes(indexes: Iterable[int], size: int) -> None:
    """grade() takes responses cleaned by validate_response(); refuse anything else."""
    for index in indexes:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < size:
            raise ValueError(f"invalid response index {index!r}: clean responses with validate_response()")


def right_pool(spec: QuestionSpec) -> list[str]:
    """The distinct right-hand items of a matching question, in a fixed order that
    does not follow the pairs (sorted), so indexes into it reveal nothing."""
    unique = {pair.right for pair in spec.pairs}
    return sorted(unique, key=lambda text: (normalise_answer(text), text))


def answerable_pairs(spec: QuestionSpec) -> list[int]:
    """Indexes into ``spec.pairs`` of the items a learner must match (non-empty left)."""
    return [i for i, pair in enumerate(spec.pairs) if pair.left.strip()]


# --------------------------------------------------------------------------- question types


def N_(message: str) -> str:
    """Marks an interface string for extraction; the caller translates it (no Flask here)."""
    return message


def _position(value: Any, size: int) -> int:
    """A position on the learner's page (the order drawn for the attempt)."""
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or int(text) >= size:
        raise ValueError("no such choice")
    return int(text)


def _single(raw: Any) -> Any:
    if isinstance(raw, (list, tuple)):
        if len(raw) > 1:
            raise ValueError("expected a single value")
        return raw[0] if raw else None
    return raw


def _chosen_set(response: Any) -> set[int]:
    return set(response if isinstance(response, list) else ([] if response is None else [response]))


class QuestionType:
    """Base class of the question types: subclasses are registered in QUESTION_TYPES
    (see :func:`register_type`).

    A type owns everything about its questions: the check of the spec, how a response
    is read from the attempt page (form or JSON) and stored, grading, what the attempt
    page shows (never the key), the review, its contribution to the item analysis, and a
    Jinja template with two macros, ``attempt(q)`` and ``review(item)``
    (``assessments/qtypes/<name>.html`` unless :attr:`template` says otherwise). Nothing
    else branches on its name.
    """

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    auto_graded: ClassVar[bool] = True
    # False: not a question (a description): no response, no points, no statistics.
    answerable: ClassVar[bool] = True
    # True: a trainer marks the response by hand (essays).
    hand_marked: ClassVar[bool] = False
    # The message shown when a response cannot be read (an English msgid, translated by the caller).
    error_message: ClassVar[str] = N_("This answer could not be read. Please choose again.")
    # The item analysis counts the responses left blank ("—").
    counts_blanks: ClassVar[bool] = True
    # The Jinja template with the attempt(q) and review(item) macros ("" = the default).
    template: ClassVar[str] = ""

    # The keys a question of this type may have in a YAML quiz file, read by read_yaml();
    # None: the type is not written in YAML, or the YAML reader knows it already.
    yaml_keys: ClassVar[tuple[str, ...] | None] = None

    @classmethod
    def read_yaml(cls, spec: QuestionSpec, values: Mapping[str, Any]) -> list[str]:
        """Fill ``spec`` from the plain values of the :attr:`yaml_keys` present in a YAML
        question; returns the problems found (the spec is checked afterwards as usual)."""
        return []

    @classmethod
    def to_gift(cls, spec: QuestionSpec, gift: Any) -> str | None:
        """The GIFT answer part of the question (``{…}``), written with ``gift`` (the
        ``gift.GiftWriter``); None: the question has none. Raises ValueError when the
        type cannot be written in GIFT."""
        raise ValueError(f"cannot export question type {cls.name!r} to GIFT")

    @classmethod
    def to_aiken(cls, spec: QuestionSpec, aiken: Any) -> str:
        """The question in Aiken, written with ``aiken`` (the ``aiken.AikenWriter``); raises
        ValueError with the reason when it cannot be written in Aiken."""
        raise ValueError(f"type {cls.name!r} (Aiken only has single-answer multiple choice)")

    @classmethod
    def demo_answer(cls, spec: QuestionSpec, entry: Mapping[str, Any], slot: int) -> Any:
        """The raw answer a demo learner gives in ``slot`` (None: leaves it blank)."""
        return None

    @classmethod
    def template_name(cls) -> str:
        return cls.template or f"assessments/qtypes/{cls.name}.html"

    @classmethod
    def check(cls, spec: QuestionSpec) -> list[str]:
        """Problems with the spec itself (empty list: the question is usable)."""
        problems = []
        if not (spec.text.strip() or spec.text_after.strip()):
            problems.append("the question has no text")
        if spec.text_format not in TEXT_FORMATS:
            problems.append(f"unknown text format {spec.text_format!r}")
        if not math.isfinite(spec.points) or spec.points < 0:
            problems.append("points must be a number >= 0")
        return problems

    @classmethod
    def validate_response(cls, spec: QuestionSpec, raw: Any) -> Any:
        raise NotImplementedError

    @classmethod
    def grade(cls, spec: QuestionSpec, response: Any) -> Grade:
        raise NotImplementedError

    # -- the attempt: layout, reading and storing responses, the page --------------------

    @classmethod
    def choice_count(cls, spec: QuestionSpec) -> int:
        """How many choices the layout of an attempt orders (shuffles) for this question."""
        return 0

    @classmethod
    def pool_size(cls, spec: QuestionSpec) -> int:
        """How many items of a pool the layout of an attempt orders (shuffles)."""
        return 0

    @classmethod
    def form_value(cls, spec: QuestionSpec, form: Any, name: str) -> Any:
        """The raw value of the field(s) named ``name`` in a MultiDict of the attempt page."""
        return form.get(name)

    @classmethod
    def read_response(cls, spec: QuestionSpec, entry: Mapping[str, Any], raw: Any) -> Any:
        """Raw form data in display positions (``entry`` is the question's layout entry)
        → a clean response in original indexes; raises ValueError if it is invalid."""
        choices = entry.get("choices") or []
        if choices:
            value = _single(raw)
            if value is None or str(value).strip() == "":
                return None
            return cls.validate_response(spec, str(choices[_position(value, len(choices))]))
        return cls.validate_response(spec, _single(raw))

    @classmethod
    def load_response(cls, spec: QuestionSpec, stored: Any) -> Any:
        """A response as stored in JSON → what :meth:`grade` expects."""
        return stored

    @classmethod
    def render_html(cls, spec: QuestionSpec, text: Callable[[str, str], str],
                    inline: Callable[[str, str], str]) -> dict[str, Any]:
        """Every text of the question as sanitised HTML, with the renderers given
        (``text`` for blocks, ``inline`` for labels). Feedback and answers live here
        too: the attempt page reads only what :meth:`attempt_fields` picks."""
        fmt = spec.text_format
        return {
            "text": cls.text_html(spec, text, inline),
            "text_after": inline(spec.text_after, fmt),
            "general_feedback": text(spec.general_feedback, spec.general_feedback_format or fmt),
            "choices": [
                {
                    "text": cls.choice_html(spec, c, inline),
                    "feedback": text(c.feedback, c.feedback_format or fmt),
                }
                for c in spec.choices
            ],
            "pairs": [inline(p.left, p.left_format or fmt) for p in spec.pairs],
            "pool": cls.pool_html(spec),
            "numeric": [text(a.feedback, a.feedback_format or fmt) for a in spec.numeric_answers],
            "feedback_true": text(spec.feedback_true, spec.feedback_true_format or fmt),
            "feedback_false": text(spec.feedback_false, spec.feedback_false_format or fmt),
        }

    @classmethod
    def text_html(cls, spec: QuestionSpec, text: Callable[[str, str], str],
                  inline: Callable[[str, str], str]) -> str:
        return text(spec.text, spec.text_format)

    @classmethod
    def choice_html(cls, spec: QuestionSpec, choice: Choice, inline: Callable[[str, str], str]) -> str:
        return inline(choice.text, choice.text_format or spec.text_format)

    @classmethod
    def pool_html(cls, spec: QuestionSpec) -> list[str]:
        return []

    @classmethod
    def review(cls, spec: QuestionSpec, html: Mapping[str, Any], entry: Mapping[str, Any], response: Any,
               *, show: bool, comment: str | None = None) -> Review:
        """The review of a response; ``show``: the right answers and the feedback may be
        shown; ``comment``: a trainer's comment on it. The general feedback is added by
        the caller."""
        return Review()

    @classmethod
    def option_counts(cls, spec: QuestionSpec, html: Mapping[str, Any],
                      counts: Mapping[str | None, int]) -> list[OptionCount]:
        """The item analysis of the question: ``counts`` maps response keys (see
        ``services.response_key``; ``None``: not answered) to how many responses had them."""
        options = cls.answer_counts(spec, html, counts)
        if None in counts and cls.counts_blanks:
            options.append(OptionCount("—", counts[None]))
        return options

    @classmethod
    def answer_counts(cls, spec: QuestionSpec, html: Mapping[str, Any],
                      counts: Mapping[str | None, int]) -> list[OptionCount]:
        """The answered part of :meth:`option_counts` (nothing by default)."""
        return []

    @classmethod
    def _choice_counts(cls, spec: QuestionSpec, html: Mapping[str, Any],
                       counts: Mapping[str | None, int]) -> list[OptionCount]:
        tally = [0] * len(spec.choices)
        for key, count in counts.items():
            if key is None:
                continue
            picked = json.loads(key)
            for index in picked if isinstance(picked, list) else [picked]:
                if isinstance(index, int) and 0 <= index < len(tally):
                    tally[index] += count
        return [OptionCount(html["choices"][i]["text"], tally[i], spec.choices[i].fraction) for i in range(len(tally))]

    @classmethod
    def _top_counts(cls, counts: Mapping[str | None, int]) -> list[OptionCount]:
        """The ten most frequent typed answers."""
        top = sorted(((k, c) for k, c in counts.items() if k is not None), key=lambda kc: -kc[1])[:10]
        return [OptionCount(html_lib.escape(key), count) for key, count in top]

    @classmethod
    def _review_choices(cls, spec: QuestionSpec, html: Mapping[str, Any], entry: Mapping[str, Any],
                        response: Any, show: bool) -> Review:
        review = Review()
        order = entry.get("choices") or list(range(len(spec.choices)))
        chosen = _chosen_set(response)
        for index in order:
            right = cls.choice_is_right(spec.choices[index])
            review.options.append(ReviewOption(html["choices"][index]["text"], index in chosen, right if show else None))
            if show and index in chosen and html["choices"][index]["feedback"]:
                review.feedback.append(html["choices"][index]["feedback"])
        return review

    @classmethod
    def choice_is_right(cls, choice: Choice) -> bool:
        """Whether the review marks a choice as a right answer."""
        return choice.fraction >= 1

    @classmethod
    def attempt_fields(cls, spec: QuestionSpec, html: Mapping[str, Any], entry: Mapping[str, Any],
                       response: Any) -> dict[str, Any]:
        """What the attempt page shows of the question besides its text: public HTML and
        the learner's own answer, choices identified by their position on the page."""
        order = entry.get("choices") or []
        if order:
            chosen = _chosen_set(response)
            return {"choices": [
                {"value": pos, "html": html["choices"][index]["text"], "checked": index in chosen}
                for pos, index in enumerate(order)
            ]}
        return {"value": response or ""}


def _has_full_marks(answers: Iterable[Choice | NumericAnswer]) -> bool:
    """Whether one of the answers is worth 100%."""
    return any(abs(answer.fraction - 1) < EPSILON for answer in answers)


_Answer = TypeVar("_Answer", Choice, NumericAnswer)


def _answer_grade(answer: Choice | NumericAnswer) -> Grade:
    """The grade of one chosen or matched answer: its weight (clamped) and its feedback."""
    return Grade(clamp(answer.fraction), [answer.feedback] if answer.feedback else [])


def _best_answer_grade(answers: Iterable[_Answer], matches: Callable[[_Answer], bool]) -> Grade:
    """The grade of the matching answer worth the most (the first of equals); 0 if none matches."""
    best: _Answer | None = None
    for answer in answers:
        if matches(answer) and (best is None or answer.fraction > best.fraction):
            best = answer
    return Grade(0.0) if best is None else _answer_grade(best)


def _check_fractions(spec: QuestionSpec, low: float) -> list[str]:
    problems = []
    for i, choice in enumerate(spec.choices, start=1):
        if not math.isfinite(choice.fraction) or not low - EPSILON <= choice.fraction <= 1 + EPSILON:
            problems.append(f"answer {i}: weight {fraction_to_percent(choice.fraction)}% is out of range")
        if not choice.text.strip():
            problems.append(f"answer {i} has no text")
    return problems


class _ChoiceList(QuestionType):
    """Types answered by picking from the listed choices: their item analysis, review and
    count of choices read the choices alike."""

    @classmethod
    def answer_counts(cls, spec: QuestionSpec, html: Mapping[str, Any],
                      counts: Mapping[str | None, int]) -> list[OptionCount]:
        return cls._choice_counts(spec, html, counts)

    @classmethod
    def review(cls, spec: QuestionSpec, html: Mapping[str, Any], entry: Mapping[str, Any], response: Any,
               *, show: bool, comment: str | None = None) -> Review:
        return cls._review_choices(spec, html, entry, response, show)

    @classmethod
    def choice_count(cls, spec: QuestionSpec) -> int:
        return len(spec.choices)


class SingleChoice(_ChoiceList):
    name = "single"
    label = "Multiple choice, one answer"

    @classmethod
    def check(cls, spec: QuestionSpec) -> list[str]:
        problems = super().check(spec)
        if len(spec.choices) < 2:
            problems.append("a choice question needs at least 2 answers")
        problems += _check_fractions(spec, -1.0)
        if spec.choices and not _has_full_marks(spec.choices):
            problems.append("no correct answer: one answer must be worth 100%")
        return problems

    @classmethod
    def validate_response(cls, spec: QuestionSpec, raw: Any) -> int | None:
        value = _one_value(raw)
        return None if value is None else _index(value, len(spec.choices))

    @classmethod
    def grade(cls, spec: QuestionSpec, response: int | None) -> Grade:
        if response is None:
            return Grade(0.0)
        _check_indexes([response], len(spec.choices))
        return _answer_grade(spec.choices[response])

    @classmethod
    def to_gift(cls, spec: QuestionSpec, gift: Any) -> str | None:
        return gift.choices(spec, single=True)

    @classmethod
    def to_aiken(cls, spec: QuestionSpec, aiken: Any) -> str:
        return aiken.single(spec)

    @classmethod
    def demo_answer(cls, spec: QuestionSpec, entry: Mapping[str, Any], slot: int) -> Any:
        order = entry.get("choices") or []
        if not order:
            return None
        right = next(i for i, c in enumerate(spec.choices) if c.fraction >= 1)
        # Answer most questions right, a few wrong, as a real learner would.
        return str(order.index(right) if slot % 4 else (order.index(right) + 1) % len(order))


class MultipleChoice(_ChoiceList):
    name = "multiple"
    label = "Multiple choice, several answers"

    @classmethod
    def check(cls, spec: QuestionSpec) -> list[str]:
        problems = super().check(spec)
        if len(spec.choices) < 2:
            problems.append("a choice question needs at least 2 answers")
        problems += _check_fractions(spec, -1.0)
        positive = sum(c.fraction for c in spec.choices if c.fraction > 0)
        if spec.choices and not weights_add_up(positive):
            problems.append(
                f"the positive weights add up to {fraction_to_percent(round(positive, 7))}%: "
                "they must add up to 100% (from 99.5% to 100.5% is accepted, as in Moodle)"
            )
        return problems

    @classmethod
    def validate_response(cls, spec: QuestionSpec, raw: Any) -> list[int]:
        return sorted({_index(v, len(spec.choices)) for v in _many_values(raw)})

    @classmethod
    def grade(cls, spec: QuestionSpec, response: Sequence[int] | None) -> Grade:
        chosen = sorted(set(response or []))
        _check_indexes(chosen, len(spec.choices))
        total = sum(spec.choices[i].fraction for i in chosen)
        feedback = [spec.choices[i].feedback for i in chosen if spec.choices[i].feedback]
        return Grade(clamp(total), feedback)

    @classmethod
    def to_gift(cls, spec: QuestionSpec, gift: Any) -> str | None:
        return gift.choices(spec, single=False)

    @classmethod
    def choice_is_right(cls, choice: Choice) -> bool:
        return choice.fraction > 0

    @classmethod
    def form_value(cls, spec: QuestionSpec, form: Any, name: str) -> Any:
        return form.getlist(name)

    @classmethod
    def read_response(cls, spec: QuestionSpec, entry: Mapping[str, Any], raw: Any) -> list[int]:
        choices = entry.get("choices") or []
        if not choices:
            return cls.validate_response(spec, raw)
        values = raw if isinstance(raw, (list, tuple)) else ([] if raw in (None, "") else [raw])
        picked = [str(choices[_position(v, len(choices))]) for v in values if str(v).strip()]
        return cls.validate_response(spec, picked)


class TrueFalse(QuestionType):
    name = "truefalse"
    label = "True / false"

    @classmethod
    def check(cls, spec: QuestionSpec) -> list[str]:
        problems = super().check(spec)
        if not isinstance(spec.correct, bool):
            problems.append("a true/false question needs its answer (true or false)")
        return problems

    @classmethod
    def validate_response(cls, spec: QuestionSpec, raw: Any) -> bool | None:
        value = _one_value(raw)
        if value is None:
            return None
        lowered = value.strip().lower()
        if lowered in ("true", "t", "1", "yes", "đúng"):
            return True
        if lowered in ("false", "f", "0", "no", "sai"):
            return False
        raise ValueError(f"expected true or false, got {value!r}")

    @classmethod
    def grade(cls, spec: QuestionSpec, response: bool | None) -> Grade:
        if response is None:
            return Grade(0.0)
        feedback = spec.feedback_true if response else spec.feedback_false
        return Grade(1.0 if response == spec.correct else 0.0, [feedback] if feedback else [])

    @classmethod
    def attempt_fields(cls, spec: QuestionSpec, html: Mapping[str, Any], entry: Mapping[str, Any],
                       response: bool | None) -> dict[str, Any]:
        return {"value": response}

    @classmethod
    def to_gift(cls, spec: QuestionSpec, gift: Any) -> str | None:
        return gift.truefalse(spec)

    @classmethod
    def demo_answer(cls, spec: QuestionSpec, entry: Mapping[str, Any], slot: int) -> Any:
        return "true" if spec.correct else "false"

    @classmethod
    def review(cls, spec: QuestionSpec, html: Mapping[str, Any], entry: Mapping[str, Any], response: bool | None,
               *, show: bool, comment: str | None = None) -> Review:
        review = Review()
        for value, label in ((True, "true"), (False, "false")):  # the macro translates the labels
            review.options.append(ReviewOption(label, response is value, (spec.correct is value) if show else None))
        if show and response is not None:
            fb = html["feedback_true"] if response else html["feedback_false"]
            if fb:
                review.feedback.append(fb)
        return review

    @classmethod
    def answer_counts(cls, spec: QuestionSpec, html: Mapping[str, Any],
                      counts: Mapping[str | None, int]) -> list[OptionCount]:
        return [
            OptionCount(html_lib.escape(label), counts.get(key, 0), 1.0 if spec.correct == value else 0.0)
            for label, key, value in (("True", "true", True), ("False", "false", False))
        ]


class ShortAnswer(QuestionType):
    name = "short"
    label = "Short answer"
    error_message = N_("This answer is too long.")

    @classmethod
    def check(cls, spec: QuestionSpec) -> list[str]:
        problems = super().check(spec)
        if not spec.choices:
            problems.append("a short answer question needs at least one accepted answer")
        problems += _check_fractions(spec, 0.0)
        if spec.choices and not _has_full_marks(spec.choices):
            problems.append("no correct answer: one accepted answer must be worth 100%")
        return problems

    @classmethod
    def validate_response(cls, spec: QuestionSpec, raw: Any) -> str | None:
        value = _one_value(raw)
        if value is None:
            return None
        if len(value) > MAX_SHORT_RESPONSE:
            raise ValueError("answer too long")
        return value.strip()

    @classmethod
    def grade(cls, spec: QuestionSpec, response: str | None) -> Grade:
        if response is None or not response.strip():
            return Grade(0.0)
        return _best_answer_grade(spec.choices, lambda answer: wildcard_match(answer.text, response))

    @classmethod
    def choice_html(cls, spec: QuestionSpec, choice: Choice, inline: Callable[[str, str], str]) -> str:
        return html_lib.escape(choice.text)  # accepted answers are plain text

    @classmethod
    def to_gift(cls, spec: QuestionSpec, gift: Any) -> str | None:
        return gift.short(spec)

    @classmethod
    def answer_counts(cls, spec: QuestionSpec, html: Mapping[str, Any],
                      counts: Mapping[str | None, int]) -> list[OptionCount]:
        return cls._top_counts(counts)

    @classmethod
    def best_match(cls, spec: QuestionSpec, response: str | None) -> int | None:
        """Index of the accepted answer a response matched (the best one), or None."""
        if not response:
            return None
        best = None
        for i, answer in enumerate(spec.choices):
            if wildcard_match(answer.text, response) and (best is None or answer.fraction > spec.choices[best].fraction):
                best = i
        return best

    @classmethod
    def readable_answers(cls, spec: QuestionSpec, html: Mapping[str, Any]) -> tuple[list[str], list[str]]:
        """The accepted answers as a learner reads them: spellings that differ only in accents
        or case are one answer (shown with its accents), the first one listed is "the" right
        answer and the others are "also accepted" ("sổ kho", also "kho"; not "kho; sổ kho; so kho")."""
        groups: dict[str, int] = {}
        for i, choice in enumerate(spec.choices):
            if choice.fraction < 1:
                continue
            key = fold(choice.text)
            kept = groups.get(key)
            if kept is None or (fold(spec.choices[kept].text) == spec.choices[kept].text.lower()
                                and fold(choice.text) != choice.text.lower()):
                groups[key] = i  # prefer the spelling with accents
        shown = [html["choices"][i]["text"] for i in groups.values()]
        return shown[:1], shown[1:]

    @classmethod
    def review(cls, spec: QuestionSpec, html: Mapping[str, Any], entry: Mapping[str, Any], response: str | None,
               *, show: bool, comment: str | None = None) -> Review:
        review = Review(response_text=response)
        if show:
            review.right_answers, review.also_accepted = cls.readable_answers(spec, html)
            matched = cls.best_match(spec, response)
            if matched is not None and html["choices"][matched]["feedback"]:
                review.feedback.append(html["choices"][matched]["feedback"])
        return review


class Numeric(QuestionType):
    name = "numeric"
    label = "Numerical"
    error_message = N_("Enter a number, e.g. 12500 or 3,5 (no thousands separators).")

    @classmethod
    def check(cls, spec: QuestionSpec) -> list[str]:
        problems = super().check(spec)
        real = [a for a in spec.numeric_answers if not a.is_catch_all]
        if not real:
            problems.append("a numerical question needs at least one accepted number")
        for i, answer in enumerate(spec.numeric_answers, start=1):
            numbers = [answer.tolerance, answer.range_min or 0.0, answer.range_max or 0.0]
            if answer.value is not None:
                numbers.append(answer.value)
            if not all(math.isfinite(n) for n in numbers):
                problems.append(f"answer {i}: the number is too large")
            if not 0 - EPSILON <= answer.fraction <= 1 + EPSILON:
                problems.append(f"answer {i}: weight must be between 0% and 100%")
            if answer.is_range and answer.range_min > answer.range_max:  # type: ignore[operator]
                low, high = format_decimal(answer.range_min), format_decimal(answer.range_max)  # type: ignore[arg-type]
                problems.append(
                    f"answer {i}: the range {low}..{high} goes downwards: write the smaller number first ({high}..{low})"
                )
            elif answer.tolerance < 0:  # (a range's tolerance is its half-width: said above)
                problems.append(f"answer {i}: the tolerance must not be negative")
        if real and not _has_full_marks(real):
            problems.append("no correct answer: one accepted number must be worth 100%")
        return problems

    @classmethod
    def validate_response(cls, spec: QuestionSpec, raw: Any) -> float | None:
        value = _one_value(raw)
        return None if value is None else parse_number_response(value)

    @classmethod
    def grade(cls, spec: QuestionSpec, response: float | None) -> Grade:
        if response is None:
            return Grade(0.0)
        return _best_answer_grade(spec.numeric_answers, lambda answer: answer.matches(response))

    @classmethod
    def load_response(cls, spec: QuestionSpec, stored: Any) -> float | None:
        return None if stored is None else float(stored)

    @classmethod
    def to_gift(cls, spec: QuestionSpec, gift: Any) -> str | None:
        return gift.numeric(spec)

    @classmethod
    def answer_counts(cls, spec: QuestionSpec, html: Mapping[str, Any],
                      counts: Mapping[str | None, int]) -> list[OptionCount]:
        return cls._top_counts(counts)

    @classmethod
    def attempt_fields(cls, spec: QuestionSpec, html: Mapping[str, Any], entry: Mapping[str, Any],
                       response: float | None) -> dict[str, Any]:
        return {"value": "" if response is None else f"{response:g}"}

    @classmethod
    def review(cls, spec: QuestionSpec, html: Mapping[str, Any], entry: Mapping[str, Any], response: float | None,
               *, show: bool, comment: str | None = None) -> Review:
        review = Review(response_text=None if response is None else f"{response:g}")
        if show:
            for a in spec.numeric_answers:
                if a.value is not None and a.fraction >= 1:
                    review.right_answers.append(
                        f"{a.range_min:g} – {a.range_max:g}" if a.is_range else
                        (f"{a.value:g} ± {a.tolerance:g}" if a.tolerance else f"{a.value:g}")
                    )
            best = None
            if response is not None:
                for i, a in enumerate(spec.numeric_answers):
                    if a.matches(response) and (best is None or a.fraction > spec.numeric_answers[best].fraction):
                        best = i
            if best is not None and html["numeric"][best]:
                review.feedback.append(html["numeric"][best])
        return review


class Matching(QuestionType):
    name = "matching"
    label = "Matching"

    @classmethod
    def check(cls, spec: QuestionSpec) -> list[str]:
        problems = super().check(spec)
        if len(answerable_pairs(spec)) < 2:
            problems.append("a matching question needs at least 2 pairs")
        for i, pair in enumerate(spec.pairs, start=1):
            if not pair.right.strip():
                problems.append(f"pair {i} has no right-hand answer")
        return problems

    @classmethod
    def validate_response(cls, spec: QuestionSpec, raw: Any) -> dict[int, int]:
        if raw is None:
            return {}
        if isinstance(raw, Mapping):
            items = list(raw.items())
        elif isinstance(raw, (list, tuple)):
            items = list(enumerate(raw))
        else:
            raise ValueError("expected one answer per item")
        allowed = set(answerable_pairs(spec))
        pool_size = len(right_pool(spec))
        response: dict[int, int] = {}
        for key, value in items:
            item = _index(str(key), len(spec.pairs))
            if item not in allowed:
                raise ValueError(f"no such item: {item}")
            chosen = _one_value(value)
            if chosen is not None:
                response[item] = _index(chosen, pool_size)
        return response

    @classmethod
    def grade(cls, spec: QuestionSpec, response: Mapping[int, int] | None) -> Grade:
        items = answerable_pairs(spec)
        pool = right_pool(spec)
        response = response or {}
        _check_indexes(list(response), len(spec.pairs))
        _check_indexes(list(response.values()), len(pool))
        right = sum(
            1 for i in items if i in response and pool[response[i]] == spec.pairs[i].right
        )
        return Grade(right / len(items) if items else 0.0)

    @classmethod
    def pool_size(cls, spec: QuestionSpec) -> int:
        return len(right_pool(spec))

    @classmethod
    def form_value(cls, spec: QuestionSpec, form: Any, name: str) -> dict[str, Any]:
        return {str(i): form.get(f"{name}_{i}") for i in answerable_pairs(spec)}

    @classmethod
    def read_response(cls, spec: QuestionSpec, entry: Mapping[str, Any], raw: Any) -> dict[int, int]:
        pool = entry.get("pool") or list(range(len(right_pool(spec))))
        mapped = {}
        for item, value in (raw or {}).items():
            value = _single(value)
            if value is None or str(value).strip() == "":
                continue
            mapped[str(item)] = str(pool[_position(value, len(pool))])
        return cls.validate_response(spec, mapped)

    @classmethod
    def load_response(cls, spec: QuestionSpec, stored: Any) -> dict[int, int]:
        return {} if stored is None else {int(k): int(v) for k, v in stored.items()}

    @classmethod
    def pool_html(cls, spec: QuestionSpec) -> list[str]:
        return [html_lib.escape(text) for text in right_pool(spec)]

    @classmethod
    def to_gift(cls, spec: QuestionSpec, gift: Any) -> str | None:
        return gift.matching(spec)

    @classmethod
    def attempt_fields(cls, spec: QuestionSpec, html: Mapping[str, Any], entry: Mapping[str, Any],
                       response: Mapping[int, int] | None) -> dict[str, Any]:
        pool = entry.get("pool") or list(range(len(html["pool"])))
        position_of = {index: pos for pos, index in enumerate(pool)}
        return {
            "pool": [{"value": pos, "html": html["pool"][index]} for pos, index in enumerate(pool)],
            "items": [
                {"index": i, "html": html["pairs"][i], "selected": position_of.get((response or {}).get(i))}
                for i in answerable_pairs(spec)
            ],
        }

    @classmethod
    def review(cls, spec: QuestionSpec, html: Mapping[str, Any], entry: Mapping[str, Any],
               response: Mapping[int, int] | None, *, show: bool, comment: str | None = None) -> Review:
        review = Review()
        for i in answerable_pairs(spec):
            picked = response.get(i) if response else None
            picked_text = html["pool"][picked] if picked is not None else "—"
            right_text = html_lib.escape(spec.pairs[i].right) if show else None
            review.matches.append((html["pairs"][i], picked_text, right_text))
        return review


class MissingWord(QuestionType):
    """A single choice or short answer whose blank sits mid-text (GIFT missing word)."""

    name = "missingword"
    label = "Missing word"
    error_message = N_("This answer is too long.")

    @classmethod
    def _inner(cls, spec: QuestionSpec) -> type[QuestionType]:
        return ShortAnswer if spec.blank_type == "short" else SingleChoice

    @classmethod
    def check(cls, spec: QuestionSpec) -> list[str]:
        if spec.blank_type not in BLANK_TYPES:
            return [f"a missing word question needs blank_type 'single' or 'short', not {spec.blank_type!r}"]
        problems = cls._inner(spec).check(spec)
        if not spec.text_after.strip():
            problems.append("a missing word question needs text after the blank")
        return problems

    @classmethod
    def validate_response(cls, spec: QuestionSpec, raw: Any) -> Any:
        return cls._inner(spec).validate_response(spec, raw)

    @classmethod
    def grade(cls, spec: QuestionSpec, response: Any) -> Grade:
        return cls._inner(spec).grade(spec, response)

    @classmethod
    def choice_count(cls, spec: QuestionSpec) -> int:
        return cls._inner(spec).choice_count(spec)

    @classmethod
    def text_html(cls, spec: QuestionSpec, text: Callable[[str, str], str],
                  inline: Callable[[str, str], str]) -> str:
        return inline(spec.text, spec.text_format)  # the blank follows it on the same line

    @classmethod
    def attempt_fields(cls, spec: QuestionSpec, html: Mapping[str, Any], entry: Mapping[str, Any],
                       response: Any) -> dict[str, Any]:
        return {"blank_type": spec.blank_type, **super().attempt_fields(spec, html, entry, response)}

    @classmethod
    def choice_html(cls, spec: QuestionSpec, choice: Choice, inline: Callable[[str, str], str]) -> str:
        return cls._inner(spec).choice_html(spec, choice, inline)

    @classmethod
    def to_gift(cls, spec: QuestionSpec, gift: Any) -> str | None:
        return cls._inner(spec).to_gift(spec, gift)

    @classmethod
    def review(cls, spec: QuestionSpec, html: Mapping[str, Any], entry: Mapping[str, Any], response: Any,
               *, show: bool, comment: str | None = None) -> Review:
        return cls._inner(spec).review(spec, html, entry, response, show=show, comment=comment)

    @classmethod
    def answer_counts(cls, spec: QuestionSpec, html: Mapping[str, Any],
                      counts: Mapping[str | None, int]) -> list[OptionCount]:
        return cls._inner(spec).answer_counts(spec, html, counts)


class Essay(QuestionType):
    name = "essay"
    label = "Essay (graded by a trainer)"
    auto_graded = False
    hand_marked = True
    counts_blanks = False
    error_message = N_("This answer is too long.")

    @classmethod
    def validate_response(cls, spec: QuestionSpec, raw: Any) -> str | None:
        value = _one_value(raw)
        if value is None:
            return None
        if len(value) > MAX_ESSAY_RESPONSE:
            raise ValueError("answer too long")
        return unicodedata.normalize("NFC", value.strip())

    @classmethod
    def grade(cls, spec: QuestionSpec, response: str | None) -> Grade:
        if response is None or not response.strip():
            return Grade(0.0)  # nothing written: nothing for a trainer to review
        return Grade(None, [], needs_review=True)

    @classmethod
    def review(cls, spec: QuestionSpec, html: Mapping[str, Any], entry: Mapping[str, Any], response: str | None,
               *, show: bool, comment: str | None = None) -> Review:
        return Review(response_text=response, feedback=[html_lib.escape(comment)] if comment else [])

    @classmethod
    def to_gift(cls, spec: QuestionSpec, gift: Any) -> str | None:
        return "{" + gift.general_feedback(spec) + "}"


class Description(QuestionType):
    name = "description"
    label = "Description (not a question)"
    auto_graded = False
    answerable = False

    @classmethod
    def check(cls, spec: QuestionSpec) -> list[str]:
        problems = super().check(spec)
        if spec.points:
            problems.append("a description is not graded: its points must be 0")
        return problems

    @classmethod
    def validate_response(cls, spec: QuestionSpec, raw: Any) -> None:
        return None

    @classmethod
    def to_gift(cls, spec: QuestionSpec, gift: Any) -> str | None:
        return None

    @classmethod
    def grade(cls, spec: QuestionSpec, response: Any) -> Grade:
        return Grade(None)


QUESTION_TYPES: dict[str, type[QuestionType]] = {
    cls.name: cls
    for cls in (
        SingleChoice,
        MultipleChoice,
        TrueFalse,
        ShortAnswer,
        Numeric,
        Matching,
        MissingWord,
        Essay,
        Description,
    )
}


def register_type(cls: type[QuestionType]) -> type[QuestionType]:
    """Add a question type to the registry (usable as a class decorator)."""
    if not cls.name:
        raise ValueError("a question type needs a name")
    QUESTION_TYPES[cls.name] = cls
    return cls


def get_type(qtype: str) -> type[QuestionType]:
    try:
        return QUESTION_TYPES[qtype]
    except KeyError:
        raise ValueError(f"unknown question type {qtype!r}") from None


def check_spec(spec: QuestionSpec) -> list[str]:
    return get_type(spec.qtype).check(spec)


def validate_response(spec: QuestionSpec, raw: Any) -> Any:
    """Turn form data (a string, or a list of strings, or for matching a mapping)
    into a clean response for :func:`grade`; raises ValueError if it is invalid."""
    return get_type(spec.qtype).validate_response(spec, raw)


def grade(spec: QuestionSpec, response: Any) -> Grade:
    """Grade a response cleaned by :func:`validate_response`."""
    return get_type(spec.qtype).grade(spec, response)
