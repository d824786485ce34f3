"""Text helpers: Unicode normalisation and diacritic-free search keys."""

from __future__ import annotations

import functools
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


# Vietnamese alphabetical order: ă and â after a, đ after d, ê after e, ô and ơ after o,
# ư after u; tones only break ties (ngang, huyền, hỏi, ngã, sắc, nặng).
_VI_LETTERS = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_VI_RANK = {ch: 100 + i for i, ch in enumerate(_VI_LETTERS)}
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn
_TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def vi_sort_key(text: str | None) -> tuple:
    """A key that sorts Vietnamese the Vietnamese way: "Đông Hà" after "Dương" and before
    "Eo". Python's own order puts Đ after Z, as do databases without a Vietnamese collation."""
    primary, tones = [], []
    for ch in unicodedata.normalize("NFC", (text or "").lower()):
        parts = unicodedata.normalize("NFD", ch)
        base = parts[0] + "".join(m for m in parts[1:] if m in _LETTER_MARKS)
        letter = unicodedata.normalize("NFC", base)
        if letter in _VI_RANK:
            primary.append(_VI_RANK[letter])
        elif letter.isdigit():
            primary.append(10 + int(letter) if letter.isascii() else 1000 + ord(letter))
        elif letter.isspace():
            primary.append(1)
        else:
            primary.append(2 if not letter.isalpha() else 1000 + ord(letter))
        tones.append(next((_TONE_RANK[m] for m in parts[1:] if m in _TONE_RANK), 0))
    return (tuple(primary), tuple(tones), text or "")


@functools.lru_cache(maxsize=16384)  # about 2 MiB: every administrative unit's name
def vi_sort_key_cached(text: str | None) -> tuple:
    """``vi_sort_key`` remembered: for names sorted again and again (administrative units)."""
    return vi_sort_key(text)
