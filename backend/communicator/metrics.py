"""Prometheus metrics of this process (docs/operations.md). Counters live here; gauges read at scrape time."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import msgspec
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

if TYPE_CHECKING:
    from communicator.services.messaging.delivery import Receipt, SubmitResult

REGISTRY = CollectorRegistry(auto_describe=True)

SUBMITS = Counter(
    "communicator_submits",
    "Deliveries handed to an SMSC by this process's gateway, by outcome",
    ["result"],
    registry=REGISTRY,
)
RECEIPTS = Counter("communicator_receipts", "Delivery receipts applied, by status", ["status"], registry=REGISTRY)
SUBMIT_SECONDS = Histogram(
    "communicator_submit_seconds",
    "Time one batch spent in the driver's submit (send latency to the SMSC)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
WEBSOCKET_CLIENTS = Gauge(
    "communicator_websocket_clients", "Browsers connected to /ws of this process", registry=REGISTRY
)
MO_TO_BROWSER_SECONDS = Histogram(
    "communicator_mo_to_browser_seconds",
    "From an inbound SMS being stored to its frame being written to the last socket of each visibility class",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5),
    registry=REGISTRY,
)
QUEUE_DEPTH = Gauge(
    "communicator_queue_depth", "Deliveries by status (Pending, Sending, Sent)", ["status"], registry=REGISTRY
)
LINK_UP = Gauge(
    "communicator_smsc_link_up", "1 when an SMSC link is bound, 0 otherwise", ["process", "link"], registry=REGISTRY
)
LINK_TPS_ALLOWED = Gauge(
    "communicator_smsc_link_tps_allowed", "The rate an SMSC link may send at", ["process", "link"], registry=REGISTRY
)
LINK_RATE = Gauge(
    "communicator_smsc_link_rate",
    "The rate an SMSC link sent at lately (per second)",
    ["process", "link"],
    registry=REGISTRY,
)


def record_submits(results: Sequence[SubmitResult], seconds: float) -> None:
    """Count one batch's outcomes and time it."""
    SUBMIT_SECONDS.observe(seconds)
    accepted = sum(1 for r in results if r.error is None)
    retry = sum(1 for r in results if r.error is not None and r.retryable)
    SUBMITS.labels("accepted").inc(accepted)
    SUBMITS.labels("retry").inc(retry)
    SUBMITS.labels("failed").inc(len(results) - accepted - retry)


def record_receipts(receipts: Sequence[Receipt]) -> None:
    """Count delivery receipts by status."""
    for receipt in receipts:
        RECEIPTS.labels(str(receipt.status)).inc()


class _MoMessage(msgspec.Struct):
    """The two fields of a message.created frame the MO clock needs."""

    direction: str = ""
    created_at: datetime | None = None


class _MoFrame(msgspec.Struct):
    """Just the message of a frame."""

    message: _MoMessage | None = None


_mo_decoder = msgspec.json.Decoder(_MoFrame)
_MESSAGE_CREATED = b'{"type":"message.created"'
_last_frame: list[object] = [None, None]  # [the frame object, its MO time or None]: decoded once per event


def observe_frame_sent(data: bytes) -> None:
    """After a frame went to a browser: if it is an inbound SMS, observe how long since it was stored."""
    if data is not _last_frame[0]:  # every socket of this process gets the same bytes object for one event
        created = None
        if data.startswith(_MESSAGE_CREATED):
            message = _mo_decoder.decode(data).message
            if message is not None and message.direction == "in" and message.created_at is not None:
                created = message.created_at.timestamp()
        _last_frame[:] = [data, created]
    if _last_frame[1] is not None:
        MO_TO_BROWSER_SECONDS.observe(max(0.0, time.time() - _last_frame[1]))  # type: ignore[operator]
