"""Every M2M operation on each of its bindings (98 pairs), through zeep loaded from the published WSDL.

zeep's HTTP POST binding form-encodes an array as the text of a Python list (it calls urlencode without
doseq), so the array operations over HTTP POST send their form with httpx and parse the answer with the
same zeep binding. zeep also cannot take the (empty) reply of a void operation over HTTP GET/POST, which
has no output part; those are sent with httpx and must answer 200 with an empty body.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import zeep
from zeep.exceptions import Fault

from communicator.m2m.schema import OPERATIONS
from tests.m2m_support import BINDINGS, M2M, MD5, SERVICE, get_shared_m2m

pytestmark = pytest.mark.heavy  # started first under xdist (docs/testing.md)

AUTH = {"login": "admin", "password": MD5}
CALLED: set[tuple[str, str]] = set()
ARRAY_PARAMS = {"msids", "messageIDs", "subscriberMsids", "mailingListIDs"}


@pytest.fixture(scope="module")
def m2m(tmp_path_factory: pytest.TempPathFactory) -> M2M:
    """The live server the M2M test modules share."""
    return get_shared_m2m(Path(tmp_path_factory.getbasetemp()))


class Caller:
    """Calls operations on one binding, recording which pairs were exercised."""

    def __init__(self, m2m: M2M, binding: str) -> None:
        self.m2m, self.binding = m2m, binding
        self.service = m2m.service(binding)

    def __call__(self, op: str, **kwargs: Any) -> Any:
        """Call `op` with these arguments (arrays as Python lists) plus the admin's credentials."""
        CALLED.add((op, self.binding))
        args = {**kwargs, **AUTH}
        void = OPERATIONS[op].result is None
        if self.binding == "HttpPost" and (ARRAY_PARAMS & args.keys() or void):
            return self._post_form(op, args)
        if self.binding == "HttpGet" and void:
            return self._get_void(op, args)
        if self.binding.startswith("Soap"):
            for name in ARRAY_PARAMS & args.keys():
                args[name] = {"long" if name in ("messageIDs", "mailingListIDs") else "string": args[name]}
        return getattr(self.service, op)(**args)

    def _get_void(self, op: str, args: dict[str, Any]) -> None:
        """A void operation over HTTP GET: 200 with an empty body (zeep cannot take a reply it has no part for)."""
        response = httpx.get(f"{self.m2m.address}/{op}", params=args, timeout=10)
        if response.status_code != 200:
            raise Fault(response.text)
        assert response.content == b""

    def _post_form(self, op: str, args: dict[str, Any]) -> Any:
        """An HTTP POST form with repeated names for arrays, answered through zeep's HttpPost binding."""
        fields = [(k, str(x)) for k, v in args.items() for x in (v if isinstance(v, list) else [v])]
        form = {"content-type": "application/x-www-form-urlencoded"}
        response = httpx.post(f"{self.m2m.address}/{op}", content=urlencode(fields), headers=form, timeout=10)
        if response.status_code != 200:
            raise Fault(response.text)
        binding = self.m2m.client.wsdl.bindings[f"{SERVICE}HttpPost"]
        return binding.get(op).process_reply(response.content) if response.content else None


def items(result: Any, name: str) -> list[Any]:
    """An array result as a list (SOAP gives the list, HTTP the wrapping element)."""
    if result is None:
        return []
    return list(result) if isinstance(result, list) else list(result[name] or [])


def wait_delivered(call: Caller, message_id: int) -> list[Any]:
    """GetMessageStatus until every recipient is Delivered (the simulator answers in ~20 ms)."""
    deadline = time.monotonic() + 10
    while True:
        infos = items(call("GetMessageStatus", messageID=message_id), "DeliveryInfo")
        if infos and all(i["DeliveryStatus"] == "Delivered" for i in infos) or time.monotonic() > deadline:
            return infos
        time.sleep(0.05)


@pytest.mark.parametrize("binding", BINDINGS)
def test_sends_and_statuses(m2m: M2M, binding: str) -> None:
    """SendMessage, SendMessages, ToMultipleSubscribers; statuses; message list; statistics."""
    call = Caller(m2m, binding)
    one = call("SendMessage", msid="79161000001", message=f"Один {binding}", naming="")
    assert isinstance(one, int) and one > 0
    infos = wait_delivered(call, one)
    assert [(i["Msid"], i["DeliveryStatus"], i["PartCount"]) for i in infos] == [("79161000001", "Delivered", 1)]
    assert infos[0]["UserDeliveryDate"] is not None
    for op in ("SendMessages", "SendMessageToMultipleSubscribers"):
        ids = items(
            call(op, msids=["79161000002", "+79031234567", "89161000002"], message="Всем", naming=""), "SendMessageIDs"
        )
        assert [i["Msid"] for i in ids] == ["79161000002", "79031234567"]
        assert ids[0]["MessageID"] == ids[1]["MessageID"] > one
        statuses = items(call("GetMessageStatus", messageID=ids[0]["MessageID"]), "DeliveryInfo")
        assert sorted(s["Msid"] for s in statuses) == ["79031234567", "79161000002"]
    both = items(call("GetMessagesStatus", messageIDs=[one, ids[0]["MessageID"]]), "MessageStatusWithID")
    assert [b["MessageID"] for b in both] == [one, ids[0]["MessageID"]]
    assert len(items(both[1]["Delivery"], "DeliveryInfo")) == 2
    now = datetime.now(UTC)
    listed = items(
        call(
            "GetMessages",
            messageType="MT",
            subscriberMsids=["79161000001"],
            DateFrom=now - timedelta(hours=1),
            DateTo=now + timedelta(hours=1),
        ),
        "MessageInfo",
    )
    mine = [m for m in listed if m["MessageID"] == one]
    assert mine and mine[0]["MessageType"] == "MT" and mine[0]["MessageText"] == f"Один {binding}"
    assert abs(mine[0]["CreationDate"] - (now + timedelta(hours=3)).replace(tzinfo=None)) < timedelta(minutes=2)
    assert [m["MessageID"] for m in listed] == sorted((m["MessageID"] for m in listed), reverse=True)
    stats = call("GetStatistics")
    local = now + timedelta(hours=3)
    assert (stats["Year"], stats["Month"]) == (local.year, local.month)
    assert stats["TotalBilledSms"] >= 1 and stats["PacketSize"] == 0
    assert call("GetBalance") == "0.00"
    assert call("GetCompanyMode") == "Company"


@pytest.mark.parametrize("binding", BINDINGS)
def test_scheduled_sends(m2m: M2M, binding: str) -> None:
    """The dated variants store the message for later (Pending to M2M until due); validity periods are kept."""
    call = Caller(m2m, binding)
    when = (datetime.now(UTC) + timedelta(days=1, hours=3)).replace(tzinfo=None, microsecond=0)  # Moscow, naive
    cases = {
        "SendMessageAtDate": {"msid": "79161000003", "scheduledSendDate": when},
        "SendMessageWithValidityPeriod": {"msid": "79161000003", "validityPeriod": "60"},
        "SendMessagesAtDate": {"msids": ["79161000003"], "scheduledSendDate": when},
        "SendMessagesWithValidityPeriod": {"msids": ["79161000003"], "validityPeriod": "60"},
        "SendMessagesAtDateWithValidityPeriod": {
            "msids": ["79161000003"],
            "scheduledSendDate": when,
            "validityPeriod": "60",
        },
        "SendMessageToMultipleSubscribersAtDate": {"msids": ["79161000003"], "scheduledSendDate": when},
    }
    for op, args in cases.items():
        result = call(op, message=f"Потом {op}", naming="", **args)
        message_id = result if isinstance(result, int) else items(result, "SendMessageIDs")[0]["MessageID"]
        message = m2m.rest(f"/messages/{message_id}")
        if "scheduledSendDate" in args:
            assert message["send_at"] is not None, op
            statuses = items(call("GetMessageStatus", messageID=message_id), "DeliveryInfo")
            assert [s["DeliveryStatus"] for s in statuses] == ["Pending"], op  # Scheduled, as M2M names it
        if "validityPeriod" in args:
            assert message["valid_until"] is not None, op
    with pytest.raises(Fault, match="validityPeriod"):
        call("SendMessageWithValidityPeriod", msid="79161000003", message="x", naming="", validityPeriod="0")
    with pytest.raises(Fault, match="in the past"):
        call(
            "SendMessageAtDate", msid="79161000003", message="x", naming="", scheduledSendDate=when - timedelta(days=3)
        )


def test_send_various_messages_soap(m2m: M2M) -> None:
    """SendVariousMessages (SOAP only): a text per msid; the same text shares one message."""
    for binding in ("Soap", "Soap12"):
        call = Caller(m2m, binding)
        submits = {
            "Submit": [
                {"Msid": "79161000004", "Message": "Первый"},
                {"Msid": "79161000005", "Message": "Второй"},
                {"Msid": "79161000006", "Message": "Первый"},
            ]
        }
        ids = call("SendVariousMessages", msidsAndMessages=submits, naming="", scheduledSendDate="", validityPeriod="")
        by_msid = {i["Msid"]: i["MessageID"] for i in ids}
        assert by_msid["79161000004"] == by_msid["79161000006"] != by_msid["79161000005"]
        texts = items(call("GetMessagesStatus", messageIDs=sorted(set(by_msid.values()))), "MessageStatusWithID")
        assert len(texts) == 2
        later = (datetime.now(UTC) + timedelta(days=2, hours=3)).replace(tzinfo=None).isoformat(timespec="seconds")
        one = {"Submit": [{"Msid": "79161000004", "Message": "Позже"}]}
        dated = call(
            "SendVariousMessages", msidsAndMessages=one, naming="", scheduledSendDate=later, validityPeriod="30"
        )
        message = m2m.rest(f"/messages/{dated[0]['MessageID']}")
        assert message["send_at"] is not None and message["valid_until"] is not None


def _create_list(call: Caller, name: str) -> int:
    """A mailing list of two contacts (one new to the directory) with attributes."""
    contacts = {
        "MailingListContact": [
            {
                "Msid": "79161000007",
                "Name": "Васильев",
                "Attributes": {"MailingListAttribute": [{"Name": "code", "Value": "A1"}]},
            },
            {
                "Msid": "79035550001",
                "Name": "Гость",
                "Attributes": {"MailingListAttribute": [{"Name": "code", "Value": "B2"}]},
            },
        ]
    }
    list_id = call("CreateMailingList", name=name, contacts=contacts)
    assert isinstance(list_id, int) and list_id > 0
    return list_id


@pytest.mark.parametrize("binding", BINDINGS)
def test_mailing_lists_and_mailing(m2m: M2M, binding: str) -> None:
    """CreateMailingList / Set… (SOAP), GetMailingLists, GetMailingListContacts, CreateMailing, DeleteMailingLists."""
    soap = Caller(m2m, "Soap12" if binding == "Soap12" else "Soap")
    call = Caller(m2m, binding)
    list_id = _create_list(soap, f"Рассылка {binding}")
    lists = items(call("GetMailingLists"), "ResultMailingList")
    assert {"ID": list_id, "Name": f"Рассылка {binding}"} in [{"ID": x["ID"], "Name": x["Name"]} for x in lists]
    contacts = items(call("GetMailingListContacts", mailingListId=list_id), "MailingListContact")
    got = {c["Msid"]: items(c["Attributes"], "MailingListAttribute")[0]["Value"] for c in contacts}
    assert got == {"79161000007": "A1", "79035550001": "B2"}
    if binding.startswith("Soap"):
        new = {
            "MailingListContact": [
                {
                    "Msid": "79035550001",
                    "Name": "Гость",
                    "Attributes": {"MailingListAttribute": [{"Name": "code", "Value": "C3"}]},
                }
            ]
        }
        assert call("SetMailingListContacts", mailingListId=list_id, contacts=new) is None
        contacts = items(call("GetMailingListContacts", mailingListId=list_id), "MailingListContact")
        assert [c["Msid"] for c in contacts] == ["79035550001"]
    started = datetime.now(UTC)
    assert (
        call("CreateMailing", name="Коды", mailingListID=list_id, text="{{ Name }}, код {{ code }}", date="", naming="")
        is None
    )
    sent = items(
        call(
            "GetMessages",
            messageType="MT",
            subscriberMsids=["79035550001"],
            DateFrom=started - timedelta(seconds=5),
            DateTo=datetime.now(UTC) + timedelta(seconds=5),
        ),
        "MessageInfo",
    )
    expected = "Гость, код C3" if binding.startswith("Soap") else "Гость, код B2"
    assert [m["MessageText"] for m in sent][:1] == [expected]
    assert call("DeleteMailingLists", mailingListIDs=[list_id]) is None
    assert list_id not in [x["ID"] for x in items(call("GetMailingLists"), "ResultMailingList")]


@pytest.mark.parametrize("binding", BINDINGS)
def test_users_and_groups(m2m: M2M, binding: str) -> None:
    """AddUser, GetUsers, DeleteUser, GetGroups."""
    call = Caller(m2m, binding)
    groups = items(call("GetGroups"), "SubscriberGroupInfo")
    by_name = {g["Name"]: g for g in groups}
    assert by_name["Монтажники"]["Color"] == 0x2E7D32
    msid = {"Soap": "79035551001", "Soap12": "79035551002", "HttpGet": "79035551003", "HttpPost": "79035551004"}[
        binding
    ]
    user_id = call(
        "AddUser",
        userName=f"Новый {binding}",
        userMSID=msid,
        userEmail="new@example.com",
        webAccessEnabled=False,
        accessLevel="BaseUser",
        userGroupId=by_name["Монтажники"]["ID"],
    )
    assert isinstance(user_id, int) and user_id > 0
    users = {u["Msid"]: u for u in items(call("GetUsers"), "UserInfo")}
    assert users[msid]["Name"] == f"Новый {binding}" and users[msid]["GroupID"] == by_name["Монтажники"]["ID"]
    assert users[msid]["WebAccessEnabled"] is False and users[msid]["AccessLevel"] == "BaseUser"
    assert call("DeleteUser", msid=msid) is None
    assert msid not in {u["Msid"] for u in items(call("GetUsers"), "UserInfo")}


def test_all_98_pairs_were_called() -> None:
    """The tests above exercised every operation on each of its bindings."""
    expected = {(op.name, b) for op in OPERATIONS.values() for b in BINDINGS if b.startswith("Soap") or op.over_http}
    assert len(expected) == 98
    assert expected - CALLED == set()


def test_our_wsdl_shows_four_bindings(m2m: M2M) -> None:
    """?wsdl (any case) is our own WSDL at this server's address, and zeep sees all four bindings in it."""
    for query in ("wsdl", "WSDL", "Wsdl"):
        response = httpx.get(f"{m2m.address}?{query}", timeout=10)
        assert response.status_code == 200 and f'location="{m2m.address}"' in response.text
    ours = zeep.Client(f"{m2m.address}?wsdl")
    ports = {
        p.name: (type(p.binding).__name__, len(p.binding._operations))
        for s in ours.wsdl.services.values()
        for p in s.ports.values()
    }
    assert sorted(ports.values()) == [
        ("HttpGetBinding", 23),
        ("HttpPostBinding", 23),
        ("Soap11Binding", 26),
        ("Soap12Binding", 26),
    ]
    service = ours.create_service(f"{SERVICE}Soap", m2m.address)
    assert service.GetCompanyMode(**AUTH) == "Company"
