"""The server secret: COMMUNICATOR_SECRET_KEY, or one generated on first start and kept in the database.

It keys the HMAC of API tokens and signs trusted-device cookies; it is never logged. See docs/security.md.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select

from communicator.db.models import ServerSecret
from communicator.db.session import Database, dialect_insert

SECRET_NAME = "main"


async def load_server_secret(db: Database, configured: str) -> bytes:
    """The configured secret, else the stored one, generating and storing it if this process is the first."""
    if configured:
        return configured.encode()
    # Insert-if-missing, then read: api processes starting together all end up with the first one's secret.
    async with db.write() as session:
        create = dialect_insert(session, ServerSecret).values(name=SECRET_NAME, value=secrets.token_hex(32))
        await session.execute(create.on_conflict_do_nothing())
        value = (await session.execute(select(ServerSecret.value).where(ServerSecret.name == SECRET_NAME))).scalar_one()
    return value.encode()


def sign(secret: bytes, purpose: str, message: str) -> str:
    """HMAC-SHA256 hex of a message; the purpose keeps a token hash from ever passing as a cookie signature."""
    return hmac.new(secret, f"{purpose}\n{message}".encode(), hashlib.sha256).hexdigest()
