"""Text helpers: Unicode normalisation and diacritic-free search keys."""

from __future__ import annotations

import re
import unicodedata

_EXTRA = str.maketrans({"đ": "d", "Đ": "D"})


def clean_name(raw: str) -> str:
    """NFC and single spaces: the stored form of a person's or a user's name."""
    return " ".join(unicodedata.normalize("NFC", raw).split())


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
