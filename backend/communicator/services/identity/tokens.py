"""API tokens: an Administrator creates one with scopes, sees it once, can revoke it. See docs/security.md.

Only HMAC-SHA256(server secret, token) is stored; a token acts as the user who created it, with that
user's current role and permissions, narrowed to the token's scopes.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import msgspec
from sqlalchemy import select, update

from communicator.db.models import ApiToken, User
from communicator.db.session import Database
from communicator.events import note_access_changed
from communicator.schemas import TokenCreate, TokenCreated, TokenRead
from communicator.services.core.access import access_row
from communicator.services.core.actors import Actor
from communicator.services.core.audit import record_audit
from communicator.services.core.permissions import check_is_admin
from communicator.services.identity.auth import get_user_actor
from communicator.services.identity.server_secret import sign

# Recognisable in logs and by secret scanners; the stored prefix lets an admin tell tokens apart.
TOKEN_PREFIX = "cm_"
SHOWN_PREFIX_LENGTH = 10
USED_GRANULARITY = timedelta(minutes=1)


def get_token_hash(secret: bytes, token: str) -> str:
    """The stored form of a token."""
    return sign(secret, "api-token", token)


def _read(row: ApiToken, created_by: str) -> TokenRead:
    """A token row as the API shows it (never its secret)."""
    return TokenRead(
        id=row.id,
        name=row.name,
        scopes=list(row.scopes),
        prefix=row.prefix,
        created_by=created_by,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


async def create_token(db: Database, actor: Actor, data: TokenCreate, secret: bytes) -> TokenCreated:
    """A new token acting for the creating Administrator; the returned secret is never shown again."""
    check_is_admin(actor)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        account_id=actor.account_id,
        name=data.name,
        scopes=sorted(set(data.scopes)),
        token_hash=get_token_hash(secret, token),
        prefix=token[:SHOWN_PREFIX_LENGTH],
        user_id=actor.user_id,
        created_at=datetime.now(UTC),
    )
    async with db.write() as session:
        session.add(row)
        await session.flush()
        await record_audit(session, actor, "token.created", ("token", row.id, row.name), {"scopes": row.scopes})
    read = _read(row, actor.login)
    return TokenCreated(**msgspec.structs.asdict(read), token=token)


async def list_tokens(db: Database, actor: Actor) -> list[TokenRead]:
    """The account's tokens, newest first, revoked ones included."""
    check_is_admin(actor)
    query = (
        select(ApiToken, User.login)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.account_id == actor.account_id)
        .order_by(ApiToken.id.desc())
    )
    async with db.read() as session:
        return [_read(row, login) for row, login in (await session.execute(query)).all()]


async def revoke_token(db: Database, actor: Actor, token_id: int) -> None:
    """Stop a token from working (its open WebSockets close); revoking it again changes nothing."""
    check_is_admin(actor)
    async with db.write() as session:
        row = await access_row(session, ApiToken, token_id, actor, "Token")
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
            await record_audit(session, actor, "token.revoked", ("token", row.id, row.name))
            note_access_changed(session, actor.account_id)


async def record_token_use(db: Database, secret: bytes, token: str) -> Actor | None:
    """The actor behind a bearer token, its use noted; None when unknown, revoked or its creator is deactivated."""
    now = datetime.now(UTC)
    query = (
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == get_token_hash(secret, token))
    )
    async with db.read() as session:
        row = (await session.execute(query)).first()
    if row is None:
        return None
    api_token, user = row
    if api_token.revoked_at is not None or not user.active:
        return None
    if api_token.last_used_at is None or now - api_token.last_used_at > USED_GRANULARITY:
        async with db.write() as session:
            await session.execute(update(ApiToken).where(ApiToken.id == api_token.id).values(last_used_at=now))
    return msgspec.structs.replace(get_user_actor(user), scopes=frozenset(api_token.scopes), token_id=api_token.id)
