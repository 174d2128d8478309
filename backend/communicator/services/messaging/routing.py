"""Which account an inbound SMS belongs to when accounts share a short number. See docs/inbound.md."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from communicator.services.core.errors import InvalidInput
from communicator.sms.phones import InvalidPhone, normalize_phone

# The column width; an alphanumeric sender has at most 11 characters, an E.164 number at most 16.
SENDER_MAX = 20


def check_sender(raw: str) -> str:
    """A phone sender in E.164, any other sender (an alphanumeric name such as «MEGAFON») as given."""
    try:
        return normalize_phone(raw)
    except InvalidPhone:
        pass
    sender = raw.strip()
    if not sender or len(sender) > SENDER_MAX or not sender.isprintable():
        detail = f"Invalid sender «{raw}»: a phone number or a name of 1 to {SENDER_MAX} printable characters."
        raise InvalidInput(detail, {"sender": raw}, code="invalid_sender")
    return sender


def choose_account(last_sent_to: int | None, employers: Collection[int], owners: Sequence[int]) -> int | None:
    """The account an SMS belongs to, or None for the unrouted inbox; the first rule that answers.

    Given, among the candidates (the short number's owners): the one that sent to this phone most recently, those
    that have it as an employee, and at most two of the candidates.
    """
    if last_sent_to is not None:
        return last_sent_to  # a reply answers the last message the phone got
    if len(employers) == 1:
        return next(iter(employers))  # the one employer (two or more say nothing)
    if len(owners) == 1:
        return owners[0]  # the short number's only owner
    return None
