"""What storing an inbound SMS needs to know, read in one statement (docs/inbound.md, "Cost of an inbound").

For the accounts the SMS may belong to (its short number's owners): the newest delivery to the sender, with its
message's time, the account's reply window and the message's groups; the sender as an employee or a contact of
each, with its thread; and, given an SMSC id, the same MO already stored. Threads not there yet are null.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, TextualSelect, text
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import UTCDateTime
from communicator.domain import ThreadKind

# Which accounts are candidates: a short number's owners, every account (the source named none), or one account
# (an admin assigning an unrouted SMS).
_OWNERS = {"short": "short_number = :short", "all": "1 = 1", "account": "id = :account"}

# One UNION of tagged rows. The first branch casts its nulls: PostgreSQL types a UNION pairwise from the left.
# The newest delivery is a MAX per owner, each one step down ix_deliveries_phone (account, phone, id): a phone
# that got 10,000 broadcasts must not have all its deliveries sorted on every SMS it sends.
_FACTS = f"""
WITH owners AS (SELECT id FROM accounts WHERE {{owners}}),
last AS (
    SELECT d.account_id, d.message_id FROM deliveries AS d
    WHERE d.id = (
        SELECT MAX(newest) FROM (
            SELECT (SELECT MAX(x.id) FROM deliveries AS x WHERE x.account_id = o.id AND x.phone = :sender) AS newest
            FROM owners AS o
        ) AS per_owner
    )
)
SELECT 'owner' AS kind, o.id AS account_id, CAST(NULL AS BIGINT) AS ref_id, CAST(NULL AS INTEGER) AS thread_id,
       CAST(NULL AS VARCHAR(200)) AS name, CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS at,
       CAST(NULL AS INTEGER) AS hours
FROM (SELECT id FROM owners LIMIT 2) AS o
UNION ALL
SELECT 'last', l.account_id, l.message_id, NULL, NULL, m.created_at, a.reply_window_hours
FROM last AS l JOIN messages AS m ON m.id = l.message_id JOIN accounts AS a ON a.id = l.account_id
UNION ALL
SELECT 'group', l.account_id, mt.group_id, t.id, NULL, NULL, NULL
FROM last AS l JOIN message_targets AS mt ON mt.message_id = l.message_id
LEFT JOIN threads AS t ON t.account_id = l.account_id AND t.kind = '{ThreadKind.GROUP}' AND t.ref_id = mt.group_id
UNION ALL
SELECT 'employee', e.account_id, e.id, t.id, e.name, NULL, NULL
FROM employees AS e
LEFT JOIN threads AS t ON t.account_id = e.account_id AND t.kind = '{ThreadKind.EMPLOYEE}' AND t.ref_id = e.id
WHERE e.phone = :sender AND e.account_id IN (SELECT id FROM owners)
UNION ALL
SELECT 'contact', c.account_id, c.id, t.id, c.name, NULL, NULL
FROM contacts AS c
LEFT JOIN threads AS t ON t.account_id = c.account_id AND t.kind = '{ThreadKind.CONTACT}' AND t.ref_id = c.id
WHERE c.phone = :sender AND c.account_id IN (SELECT id FROM owners)
UNION ALL
SELECT 'unrouted', NULL, u.id, u.message_id, NULL, NULL, NULL
FROM unrouted_messages AS u WHERE u.smsc_id = :smsc AND u.sender = :sender AND u.text_hash = :hash
UNION ALL
SELECT 'message', NULL, x.id, NULL, NULL, NULL, NULL
FROM (
    SELECT m.id FROM messages AS m
    WHERE m.account_id IN (SELECT id FROM owners) AND m.smsc_id = :smsc AND m.sender_phone = :sender
      AND m.text_hash = :hash
    LIMIT 1
) AS x
"""


def _statement(owners: str) -> TextualSelect:
    """The facts query for one way of choosing the candidates, typed so that SQLite's times come back aware."""
    return text(_FACTS.format(owners=_OWNERS[owners])).columns(
        kind=String(), account_id=Integer(), ref_id=Integer(), thread_id=Integer(), name=String(), at=UTCDateTime()
    )


_STATEMENTS = {owners: _statement(owners) for owners in _OWNERS}


@dataclass(frozen=True)
class LastSent:
    """The newest delivery to the sender from a candidate: its account, message, when, and the reply window."""

    account_id: int
    message_id: int
    sent_at: datetime
    window_hours: int


@dataclass(frozen=True)
class Known:
    """The sender as one account knows it: employee or contact id, name, and its thread (None: not yet)."""

    ref_id: int
    name: str | None
    thread_id: int | None


@dataclass
class InboundFacts:
    """Everything receive_sms decides on; see the module docstring."""

    owners: list[int] = field(default_factory=list)
    last: LastSent | None = None
    group_threads: dict[int, int | None] = field(default_factory=dict)
    employees: dict[int, Known] = field(default_factory=dict)
    contacts: dict[int, Known] = field(default_factory=dict)
    unrouted: tuple[int, int | None] | None = None  # a duplicate in the unrouted inbox: its id, and its message's
    message_id: int | None = None  # a duplicate among the candidates' messages


async def get_inbound_facts(
    session: AsyncSession,
    sender: str,
    short_number: str | None = None,
    account_id: int | None = None,
    smsc_id: str | None = None,
    text_hash: str = "",
) -> InboundFacts:
    """The facts for an SMS from `sender` to the short number (None: any account), or to one account if given."""
    owners = "account" if account_id is not None else "all" if short_number is None else "short"
    params = {"sender": sender, "short": short_number, "account": account_id, "smsc": smsc_id, "hash": text_hash}
    facts = InboundFacts()
    for row in await session.execute(_STATEMENTS[owners], params):
        _add_row(facts, row)
    return facts


def _add_row(facts: InboundFacts, row: Any) -> None:
    """File one tagged row of the facts query."""
    kind = row.kind
    if kind == "owner":
        facts.owners.append(row.account_id)
    elif kind == "last":
        facts.last = LastSent(row.account_id, row.ref_id, row.at, row.hours or 0)
    elif kind == "group":
        facts.group_threads[row.ref_id] = row.thread_id
    elif kind in ("employee", "contact"):
        known = facts.employees if kind == "employee" else facts.contacts
        known[row.account_id] = Known(row.ref_id, row.name, row.thread_id)
    elif kind == "unrouted":
        facts.unrouted = (row.ref_id, row.thread_id)
    else:
        facts.message_id = row.ref_id
