"""Provider statuses mapped onto ours, one explicit table per provider (docs/gateway.md).

A driver never invents a status: it looks up what its SMSC reported here, so every provider word has
exactly one meaning and a new one fails loudly instead of being guessed.
"""

from __future__ import annotations

from collections.abc import Mapping

from communicator.domain import DeliveryStatus

# SMPP 3.4 delivery receipts (`stat:` in the short_message, or message_state): Appendix B of the spec.
# ENROUTE and ACCEPTD are not final; the forward-only rule keeps a late one from undoing a final status.
SMPP_RECEIPT_STATUSES: Mapping[str, DeliveryStatus] = {
    "ENROUTE": DeliveryStatus.SENT,
    "ACCEPTD": DeliveryStatus.SENT,
    "DELIVRD": DeliveryStatus.DELIVERED,
    "EXPIRED": DeliveryStatus.TIMED_OUT,
    "DELETED": DeliveryStatus.NOT_DELIVERED,
    "UNDELIV": DeliveryStatus.NOT_DELIVERED,
    "REJECTD": DeliveryStatus.NOT_DELIVERED,
    "UNKNOWN": DeliveryStatus.NOT_DELIVERED,
}


class UnknownProviderStatus(ValueError):
    """The SMSC reported a status word no table knows."""


def get_receipt_status(provider_status: str) -> DeliveryStatus:
    """Our status for an SMPP receipt's `stat`, or UnknownProviderStatus naming the word."""
    try:
        return SMPP_RECEIPT_STATUSES[provider_status.strip().upper()]
    except KeyError:
        raise UnknownProviderStatus(f"Unknown delivery receipt status {provider_status!r}.") from None


# Generic HTTP aggregators' report words (case-folded); each provider adds its own in its settings
# (http_providers.dlr_statuses), which win over these. The SMPP words are understood too: many aggregators pass them on.
HTTP_DLR_STATUSES: Mapping[str, DeliveryStatus] = {
    **{word.casefold(): status for word, status in SMPP_RECEIPT_STATUSES.items()},
    "accepted": DeliveryStatus.SENT,
    "sent": DeliveryStatus.SENT,
    "enroute": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "undelivered": DeliveryStatus.NOT_DELIVERED,
    "failed": DeliveryStatus.NOT_DELIVERED,
    "rejected": DeliveryStatus.NOT_DELIVERED,
    "expired": DeliveryStatus.TIMED_OUT,
}


def get_http_dlr_status(word: str, provider_statuses: Mapping[str, DeliveryStatus]) -> DeliveryStatus:
    """Our status for an HTTP provider's report word: its own table first, then the generic one."""
    key = word.strip().casefold()
    for table in ({k.casefold(): v for k, v in provider_statuses.items()}, HTTP_DLR_STATUSES):
        if key in table:
            return table[key]
    raise UnknownProviderStatus(f"Unknown delivery report status {word!r}.")


# SMPP 3.4 command_status of a submit_sm_resp (§5.1.3), by what the driver does about it.
SMPP_THROTTLE_STATUSES = frozenset({0x14, 0x58})  # ESME_RMSGQFUL, ESME_RTHROTTLED: slow down, then again
SMPP_RETRYABLE_STATUSES = frozenset(
    {
        0x08,  # ESME_RSYSERR
        0x45,  # ESME_RSUBMITFAIL
        0x64,  # ESME_RX_T_APPN: temporary application error
        0xFF,  # ESME_RUNKNOWNERR
    }
)
# Every other non-zero status is permanent (bad address, bad length, bad validity, ESME_RX_P_APPN, ...).


def get_submit_status_class(command_status: int) -> str:
    """'ok', 'throttle', 'retryable' or 'permanent' for a submit_sm_resp's command_status."""
    if command_status == 0:
        return "ok"
    if command_status in SMPP_THROTTLE_STATUSES:
        return "throttle"
    return "retryable" if command_status in SMPP_RETRYABLE_STATUSES else "permanent"
