"""Text helpers: Unicode normalisation and diacritic-free search keys."""

from __future__ import annotations

import re
import unicodedata

_EXTRA = str.maketrans({"đ": "d", "Đ": "D"})

# C0 control characters and DEL. They have no place in a name or a line of text, break XML
# (XLSX exports) and can hide a formula ("\x00=1+1"); tab and newline survive only where a
# field holds several lines.
_CONTROLS = [*range(0x00, 0x20), 0x7F]
_SINGLE_LINE = {c: (" " if chr(c) in "\t\n\r\v\f" else None) for c in _CONTROLS}
_MULTI_LINE = {c: None for c in _CONTROLS if chr(c) not in "\t\n"}
# The control characters that XML (and so XLSX) cannot hold: all but tab, LF and CR.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(text: str, *, multiline: bool = False) -> str:
    """``text`` without C0 control characters: on one line, tabs and line breaks become
    spaces; with ``multiline``, tabs and newlines stay and CR LF / CR become LF."""
    if multiline:
        return text.replace("\r\n", "\n").replace("\r", "\n").translate(_MULTI_LINE)
    return text.translate(_SINGLE_LINE)


def clean_name(raw: str) -> str:
    """NFC and single spaces, no control characters: the stored form of a person's or a
    user's name."""
    return " ".join(unicodedata.normalize("NFC", strip_controls(raw)).split())


def slugify(text: str, max_length: int = 60) -> str:
    """ASCII slug for ids and file names: "Giá thành 1" → "gia-thanh-1" (đ → d)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_EXTRA))
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:max_length].rstrip("-")


def fold(text: str | None) -> str:
    """Lower-case and strip diacritics: "Quản trị" → "quan tri" (đ → d)."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.translate(_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())
