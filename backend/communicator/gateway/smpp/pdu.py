"""SMPP 3.4 PDUs: the header, and the bodies the driver sends and reads (bind, submit_sm, deliver_sm)."""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass
from typing import NamedTuple

HEADER = struct.Struct(">IIII")
MAX_PDU = 64 * 1024

GENERIC_NACK = 0x80000000
BIND_TRANSCEIVER = 0x00000009
SUBMIT_SM = 0x00000004
DELIVER_SM = 0x00000005
UNBIND = 0x00000006
ENQUIRE_LINK = 0x00000015
RESPONSE = 0x80000000  # a response's command_id is its request's with this bit set

TON_INTERNATIONAL, TON_NETWORK, TON_ALPHANUMERIC = 1, 3, 5

ESME_ROK = 0x00
ESME_RMSGQFUL = 0x14
ESME_RTHROTTLED = 0x58
ESME_RX_T_APPN = 0x64  # temporary application error: the SMSC should deliver again later

TLV_SAR_MSG_REF_NUM = 0x020C
TLV_SAR_TOTAL_SEGMENTS = 0x020E
TLV_SAR_SEGMENT_SEQNUM = 0x020F
TLV_RECEIPTED_MESSAGE_ID = 0x001E
TLV_MESSAGE_STATE = 0x0427
TLV_MESSAGE_PAYLOAD = 0x0424


class PduError(ValueError):
    """A PDU that cannot be read."""


class Pdu(NamedTuple):
    """One PDU: its header fields and raw body (a tuple: one is made per PDU read)."""

    command_id: int
    status: int
    sequence: int
    body: bytes = b""


def encode(pdu: Pdu) -> bytes:
    """The PDU on the wire."""
    return HEADER.pack(HEADER.size + len(pdu.body), pdu.command_id, pdu.status, pdu.sequence) + pdu.body


def cstring(value: str) -> bytes:
    """A C-Octet string (ASCII/Latin-1, NUL-terminated)."""
    return value.encode("latin-1") + b"\0"


class BodyReader:
    """Reads a PDU body field by field."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.at = 0

    def cstring(self) -> str:
        """The next NUL-terminated string."""
        end = self.body.find(b"\0", self.at)
        if end < 0:
            raise PduError("unterminated C-Octet string")
        value = self.body[self.at : end].decode("latin-1")
        self.at = end + 1
        return value

    def u8(self) -> int:
        """The next octet."""
        if self.at >= len(self.body):
            raise PduError("body too short")
        self.at += 1
        return self.body[self.at - 1]

    def octets(self, count: int) -> bytes:
        """The next `count` octets."""
        if self.at + count > len(self.body):
            raise PduError("body too short")
        self.at += count
        return self.body[self.at - count : self.at]

    def tlvs(self) -> dict[int, bytes]:
        """The optional parameters to the end of the body."""
        found: dict[int, bytes] = {}
        while self.at + 4 <= len(self.body):
            tag, length = struct.unpack_from(">HH", self.body, self.at)
            self.at += 4
            found[tag] = self.octets(length)
        return found


def bind_transceiver(system_id: str, password: str, system_type: str, address_range: str = "") -> bytes:
    """A bind_transceiver body (interface version 3.4, unknown TON/NPI for the range)."""
    return cstring(system_id) + cstring(password) + cstring(system_type) + bytes((0x34, 0, 0)) + cstring(address_range)


@functools.lru_cache(maxsize=256)
def source_address(sender: str) -> tuple[bytes, int, int]:
    """(source_addr as a C-Octet string, TON, NPI): a short number, an international one, or a name (TON 5)."""
    digits = sender.lstrip("+")
    if digits.isdigit():
        return (cstring(digits), TON_INTERNATIONAL, 1) if len(digits) > 8 else (cstring(digits), TON_NETWORK, 0)
    return cstring(sender), TON_ALPHANUMERIC, 0


@functools.lru_cache(maxsize=256)
def relative_validity(minutes: int) -> bytes:
    """An SMPP relative validity period (YYMMDDhhmmss000R) for a number of minutes, as a C-Octet string."""
    days, rest = divmod(minutes, 24 * 60)
    return cstring(f"0000{days:02d}{rest // 60:02d}{rest % 60:02d}00000R")


def submit_sm(
    source: tuple[bytes, int, int],
    destination_addr: str,
    esm_class: int,
    data_coding: int,
    short_message: bytes,
    validity_period: bytes = b"\0",
) -> bytes:
    """A submit_sm body: source is (source_addr as a C-Octet string, TON, NPI); a final receipt is requested."""
    return b"".join(
        (
            b"\0",  # service_type
            bytes((source[1], source[2])),
            source[0],
            b"\x01\x01",  # destination: international, ISDN
            cstring(destination_addr.lstrip("+")),
            bytes((esm_class, 0, 0)),  # esm_class, protocol_id, priority_flag
            b"\0",  # schedule_delivery_time
            validity_period,
            # registered_delivery (1: a final receipt, success or failure), replace_if_present, data_coding,
            # sm_default_msg_id, sm_length
            bytes((1, 0, data_coding, 0, len(short_message))),
            short_message,
        )
    )


@dataclass(frozen=True, kw_only=True)
class DeliverSm:
    """The deliver_sm fields the driver reads."""

    source_addr: str
    source_ton: int
    destination_addr: str
    esm_class: int
    data_coding: int
    short_message: bytes
    tlvs: dict[int, bytes]


def parse_deliver_sm(body: bytes) -> DeliverSm:
    """Read a deliver_sm body."""
    r = BodyReader(body)
    r.cstring()  # service_type
    source_ton, _npi = r.u8(), r.u8()
    source = r.cstring()
    r.u8(), r.u8()
    destination = r.cstring()
    esm_class = r.u8()
    r.u8(), r.u8()  # protocol_id, priority_flag
    r.cstring(), r.cstring()  # schedule_delivery_time, validity_period
    r.u8(), r.u8()  # registered_delivery, replace_if_present_flag
    data_coding = r.u8()
    r.u8()  # sm_default_msg_id
    short_message = r.octets(r.u8())
    tlvs = r.tlvs()
    return DeliverSm(
        source_addr=source,
        source_ton=source_ton,
        destination_addr=destination,
        esm_class=esm_class,
        data_coding=data_coding,
        short_message=short_message or tlvs.get(TLV_MESSAGE_PAYLOAD, b""),
        tlvs=tlvs,
    )


def parse_message_id(body: bytes) -> str:
    """The message_id of a submit_sm_resp (empty when the SMSC sent no body)."""
    end = body.find(b"\0")
    if end < 0 and body:
        raise PduError("unterminated C-Octet string")
    return body[:end].decode("latin-1") if body else ""
