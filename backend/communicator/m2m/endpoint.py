"""/m2m/m2m_api.asmx: the four bindings over one operation table, as a raw ASGI app. See docs/m2m.md.

Each request is decoded here (hardened XML, form fields), authenticated (login + MD5 of the API password,
or a bearer token), answered by one service call (m2m/handlers.py), and encoded; every refusal is a SOAP
fault or an HTTP 500 with one line, never a stack trace.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs

from litestar import asgi
from litestar.types import Receive, Scope, Send

from communicator.m2m import envelope
from communicator.m2m.codec import decode_form, decode_soap
from communicator.m2m.handlers import HANDLERS
from communicator.m2m.schema import OPERATIONS, Operation
from communicator.m2m.wsdl import get_wsdl
from communicator.m2m.xml import parse_xml
from communicator.services.core.actors import Actor
from communicator.services.core.errors import Forbidden, NotFound, ServiceError, Unauthorized
from communicator.services.identity.api_password import get_api_actor
from communicator.services.identity.tokens import record_token_use

log = logging.getLogger(__name__)
BASE_PATH = "/m2m/m2m_api.asmx"
MAX_NAMED = 50
# A reason may quote the client's value (a 10 MB msid): the fault carries the start of it, never all of it.
MAX_REASON_CHARS = 500


class BodyTooLarge(ServiceError):
    """The request body is over the size cap."""

    status_code = 413


async def _read_body(receive: Receive, limit: int) -> bytes:
    """The request body, refused as soon as it passes the cap (the rest is never read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk: bytes = message.get("body", b"")  # type: ignore[assignment]
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"The request body is over {limit} bytes.", code="body_too_large")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _headers(scope: Scope) -> dict[str, str]:
    """Request headers by lower-case name."""
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", ())}


def _reason(error: ServiceError) -> str:
    """The one-line reason of a refusal; a refused send names every forbidden msid."""
    extra = error.extra if isinstance(error.extra, dict) else {}
    if isinstance(error, Forbidden) and "forbidden" in extra:
        msids = [str(r["phone"]).lstrip("+") for r in extra["forbidden"]]
        more = f" and {len(msids) - MAX_NAMED} more" if len(msids) > MAX_NAMED else ""
        return f"Forbidden recipients: {', '.join(msids[:MAX_NAMED])}{more}. Nothing was sent."
    reason = " ".join(error.detail.split())
    return reason if len(reason) <= MAX_REASON_CHARS else reason[: MAX_REASON_CHARS - 1] + "…"


async def _authenticate(scope: Scope, headers: dict[str, str], args: dict[str, Any]) -> Actor:
    """The caller: a bearer token, else login + lowercase hex MD5 of the API password (throttled)."""
    state = scope["app"].state
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        actor = await record_token_use(state.db, state.server_secret, token.strip())
        if actor is None:
            raise Unauthorized("Wrong login or API password.", code="bad_credentials")
        return actor
    ip = (scope.get("client") or ("unknown",))[0]
    login, md5hex = args.get("login") or "", args.get("password") or ""
    return await get_api_actor(state.db, state.login_throttle, state.server_secret, login, md5hex, ip)


async def _call(scope: Scope, headers: dict[str, str], op: Operation, args: dict[str, Any]) -> Any:
    """Authenticate and make the operation's one service call."""
    actor = await _authenticate(scope, headers, args)
    return await HANDLERS[op.name](scope["app"].state.db, actor, args)


async def _respond(send: Send, status: int, content_type: bytes, body: bytes) -> None:
    """Send a whole response."""
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _fault_parts(error: Exception) -> tuple[bool, str]:
    """(is the client at fault, reason) for any exception; unexpected ones are logged, never shown."""
    if isinstance(error, ServiceError):
        return error.status_code < 500, _reason(error)
    log.error("M2M request failed", exc_info=error)
    return False, "Internal server error."


async def _soap(scope: Scope, receive: Receive, send: Send, headers: dict[str, str]) -> None:
    """A SOAP 1.1 or 1.2 request (by its content type)."""
    version: envelope.Version = "1.2" if "application/soap+xml" in headers.get("content-type", "") else "1.1"
    try:
        body = await _read_body(receive, scope["app"].state.settings.max_body_bytes)
        op, element = envelope.read_envelope(parse_xml(body), version)
        result = await _call(scope, headers, op, decode_soap(op, element))
        answer = envelope.soap_response(op, version, result)
    except Exception as error:  # noqa: BLE001 - every failure becomes a fault
        client, reason = _fault_parts(error)
        await _respond(send, 500, envelope.CONTENT_TYPES[version], envelope.soap_fault(version, client, reason))
        return
    await _respond(send, 200, envelope.CONTENT_TYPES[version], answer)


async def _http(scope: Scope, receive: Receive, send: Send, headers: dict[str, str], name: str) -> None:
    """An HTTP GET (query) or POST (form) request for /m2m/m2m_api.asmx/<Op>."""
    method = str(scope.get("method", "GET"))
    try:
        op = OPERATIONS.get(name)
        if op is None or not op.over_http:
            raise NotFound(f"Unknown operation {name[:60]} over HTTP {method}.", code="unknown_operation")
        if method == "GET":
            raw = scope.get("query_string", b"")
        else:
            raw = await _read_body(receive, scope["app"].state.settings.max_body_bytes)
        form = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=10_000)
        result = await _call(scope, headers, op, decode_form(op, form))
        answer = envelope.http_response(op, result)
    except Exception as error:  # noqa: BLE001 - every failure is a 500 with one line
        _, reason = _fault_parts(error)
        await _respond(send, 500, b"text/plain; charset=utf-8", reason.encode())
        return
    await _respond(send, 200, b"text/xml; charset=utf-8", answer)


def _address(scope: Scope, headers: dict[str, str]) -> str:
    """This server's M2M address for the WSDL: the configured public origin, else the address the client used."""
    settings = scope["app"].state.settings
    origin = settings.public_origin.rstrip("/")
    if not origin:
        origin = f"{scope.get('scheme', 'http')}://{headers.get('host') or f'{settings.host}:{settings.port}'}"
    return origin + BASE_PATH


@asgi(BASE_PATH, is_mount=True, copy_scope=False, opt={"exclude_from_auth": True}, include_in_schema=False)
async def m2m_api(scope: Scope, receive: Receive, send: Send) -> None:
    """Route a request to the WSDL, the SOAP endpoint or an HTTP GET/POST operation."""
    headers = _headers(scope)
    tail = scope["path"].split("m2m_api.asmx", 1)[-1].strip("/")
    method = str(scope.get("method", ""))
    if not tail and method == "GET" and "wsdl" in scope.get("query_string", b"").decode("latin-1").lower():
        await _respond(send, 200, b"text/xml; charset=utf-8", get_wsdl(_address(scope, headers)))
    elif not tail and method == "POST":
        await _soap(scope, receive, send, headers)
    elif tail and "/" not in tail and method in ("GET", "POST"):
        await _http(scope, receive, send, headers, tail)
    else:
        await _respond(send, 404 if method in ("GET", "POST") else 405, b"text/plain", b"Not found.")
