"""Session and API-token authentication, token scopes, same-origin checks (CSRF), headers. See docs/security.md."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal
from urllib.parse import unquote_to_bytes, urlsplit

import msgspec
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException
from litestar.handlers import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, Scope, Send

from communicator.services.core.actors import Actor
from communicator.services.core.errors import Forbidden
from communicator.services.core.permissions import check_scope
from communicator.services.identity.auth import record_session_use
from communicator.services.identity.tokens import record_token_use

SESSION_COOKIE = "communicator_session"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEFAULT_PORTS = {"http": 80, "https": 443}
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        b"connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class Credential(msgspec.Struct, frozen=True):
    """What a connection authenticated with: a session cookie or an API token (Authorization: Bearer)."""

    kind: Literal["session", "token"]
    value: str


def get_credential(connection: ASGIConnection) -> Credential | None:
    """The bearer token if the request names one, else the session cookie."""
    scheme, _, value = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return Credential("token", value.strip())
    cookie = connection.cookies.get(SESSION_COOKIE)
    return Credential("session", cookie) if cookie else None


async def get_credential_actor(state: State, credential: Credential) -> Actor | None:
    """Who the credential stands for now, or None when it no longer works."""
    if credential.kind == "token":
        return await record_token_use(state.db, state.server_secret, credential.value)
    settings = state.settings
    return await record_session_use(
        state.db,
        credential.value,
        timedelta(minutes=settings.session_idle_minutes),
        timedelta(hours=settings.session_absolute_hours),
    )


class SessionAuthMiddleware(AbstractAuthenticationMiddleware):
    """Turns the session cookie or bearer token into the Actor on `request.user` (`request.auth`: the Credential)."""

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        """Look the credential up server-side; expired, logged-out, revoked or deactivated ones fail."""
        credential = get_credential(connection)
        if credential is None:
            raise NotAuthorizedException("Log in first.")
        actor = await get_credential_actor(connection.app.state, credential)
        if actor is None:
            raise NotAuthorizedException("Your session has ended; log in again.")
        return AuthenticationResult(user=actor, auth=credential)


async def check_route_scope(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Global guard: an API token reaches only routes that name a scope (opt["scope"]) it holds."""
    # async, because Litestar runs a sync guard in a worker thread on every request.
    actor = connection.scope.get("user")
    if not isinstance(actor, Actor) or actor.token_id is None:
        return
    scope = handler.opt.get("scope")
    if scope is None:
        raise Forbidden("API tokens may not use this endpoint.", code="token_not_allowed")
    check_scope(actor, scope)


def _header(scope: Scope, name: bytes) -> str | None:
    """One request header, decoded."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def get_origin(url: str) -> str:
    """The scheme://host[:port] of a URL or Origin header, lower-cased, default ports left out."""
    parts = urlsplit(url.strip().lower())
    try:
        port = f":{parts.port}" if parts.port and DEFAULT_PORTS.get(parts.scheme) != parts.port else ""
    except ValueError:  # a port that is not a number: no origin at all
        return ""
    return f"{parts.scheme}://{parts.hostname}{port}" if parts.scheme and parts.hostname else ""


def is_foreign_origin(scope: Scope, allowed: frozenset[str]) -> bool:
    """Whether a browser sent this request from a site other than the configured public origin.

    The Host header is not consulted: whoever forges an Origin can forge the Host beside it.
    """
    if _header(scope, b"sec-fetch-site") == "cross-site":
        return True
    origin = _header(scope, b"origin")
    if origin is None:
        return False  # not a browser cross-origin request: scripts and same-origin GETs send none
    return get_origin(origin) not in allowed


async def add_security_headers(message: Message, _scope: Scope) -> None:
    """App-level before_send hook: every HTTP response gets the security headers.

    At app level (not route middleware) so 404s, 405s and the 401 raised by the authentication
    middleware carry them too.
    """
    if message["type"] == "http.response.start":
        message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS


class OriginGuardMiddleware:
    """Refuses cross-site state changes and WebSocket handshakes."""

    def __init__(self, app: ASGIApp, allowed_origins: tuple[str, ...]) -> None:
        self.app = app
        self.allowed = frozenset(get_origin(origin) for origin in allowed_origins) - {""}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check, then pass the request on."""
        if scope["type"] == ScopeType.WEBSOCKET and is_foreign_origin(scope, self.allowed):
            # Closing before accepting refuses the handshake: the browser gets HTTP 403, never a socket.
            await send({"type": "websocket.close", "code": 1008, "reason": "Foreign origin"})
            return
        if (
            scope["type"] == ScopeType.HTTP
            and scope["method"] in UNSAFE_METHODS
            and is_foreign_origin(scope, self.allowed)
        ):
            await _send_error(send, 403, "Cross-site request refused.")
            return
        await self.app(scope, receive, send)


class QueryTextGuardMiddleware:
    """Refuses a REST request whose query string is not UTF-8, instead of reading U+FFFD into a search."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check, then pass the request on."""
        if scope["type"] == ScopeType.HTTP and scope["path"].startswith("/api/"):
            if not is_utf8_query(scope.get("query_string", b"")):
                await _send_error(send, 400, "The query string is not valid UTF-8: percent-encode its text as UTF-8.")
                return
        await self.app(scope, receive, send)


def is_utf8_query(raw: bytes) -> bool:
    """Whether a query string's percent-decoded bytes are UTF-8."""
    try:
        unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


async def _send_error(send: Send, status: int, detail: str) -> None:
    """A JSON error answered by a middleware, before any route."""
    body = msgspec.json.encode({"status_code": status, "detail": detail})
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json")],
    }
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})
