"""Verification codes: 140 random bits from the operating system, in Crockford base32.

Crockford's alphabet leaves out I, L, O and U, so a code read from paper can be typed in
any case, with or without the separators, and the look-alikes O→0, I/L→1 are accepted.
The canonical form (stored, and used in URLs) is 28 upper-case characters; people see it
in seven groups of four.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 28  # 28 × 5 = 140 bits
CODE_BITS = CODE_LENGTH * 5
GROUP = 4

_TYPING = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_.·–—]+")
_CANONICAL = re.compile(f"[{ALPHABET}]{{{CODE_LENGTH}}}")


def new_code() -> str:
    """A fresh code with CODE_BITS bits from ``secrets``."""
    number = secrets.randbits(CODE_BITS)
    chars = []
    for _ in range(CODE_LENGTH):
        number, digit = divmod(number, 32)
        chars.append(ALPHABET[digit])
    return "".join(chars)


def normalize_code(raw: str | None) -> str | None:
    """The canonical code for what someone typed, or None if it cannot be a code."""
    if not raw:
        return None
    value = _SEPARATORS.sub("", raw.strip()).upper().translate(_TYPING)
    if len(value) != CODE_LENGTH or not _CANONICAL.fullmatch(value):
        return None
    return value


def format_code(code: str) -> str:
    """``ABCD-EFGH-…`` for reading and typing."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))
