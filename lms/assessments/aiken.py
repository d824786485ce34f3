"""Aiken format: the simplest way to write single-answer multiple choice questions.

::

    Giá thành sản phẩm gồm những khoản nào?
    A. Chỉ chi phí nguyên liệu
    B. Nguyên liệu, nhân công và chi phí chung
    C) Chỉ tiền công
    ANSWER: B

A question is one or more lines of text, then at least two options ``A.`` or
``A)`` (a capital letter, a dot or a parenthesis, a space: ``A)text`` is refused with
a message that names the missing space), then
``ANSWER: <letter>``. Blank lines between questions are optional. Text is
plain text (no Markdown, no HTML).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from .questions import Choice, Problems, QuestionSpec, assign_idents, check_spec

AIKEN_FORMAT = "plain"
_OPTION_RE = re.compile(r"([A-Z])[.)][ \t]+(\S.*)")
_ANSWER_RE = re.compile(r"ANSWER\s*:\s*(.*)", re.IGNORECASE)
# An option written without the space after "A." / "A)" (Moodle reads it as question text).
_UNSPACED_RE = re.compile(r"([A-Z])([.)])(\S.*)")


def _unspaced(letter: str, mark: str, text: str) -> str:
    return f"option {letter}{mark} needs a space after '{letter}{mark}': write '{letter}{mark} {text}'"


class _Draft:
    def __init__(self, line: int):
        self.line = line
        self.text_lines: list[str] = []
        self.text_numbers: list[int] = []
        self.options: list[tuple[str, str, int]] = []  # letter, text, line


def parse_aiken(text: str, path: str = "<aiken>") -> list[QuestionSpec]:
    """Parse Aiken text; raises QuizFileError listing every problem."""
    text = unicodedata.normalize("NFC", text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))
    problems = Problems()
    specs: list[QuestionSpec] = []
    draft: _Draft | None = None
    skipping = False  # after an error, skip to the next ANSWER line

    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        answer = _ANSWER_RE.fullmatch(line)
        option = _OPTION_RE.fullmatch(line)
        if answer:
            if skipping or draft is None:
                if not skipping:
                    problems.add(path, number, "ANSWER: without a question before it")
                skipping, draft = False, None
                continue
            spec = _finish(draft, answer.group(1).strip(), number, path, problems)
            if spec is not None:
                specs.append(spec)
            draft = None
        elif skipping:
            continue
        elif option:
            if draft is None or not draft.text_lines:
                problems.add(path, number, "an option must follow the question text")
                skipping = True
                continue
            letter = option.group(1)
            if any(letter == seen for seen, _, _ in draft.options):
                problems.add(path, number, f"option {letter} appears twice")
            draft.options.append((letter, option.group(2).strip(), number))
        else:
            if draft is None:
                draft = _Draft(number)
            unspaced = _UNSPACED_RE.fullmatch(line)
            if draft.options and unspaced:
                # After the options a line like "C)text" is an option without its space.
                problems.add(path, number, _unspaced(*unspaced.groups()))
                draft.options.append((unspaced.group(1), unspaced.group(3).strip(), number))
                continue
            if draft.options:
                problems.add(
                    path,
                    number,
                    "expected another option (A. ...) or the ANSWER: line; "
                    f"the question of line {draft.line} has no ANSWER: line",
                )
                draft = _Draft(number)
            draft.text_lines.append(line)
            draft.text_numbers.append(number)
    if draft is not None and not skipping:
        problems.add(path, draft.line, "this question has no ANSWER: line")
    problems.raise_if_any()
    assign_idents(specs)
    return specs


def _finish(draft: _Draft, letter: str, line: int, path: str, problems: Problems) -> QuestionSpec | None:
    if len(draft.options) < 2:
        # Options written "A)text" were read as question text: say so, rather than "no options".
        unspaced = [
            (number, match.groups())
            for number, text in zip(draft.text_numbers[1:], draft.text_lines[1:], strict=True)
            if (match := _UNSPACED_RE.fullmatch(text))
        ]
        for number, groups in unspaced:
            problems.add(path, number, _unspaced(*groups))
        if not unspaced:
            problems.add(path, draft.line, "a question needs at least 2 options (A. ..., B. ...)")
        return None
    letters = [option[0] for option in draft.options]
    if len(letter) != 1 or letter.upper() not in letters:
        problems.add(path, line, f"ANSWER: {letter} is not one of the options {', '.join(letters)}")
        return None
    spec = QuestionSpec(
        qtype="single",
        text="\n".join(draft.text_lines),
        text_format=AIKEN_FORMAT,
        choices=[Choice(text, 1.0 if option == letter.upper() else 0.0) for option, text, _ in draft.options],
        source_line=draft.line,
    )
    for message in check_spec(spec):
        problems.add(path, draft.line, message)
    return spec


def _exportable(spec: QuestionSpec) -> str | None:
    """Why a single-choice spec cannot be written in Aiken, or None."""
    if not 2 <= len(spec.choices) <= 26:
        return "Aiken needs 2 to 26 options"
    fractions = sorted(choice.fraction for choice in spec.choices)
    if fractions[-1] != 1 or fractions[-2] != 0 or fractions[0] != 0:
        return "Aiken has exactly one right answer and no partial credit"
    if any(choice.feedback for choice in spec.choices) or spec.general_feedback:
        return "Aiken has no feedback"
    if any("\n" in choice.text for choice in spec.choices):
        return "an option spans several lines"
    for line in spec.text.split("\n"):
        if not line.strip() or _OPTION_RE.fullmatch(line.strip()) or _ANSWER_RE.fullmatch(line.strip()):
            return "a line of the question text would not read back (blank, or looks like an option)"
    return None


class AikenWriter:
    """What a question type's ``to_aiken`` is written with: Aiken has only single-answer
    multiple choice."""

    @staticmethod
    def single(spec: QuestionSpec) -> str:
        reason = _exportable(spec)
        if reason:
            raise ValueError(reason)
        lines = [line.strip() for line in spec.text.split("\n")]
        right = ""
        for index, choice in enumerate(spec.choices):
            letter = chr(ord("A") + index)
            lines.append(f"{letter}. {choice.text.strip()}")
            if choice.fraction == 1:
                right = letter
        lines.append(f"ANSWER: {right}")
        return "\n".join(lines)


def export_aiken(specs: Sequence[QuestionSpec]) -> str:
    """Aiken text; raises ValueError if a question cannot be written in Aiken."""
    chunks = []
    for spec in specs:
        try:
            chunks.append(spec.type_class.to_aiken(spec, AikenWriter))
        except ValueError as exc:
            raise ValueError(f"question {spec.ident or spec.display_name!r} cannot be exported to Aiken: {exc}") from None
    return "\n\n".join(chunks) + "\n" if chunks else ""
