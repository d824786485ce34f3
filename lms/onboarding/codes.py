"""Activation codes: 50 random bits in Crockford base32, ``XXXXX-XXXXX``.

People type them from paper on a phone: the dash and spaces are optional, case does not
matter, and the letters people confuse with digits are read as those digits (I and L as
1, O as 0), as Crockford's alphabet intends. U is not in the alphabet.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 10  # 10 symbols × 5 bits = 50 random bits
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_VALUES = set(ALPHABET)


def new_code() -> str:
    """A fresh code, dashed for print: ``7K3QH-M9T2X``."""
    value = secrets.randbits(5 * LENGTH)
    symbols = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in range(LENGTH))
    return f"{symbols[:5]}-{symbols[5:]}"


def normalize(typed: str | None) -> str | None:
    """The canonical form (10 symbols, no dash) of a typed code, or None if it cannot be one."""
    if not typed:
        return None
    text = "".join(ch for ch in typed.upper() if ch not in " -\t\u00a0").translate(_READ_AS)
    if len(text) != LENGTH or not set(text) <= _VALUES:
        return None
    return text


def pretty(code: str) -> str:
    canonical = normalize(code) or code
    return f"{canonical[:5]}-{canonical[5:]}"


def code_hash(code: str) -> str:
    """The stored form of a code: HMAC-SHA256 under a key derived from SECRET_KEY.

    A fast hash is enough here, unlike for passwords: the code has 50 random bits (not a
    human choice), lives at most LMS_ACTIVATION_DAYS, is single use, and online guessing is
    bounded by the per-address rate limit and the per-code try counter. The hash must be
    deterministic so that a typed code is found with one indexed lookup. The key means a
    copy of the database alone does not allow even an offline search of the 2^50 codes.
    """
    canonical = normalize(code) or ""
    key = hashlib.sha256(b"lms.onboarding.codes:" + str(current_app.config["SECRET_KEY"]).encode()).digest()
    return hmac.new(key, canonical.encode("ascii"), hashlib.sha256).hexdigest()
