"""tests/test_hostile_input.py's check that nothing changed, and the routes it attacks.

Keep the route tables in step with api/: a route that takes a body, an id or a text belongs here
(test_every_json_route_is_listed fails when a JSON route is missing from JSON_ROUTES).
"""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing

import asyncpg
import pytest

from communicator.db.models import Base
from tests.conftest import LiveServer

INT_TOO_BIG = 2**31  # past the INTEGER columns on PostgreSQL
BIGINT_TOO_BIG = 2**63  # past every column (and SQLite's integers)
BODY_LIMIT = 16_000_000  # so a 10 MB field reaches validation instead of the body-size 413
DLR_SECRET = "a-provider's-secret"  # signs the delivery reports posted here


# Tables that change by themselves: the gateway's heartbeat, a session's last-seen time.
VOLATILE_TABLES = {"gateway_links", "web_sessions"}
TABLES = [table.name for table in Base.metadata.sorted_tables if table.name not in VOLATILE_TABLES]


async def snapshot(live: LiveServer) -> dict[str, str]:
    """A digest of every row of every table: whatever a refused request could have changed (about 5 ms)."""
    url = live.settings.database_url
    if url.startswith("sqlite"):
        return _sqlite_digests(url.removeprefix("sqlite+aiosqlite:///"))
    digests = " UNION ALL ".join(
        f"SELECT '{t}', md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM {t} r" for t in TABLES
    )
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return dict(await connection.fetch(digests))
    finally:
        await connection.close()


def _sqlite_digests(path: str) -> dict[str, str]:
    """Each table's rows hashed, read through a read-only connection of its own."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        rows = {table: db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() for table in TABLES}
    return {table: hashlib.sha256(repr(found).encode()).hexdigest() for table, found in rows.items()}


# (method, path) of every route with a JSON body (ids of 1: the demo's first group, employee, user, account).
JSON_ROUTES = [
    pytest.param("POST", "/groups", id="create-group"),
    pytest.param("PATCH", "/groups/1", id="update-group"),
    pytest.param("POST", "/employees", id="create-employee"),
    pytest.param("PATCH", "/employees/1", id="update-employee"),
    pytest.param("POST", "/messages", id="send"),
    pytest.param("POST", "/auth/login", id="login"),
    pytest.param("POST", "/platform/inbox/1/assign", id="assign-unrouted"),
    pytest.param("POST", "/contacts", id="create-contact"),
    pytest.param("PATCH", "/contacts/1", id="update-contact"),
    pytest.param("POST", "/contacts/1/employee", id="promote-contact"),
    pytest.param("POST", "/contacts/1/resubscribe", id="resubscribe-contact"),
    pytest.param("PUT", "/account/settings", id="account-settings"),
    pytest.param("POST", "/messages/1/follow-up", id="follow-up"),
    pytest.param("PUT", "/mail", id="mail-settings"),
    pytest.param("PUT", "/webhooks", id="webhook-settings"),
    pytest.param("PUT", "/admin/http-provider", id="http-provider"),
    pytest.param("PUT", "/users/1/api_password", id="api-password"),
    pytest.param("POST", "/users", id="create-user"),
    pytest.param("PATCH", "/users/1", id="update-user"),
    pytest.param("PUT", "/users/1/permissions", id="set-permissions"),
    pytest.param("POST", "/permissions/preview", id="preview-permissions"),
    pytest.param("POST", "/tokens", id="create-token"),
    pytest.param("POST", "/platform/accounts", id="create-account"),
    pytest.param("PATCH", "/platform/accounts/1", id="update-account"),
    pytest.param("POST", "/gateway/binds", id="create-bind"),
    pytest.param("PUT", "/gateway/binds/1", id="update-bind"),
    pytest.param("POST", "/templates", id="create-template"),
    pytest.param("PATCH", "/templates/1", id="update-template"),
    pytest.param("POST", "/templates/render", id="preview-template"),
    pytest.param("POST", "/templates/1/render", id="render-template"),
    pytest.param("POST", "/exports", id="start-export"),
    pytest.param("POST", "/threads/1/read", id="mark-read"),
    pytest.param("POST", "/simulator/inbound", id="simulate-inbound"),
]

# (method, path, body): every route that takes an id in its path, query or body. "{big}" is the id.
BIND = {"account_id": 1, "host": "smsc.example", "system_id": "esme", "password": "pw"}  # a valid SMPP bind
INT_ID_ROUTES = [
    ("GET", "/threads/{big}", None),
    ("GET", "/threads/{big}/messages", None),
    ("POST", "/threads/{big}/read", {"last_message_id": 1}),
    ("PATCH", "/employees/{big}", {"name": "x"}),
    ("POST", "/employees", {"name": "x", "phone": "+79265550199", "group_ids": ["{big}"]}),
    ("PATCH", "/employees/1", {"group_ids": ["{big}"]}),
    ("PATCH", "/groups/{big}", {"name": "x"}),
    ("DELETE", "/groups/{big}", None),
    ("POST", "/groups", {"name": "x", "parent_id": "{big}"}),
    ("POST", "/groups", {"name": "x", "member_ids": ["{big}"]}),
    ("PATCH", "/groups/1", {"member_ids": ["{big}"]}),
    ("PATCH", "/users/{big}", {"name": "x"}),
    ("GET", "/users/{big}/permissions", None),
    ("PUT", "/users/{big}/permissions", {"all": True}),
    ("PUT", "/users/1/permissions", {"employees": ["{big}"]}),
    ("PUT", "/users/1/permissions", {"groups": ["{big}"]}),
    ("POST", "/permissions/preview", {"groups": ["{big}"]}),
    ("POST", "/users", {"login": "x-big", "password": "long-enough", "role": "Operator", "employee_id": "{big}"}),
    ("DELETE", "/tokens/{big}", None),
    ("POST", "/messages", {"text": "x", "recipients": {"employees": ["{big}"]}}),
    ("POST", "/messages", {"text": "x", "recipients": {"groups": ["{big}"]}}),
    ("POST", "/platform/inbox/1/assign", {"account_id": "{big}"}),
    ("PATCH", "/contacts/{big}", {"name": "x"}),
    ("POST", "/contacts/{big}/employee", {"name": "x"}),
    ("POST", "/contacts/{big}/resubscribe", {}),
    ("PUT", "/users/{big}/api_password", {"password": "long-enough-pw"}),
    ("PATCH", "/platform/accounts/{big}", {"timezone": "UTC"}),
    ("PUT", "/gateway/binds/{big}", BIND),
    ("DELETE", "/gateway/binds/{big}", None),
    ("POST", "/gateway/binds", {**BIND, "account_id": "{big}"}),
    ("GET", "/templates/{big}", None),
    ("PATCH", "/templates/{big}", {"name": "x"}),
    ("DELETE", "/templates/{big}", None),
    ("POST", "/templates/{big}/render", {}),
    ("GET", "/exports/{big}", None),
    ("GET", "/exports/{big}/file", None),
    ("POST", "/exports", {"employee_id": "{big}"}),
    ("POST", "/exports", {"group_id": "{big}"}),
    ("GET", "/search?employee_id={big}", None),
    ("GET", "/search?group_id={big}", None),
]
BIGINT_ID_ROUTES = [
    ("GET", "/messages/{big}", None),
    ("GET", "/messages/{big}/proof.xlsx", None),
    ("GET", "/threads/1/messages?before_id={big}", None),
    ("POST", "/threads/1/read", {"last_message_id": "{big}"}),
    ("GET", "/audit?before_id={big}", None),
    ("GET", "/messages/1?after_id={big}", None),
    ("GET", "/platform/inbox?before_id={big}", None),
    ("POST", "/platform/inbox/{big}/assign", {"account_id": 1}),
    ("POST", "/messages/{big}/cancel", None),
    ("POST", "/messages/{big}/follow-up", {"text": "x", "confirmed": True}),
    ("GET", "/webhooks/calls?before_id={big}", None),
]

# GET paths with an undecodable, out-of-range or overlong value in the path or the query.
HOSTILE_URLS = [
    "/threads/1/messages?before_id=%FF",
    "/simulator/phones/%FF%FE/messages",
    "/templates/%FF",
    "/threads?cursor=%FF%FE",
    "/threads?cursor=" + "x" * 10_000,
    f"/threads?limit={2**63}",
    "/search?cursor=%FF%FE",
    "/search?cursor=not-a-cursor",
    "/search?since=%FF",
    "/search?q=" + "x" * 10_000,
    f"/search?limit={2**63}",
    f"/messages/1?limit={2**63}",
    "/messages/1?q=" + "x" * 10_000,
    "/messages/1?filter=%FF",
    "/gateway/operators?day=2026-13-45",
    "/gateway/operators?day=%FF",
    "/directory/export?format=%FF",
    "/audit?before_id=-1",
    # Free text that is not UTF-8: refused before any route (api/security.py), not read as U+FFFD.
    "/search?q=%FF%FE",
    "/messages/1?q=%D0",
    "/directory/employees?q=%C3%28",
]

# (method, path, body, field): a text field with a length limit, sent 900 KB and 10 MB long.
LONG_FIELDS = [
    ("POST", "/employees", {"phone": "+79265550198"}, "name"),
    ("POST", "/employees", {"name": "x", "phone": "+79265550198"}, "email"),
    ("POST", "/employees", {"name": "x", "phone": "+79265550198"}, "position"),
    ("POST", "/employees", {"name": "x", "phone": "+79265550198", "web_access": True, "password": "p" * 8}, "login"),
    ("POST", "/employees", {"name": "x", "phone": "+79265550198", "web_access": True, "login": "long"}, "password"),
    ("POST", "/employees", {"name": "x"}, "phone"),
    ("PATCH", "/employees/1", {}, "name"),
    ("PATCH", "/employees/1", {}, "position"),
    ("PATCH", "/employees/1", {}, "email"),
    ("POST", "/groups", {}, "name"),
    ("PATCH", "/groups/1", {}, "name"),
    ("POST", "/users", {"login": "long-name", "password": "p" * 8, "role": "Operator"}, "name"),
    ("POST", "/users", {"password": "p" * 8, "role": "Operator"}, "login"),
    ("PATCH", "/users/2", {}, "name"),
    ("PATCH", "/users/2", {}, "password"),
    ("POST", "/tokens", {"scopes": ["messages:read"]}, "name"),
    ("POST", "/platform/accounts", {"short_number": "4938", "admin_login": "a", "admin_password": "p" * 8}, "name"),
    ("POST", "/platform/accounts", {"name": "x", "short_number": "4938", "admin_password": "p" * 8}, "admin_login"),
    ("POST", "/platform/accounts", {"name": "x", "short_number": "4938", "admin_login": "a"}, "admin_name"),
    ("PATCH", "/platform/accounts/1", {}, "timezone"),
    ("POST", "/simulator/inbound", {"text": "x"}, "from"),
    ("POST", "/simulator/inbound", {"from": "+79161000001"}, "text"),
    ("POST", "/simulator/inbound", {"from": "+79161000001", "text": "x"}, "to"),
    ("POST", "/auth/login", {"password": "x"}, "login"),
    ("POST", "/contacts", {"phone": "+79265550197"}, "name"),
    ("POST", "/contacts", {"phone": "+79265550197", "name": "x"}, "note"),
    ("PATCH", "/contacts/1", {}, "name"),
    ("PATCH", "/contacts/1", {}, "note"),
    ("POST", "/contacts/1/employee", {}, "name"),
    ("POST", "/contacts/1/employee", {"name": "x"}, "position"),
    ("PUT", "/users/1/api_password", {}, "password"),
    ("PUT", "/webhooks", {}, "inbound_url"),
    ("PUT", "/admin/http-provider", {"url_template": "https://sms.example/send"}, "name"),
    ("POST", "/gateway/binds", {**BIND, "password": None}, "host"),
    ("POST", "/gateway/binds", BIND, "password"),
    ("PUT", "/gateway/binds/1", BIND, "system_id"),
    ("POST", "/messages", {"text": "x", "recipients": {"numbers": ["+79265550197"]}}, "sender_name"),
    ("POST", "/messages/1/follow-up", {"text": "x"}, "client_id"),
    ("POST", "/templates", {"body": "x"}, "name"),
    ("POST", "/templates", {"name": "x"}, "body"),
    ("PATCH", "/templates/1", {}, "name"),
    ("PATCH", "/templates/1", {}, "body"),
    ("POST", "/templates/render", {}, "body"),
    ("POST", "/exports", {}, "q"),
    ("POST", "/exports", {}, "tag"),
]

# (method, path, body): values a length limit does not catch first (a list item, a URL, a map key, a text the
# service measures, a date), 10 MB each where "{huge}" stands.
HUGE_VALUES = [
    ("PUT", "/mail", {"allowed_senders": ["{huge}@example.com"]}),
    ("PUT", "/webhooks", {"delivery_url": "https://{huge}.example/hook"}),
    ("PUT", "/admin/http-provider", {"name": "x", "url_template": "https://{huge}.example/"}),
    ("POST", "/messages/1/follow-up", {"text": "{huge}", "confirmed": True}),
    ("POST", "/messages", {"text": "{huge}", "recipients": {"numbers": ["+79265550197"]}}),
    ("POST", "/messages", {"text": "x", "recipients": {"tags": ["{huge}"]}}),
    ("POST", "/gateway/binds", {**BIND, "source_addr": "{huge}"}),
    ("POST", "/contacts/1/resubscribe", {"tags": ["{huge}"]}),
    ("PATCH", "/contacts/1", {"tags": ["{huge}"]}),
    ("PUT", "/users/1/permissions", {"tags": ["{huge}"]}),
    ("POST", "/templates/render", {"body": "{{ v }}", "variables": {"v": "{huge}"}}),
    ("POST", "/templates/1/render", {"variables": {"{huge}": "x"}}),
    ("POST", "/exports", {"since": "{huge}"}),
]


def fill(value: object, big: int = 0, huge: str = "") -> object:
    """The body with "{big}" as the id (a JSON number) and "{huge}" inside strings (keys too) as the huge text."""
    if value == "{big}" and big:
        return big
    if isinstance(value, str):
        return value.replace("{huge}", huge)
    if isinstance(value, dict):
        return {fill(k, big, huge): fill(v, big, huge) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, big, huge) for v in value]
    return value


ID_CASES = [
    pytest.param(method, path, body, big, id=f"{method} {path.split('?')[0]} {sorted(body or {})} {big}")
    for routes, bigs in ((INT_ID_ROUTES, (INT_TOO_BIG, BIGINT_TOO_BIG)), (BIGINT_ID_ROUTES, (BIGINT_TOO_BIG,)))
    for method, path, body in routes
    for big in bigs
]

# Bodies that cannot be decoded: the decoder's reason named in the answer.
UNDECODABLE = [
    pytest.param(b'{"name": "\xff\xfe"}', "UTF-8", id="invalid-utf8"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, "nested too deeply", id="arrays-100000-deep"),
    pytest.param(b'{"name":' * 100_000 + b"1" + b"}" * 100_000, "nested too deeply", id="objects-100000-deep"),
]

# M2M operations (HTTP POST form fields) and the field sent 10 MB long, if any.
M2M_REQUESTS = [
    pytest.param("GetMessageStatus", {"messageID": BIGINT_TOO_BIG}, None, id="message-id-2^63"),
    pytest.param("GetMessagesStatus", {"messageIDs": BIGINT_TOO_BIG - 1}, None, id="message-ids-2^63-1"),
    pytest.param("GetMailingListContacts", {"mailingListId": INT_TOO_BIG}, None, id="list-id-2^31"),
    pytest.param("DeleteMailingLists", {"mailingListIDs": BIGINT_TOO_BIG - 1}, None, id="list-ids-2^63-1"),
    pytest.param("CreateMailing", {"name": "x", "mailingListID": INT_TOO_BIG, "text": "x"}, None, id="mailing-2^31"),
    pytest.param(
        "AddUser",
        {"userName": "x", "userMSID": "79265550196", "webAccessEnabled": "false", "userGroupId": INT_TOO_BIG},
        None,
        id="user-group-2^31",
    ),
    pytest.param("SendMessage", {"msid": "79265550196", "naming": ""}, "message", id="message-10MB"),
    pytest.param("SendMessage", {"message": "x", "naming": ""}, "msid", id="msid-10MB"),
    pytest.param("SendMessage", {"msid": "79265550196", "message": "x"}, "naming", id="naming-10MB"),
]
UNPARSABLE_SOAP = [
    pytest.param(
        b'<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">\xff\xfe',
        id="invalid-utf8",
    ),
    pytest.param(b"<a>" * 100_000 + b"</a>" * 100_000, id="100000-deep"),
]
