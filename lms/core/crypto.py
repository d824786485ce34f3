"""Encryption at rest of national ID numbers, and the keyed hash that matches them; sealed
files (``seal``: the same encryption for a file that holds secrets).

- **Encryption**: AES-SIV (``cryptography``'s ``AESSIV``, RFC 5297), an authenticated
  cipher that is deterministic: the same number under the same key gives the same token.
  That is what lets a migration round trip and a re-import leave rows unchanged, and it
  gives away nothing the keyed hash below does not already (equality). A token is
  ``v1.<key id>.<base64url>``; a changed or swapped token fails to decrypt.
- **Matching**: HMAC-SHA256 of the number under a second key. Imports, sign-in sheets and
  the registry search compare hashes (``Person.national_id == nid`` does this), so no
  number has to be decrypted to be found.

Both keys are derived (HKDF-SHA256) from one secret, ``LMS_DATA_KEY``. Without it,
development and tests derive a key from ``SECRET_KEY``; production refuses to start when
national IDs are stored and no key is set (``lms.registry.check_data_key``). Rotation:
docs/privacy.md ("Key rotation") and ``flask lms rotate-data-key``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESSIV

ASSOCIATED = b"person.national_id"
MIN_KEY_LENGTH = 32


class DataKeyError(RuntimeError):
    """A token that no configured key can decrypt (wrong key, or tampered data)."""


@dataclass(frozen=True)
class DataKey:
    kid: str
    cipher: AESSIV
    mac_key: bytes


def _derive(secret: str, info: bytes, length: int) -> bytes:
    # cryptography is imported on first use (about 6 MiB a worker; most requests never need it).
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=length, salt=b"ocop-lms", info=info).derive(secret.encode())


@lru_cache(maxsize=8)
def _key(secret: str) -> DataKey:
    from cryptography.hazmat.primitives.ciphers.aead import AESSIV

    enc = _derive(secret, b"national-id encryption v1", 64)
    mac = _derive(secret, b"national-id matching v1", 32)
    kid = hmac.new(enc, b"key id", hashlib.sha256).hexdigest()[:8]
    return DataKey(kid=kid, cipher=AESSIV(enc), mac_key=mac)


def _secret(config) -> str:
    secret = config.get("DATA_KEY") or ""
    if secret:
        return secret
    # Development and tests: a key derived from the app's secret key (never in production,
    # where lms.registry.check_data_key refuses to start instead).
    return "dev:" + str(config.get("SECRET_KEY") or "")


def current_key() -> DataKey:
    return _key(_secret(current_app.config))


def _keys() -> list[DataKey]:
    keys = [current_key()]
    old = current_app.config.get("DATA_KEY_OLD") or ""
    if old:
        keys.append(_key(old))
    return keys


def _encrypt(data: bytes, associated: bytes) -> tuple[str, bytes]:
    """``data`` under the current key, bound to ``associated``: (the key's id, the ciphertext)."""
    key = current_key()
    return key.kid, key.cipher.encrypt(data, [associated])


def _decrypt(kid: str, data: bytes, associated: bytes) -> bytes:
    for key in _keys():
        if key.kid == kid:
            try:
                return key.cipher.decrypt(data, [associated])
            except Exception as exc:  # noqa: BLE001 - InvalidTag and friends: one answer
                raise DataKeyError("the token does not decrypt (tampered, or the wrong key)") from exc
    raise DataKeyError(f"no configured key has the id {kid} (set LMS_DATA_KEY_OLD while rotating)")


def encrypt_identifier(value: str) -> str:
    kid, token = _encrypt(value.encode(), ASSOCIATED)
    return f"v1.{kid}.{base64.urlsafe_b64encode(token).decode().rstrip('=')}"


def decrypt_identifier(token: str) -> str:
    try:
        version, kid, body = token.split(".", 2)
    except ValueError as exc:
        raise DataKeyError("not an identifier token") from exc
    if version != "v1":
        raise DataKeyError(f"unknown token version {version}")
    return _decrypt(kid, base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)), ASSOCIATED).decode()


def identifier_hash(value: str, key: DataKey | None = None) -> str:
    key = key or current_key()
    return hmac.new(key.mac_key, value.encode(), hashlib.sha256).hexdigest()


def token_kid(token: str | None) -> str | None:
    return token.split(".", 2)[1] if token and token.count(".") >= 2 else None


# --- sealed files ---------------------------------------------------------------------------
# A file that holds secrets and is kept in the database for a while (a job's PDF of activation
# slips): encrypted like a national ID, under the same data key and its rotation, bound to a
# ``purpose`` instead of the identifiers' associated data: ``v1.<key id>.<ciphertext>``.


def seal(data: bytes, purpose: bytes) -> bytes:
    """``data`` encrypted and authenticated; ``purpose`` must be given again to open it."""
    kid, body = _encrypt(data, purpose)
    return b"v1." + kid.encode() + b"." + body


def unseal(sealed: bytes, purpose: bytes) -> bytes:
    """The data ``seal`` was given; ``DataKeyError`` when it cannot be opened (a key no longer
    configured, another purpose, or changed bytes)."""
    version, kid, body = (sealed.split(b".", 2) + [b"", b""])[:3]
    if version != b"v1" or not kid:
        raise DataKeyError("not a sealed file")
    return _decrypt(kid.decode("ascii", "replace"), body, purpose)
