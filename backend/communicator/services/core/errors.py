"""Service errors; entry points translate them to their protocol (HTTP status, SOAP fault, SMTP code).

ServiceError
├── InvalidInput   (422) bad input; nothing was changed
├── NotFound       (404) no such object in the caller's account
├── Forbidden      (403) the caller may not do this; `extra` names what was refused
├── Unauthorized   (401) no valid credentials
└── Conflict       (409) the change clashes with existing data
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A refusal with a sentence naming what was wrong."""

    status_code = 400

    def __init__(self, detail: str, extra: Any = None, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra
        # A stable machine-readable reason; the web app translates it, scripts may switch on it.
        self.code = code


class InvalidInput(ServiceError):
    """The input is wrong; nothing was changed."""

    status_code = 422


class NotFound(ServiceError):
    """No such object in the caller's account."""

    status_code = 404


class Forbidden(ServiceError):
    """The caller may not do this."""

    status_code = 403


class Unauthorized(ServiceError):
    """No valid credentials."""

    status_code = 401


class Conflict(ServiceError):
    """The change clashes with existing data."""

    status_code = 409
