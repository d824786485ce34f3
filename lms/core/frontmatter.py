"""YAML front matter with line numbers, for errors reported as ``path:line: message``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from lms.core.text import strip_controls


@dataclass
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(Exception):
    """One or more problems in content files; nothing was changed."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class FrontMatter:
    meta: dict[str, Any]
    key_lines: dict[str, int]  # 1-based line of each top-level key in the file
    body: str
    body_line: int  # 1-based line where the body starts
    value_lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, 1)


def decode_utf8(data: bytes, path: str) -> str:
    """Decode UTF-8 (a BOM is accepted) or raise ContentError naming the line of the bad byte."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ContentError([Problem(path, line, "the file is not valid UTF-8 text")]) from None
    return strip_controls(text, multiline=True)


def parse_front_matter(text: str, path: str, *, required: bool = True) -> FrontMatter:
    """Split ``---``-delimited YAML front matter from the Markdown body."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        if required:
            raise ContentError([Problem(path, 1, "missing YAML front matter (the file must start with '---')")])
        return FrontMatter({}, {}, text, 1)
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in {"---", "..."}), None)
    if end is None:
        raise ContentError([Problem(path, 1, "the front matter is not closed with '---'")])
    yaml_text = "\n".join(lines[1:end])
    try:
        node = yaml.compose(yaml_text, Loader=yaml.SafeLoader)
        meta = yaml.safe_load(yaml_text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 2) if mark is not None else 1
        problem = (exc.problem or "invalid YAML").strip()
        raise ContentError([Problem(path, line, f"invalid YAML: {problem}")]) from None
    except yaml.YAMLError as exc:
        raise ContentError([Problem(path, 2, f"invalid YAML: {exc}")]) from None
    if meta is None:
        meta, node = {}, None
    if not isinstance(meta, dict):
        raise ContentError([Problem(path, 2, "the front matter must be a mapping of keys to values")])
    key_lines: dict[str, int] = {}
    value_lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_lines[str(key_node.value)] = key_node.start_mark.line + 2
            value_lines[str(key_node.value)] = value_node.start_mark.line + 2
    body = "\n".join(lines[end + 1 :])
    return FrontMatter(meta, key_lines, body, end + 2, value_lines)
