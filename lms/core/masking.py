"""Masked identifiers for lists, exports, prints and public pages (data minimisation).

``mask_phone("0912345678") == "0912•••678"``; ``mask_national_id("044123456789") ==
"•••••••••789"``. Full identifiers appear only on a person's own data page and in the
audited full-identifier exports of lms.privacy.
"""

from __future__ import annotations

DOT = "•"


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    value = str(value)
    if len(value) <= 7:
        return DOT * len(value)
    return value[:4] + DOT * 3 + value[-3:]


def mask_national_id(value: str | None) -> str:
    if not value:
        return ""
    value = str(value)
    return DOT * (len(value) - 3) + value[-3:] if len(value) > 3 else DOT * len(value)


def mask_login(value: str | None) -> str:
    """A login (an e-mail address or a phone number), masked."""
    if not value:
        return ""
    return mask_email(value) if "@" in str(value) else mask_phone(value)


def mask_email(value: str | None) -> str:
    if not value:
        return ""
    local, _, domain = str(value).partition("@")
    return (local[:1] + DOT * 3 + "@" + domain) if domain else DOT * 3
