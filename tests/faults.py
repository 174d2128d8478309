"""What the fault tests share: a browser that reconnects like the SPA does, a sender, and the loss count."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator

import httpx
import websockets
from sqlalchemy import func, select

from communicator.db.models import Delivery
from communicator.db.session import Database
from communicator.domain import DeliveryStatus
from tests.conftest import DEMO_PASSWORD

# Full size in `make bench` (COMMUNICATOR_FAULT_SCALE=10); the test suite runs a tenth of it.
SCALE = float(os.environ.get("COMMUNICATOR_FAULT_SCALE", "1"))


def sends(base: int) -> int:
    """How many sends a fault test makes."""
    return max(10, int(base * SCALE))


def login(url: str) -> str:
    """The demo admin's session cookie."""
    response = httpx.post(f"{url}/api/v1/auth/login", json={"login": "admin", "password": DEMO_PASSWORD}, timeout=30)
    response.raise_for_status()
    return response.cookies["communicator_session"]


class Browser:
    """Keeps a /ws open like the SPA: on any close it reconnects with last_event_id; records message ids seen."""

    def __init__(self, url: str, cookie: str) -> None:
        self.ws_url = url.replace("http://", "ws://") + "/ws"
        self.origin = url
        self.cookie = cookie
        self.last_id: int | None = None
        self.created: list[int] = []  # message ids of message.created frames, in arrival order
        self.reconnects = 0
        self.connected = asyncio.Event()

    async def run(self) -> None:
        """Until cancelled."""
        while True:
            query = f"?last_event_id={self.last_id}" if self.last_id is not None else ""
            try:
                async with websockets.connect(
                    self.ws_url + query, additional_headers={"Cookie": f"communicator_session={self.cookie}"},
                    origin=self.origin, open_timeout=5,
                ) as socket:  # fmt: skip
                    self.connected.set()
                    async for raw in socket:
                        self._take(json.loads(raw))
            except (OSError, websockets.WebSocketException, TimeoutError):
                pass
            self.reconnects += 1
            await asyncio.sleep(0.2)  # the SPA's backoff, shortened

    def _take(self, event: dict) -> None:
        """Remember one frame."""
        if event.get("id"):
            self.last_id = event["id"]
        if event["type"] == "message.created":
            self.created.append(event["message"]["id"])


def recipients(count: int) -> Iterator[int]:
    """Demo employee ids 1..20 in turn."""
    for n in range(count):
        yield n % 20 + 1


async def count_final(db: Database, message_ids: list[int]) -> int:
    """How many deliveries of these messages reached Delivered."""
    async with db.read() as session:
        query = select(func.count()).where(
            Delivery.message_id.in_(message_ids), Delivery.status == DeliveryStatus.DELIVERED
        )
        return int(await session.scalar(query) or 0)
