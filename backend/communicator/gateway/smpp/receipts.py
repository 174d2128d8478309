"""Delivery receipts in deliver_sm: which SMSC message they report on and its state (SMPP 3.4 Appendix B)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from communicator.domain import DeliveryStatus
from communicator.gateway.drivers.statuses import get_receipt_status
from communicator.gateway.smpp.pdu import TLV_MESSAGE_STATE, TLV_RECEIPTED_MESSAGE_ID, DeliverSm

ESM_TYPE_MASK = 0x3C
RECEIPT_TYPES = {0x04, 0x08, 0x10, 0x20}  # SMSC receipt, SME ack, SME manual ack, intermediate notification
# message_state (TLV 0x0427) in the words receipts use, so both read through one table.
MESSAGE_STATES = {
    1: "ENROUTE",
    2: "DELIVRD",
    3: "EXPIRED",
    4: "DELETED",
    5: "UNDELIV",
    6: "ACCEPTD",
    7: "UNKNOWN",
    8: "REJECTD",
}
_FIELD = re.compile(r"(id|stat|err):\s*(\S+)", re.IGNORECASE)


@dataclass(frozen=True, kw_only=True)
class ParsedReceipt:
    """What a receipt says: the SMSC's id for the submit, our status, and the SMSC's error code."""

    smsc_id: str
    status: DeliveryStatus
    error: str | None


def is_receipt(deliver: DeliverSm) -> bool:
    """Whether a deliver_sm carries a receipt rather than an MO."""
    return (deliver.esm_class & ESM_TYPE_MASK) in RECEIPT_TYPES


def parse_receipt(deliver: DeliverSm) -> ParsedReceipt:
    """Read a receipt from its TLVs, else from the `id:… stat:… err:…` text; ValueError when neither says."""
    fields = {k.lower(): v for k, v in _FIELD.findall(deliver.short_message.decode("latin-1"))}
    smsc_id = deliver.tlvs.get(TLV_RECEIPTED_MESSAGE_ID, b"").rstrip(b"\0").decode("latin-1") or fields.get("id")
    state = deliver.tlvs.get(TLV_MESSAGE_STATE)
    word = MESSAGE_STATES.get(state[0], "UNKNOWN") if state else fields.get("stat")
    if not smsc_id or not word:
        raise ValueError(f"receipt without id or state: {deliver.short_message[:80]!r}")
    status = get_receipt_status(word)
    error = fields.get("err")
    keep_error = status not in (DeliveryStatus.DELIVERED, DeliveryStatus.SENT) and error not in (None, "000", "0")
    return ParsedReceipt(smsc_id=smsc_id, status=status, error=f"SMSC {word} err:{error}" if keep_error else None)


def other_forms(smsc_id: str) -> list[str]:
    """The same id in the other base (hex ↔ decimal) and case: SMSCs often answer in one and report in the other."""
    forms: list[str] = []
    if smsc_id.isdigit():
        number = int(smsc_id)
        forms += [f"{number:x}", f"{number:X}", f"{number:08x}", f"{number:08X}"]
    try:
        forms.append(str(int(smsc_id, 16)))
    except ValueError:
        pass
    forms += [smsc_id.lower(), smsc_id.upper()]
    return [f for f in dict.fromkeys(forms) if f != smsc_id]
