"""Event types (`noun.verb`), a msgspec tagged union. See docs/events.md."""

from __future__ import annotations

import msgspec

from communicator.schemas import DeliveryRead, MessageRead, Summary


class MessageCreated(msgspec.Struct, tag="message.created", tag_field="type", kw_only=True):
    """A message was sent or received; thread_ids are the threads it shows in."""

    id: int = 0
    message: MessageRead
    thread_ids: list[int]


class DeliveryUpdated(msgspec.Struct, tag="delivery.updated", tag_field="type", kw_only=True):
    """Some deliveries of one message changed status."""

    id: int = 0
    message_id: int
    deliveries: list[DeliveryRead]
    summary: Summary


class Resync(msgspec.Struct, tag="resync", tag_field="type"):
    """The client is too far behind; it must refetch its state."""


AnyEvent = MessageCreated | DeliveryUpdated
EVENT_STRUCTS = (MessageCreated, DeliveryUpdated, Resync)
