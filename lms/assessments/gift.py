"""GIFT import and export, compatible with Moodle's ``question/format/gift/format.php``.

The reader follows Moodle's parsing rules (first ``{`` / first ``}`` of a
question, ``####`` general feedback, ``~`` => choice, ``=`` + ``->`` =>
matching, ``T``/``TRUE``/``F``/``FALSE`` => true/false, otherwise short
answer, ``#`` => numerical, ``{}`` => essay, no braces => description, text
after the closing brace => missing word). Where Moodle silently accepts a
mistake (an unclosed brace swallowed into the text, a non-numeric numerical
answer turned into ``*``, a misspelt weight kept as answer text, ...) this
reader reports a ``path:line: message`` problem instead. All problems of a file
are collected before :class:`QuizFileError` is raised.

:func:`export_gift` writes GIFT that reads back to equal specs (see
:func:`lms.assessments.questions.QuestionSpec.__eq__`, which ignores source lines).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from decimal import Decimal

from .questions import (
    TEXT_FORMATS,
    Choice,
    MatchPair,
    NumericAnswer,
    Problems,
    QuestionSpec,
    answerable_pairs,
    assign_idents,
    check_spec,
    format_decimal,
    fraction_to_percent,
    parse_decimal,
    snap_percent,
)

GIFT_DEFAULT_FORMAT = "moodle"
TRUE_FALSE_WORDS = {"T": True, "TRUE": True, "F": False, "FALSE": False}

# Escaped characters are replaced by private-use placeholders while parsing,
# exactly like Moodle's escapedchar_pre()/escapedchar_post() ("\\n" is a newline).
_ESCAPES = {
    "\\": "\ue05c",
    ":": "\ue03a",
    "#": "\ue023",
    "=": "\ue03d",
    "{": "\ue07b",
    "}": "\ue07d",
    "~": "\ue07e",
    "n": "\ue06e",
}
_UNESCAPE_TABLE = str.maketrans({v: ("\n" if k == "n" else k) for k, v in _ESCAPES.items()})
_WEIGHT_RE = re.compile(r"%(-?(?:\d+(?:\.\d*)?|\.\d+))%")
_WEIGHT_LIKE_RE = re.compile(r"%[^%\s]{1,12}%")
_FORMAT_RE = re.compile(r"\[([A-Za-z]+)\]")
MAX_TAG_LENGTH = 100


def _unescape(text: str) -> str:
    return text.translate(_UNESCAPE_TABLE)


class _Problem(Exception):
    def __init__(self, index: int, message: str):
        super().__init__(message)
        self.index = index
        self.message = message


class _Category:
    def __init__(self, name: str):
        self.name = name


def _blocks(text: str) -> Iterator[list[tuple[int, str]]]:
    """Questions are separated by blank lines; yields lists of (line number, line)."""
    current: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            current.append((number, line))
        elif current:
            yield current
            current = []
    if current:
        yield current


class _Block:
    """One question's text with escapes replaced and a line number for every character."""

    def __init__(self, lines: list[tuple[int, str]]):
        chars: list[str] = []
        line_of: list[int] = []
        comments: list[str] = []
        for position, (number, line) in enumerate(lines):
            if position:
                chars.append("\n")
                line_of.append(number)
            if line.strip().startswith("//"):
                comments.append(line.strip())
                line = " "  # as Moodle: the comment line becomes a space
            i = 0
            while i < len(line):
                if line[i] == "\\" and i + 1 < len(line) and line[i + 1] in _ESCAPES:
                    chars.append(_ESCAPES[line[i + 1]])
                    i += 2
                else:
                    chars.append(line[i])
                    i += 1
                line_of.append(number)
        self.s = "".join(chars)
        self.line_of = line_of
        self.first_line = lines[0][0]
        self.comments = "\n".join(comments)

    def line(self, index: int) -> int:
        if not self.line_of:
            return self.first_line
        return self.line_of[max(0, min(index, len(self.line_of) - 1))]


class _QuestionParser:
    def __init__(self, block: _Block, category: str):
        self.block = block
        self.s = block.s
        self.category = category
        self.errors: list[tuple[int, str]] = []
        self.qformat = GIFT_DEFAULT_FORMAT

    # -- small helpers ---------------------------------------------------------------

    def strip(self, start: int, end: int) -> tuple[int, int]:
        s = self.s
        while start < end and s[start].isspace():
            start += 1
        while end > start and s[end - 1].isspace():
            end -= 1
        return start, end

    def split_format(self, start: int, end: int, default: str) -> tuple[str, int]:
        """A leading [html] / [markdown] / [plain] / [moodle] sets the format."""
        match = _FORMAT_RE.match(self.s, start, end)
        if not match:
            return default, start
        name = match.group(1)
        if name in TEXT_FORMATS:
            return name, match.end()
        following = self.s[match.end() : match.end() + 1]
        looks_like_format = name.lower() in TEXT_FORMATS or name.islower()
        if looks_like_format and following not in ("(", "[", ":", _ESCAPES[":"]):
            raise _Problem(
                start, f"unknown text format [{name}]: use [html], [markdown], [plain] or [moodle]"
            )
        return default, start  # e.g. a Markdown link: keep it as text

    def text(self, start: int, end: int, default: str) -> tuple[str, str | None]:
        """Text with optional format prefix; returns (text, format or None if inherited)."""
        start, end = self.strip(start, end)
        fmt, start = self.split_format(start, end, default)
        text = _unescape(self.s[start:end]).strip()
        return text, (fmt if fmt != default and text else None)

    def weight(self, start: int, end: int) -> tuple[float | None, int]:
        """A leading %weight% as a fraction (33.33% is exactly 1/3: see snap_percent)."""
        match = _WEIGHT_RE.match(self.s, start, end)
        if match:
            weight = Decimal(match.group(1))
            if not -100 <= weight <= 100:
                raise _Problem(start, f"weight {match.group(1)}% is outside -100%..100%")
            return snap_percent(weight), match.end()
        bad = _WEIGHT_LIKE_RE.match(self.s, start, end)
        if bad:
            raise _Problem(start, f"invalid weight {_unescape(bad.group())}: write it like %50% or %-25%")
        return None, start

    def pieces(self, start: int, end: int, markers: str) -> list[tuple[str, int, int]]:
        """Split an answer list at its markers (Moodle: explode on '~' / '=')."""
        found: list[tuple[str, int, int]] = []
        marker, piece_start = "", start
        for i in range(start, end):
            if self.s[i] in markers:
                found.append((marker, piece_start, i))
                marker, piece_start = self.s[i], i + 1
        found.append((marker, piece_start, end))
        first = found[0]
        if not self.s[first[1] : first[2]].strip():
            found.pop(0)
        return found

    def feedback_split(self, start: int, end: int) -> tuple[int, int | None]:
        """Position of the first '#' (answer / feedback separator) or None."""
        pos = self.s.find("#", start, end)
        return (pos, pos) if pos != -1 else (end, None)

    def record(self, problem: _Problem) -> None:
        self.errors.append((problem.index, problem.message))

    # -- the question ----------------------------------------------------------------

    def parse(self) -> QuestionSpec | _Category | None:
        s = self.s
        start, end = self.strip(0, len(s))
        if start >= end:
            return None  # only comments
        self.question_start = start
        if s.startswith("$CATEGORY:", start):
            newline = s.find("\n", start, end)
            if newline != -1 and s[newline:end].strip():
                rest, _ = self.strip(newline, end)
                raise _Problem(rest, "put a blank line between the $CATEGORY: line and the next question")
            return _Category(_unescape(s[start + len("$CATEGORY:") : end]).strip())

        name = ""
        if s.startswith("::", start):
            close = s.find("::", start + 2, end)
            if close == -1:
                raise _Problem(start, "the question title is not closed with '::'")
            name = " ".join(_unescape(s[start + 2 : close]).split())
            start, end = self.strip(close + 2, end)
            self.question_start = start

        open_ = s.find("{", start, end)
        close_ = s.find("}", start, end)
        if open_ == -1 and close_ == -1:
            return self.build_description(name, start, end)
        if open_ == -1 or close_ < open_ and close_ != -1:
            raise _Problem(close_, "'}' without a matching '{' (write \\} for a literal brace)")
        if close_ == -1:
            raise _Problem(
                open_, "'{' is never closed with '}' (no blank line may stand inside a question; "
                "write \\{ for a literal brace)"
            )
        inner = s.find("{", open_ + 1, close_)
        if inner != -1:
            raise _Problem(inner, "'{' inside an answer block (write \\{ for a literal brace)")
        extra = [p for p in (s.find("{", close_ + 1, end), s.find("}", close_ + 1, end)) if p != -1]
        if extra:
            raise _Problem(
                min(extra),
                "a second answer block: separate questions with a blank line "
                "(or write \\{ and \\} for literal braces)",
            )
        return self.build_question(name, start, end, open_, close_)

    def build_description(self, name: str, start: int, end: int) -> QuestionSpec:
        text, _ = self.text(start, end, GIFT_DEFAULT_FORMAT)
        fmt, _ = self.split_format(start, end, GIFT_DEFAULT_FORMAT)
        return QuestionSpec(
            qtype="description", name=name, text=text, text_format=fmt, points=0.0, category=self.category
        )

    def build_question(self, name: str, start: int, end: int, open_: int, close_: int) -> QuestionSpec | None:
        s = self.s
        fmt, text_start = self.split_format(start, open_, GIFT_DEFAULT_FORMAT)
        self.qformat = fmt
        if close_ == end - 1:
            text = _unescape(s[text_start:open_]).strip()
            text_after = ""
        else:  # missing word: keep the text on both sides of the blank
            text = _unescape(s[text_start:open_]).lstrip()
            text_after = _unescape(s[close_ + 1 : end]).rstrip()

        spec = QuestionSpec(
            qtype="essay", name=name, text=text, text_format=fmt, category=self.category, text_after=text_after
        )
        ans_start, ans_end = open_ + 1, close_
        general = s.rfind("####", ans_start, ans_end)
        if general != -1:
            spec.general_feedback, spec.general_feedback_format = self.text(general + 4, ans_end, fmt)
            ans_end = general
        ans_start, ans_end = self.strip(ans_start, ans_end)
        answers = s[ans_start:ans_end]

        if not answers:
            spec.qtype = "essay"
        elif answers[0] == "#":
            self.parse_numeric(spec, ans_start + 1, ans_end)
        elif "~" in answers:
            self.parse_choices(spec, ans_start, ans_end)
        elif "=" in answers and "->" in answers:
            self.parse_matching(spec, ans_start, ans_end)
        else:
            head = answers
            if answers.find("#") > 0:
                head = answers[: answers.find("#")].strip()
            if head in TRUE_FALSE_WORDS:
                self.parse_truefalse(spec, ans_start, ans_end)
            else:
                self.parse_short(spec, ans_start, ans_end)
        return spec

    # -- answer blocks ---------------------------------------------------------------

    def answer_and_feedback(self, start: int, end: int) -> tuple[int, str, str | None]:
        """End of the answer part, and the feedback after '#'."""
        answer_end, hash_pos = self.feedback_split(start, end)
        if hash_pos is None:
            return answer_end, "", None
        feedback, feedback_format = self.text(hash_pos + 1, end, self.qformat)
        return answer_end, feedback, feedback_format

    def parse_choices(self, spec: QuestionSpec, start: int, end: int) -> None:
        single = "=" in self.s[start:end]
        for marker, piece_start, piece_end in self.pieces(start, end, "~="):
            try:
                piece_start, piece_end = self.strip(piece_start, piece_end)
                weight, piece_start = self.weight(piece_start, piece_end)
                if weight is None:
                    fraction = 1.0 if marker == "=" else 0.0
                else:
                    fraction = weight
                answer_end, feedback, feedback_format = self.answer_and_feedback(piece_start, piece_end)
                text, text_format = self.text(piece_start, answer_end, self.qformat)
                spec.choices.append(Choice(text, fraction, feedback, text_format, feedback_format))
            except _Problem as problem:
                self.record(problem)
        if len(spec.choices) < 2 and not self.errors:
            raise _Problem(self.question_start, "a choice question needs at least 2 answers")
        if single:
            spec.qtype = "missingword" if spec.text_after else "single"
            spec.blank_type = "single" if spec.text_after else ""
        else:
            spec.qtype = "multiple"

    def parse_short(self, spec: QuestionSpec, start: int, end: int) -> None:
        for _marker, piece_start, piece_end in self.pieces(start, end, "="):
            try:
                piece_start, piece_end = self.strip(piece_start, piece_end)
                weight, piece_start = self.weight(piece_start, piece_end)
                fraction = 1.0 if weight is None else weight
                answer_end, feedback, feedback_format = self.answer_and_feedback(piece_start, piece_end)
                text, _ = self.text(piece_start, answer_end, self.qformat)  # answers have no format
                spec.choices.append(Choice(text, fraction, feedback, None, feedback_format))
            except _Problem as problem:
                self.record(problem)
        spec.qtype = "missingword" if spec.text_after else "short"
        spec.blank_type = "short" if spec.text_after else ""

    def parse_truefalse(self, spec: QuestionSpec, start: int, end: int) -> None:
        s = self.s
        first = s.find("#", start, end)
        second = s.find("#", first + 1, end) if first != -1 else -1
        word_end = first if first != -1 else end
        correct = TRUE_FALSE_WORDS[_unescape(s[start:word_end]).strip()]
        wrong: tuple[str, str | None] = ("", None)
        right: tuple[str, str | None] = ("", None)
        if first != -1:
            wrong = self.text(first + 1, second if second != -1 else end, self.qformat)
        if second != -1:
            right = self.text(second + 1, end, self.qformat)
        spec.qtype = "truefalse"
        spec.correct = correct
        # "wrong" feedback is shown for the wrong answer, "right" for the right one.
        on_true, on_false = (right, wrong) if correct else (wrong, right)
        spec.feedback_true, spec.feedback_true_format = on_true
        spec.feedback_false, spec.feedback_false_format = on_false

    def parse_numeric(self, spec: QuestionSpec, start: int, end: int) -> None:
        spec.qtype = "numeric"
        s = self.s
        tilde = s.find("~", start, end)
        answers_end = tilde if tilde != -1 else end
        pieces = self.pieces(start, answers_end, "=")
        if not pieces:
            raise _Problem(self.question_start, "a numerical question needs at least one number, e.g. {#3:0.5}")
        for _marker, piece_start, piece_end in pieces:
            try:
                spec.numeric_answers.append(self.numeric_answer(piece_start, piece_end))
            except _Problem as problem:
                self.record(problem)
        if tilde != -1:  # feedback for any other (wrong) answer: ~#feedback
            hash_pos = s.find("#", tilde + 1, end)
            feedback, feedback_format = self.text(hash_pos + 1 if hash_pos != -1 else tilde + 1, end, self.qformat)
            spec.numeric_answers.append(
                NumericAnswer(None, 0.0, 0.0, feedback, feedback_format=feedback_format)
            )

    def numeric_answer(self, start: int, end: int) -> NumericAnswer:
        start, end = self.strip(start, end)
        weight, start = self.weight(start, end)
        fraction = 1.0 if weight is None else weight
        answer_end, feedback, feedback_format = self.answer_and_feedback(start, end)
        raw = _unescape(self.s[start:answer_end]).strip()
        try:
            if raw == "*":
                answer = NumericAnswer(None, 0.0, fraction, feedback)
            elif ".." in raw[1:]:
                cut = raw.index("..", 1)
                answer = NumericAnswer.from_range(
                    parse_decimal(raw[:cut]), parse_decimal(raw[cut + 2 :]), fraction, feedback
                )
            elif ":" in raw[1:]:
                cut = raw.index(":", 1)
                value, tolerance = parse_decimal(raw[:cut]), parse_decimal(raw[cut + 1 :])
                answer = NumericAnswer(float(value), float(tolerance), fraction, feedback)
            else:
                answer = NumericAnswer(float(parse_decimal(raw)), 0.0, fraction, feedback)
        except ValueError:
            raise _Problem(
                start, f"not a number: {raw!r} (write 3, 3:0.5 for 3 ± 0.5, or 1..5 for a range)"
            ) from None
        answer.feedback_format = feedback_format
        return answer

    def parse_matching(self, spec: QuestionSpec, start: int, end: int) -> None:
        spec.qtype = "matching"
        for _marker, piece_start, piece_end in self.pieces(start, end, "="):
            try:
                piece_start, piece_end = self.strip(piece_start, piece_end)
                arrow = self.s.find("->", piece_start, piece_end)
                if arrow == -1:
                    raise _Problem(piece_start, "a matching answer needs '->' between the item and its match")
                left, left_format = self.text(piece_start, arrow, self.qformat)
                right = _unescape(self.s[arrow + 2 : piece_end]).strip()
                if left or right:
                    spec.pairs.append(MatchPair(left, right, left_format))
            except _Problem as problem:
                self.record(problem)
        if not self.errors and (len(answerable_pairs(spec)) < 2 or len(spec.pairs) < 3):
            raise _Problem(
                self.question_start,
                "a matching question needs at least 2 pairs and 3 answers in all (Moodle's rule): "
                "add a pair, or an extra wrong answer written '= -> answer'",
            )


# --------------------------------------------------------------------------- import


def parse_gift(text: str, path: str = "<gift>") -> list[QuestionSpec]:
    """Parse GIFT text into question specs; raises QuizFileError with every problem."""
    text = unicodedata.normalize("NFC", text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))
    problems = Problems()
    specs: list[QuestionSpec] = []
    explicit_ids: dict[str, int] = {}
    category = ""
    for lines in _blocks(text):
        block = _Block(lines)
        parser = _QuestionParser(block, category)
        try:
            result = parser.parse()
        except _Problem as problem:
            parser.record(problem)
            result = None
        for index, message in parser.errors:
            problems.add(path, block.line(index), message)
        if parser.errors or result is None:
            continue
        if isinstance(result, _Category):
            category = result.name
            continue
        spec = result
        spec.source_line = block.line(parser.question_start)
        for message in check_spec(spec):
            problems.add(path, spec.source_line, message)
        idnumber = _idnumber(block.comments)
        spec.tags = _tags(block.comments)
        for tag in spec.tags:
            if len(tag) > MAX_TAG_LENGTH:
                problems.add(path, spec.source_line, f"tag {tag[:20]!r}… is longer than {MAX_TAG_LENGTH} characters")
        if idnumber:
            if idnumber in explicit_ids:
                problems.add(
                    path, spec.source_line, f"duplicate id {idnumber!r} (first used on line {explicit_ids[idnumber]})"
                )
            explicit_ids[idnumber] = spec.source_line
            spec.ident = idnumber
        specs.append(spec)
    problems.raise_if_any()
    assign_idents(specs)
    return specs


def bracket_values(comments: str, key: str) -> list[str]:
    """The values of ``[key:value]`` in comment lines, as Moodle finds them with
    ``\\[key:((?:\\\\]|[^\\]])+)\\]`` (``\\]`` is a ``]`` inside the value), in linear time.

    A value never spans lines (nor holds control characters). Scanning from an opening
    ``[key:``, the value ends at the first ``]`` that is not escaped; with none before the
    end of the line, the ``]`` of the last ``\\]`` closes it (the pattern backtracks),
    and with no ``]`` at all no later ``[key:`` of that stretch can close either, so the
    scan goes on after it: every character is looked at a bounded number of times."""
    opener = f"[{key}:"
    values: list[str] = []
    size = len(comments)
    position = 0
    while (start := comments.find(opener, position)) != -1:
        first = start + len(opener)
        i, last_pair = first, -1
        while i < size:
            char = comments[i]
            if char == "\\" and i + 1 < size and comments[i + 1] == "]":
                last_pair = i
                i += 2
            elif char == "]" or char < " ":
                break
            else:
                i += 1
        if i < size and comments[i] == "]" and i > first:
            values.append(comments[first:i])
            position = i + 1
        elif last_pair != -1:  # the pattern backtracks: '\\' is a character, ']' closes
            values.append(comments[first : last_pair + 1])
            position = last_pair + 2
        elif i < size and comments[i] == "]":
            position = start + 1  # '[id:]': empty
        else:
            position = i  # no ']' in this stretch: no opener inside it can close
    return [value.replace("\\]", "]").strip() for value in values]


def _idnumber(comments: str) -> str:
    values = bracket_values(comments, "id")
    return values[0] if values else ""


def _tags(comments: str) -> list[str]:
    """Moodle 3.6+ question tags, ``// [tag:chi-phi] [tag:khó]``: in order, each once."""
    return list(dict.fromkeys(tag for tag in bracket_values(comments, "tag") if tag))


# --------------------------------------------------------------------------- export


def escape(text: str) -> str:
    """Escape GIFT's special characters (Moodle's repchar)."""
    out = []
    for ch in text:
        if ch in "\\#=~{}:":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch != "\r":
            out.append(ch)
    return "".join(out)


def _formatted(text: str, fmt: str | None, force: bool = False) -> str:
    """Text with a [format] prefix when it has its own format, or when the text
    itself starts with '[' (so that it is not mistaken for a prefix)."""
    if fmt and (force or text.startswith("[")):
        return f"[{fmt}]{escape(text)}"
    return escape(text)


def _sub(text: str, own: str | None, inherited: str) -> str:
    fmt = own or inherited
    return _formatted(text, fmt, force=own is not None and own != inherited)


def _feedback(text: str, own: str | None, inherited: str) -> str:
    return "#" + _sub(text, own, inherited) if text else ""


def _general_feedback(spec: QuestionSpec) -> str:
    if not spec.general_feedback:
        return ""
    return "####" + _sub(spec.general_feedback, spec.general_feedback_format, spec.text_format)


def _reject_arrow(spec: QuestionSpec, *texts: str) -> None:
    if any("->" in t for t in texts):
        raise ValueError(
            f"question {spec.ident or spec.name!r}: '->' in a short answer or its feedback "
            "cannot be written in GIFT (it would read back as a matching question)"
        )


def _choice_lines(spec: QuestionSpec, single: bool) -> list[str]:
    fmt = spec.text_format
    markers = []
    for choice in spec.choices:
        if single and choice.fraction == 1:
            markers.append("=")
        elif choice.fraction == 0:
            markers.append("~")
        else:
            markers.append(f"~%{fraction_to_percent(choice.fraction)}%")
    if single and "~" not in "".join(m[0] for m in markers):
        markers[-1] = "~%100%"  # a choice question needs at least one '~'
    lines = []
    for marker, choice in zip(markers, spec.choices, strict=True):
        if choice.text.startswith("%") and "%" not in marker:
            marker += "%100%" if marker == "=" else "%0%"
        text = _sub(choice.text, choice.text_format, fmt)
        lines.append(f"\t{marker}{text}{_feedback(choice.feedback, choice.feedback_format, fmt)}")
    return lines


def _short_lines(spec: QuestionSpec) -> list[str]:
    fmt = spec.text_format
    lines = []
    for answer in spec.choices:
        _reject_arrow(spec, answer.text, answer.feedback)
        text = _formatted(answer.text, "moodle")  # a '[' start gets a throw-away prefix
        weight = fraction_to_percent(answer.fraction)
        lines.append(f"\t=%{weight}%{text}{_feedback(answer.feedback, answer.feedback_format, fmt)}")
    return lines


def _numeric_lines(spec: QuestionSpec) -> list[str]:
    fmt = spec.text_format
    lines = []
    last = len(spec.numeric_answers) - 1
    for position, answer in enumerate(spec.numeric_answers):
        feedback = _feedback(answer.feedback, answer.feedback_format, fmt)
        if answer.is_catch_all and position == last and answer.fraction == 0:
            lines.append(f"\t~{feedback or '#'}")
            continue
        if answer.is_catch_all:
            number = "*"
        elif answer.is_range:
            number = f"{format_decimal(answer.range_min)}..{format_decimal(answer.range_max)}"  # type: ignore[arg-type]
        else:
            number = f"{format_decimal(answer.value)}:{format_decimal(answer.tolerance)}"  # type: ignore[arg-type]
        lines.append(f"\t=%{fraction_to_percent(answer.fraction)}%{number}{feedback}")
    return lines


def _matching_lines(spec: QuestionSpec) -> list[str]:
    if len(answerable_pairs(spec)) < 2 or len(spec.pairs) < 3:
        raise ValueError(
            f"question {spec.ident or spec.name!r}: GIFT (Moodle) needs at least 2 pairs and 3 answers "
            "for a matching question: add a pair or an extra wrong answer"
        )
    lines = []
    for pair in spec.pairs:
        if "->" in pair.left:
            raise ValueError(f"question {spec.ident or spec.name!r}: '->' in a matching item cannot be written in GIFT")
        left = _sub(pair.left, pair.left_format, spec.text_format) if pair.left else ""
        lines.append(f"\t={left} -> {escape(pair.right)}")
    return lines


def _bracket(key: str, value: str) -> str:
    escaped = value.replace("]", "\\]")
    return f"[{key}:{escaped}]"


def export_question(spec: QuestionSpec) -> str:
    """One question in GIFT (no trailing blank line)."""
    head = []
    bits = [_bracket("id", spec.ident)] if spec.ident else []
    bits += [_bracket("tag", tag) for tag in spec.tags]
    if bits:  # one comment line, as Moodle writes it
        head.append("// " + " ".join(bits))
    title = f"::{escape(spec.name)}::" if spec.name else ""
    force = spec.text_format != GIFT_DEFAULT_FORMAT or spec.text.startswith(("[", "//"))
    text = _formatted(spec.text, spec.text_format, force=force)
    first = title + text
    body = spec.type_class.to_gift(spec, GiftWriter)
    if body is None:  # no answer part (a description)
        return "\n".join([*head, first])
    return "\n".join([*head, first + body + escape(spec.text_after)])


class GiftWriter:
    """The GIFT answer parts a question type's ``to_gift`` is written with."""

    @staticmethod
    def general_feedback(spec: QuestionSpec) -> str:
        return _general_feedback(spec)

    @staticmethod
    def block(spec: QuestionSpec, lines: list[str], *, numeric: bool = False) -> str:
        """The answers between braces, one per line, then the general feedback."""
        general = _general_feedback(spec)
        if general:
            lines = [*lines, "\t" + general]
        return ("{#" if numeric else "{") + "\n" + "\n".join(lines) + "\n}"

    @staticmethod
    def choices(spec: QuestionSpec, *, single: bool) -> str:
        return GiftWriter.block(spec, _choice_lines(spec, single))

    @staticmethod
    def short(spec: QuestionSpec) -> str:
        return GiftWriter.block(spec, _short_lines(spec))

    @staticmethod
    def numeric(spec: QuestionSpec) -> str:
        return GiftWriter.block(spec, _numeric_lines(spec), numeric=True)

    @staticmethod
    def matching(spec: QuestionSpec) -> str:
        return GiftWriter.block(spec, _matching_lines(spec))

    @staticmethod
    def truefalse(spec: QuestionSpec) -> str:
        right, wrong = (
            (spec.feedback_true, spec.feedback_true_format),
            (spec.feedback_false, spec.feedback_false_format),
        )
        if not spec.correct:
            right, wrong = wrong, right
        fmt = spec.text_format
        body = "{" + ("TRUE" if spec.correct else "FALSE")
        if wrong[0]:
            body += "#" + _sub(wrong[0], wrong[1], fmt)
        elif right[0]:
            body += "#"
        if right[0]:
            body += "#" + _sub(right[0], right[1], fmt)
        return body + _general_feedback(spec) + "}"


def export_gift(specs: Sequence[QuestionSpec]) -> str:
    """GIFT text for the specs; ``$CATEGORY:`` lines are written when the category changes."""
    chunks: list[str] = []
    category = ""
    for spec in specs:
        if spec.category != category:
            chunks.append(f"$CATEGORY: {escape(spec.category)}")
            category = spec.category
        chunks.append(export_question(spec))
    return "\n\n".join(chunks) + "\n" if chunks else ""
