"""Errors as JSON that names the problem: service refusals, malformed requests; unexpected ones are logged."""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import ClientException, HTTPException, ValidationException
from litestar.types import Scope

from communicator.services.core.errors import ServiceError

log = logging.getLogger(__name__)


class JSONRequest(Request):
    """A request whose body, on a JSON route, is refused with a 4xx unless it is JSON that can be decoded."""

    async def json(self) -> Any:
        """The decoded body; 415 for another content type, 400 for bad UTF-8 or nesting too deep to decode."""
        check_json_content_type(self.headers.get("content-type", ""))
        try:
            return await super().json()
        except UnicodeDecodeError as error:
            raise ClientException(f"The body is not valid UTF-8 (byte {error.start}: {error.reason}).") from error
        except RecursionError as error:
            raise ClientException("The body's JSON is nested too deeply to decode.") from error


def check_json_content_type(content_type: str) -> None:
    """415 unless the body is declared as JSON (application/json, or any +json type)."""
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        declared = f"«{media_type}»" if media_type else "no Content-Type"
        raise HTTPException(
            status_code=415, detail=f"This route takes a JSON body (Content-Type: application/json), not {declared}."
        )


async def log_unexpected_error(error: Exception, scope: Scope) -> None:
    """after_exception hook: anything but a deliberate 4xx goes to the server log with its traceback."""
    status = getattr(error, "status_code", 500)
    if isinstance(error, (ServiceError, HTTPException)) and status < 500:
        return
    where = f"{scope.get('method', 'WebSocket')} {scope.get('path', '')}"
    log.error("Unhandled %s on %s", type(error).__name__, where, exc_info=error)


def service_error_handler(_: Request, error: ServiceError) -> Response:
    """A service refusal: its status, its sentence and what it named."""
    content: dict[str, object] = {"status_code": error.status_code, "detail": error.detail}
    if error.code:
        content["code"] = error.code
    if error.extra is not None:
        content["extra"] = error.extra
    return Response(content, status_code=error.status_code, media_type=MediaType.JSON)


def validation_error_handler(_: Request, error: ValidationException) -> Response:
    """A request Litestar could not decode: say which field and why."""
    problems = [
        item.get("message", "") + (f" (at {item['key']})" if item.get("key") else "")
        for item in (error.extra or [])
        if isinstance(item, dict)
    ]
    reason = "; ".join(p for p in problems if p) or error.detail
    if "truncated" in reason or "malformed" in reason.lower():
        reason = f"the body is not valid JSON ({reason})"
    detail = "Invalid request: " + reason
    return Response(
        {"status_code": 400, "detail": detail, "extra": error.extra}, status_code=400, media_type=MediaType.JSON
    )


def http_error_handler(_: Request, error: HTTPException) -> Response:
    """Other HTTP errors in the same JSON shape."""
    return Response(
        {"status_code": error.status_code, "detail": error.detail},
        status_code=error.status_code,
        media_type=MediaType.JSON,
    )


EXCEPTION_HANDLERS = {
    ServiceError: service_error_handler,
    ValidationException: validation_error_handler,
    HTTPException: http_error_handler,
}
