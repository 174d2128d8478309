"""Errors as JSON that names the problem: service refusals and malformed requests."""

from __future__ import annotations

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException

from communicator.services.core.errors import ServiceError


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
