"""Texts on the wire: GSM-7 (one septet per octet) or UCS-2, split into concatenated parts with a UDH."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from communicator.sms.segments import is_gsm7

DC_GSM7 = 0x00  # the SMSC default alphabet: GSM 03.38, one septet per octet
DC_LATIN1 = 0x03
DC_UCS2 = 0x08
ESM_UDHI = 0x40
ESC = 0x1B

# GSM 03.38 default alphabet in table order; "\x00" marks 0x1B, the escape to the extension table.
_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x00ÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_EXTENSION = {
    "\f": 0x0A,
    "^": 0x14,
    "{": 0x28,
    "}": 0x29,
    "\\": 0x2F,
    "[": 0x3C,
    "~": 0x3D,
    "]": 0x3E,
    "|": 0x40,
    "€": 0x65,
}
_ENCODE = {ch: code for code, ch in enumerate(_BASIC) if code != ESC}
_DECODE = {code: ch for ch, code in _ENCODE.items()}
_DECODE_EXT = {code: ch for ch, code in _EXTENSION.items()}
# str.translate maps a whole text at C speed; the result's code points are the septets.
_TRANSLATE = {ord(ch): chr(code) for ch, code in _ENCODE.items()} | {
    ord(ch): f"\x1b{chr(code)}" for ch, code in _EXTENSION.items()
}
# (single-part limit, per-part limit once concatenated), in the encoding's units.
_LIMITS = {DC_GSM7: (160, 153), DC_UCS2: (70, 67)}


@dataclass(frozen=True, kw_only=True)
class Part:
    """One submit_sm's worth of a text."""

    data_coding: int
    esm_class: int
    short_message: bytes


def encode_gsm7(text: str) -> bytes:
    """GSM-7 septets, one per octet (extension characters as ESC + code); the text must be GSM-7."""
    return text.translate(_TRANSLATE).encode("latin-1")


def decode_gsm7(data: bytes) -> str:
    """The text of unpacked GSM-7 septets; an unknown code becomes '?'."""
    chars: list[str] = []
    escaped = False
    for code in data:
        if escaped:
            chars.append(_DECODE_EXT.get(code, "?"))
            escaped = False
        elif code == ESC:
            escaped = True
        else:
            chars.append(_DECODE.get(code & 0x7F, "?"))
    return "".join(chars)


def decode_text(data: bytes, data_coding: int) -> str:
    """An MO's text by its data_coding (GSM-7, Latin-1, UCS-2; anything else read as Latin-1)."""
    if data_coding == DC_UCS2:
        return data.decode("utf-16-be", errors="replace")
    if data_coding in (DC_GSM7, 0x01):
        return decode_gsm7(data)
    return data.decode("latin-1")


def _chunks(encoded: list[bytes], limit: int, unit: int) -> list[bytes]:
    """Greedy parts of at most `limit` units; one character's units never split across parts."""
    parts: list[bytearray] = [bytearray()]
    for piece in encoded:
        if len(parts[-1]) + len(piece) > limit * unit:
            parts.append(bytearray())
        parts[-1] += piece
    return [bytes(p) for p in parts]


def split_text(text: str, reference: int) -> list[Part]:
    """The submit_sm parts for a text: one, or several carrying the same 8-bit concatenation reference."""
    parts = _split(text)
    if len(parts) == 1:
        return list(parts)
    # The UDH is 05 00 03 <reference> <total> <seq>: only the reference differs between two sends of one text.
    return [
        Part(
            data_coding=p.data_coding,
            esm_class=p.esm_class,
            short_message=p.short_message[:3] + bytes((reference & 0xFF,)) + p.short_message[4:],
        )
        for p in parts
    ]


@functools.lru_cache(maxsize=64)
def _split(text: str) -> tuple[Part, ...]:
    """A text's parts with reference 0 (cached: a send to many recipients encodes its text once)."""
    gsm = is_gsm7(text)
    coding, unit = (DC_GSM7, 1) if gsm else (DC_UCS2, 2)
    whole = encode_gsm7(text) if gsm else text.encode("utf-16-be")
    single, multi = _LIMITS[coding]
    if len(whole) <= single * unit:
        return (Part(data_coding=coding, esm_class=0, short_message=whole),)
    pieces = [encode_gsm7(ch) for ch in text] if gsm else [ch.encode("utf-16-be") for ch in text]
    chunks = _chunks(pieces, multi, unit)
    total = len(chunks)
    return tuple(
        Part(data_coding=coding, esm_class=ESM_UDHI, short_message=bytes((5, 0, 3, 0, total, seq)) + chunk)
        for seq, chunk in enumerate(chunks, start=1)
    )


@dataclass(frozen=True, kw_only=True)
class Concat:
    """Where one MO part sits in its concatenated message."""

    reference: int
    total: int
    seq: int


def strip_udh(data: bytes) -> tuple[bytes, Concat | None]:
    """The payload after a UDH, and the concatenation info element if the UDH has one (8- or 16-bit ref)."""
    if not data:
        return data, None
    length = data[0]
    header, payload = data[1 : 1 + length], data[1 + length :]
    concat: Concat | None = None
    i = 0
    while i + 1 < len(header):
        element, size = header[i], header[i + 1]
        value = header[i + 2 : i + 2 + size]
        if element == 0x00 and size == 3:
            concat = Concat(reference=value[0], total=value[1], seq=value[2])
        elif element == 0x08 and size == 4:
            concat = Concat(reference=int.from_bytes(value[:2], "big"), total=value[2], seq=value[3])
        i += 2 + size
    return payload, concat
