"""The provider → status tables: every SMPP receipt word has one meaning, an unknown one is refused."""

from __future__ import annotations

import pytest

from communicator.domain import DeliveryStatus
from communicator.gateway.drivers.statuses import SMPP_RECEIPT_STATUSES, UnknownProviderStatus, get_receipt_status
from communicator.services.messaging.delivery import can_move


def test_every_smpp_receipt_word_of_the_spec_is_mapped() -> None:
    spec = {"ENROUTE", "DELIVRD", "EXPIRED", "DELETED", "UNDELIV", "ACCEPTD", "UNKNOWN", "REJECTD"}
    assert set(SMPP_RECEIPT_STATUSES) == spec


def test_delivered_and_undeliverable_receipts() -> None:
    assert get_receipt_status("DELIVRD") is DeliveryStatus.DELIVERED
    assert get_receipt_status(" undeliv ") is DeliveryStatus.NOT_DELIVERED
    assert get_receipt_status("EXPIRED") is DeliveryStatus.TIMED_OUT


def test_a_late_enroute_never_undoes_a_delivery() -> None:
    assert not can_move(DeliveryStatus.DELIVERED, get_receipt_status("ENROUTE"))


def test_an_unknown_word_is_refused_by_name() -> None:
    with pytest.raises(UnknownProviderStatus, match="'DELIVERED'"):
        get_receipt_status("DELIVERED")
