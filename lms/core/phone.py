"""Vietnamese mobile numbers: one canonical spelling for every way people write them."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s.\-()]+")
# Mobile prefixes in use since the 2018 renumbering: 03x, 05x, 07x, 08x, 09x.
_MOBILE = re.compile(r"0[35789]\d{8}")


def normalize_phone(raw: str | None) -> str | None:
    """Return the number as ``0xxxxxxxxx`` or None if it is not a Vietnamese mobile number.

    ``0912 345 678``, ``0912.345.678``, ``+84912345678``, ``84912345678`` and
    ``(+84) 912-345-678`` all give ``0912345678``.
    """
    if raw is None:
        return None
    value = _SEPARATORS.sub("", raw.strip())
    if value.startswith("+84"):
        value = "0" + value[3:]
    elif value.startswith("84") and len(value) == 11:
        value = "0" + value[2:]
    elif value.startswith("0084"):
        value = "0" + value[4:]
    elif len(value) == 9 and value[0] in "35789":
        value = "0" + value
    if _MOBILE.fullmatch(value):
        return value
    return None


def looks_like_phone(raw: str) -> bool:
    """True when the text is meant as a phone number rather than an e-mail address."""
    return "@" not in raw and bool(re.fullmatch(r"[\d\s.\-()+]+", raw.strip()))


def mask_phone(phone: str | None) -> str:
    """A phone number for paper that is passed around: the last three digits only
    ("0912345678" → "••••••• 678"), enough to tell people apart."""
    if not phone:
        return ""
    digits = phone.strip()
    return "•" * max(len(digits) - 3, 0) + " " + digits[-3:] if len(digits) > 3 else "•••"
