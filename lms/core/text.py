"""Text helpers: Unicode normalisation and diacritic-free search keys."""

from __future__ import annotations

import unicodedata

_EXTRA = str.maketrans({"đ": "d", "Đ": "D"})


def clean_name(raw: str) -> str:
    """NFC and single spaces: the stored form of a person's or a user's name."""
    return " ".join(unicodedata.normalize("NFC", raw).split())


def fold(text: str | None) -> str:
    """Lower-case and strip diacritics: "Quản trị" → "quan tri" (đ → d)."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.translate(_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())
