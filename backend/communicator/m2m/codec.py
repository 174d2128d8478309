"""Request values in (SOAP elements or form fields) and result XML out, driven by m2m/schema.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree

from communicator.m2m.schema import ARRAYS, COMPLEX, ENUMS, Field, Operation
from communicator.m2m.xml import escape, local_name
from communicator.schemas.types import ID_MAX
from communicator.services.core.errors import InvalidInput, NotFound

MAX_LONG = 2**63 - 1


def check_list_id(value: int) -> int:
    """A mailing list id (a group's, an INTEGER column): one past that range names no list, as an unknown id."""
    if not 1 <= value <= ID_MAX:
        raise NotFound(f"Mailing list {value} not found.", {"id": value}, code="not_found")
    return value


def parse_datetime(name: str, raw: str) -> datetime:
    """An ISO 8601 dateTime as given: naive without an offset (each operation reads it in the account's zone)."""
    try:
        return datetime.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput(f"{name}: «{raw[:40]}» is not a dateTime (2026-12-01T09:30:00).", code="bad_value") from None


def as_account_time(value: datetime, zone: ZoneInfo) -> datetime:
    """A dateTime without an offset read as the account's local time (API.md, Types)."""
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


def to_account_time(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A stored (UTC) instant in the account's zone, as results write it: local time without an offset."""
    return None if value is None else value.astimezone(zone).replace(tzinfo=None)


def format_datetime(value: datetime) -> str:
    """A result dateTime: the operation already made it the account's local time (to_account_time)."""
    if value.tzinfo is not None:
        raise ValueError("a result dateTime must be converted with to_account_time first")
    return value.isoformat(timespec="seconds")


def _scalar(name: str, kind: str, raw: str) -> Any:
    """One simple value from its text."""
    if kind in ("s:long", "s:int"):
        try:
            number = int(raw.strip())
        except ValueError:
            raise InvalidInput(f"{name}: «{raw[:40]}» is not an integer.", code="bad_value") from None
        if abs(number) > MAX_LONG:
            raise InvalidInput(f"{name}: {raw[:40]} is out of range.", code="bad_value")
        return number
    if kind == "s:boolean":
        if raw.strip().lower() not in ("true", "false", "1", "0"):
            raise InvalidInput(f"{name}: «{raw[:40]}» is not true or false.", code="bad_value")
        return raw.strip().lower() in ("true", "1")
    if kind == "s:dateTime":
        return parse_datetime(name, raw)  # each operation reads it in the account's zone
    enum = ENUMS.get(kind.removeprefix("tns:"))
    if enum is not None and raw.strip() not in enum:
        raise InvalidInput(f"{name}: «{raw[:40]}» is not one of {', '.join(enum)}.", code="bad_value")
    return raw.strip() if enum is not None else raw


def decode_element(field: Field, element: etree._Element | None) -> Any:
    """A field's value from its SOAP element (None when absent or nil)."""
    if element is None or element.get("{http://www.w3.org/2001/XMLSchema-instance}nil") == "true":
        return None
    kind = field.type.removeprefix("tns:")
    if kind in ARRAYS:
        _, item_type = ARRAYS[kind]
        return [decode_element(Field(field.name, item_type), child) for child in element]
    if kind in COMPLEX:
        children = {local_name(child): child for child in element}
        return {f.name: decode_element(f, children.get(f.name)) for f in COMPLEX[kind]}
    return _scalar(field.name, field.type, element.text or "")


def decode_soap(op: Operation, element: etree._Element) -> dict[str, Any]:
    """The operation's arguments from its SOAP body element."""
    children = {local_name(child): child for child in element}
    return {f.name: decode_element(f, children.get(f.name)) for f in op.params}


def decode_form(op: Operation, form: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The operation's arguments from HTTP GET query or POST form fields (arrays repeat the name)."""
    args: dict[str, Any] = {}
    for f in op.params:
        values = form.get(f.name, [])
        kind = f.type.removeprefix("tns:")
        if kind in ARRAYS:
            item_type = ARRAYS[kind][1]
            args[f.name] = [_scalar(f.name, item_type, v) for v in values if v != ""]
        else:
            args[f.name] = _scalar(f.name, f.type, values[0]) if values and values[0] != "" else None
    return args


def encode_value(kind: str, value: Any) -> str:
    """The inner XML of a value of the given type."""
    name = kind.removeprefix("tns:")
    if name in ARRAYS:
        item, item_type = ARRAYS[name]
        return "".join(encode_field(Field(item, item_type, nillable=True), v) for v in value)
    if name in COMPLEX:
        return "".join(encode_field(f, value.get(f.name)) for f in COMPLEX[name])
    if kind == "s:boolean":
        return "true" if value else "false"
    if kind == "s:dateTime":
        return format_datetime(value)
    return escape(str(value))


def encode_field(field: Field, value: Any) -> str:
    """One element: nil when nillable and None, left out when optional and None."""
    if value is None:
        return f'<{field.name} xsi:nil="true" />' if field.nillable else ""
    return f"<{field.name}>{encode_value(field.type, value)}</{field.name}>"


def utc_now() -> datetime:
    """Now, aware (a seam for tests)."""
    return datetime.now(UTC)
