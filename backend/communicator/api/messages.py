"""Sending messages, reading threads."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.openapi.spec import Example
from litestar.params import Body, JSONBody, Parameter, QueryParameter

from communicator.api.exports import XLSX
from communicator.api.params import PathBigId, PathId, QueryAfterId, QueryBigId
from communicator.db.session import Database
from communicator.schemas import FollowUpCreate, MessageCreate, MessageRead, ReadMark, ThreadPage, ThreadRead
from communicator.schemas.conversation import DeliveryFilter
from communicator.services.core.actors import Actor
from communicator.services.messaging import follow_up, proof, reads, schedule, threads
from communicator.services.messaging import send as messaging
from communicator.services.messaging.views import DELIVERY_PAGE, DeliveryQuery

MAX_DELIVERY_PAGE = 2000
MAX_THREAD_PAGE = 500
# Shown in the OpenAPI document and tried first by the schemathesis run. A `send_at` example would go stale
# (it must lie within the coming year), so the schedule is described in the docs instead.
SEND_EXAMPLES = [
    Example(
        summary="To an employee and a number",
        value={"text": "Сбор в 10:00", "recipients": {"employees": [1], "numbers": ["+79161234567"]}},
    ),
    Example(
        summary="To a group, valid for an hour",
        value={"text": "Плановые работы", "recipients": {"groups": [1]}, "valid_minutes": 60},
    ),
]


class MessageController(Controller):
    """/api/v1/messages"""

    path = "/api/v1/messages"
    tags = ["messages"]

    @post("/", operation_id="sendMessage", opt={"scope": "messages:send"})
    async def send_message(
        self,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        data: Annotated[MessageCreate, Body(media_type=RequestEncodingType.JSON, examples=SEND_EXAMPLES)],
    ) -> MessageRead:
        """Accept a message for every recipient, or refuse it whole; `send_at` schedules it (docs/scheduling.md)."""
        return await messaging.send_message(db, actor, data)

    @get("/{message_id:int}", operation_id="getMessage", opt={"scope": "messages:read"})
    async def get_message(
        self,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        message_id: PathBigId,
        after_id: QueryAfterId = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_DELIVERY_PAGE)] = DELIVERY_PAGE,
        filter_: Annotated[DeliveryFilter, QueryParameter(name="filter")] = "all",
        q: Annotated[str | None, QueryParameter(max_length=100)] = None,
    ) -> MessageRead:
        """A message with a page of its recipients' statuses (by delivery id after `after_id`), filtered, searched."""
        page_of = DeliveryQuery(after_id=after_id, limit=limit, which=filter_, search=q)
        return await messaging.get_message(db, actor, message_id, page_of)

    @get("/{message_id:int}/proof.xlsx", operation_id="getMessageProof", opt={"scope": "messages:read"})
    async def get_proof(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor], message_id: PathBigId
    ) -> Response[bytes]:
        """Proof of notification: each recipient with sent, delivered and first-reply times, as .xlsx."""
        content = await proof.write_proof(db, actor, message_id)
        disposition = f'attachment; filename="message-{message_id}-proof.xlsx"'
        return Response(content, media_type=XLSX, headers={"Content-Disposition": disposition})

    @post("/{message_id:int}/follow-up", operation_id="sendFollowUp", opt={"scope": "messages:send"})
    async def send_follow_up(
        self,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        message_id: PathBigId,
        data: JSONBody[FollowUpCreate],
    ) -> MessageRead:
        """Remind the recipients who did not answer: a new message to just them, linked to this one."""
        return await follow_up.send_follow_up(db, actor, message_id, data)

    @post("/{message_id:int}/cancel", operation_id="cancelMessage", status_code=200, opt={"scope": "messages:send"})
    async def cancel_message(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor], message_id: PathBigId
    ) -> MessageRead:
        """Cancel a scheduled message before its send time (409 once it was released to the gateway)."""
        return await schedule.cancel_message(db, actor, message_id)


class ThreadController(Controller):
    """/api/v1/threads"""

    path = "/api/v1/threads"
    tags = ["threads"]

    @get("/", operation_id="listThreads", opt={"scope": "messages:read"})
    async def list_threads(
        self,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        cursor: Annotated[str | None, QueryParameter(max_length=80)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_THREAD_PAGE)] = threads.THREAD_PAGE,
    ) -> dict[str, object]:
        """A page of threads, newest activity first; `next_cursor` asks for the next (null on the last page)."""
        last_event_id, items, unread_total, following = await threads.list_thread_page(db, actor, cursor, limit)
        return {"items": items, "last_event_id": last_event_id, "unread_total": unread_total, "next_cursor": following}

    @get("/{thread_id:int}", operation_id="getThread", opt={"scope": "messages:read"})
    async def get_thread(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor], thread_id: PathId
    ) -> ThreadRead:
        """One thread as the list shows it (opened by its address before its page of the list was loaded)."""
        return await threads.get_thread_view(db, actor, thread_id)

    @get("/{thread_id:int}/messages", operation_id="listThreadMessages", opt={"scope": "messages:read"})
    async def list_messages(
        self,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        thread_id: PathId,
        before_id: QueryBigId = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> ThreadPage:
        """A page of the thread, oldest first."""
        return await threads.list_thread_messages(db, actor, thread_id, before_id, limit)

    @post("/{thread_id:int}/read", operation_id="markThreadRead", status_code=204, opt={"scope": "messages:read"})
    async def mark_read(
        self,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        thread_id: PathId,
        data: JSONBody[ReadMark],
    ) -> None:
        """Mark the thread's inbound messages up to a message read, in every thread they are in."""
        await reads.mark_thread_read(db, actor, thread_id, data.last_message_id)

    @post("/read-all", operation_id="markAllRead", opt={"scope": "messages:read"})
    async def mark_all_read(self, db: NamedDependency[Database], actor: NamedDependency[Actor]) -> dict[str, int]:
        """«Прочитать всё»: every inbound message in the caller's threads; answers how many were unread."""
        return {"read": await reads.mark_all_read(db, actor)}
