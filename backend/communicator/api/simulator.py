"""The Phones page: virtual phones of the simulator driver."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from communicator.db.session import Database
from communicator.schemas import InboundCreate, MessageRead, PhoneMessage, PhoneRead, UnroutedRead
from communicator.services.core.actors import Actor
from communicator.services.messaging import phones
from communicator.services.messaging.receive import receive_sms


class SimulatorController(Controller):
    """/api/v1/simulator"""

    path = "/api/v1/simulator"
    tags = ["simulator"]

    @get("/phones", operation_id="listPhones")
    async def list_phones(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor]
    ) -> dict[str, list[PhoneRead]]:
        """Every employee's virtual phone."""
        return {"items": await phones.list_phones(db, actor)}

    @get("/phones/{phone:str}/messages", operation_id="listPhoneMessages")
    async def list_phone_messages(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor], phone: FromPath[str]
    ) -> dict[str, list[PhoneMessage]]:
        """What one phone received and sent."""
        return {"items": await phones.list_phone_messages(db, actor, phone)}

    @post("/inbound", operation_id="simulateInbound", exclude_from_auth=True)
    async def simulate_inbound(
        self, db: NamedDependency[Database], data: JSONBody[InboundCreate]
    ) -> MessageRead | UnroutedRead:
        """An SMS typed on a virtual phone, as the virtual SMSC would deliver it (MO); routed by its sender."""
        return await receive_sms(db, data.to, data.sender, data.text)
