"""Per-operator delivery counts and the HTTP aggregator's settings, as the API carries them."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

from communicator.domain import DeliveryStatus

Template = Annotated[str, Meta(max_length=4000)]
Method = Literal["POST", "GET"]
BodyType = Literal["json", "form", "none"]
JsonPath = Annotated[str, Meta(max_length=200, pattern=r"^[\w$.\[\]-]*$")]


class OperatorCountRead(Struct, kw_only=True):
    """One operator's deliveries of a day: accepted by the SMSC, delivered, failed, still waiting."""

    operator: str  # our code (MTS, MegaFon, Beeline, T2), another operator's name, or "unknown"
    sent: int
    delivered: int
    failed: int
    pending: int


class OperatorCountsRead(Struct, kw_only=True):
    """The day's deliveries per operator (UTC day of the message), busiest first."""

    day: str
    items: list[OperatorCountRead]


class HttpProviderWrite(Struct, forbid_unknown_fields=True, kw_only=True):
    """An account's HTTP aggregator: `{phone}`, `{text}`, `{sender}`, `{id}` are filled into the templates."""

    name: Annotated[str, Meta(min_length=1, max_length=200)]
    url_template: Annotated[str, Meta(min_length=8, max_length=2000, pattern=r"^https?://")]
    method: Method = "POST"
    body_type: BodyType = "json"
    body_template: Template = ""
    auth_header: Annotated[str, Meta(max_length=100, pattern=r"^[A-Za-z0-9-]*$")] = ""
    auth_value: Annotated[str, Meta(max_length=500)] | None = None  # None keeps the stored one (it is never read back)
    id_path: JsonPath = ""
    id_regex: Annotated[str, Meta(max_length=200)] = ""
    sender: Annotated[str, Meta(max_length=20)] = ""
    # At least 10: a batch (200) waits batch / tps for its provider, which must stay inside the 30 s lease.
    tps: Annotated[float, Meta(ge=10, le=10000)] = 50.0
    enabled: bool = True
    dlr_secret: Annotated[str, Meta(min_length=16, max_length=200)] | None = None  # None keeps the stored one
    dlr_id_path: JsonPath = "id"
    dlr_status_path: JsonPath = "status"
    # Provider word -> our status, on top of the built-in table (gateway/drivers/statuses.py HTTP_DLR_STATUSES).
    dlr_statuses: dict[Annotated[str, Meta(max_length=40)], DeliveryStatus] = {}


class HttpProviderRead(Struct, kw_only=True):
    """The stored settings; secrets are never read back, only whether they are set."""

    id: int
    name: str
    url_template: str
    method: Method
    body_type: BodyType
    body_template: str
    auth_header: str
    has_auth_value: bool
    id_path: str
    id_regex: str
    sender: str
    tps: float
    enabled: bool
    dlr_url: str  # the path the provider posts delivery reports to
    dlr_id_path: str
    dlr_status_path: str
    dlr_statuses: dict[str, DeliveryStatus]
