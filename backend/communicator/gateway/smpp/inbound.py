"""deliver_sm into the services: receipts applied in batches and MO stored, each before its deliver_sm_resp."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from dataclasses import dataclass, field

from communicator.db.session import Database
from communicator.gateway.smpp import pdu
from communicator.gateway.smpp.pdu import DeliverSm, Pdu
from communicator.gateway.smpp.receipts import ParsedReceipt, is_receipt, other_forms, parse_receipt
from communicator.gateway.smpp.text import ESM_UDHI, Concat, decode_text, strip_udh
from communicator.services.core.errors import InvalidInput
from communicator.services.messaging.delivery import Receipt, apply_receipts
from communicator.services.messaging.receive import receive_sms

log = logging.getLogger(__name__)
ESME_RX_P_APPN = 0x65  # permanent application error: the SMSC must not deliver it again
UNMATCHED_RETRY_SECONDS = 0.2
UNMATCHED_GIVE_UP_SECONDS = 60.0
# An unmatched receipt is answered only once matched (it lives in memory alone until then, so a kill would lose
# an acknowledged one); past this hold it gets ESME_RX_T_APPN and the SMSC brings it again.
RECEIPT_HOLD_SECONDS = 1.0
LINGER_SECONDS = 0.02
MO_DEDUP_BUCKET_SECONDS = 600  # SMPP 3.4 gives an MO no id: a redelivery within this bucket is the same MO


_Held = tuple[ParsedReceipt, "asyncio.Future[None]"]  # a receipt and its handler's wait for the match


@dataclass
class _Partial:
    """The parts of one concatenated MO received so far, and the parts' handlers waiting for it to be stored."""

    parts: dict[int, bytes] = field(default_factory=dict)
    stored: asyncio.Future[int] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class Inbound:
    """Handles each deliver_sm: returns the command_status for its resp once the content is committed."""

    def __init__(self, db: Database, *, hold_seconds: float = 10.0, batch: int = 500) -> None:
        self.db = db
        self.hold_seconds = hold_seconds
        self.batch = batch
        self.receipts_applied = 0
        self._receipts: list[_Held] = []
        self._unmatched: list[_Held] = []  # receipts whose handler still waits, offered again when due
        self._first_seen: dict[str, float] = {}  # unmatched SMSC id → when first seen, across redeliveries
        self._unmatched_due = 0.0
        self._unmatched_gap = UNMATCHED_RETRY_SECONDS
        self._partial: dict[tuple[str, str, int, int], _Partial] = {}
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start applying receipts."""
        self._task = asyncio.create_task(self._receipt_loop(), name="smpp-receipts")

    async def stop(self) -> None:
        """Stop applying receipts."""
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def handle(self, request: Pdu) -> int:
        """One deliver_sm: a receipt or (a part of) an MO."""
        try:
            deliver = pdu.parse_deliver_sm(request.body)
        except pdu.PduError:
            log.warning("unreadable deliver_sm %r", request.body[:80])
            return 0x04  # ESME_RSYSERR-free answer: "invalid" without asking for it again
        if is_receipt(deliver):
            return await self._handle_receipt(deliver)
        return await self._handle_mo(deliver)

    async def _handle_receipt(self, deliver: DeliverSm) -> int:
        """Queue a receipt; answer once it is matched and committed (or given up), else ask for it again."""
        try:
            receipt = parse_receipt(deliver)
        except ValueError as error:
            log.warning("unusable receipt: %s", error)
            return pdu.ESME_ROK  # nothing to store; asking again would bring the same
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._receipts.append((receipt, done))
        self._wakeup.set()
        try:
            async with asyncio.timeout(RECEIPT_HOLD_SECONDS):  # not wait_for: it can swallow a cancel on 3.11
                await asyncio.shield(done)
        except TimeoutError:
            done.cancel()  # the loop forgets it: the SMSC delivers it again
            return pdu.ESME_RX_T_APPN
        return pdu.ESME_ROK

    async def _receipt_loop(self) -> None:
        """Apply queued receipts in batches; offer unmatched ones (a receipt before its submit_sm_resp) again."""
        while True:
            await self._wait()
            taken, self._receipts = self._receipts[: self.batch], self._receipts[self.batch :]
            now = time.monotonic()
            due: list[_Held] = []
            if self._unmatched and now >= self._unmatched_due:  # all at once, spaced out more while none match
                due, self._unmatched = [h for h in self._unmatched if not h[1].done()], []
                self._unmatched_due = now + self._unmatched_gap
                self._unmatched_gap = min(self._unmatched_gap * 2, 2.0)
            try:
                await self._apply([h for h in taken if not h[1].done()] + due)
            except Exception as error:
                log.exception("applying receipts failed")
                self._unmatched += due
                for _, done in taken:
                    if not done.done():
                        done.set_exception(error)
                continue

    async def _wait(self) -> None:
        """Until receipts wait (lingering briefly so one transaction takes many) or the unmatched ones are due."""
        if self._receipts:
            if len(self._receipts) < self.batch:
                await asyncio.sleep(LINGER_SECONDS)
            return
        self._wakeup.clear()
        timeout = max(0.01, self._unmatched_due - time.monotonic()) if self._unmatched else 1.0
        try:
            async with asyncio.timeout(timeout):
                await self._wakeup.wait()
        except TimeoutError:
            pass

    async def _apply(self, receipts: list[_Held]) -> None:
        """Match by the SMSC id as given, then in its other forms (hex/decimal, case); hold the unmatched."""
        if not receipts:
            return
        unmatched = await apply_receipts(self.db, [Receipt(r.smsc_id, r.status, r.error) for r, _ in receipts])
        if unmatched:
            retry = [r for r, _ in receipts if r.smsc_id in unmatched]
            alternates = [Receipt(form, r.status, r.error) for r in retry for form in other_forms(r.smsc_id)]
            still = await apply_receipts(self.db, alternates) if alternates else set()
            matched = {a.smsc_id for a in alternates} - still
            unmatched = {r.smsc_id for r in retry if not matched.intersection(other_forms(r.smsc_id))}
        now = time.monotonic()
        kept: list[_Held] = []
        dropped = 0
        for receipt, done in receipts:
            first = self._first_seen.setdefault(receipt.smsc_id, now)
            if receipt.smsc_id in unmatched and now - first < UNMATCHED_GIVE_UP_SECONDS:
                kept.append((receipt, done))
                continue
            self._first_seen.pop(receipt.smsc_id, None)
            dropped += receipt.smsc_id in unmatched
            if not done.done():
                done.set_result(None)  # applied, or given up: asking again would bring the same
        if dropped:
            log.warning("%d receipts matched no delivery for %ss; dropped", dropped, UNMATCHED_GIVE_UP_SECONDS)
        self.receipts_applied += len(receipts) - len(kept) - dropped
        if len(kept) < len(receipts):
            self._unmatched_gap = UNMATCHED_RETRY_SECONDS  # matches happen again: look again soon
        self._unmatched += kept
        self._forget_stale(now)

    def _forget_stale(self, now: float) -> None:
        """Drop first-seen times of ids the SMSC stopped bringing (their handlers answered long ago)."""
        if len(self._first_seen) > 4 * self.batch:
            self._first_seen = {k: t for k, t in self._first_seen.items() if now - t < 2 * UNMATCHED_GIVE_UP_SECONDS}

    async def _handle_mo(self, deliver: DeliverSm) -> int:
        """Store a whole MO, or wait (bounded) for its other parts so every part is answered after the commit."""
        payload, concat = self._concat(deliver)
        if concat is None or concat.total <= 1:
            return await self._store(deliver, decode_text(payload, deliver.data_coding), "")
        key = (deliver.source_addr, deliver.destination_addr, concat.reference, concat.total)
        partial = self._partial.setdefault(key, _Partial())
        partial.parts[concat.seq] = payload
        if len(partial.parts) == concat.total:
            del self._partial[key]
            data = b"".join(partial.parts[i] for i in sorted(partial.parts))
            status = pdu.ESME_RX_T_APPN  # if storing fails, every waiting part asks to be delivered again
            try:
                status = await self._store(
                    deliver, decode_text(data, deliver.data_coding), f"{concat.reference}/{concat.total}"
                )
            finally:
                partial.stored.set_result(status)
            return status
        try:  # the last part's commit answers this part too; an SMSC that waits for the answer gets it later
            async with asyncio.timeout(self.hold_seconds):
                return await asyncio.shield(partial.stored)
        except TimeoutError:
            return pdu.ESME_ROK

    @staticmethod
    def _concat(deliver: DeliverSm) -> tuple[bytes, Concat | None]:
        """The payload and its concatenation info, from a UDH or from the SAR TLVs."""
        if deliver.esm_class & ESM_UDHI:
            return strip_udh(deliver.short_message)
        tlvs = deliver.tlvs
        if pdu.TLV_SAR_MSG_REF_NUM in tlvs and pdu.TLV_SAR_TOTAL_SEGMENTS in tlvs:
            return deliver.short_message, Concat(
                reference=int.from_bytes(tlvs[pdu.TLV_SAR_MSG_REF_NUM], "big"),
                total=tlvs[pdu.TLV_SAR_TOTAL_SEGMENTS][0],
                seq=tlvs.get(pdu.TLV_SAR_SEGMENT_SEQNUM, b"\1")[0],
            )
        return deliver.short_message, None

    async def _store(self, deliver: DeliverSm, text: str, reference: str) -> int:
        """receive_sms, committed; the status the SMSC gets."""
        sender = deliver.source_addr
        if deliver.source_ton == 1 and sender.isdigit():
            sender = "+" + sender
        bucket = int(time.time() // MO_DEDUP_BUCKET_SECONDS)
        digest = hashlib.sha256(f"{sender}|{deliver.destination_addr}|{reference}|{text}".encode()).hexdigest()[:24]
        try:
            await receive_sms(self.db, deliver.destination_addr or None, sender, text, smsc_id=f"mo:{digest}:{bucket}")
        except InvalidInput as error:
            log.warning("MO refused: %s", error)
            return ESME_RX_P_APPN
        return pdu.ESME_ROK
