"""The HTTP aggregator's requests and answers as pure functions: templates, id extraction, DLR parsing. See docs/gateway.md.

Templates are filled by plain substitution of four names, never evaluated: `{phone}` (E.164), `{msisdn}` (its digits),
`{text}`, `{sender}`, `{id}` (our delivery id). Each value is escaped for where it lands: percent-encoded in the URL,
JSON-escaped in a JSON body, form-encoded in a form body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

from communicator.domain import DeliveryStatus
from communicator.gateway.drivers.statuses import get_http_dlr_status

PLACEHOLDER = re.compile(r"\{(\w+)\}")
NAMES = frozenset({"phone", "msisdn", "text", "sender", "id"})
_PATH_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
SAMPLE = {
    "phone": "+79161234567",
    "msisdn": "79161234567",
    "text": 'a "quoted" текст & more',
    "sender": "4938",
    "id": "1",
}


class TemplateError(ValueError):
    """A template names a placeholder we do not fill, or does not make a valid body."""


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """What one answer of the provider means: accepted with its id, or an error that may or may not be retried."""

    provider_id: str | None = None
    error: str | None = None
    retryable: bool = False


def fill(template: str, values: Mapping[str, str], escape: str) -> str:
    """The template with each {name} replaced by its value escaped as `escape` says ("url", "json", "form", "raw")."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in NAMES:
            raise TemplateError(f"Unknown placeholder {{{name}}}: use {', '.join(sorted(NAMES))}.")
        value = values[name]
        if escape == "url":
            return quote(value, safe="")
        if escape == "json":
            return json.dumps(value, ensure_ascii=False)[1:-1]
        if escape == "form":
            return quote_plus(value)
        return value

    return PLACEHOLDER.sub(one, template)


def check_templates(url_template: str, body_type: str, body_template: str) -> None:
    """Refuse templates with unknown placeholders, or a JSON body that would not be JSON once filled."""
    fill(url_template, SAMPLE, "url")
    body = fill(body_template, SAMPLE, _escape_for(body_type))
    if body_type == "json":
        try:
            json.loads(body)
        except ValueError as error:
            raise TemplateError(f"The JSON body template is not JSON once filled: {error}.") from None


def _escape_for(body_type: str) -> str:
    """How values are escaped in a body of this type."""
    return {"json": "json", "form": "form"}.get(body_type, "raw")


def render_body(body_type: str, body_template: str, values: Mapping[str, str]) -> tuple[bytes | None, str | None]:
    """The request body and its Content-Type, or (None, None) for a body-less request."""
    if body_type == "none":
        return None, None
    content_type = "application/json" if body_type == "json" else "application/x-www-form-urlencoded"
    return fill(body_template, values, _escape_for(body_type)).encode(), content_type


def walk(document: Any, path: str) -> Any:
    """The value at a dotted path with [n] indices ("result.messages[0].id"); None when any step is missing."""
    for name, index in _PATH_STEP.findall(path):
        if name and isinstance(document, dict):
            document = document.get(name)
        elif index and isinstance(document, list) and int(index) < len(document):
            document = document[int(index)]
        else:
            return None
    return document


def read_answer(status: int, body: str, id_path: str, id_regex: str) -> Outcome:
    """Map an HTTP answer: 2xx with an id is accepted; 408, 429 and 5xx are retried; any other is a permanent failure."""
    if status in (408, 429) or status >= 500:
        return Outcome(error=f"HTTP {status}: {body[:120]}", retryable=True)
    if not 200 <= status < 300:
        return Outcome(error=f"HTTP {status}: {body[:120]}")
    found: Any = None
    if id_path:
        try:
            found = walk(json.loads(body), id_path)
        except ValueError:
            found = None
    elif id_regex:
        match = re.search(id_regex, body)
        found = match and (match.group(1) if match.groups() else match.group(0))
    else:
        found = body.strip()
    if found is None or found == "" or isinstance(found, dict | list):
        return Outcome(error=f"HTTP {status} without a message id: {body[:120]}")
    return Outcome(provider_id=str(found))


def sign(secret: str, body: bytes) -> str:
    """The signature a provider sends with a delivery report: hex HMAC-SHA256 of the raw body."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_signature(secret: str, body: bytes, signature: str) -> bool:
    """Whether the report was signed with the provider's secret (constant-time comparison)."""
    return hmac.compare_digest(sign(secret, body), signature.strip().lower())


def parse_reports(
    body: bytes, id_path: str, status_path: str, statuses: Mapping[str, DeliveryStatus]
) -> list[tuple[str, DeliveryStatus, str]]:
    """A JSON report (one object, or a list of them) as (provider id, our status, provider word); ValueError if unreadable."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):  # nesting too deep for the decoder is unreadable too, not a crash
        raise ValueError("The delivery report is not JSON (or is nested too deeply).") from None
    reports = document if isinstance(document, list) else [document]
    parsed = []
    for report in reports:
        provider_id, word = walk(report, id_path), walk(report, status_path)
        if provider_id is None or word is None:
            raise ValueError(f"A delivery report lacks {id_path!r} or {status_path!r}.")
        parsed.append((str(provider_id), get_http_dlr_status(str(word), statuses), str(word)))
    return parsed
