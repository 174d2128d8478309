"""The fixed vocabularies of the domain; each value is both the stored text and the JSON."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

# A message goes out (sent from here) or comes in (an SMS from a phone).
Direction = Literal["out", "in"]


class DeliveryStatus(StrEnum):
    """Where one recipient's SMS is: Scheduled < Pending < Sending < Sent < a final status (docs/gateway.md)."""

    SCHEDULED = "Scheduled"  # waiting for its send time; the gateway does not claim it (docs/scheduling.md)
    PENDING = "Pending"
    SENDING = "Sending"
    SENT = "Sent"
    NOT_SENT = "NotSent"
    DELIVERED = "Delivered"
    NOT_DELIVERED = "NotDelivered"
    TIMED_OUT = "TimedOut"
    ERROR = "Error"
    CANCELLED = "Cancelled"


class Role(StrEnum):
    """What a user may do inside their account (docs/permissions.md)."""

    ADMINISTRATOR = "Administrator"
    OPERATOR = "Operator"
    BASE_USER = "BaseUser"


class ThreadKind(StrEnum):
    """Whose conversation a thread is: an employee's, a group's, a contact's (a number outside the staff) or a #tag's."""

    EMPLOYEE = "employee"
    GROUP = "group"
    CONTACT = "contact"
    TAG = "tag"
