"""Count SMS segments (parts) exactly as an SMSC bills them."""

from collections.abc import Iterable

import msgspec

GSM7 = "GSM-7"
UCS2 = "UCS-2"

# GSM 03.38 default alphabet, in table order (0x00-0x7F; 0x1B ESC is not a character).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table: each is sent as ESC + code, so it costs 2 septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

# (single-part limit, per-part limit once concatenated: the UDH eats the difference)
_LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}


class SegmentInfo(msgspec.Struct, frozen=True):
    """How a text splits into billed SMS parts."""

    encoding: str
    units: int
    parts: int
    per_part: int
    remaining: int


def is_gsm7(text: str) -> bool:
    """True when every character fits the GSM-7 default alphabet or its extension table."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _gsm7_cost(ch: str) -> int:
    """Septets one character takes in GSM-7."""
    return 2 if ch in GSM7_EXTENSION else 1


def _ucs2_cost(ch: str) -> int:
    """UTF-16 code units one character takes in UCS-2 (non-BMP = surrogate pair)."""
    return 2 if ord(ch) > 0xFFFF else 1


def _pack(costs: Iterable[int], limit: int) -> list[int]:
    """Greedily fill parts of `limit` units, never splitting one character's units."""
    fills: list[int] = []
    for cost in costs:
        # An escape pair or surrogate pair that does not fit moves whole to the next part.
        if not fills or fills[-1] + cost > limit:
            fills.append(0)
        fills[-1] += cost
    return fills


def count_segments(text: str) -> SegmentInfo:
    """Encoding, units, parts and units left in the last part for `text`."""
    encoding, cost = (GSM7, _gsm7_cost) if is_gsm7(text) else (UCS2, _ucs2_cost)
    costs = [cost(ch) for ch in text]
    units = sum(costs)
    single, multi = _LIMITS[encoding]
    if units <= single:
        return SegmentInfo(encoding, units, 1 if units else 0, single, single - units)
    fills = _pack(costs, multi)
    return SegmentInfo(encoding, units, len(fills), multi, multi - fills[-1])
