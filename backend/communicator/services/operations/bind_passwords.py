"""SMPP bind passwords sealed under the server secret: recoverable by the gateway, unreadable in a database dump.

An HTTP provider's secrets and webhook secrets are stored as typed; a bind's password is the ESME's login at an
operator's SMSC, so it is kept sealed instead: an HMAC-SHA256 keystream and tag keyed by the server secret
(docs/gateway.md). Like those secrets it is never read back through the API.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

NONCE, TAG = 16, 16


def _key(secret: bytes, purpose: str) -> bytes:
    """A key for one purpose, derived from the server secret."""
    return hmac.new(secret, f"smpp-bind-password\n{purpose}".encode(), hashlib.sha256).digest()


def _keystream(secret: bytes, nonce: bytes, length: int) -> bytes:
    """HMAC-SHA256 in counter mode: as many key bytes as the text has."""
    key = _key(secret, "encrypt")
    blocks = (hmac.new(key, nonce + n.to_bytes(4, "big"), hashlib.sha256).digest() for n in range(length // 32 + 1))
    return b"".join(blocks)[:length]


def seal_password(secret: bytes, password: str) -> str:
    """The password encrypted and authenticated under the server secret (base64)."""
    nonce, data = secrets.token_bytes(NONCE), password.encode()
    cipher = bytes(a ^ b for a, b in zip(data, _keystream(secret, nonce, len(data)), strict=True))
    tag = hmac.new(_key(secret, "mac"), nonce + cipher, hashlib.sha256).digest()[:TAG]
    return base64.b64encode(nonce + cipher + tag).decode()


def open_password(secret: bytes, sealed: str) -> str:
    """The password back; ValueError when it was sealed under another secret or altered."""
    raw = base64.b64decode(sealed)
    nonce, cipher, tag = raw[:NONCE], raw[NONCE:-TAG], raw[-TAG:]
    expected = hmac.new(_key(secret, "mac"), nonce + cipher, hashlib.sha256).digest()[:TAG]
    if not hmac.compare_digest(tag, expected):
        raise ValueError("the bind's password was sealed under another server secret")
    return bytes(a ^ b for a, b in zip(cipher, _keystream(secret, nonce, len(cipher)), strict=True)).decode()
