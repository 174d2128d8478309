"""The M2M interface as data: types and the 26 operations' parameters and results (../shared/m2m/API.md).

The WSDL, request decoding and response encoding are all generated from these tables, so they cannot
disagree. A type is "s:<xsd type>" or "tns:<name>"; `Field` order is the XML sequence order.
"""

from __future__ import annotations

import msgspec

NS = "http://mcommunicator.ru/M2M"


class Field(msgspec.Struct, frozen=True):
    """One element of a sequence."""

    name: str
    type: str
    nillable: bool = False


def _fields(*specs: str) -> tuple[Field, ...]:
    """Fields from "name:type" specs ("?" after the type: nillable)."""
    out = []
    for spec in specs:
        name, _, kind = spec.partition(":")
        out.append(Field(name, kind.rstrip("?"), kind.endswith("?")))
    return tuple(out)


ENUMS: dict[str, tuple[str, ...]] = {
    "DeliveryStatus": (
        "Pending", "Sending", "Sent", "NotSent", "Delivered", "NotDelivered", "TimedOut", "Error", "Cancelled",
    ),
    "RequestMessageType": ("All", "MO", "MT"),
    "MessageType": ("MO", "MT", "Mailing"),
    "AccessLevel": ("Administrator", "Operator", "BaseUser"),
}  # fmt: skip

# Complex types: their fields. "ArrayOfX" types are derived: ARRAYS maps them to (item element, item type).
COMPLEX: dict[str, tuple[Field, ...]] = {
    "SendMessageIDs": _fields("Msid:s:string", "MessageID:s:long"),
    "Submit": _fields("Msid:s:string", "Message:s:string"),
    "DeliveryInfo": _fields(
        "Msid:s:string", "DeliveryStatus:tns:DeliveryStatus", "DeliveryDate:s:dateTime",
        "UserDeliveryDate:s:dateTime?", "PartCount:s:int",
    ),
    "MessageStatusWithID": _fields("MessageID:s:long", "Delivery:tns:ArrayOfDeliveryInfo"),
    "MessageInfo": _fields(
        "MessageID:s:long", "CreationDate:s:dateTime", "SenderMsid:s:string", "SenderName:s:string",
        "DeliveryInfo:tns:ArrayOfDeliveryInfoExt", "MessageType:tns:MessageType", "MessageText:s:string",
    ),
    "DeliveryInfoExt": _fields(
        "TargetMsid:s:string", "DeliveryStatus:tns:DeliveryStatus", "DeliveryDate:s:dateTime",
        "TargetName:s:string", "UserDeliveryDate:s:dateTime?",
    ),
    "StatisticsInfo": tuple(
        Field(name, "s:unsignedByte" if name == "Month" else "s:int")
        for name in ["Year", "Month", "PacketSize", "IncludedSMS", "ExtraSMS", "Remainder", "ExternalPacketSize", "ExternalIncludedSms", "ExternalExtraSms", "ExternalReminder", "GeneralPacketSize", "GeneralIncludedSms", "GeneralExtraSms", "GeneralReminder", "MTSRemainder", "MegafonRemainder", "BeelineRemainder", "RostelecomRemainder", "Tele2Remainder", "MotivRemainder", "MtsTransactional", "MegafonTransactional", "BeelineTransactional", "Tele2Transactional", "MtsService", "MegafonService", "BeelineService", "Tele2Service", "TotalBilledSms"]
    ),
    "MailingListContact": _fields("Msid:s:string", "Name:s:string", "Attributes:tns:ArrayOfMailingListAttribute"),
    "MailingListAttribute": _fields("Name:s:string", "Value:s:string"),
    "ResultMailingList": _fields("ID:s:long", "Name:s:string"),
    "SubscriberGroupInfo": _fields("ID:s:long", "Name:s:string", "Color:s:int"),
    "UserInfo": _fields(
        "Name:s:string", "Msid:s:string", "Email:s:string", "GroupID:s:long", "WebAccessEnabled:s:boolean?",
        "AccessLevel:tns:AccessLevel?",
    ),
}  # fmt: skip

ARRAYS: dict[str, tuple[str, str]] = {
    "ArrayOfString": ("string", "s:string"),
    "ArrayOfLong": ("long", "s:long"),
    **{f"ArrayOf{name}": (name, f"tns:{name}") for name in COMPLEX if name not in ("StatisticsInfo",)},
}


class Operation(msgspec.Struct, frozen=True):
    """One operation: its request fields (login and password included) and its result type (None: void)."""

    name: str
    params: tuple[Field, ...]
    result: str | None

    @property
    def over_http(self) -> bool:
        """Whether HTTP GET/POST carry it: not when an input is an array of structures."""
        return not any(p.type in ("tns:ArrayOfSubmit", "tns:ArrayOfMailingListContact") for p in self.params)


_AUTH = ("login:s:string", "password:s:string")
_SEND = ("message:s:string", "naming:s:string")
_IDS = "tns:ArrayOfSendMessageIDs"


def _op(name: str, result: str | None, *params: str, auth_first: bool = False) -> Operation:
    """An operation with login and password at the end (or first, as AddUser has them)."""
    specs = (*_AUTH, *params) if auth_first else (*params, *_AUTH)
    return Operation(name, _fields(*specs), result)


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        _op("SendMessage", "s:long", "msid:s:string", *_SEND),
        _op("SendMessageAtDate", "s:long", "msid:s:string", *_SEND, "scheduledSendDate:s:dateTime"),
        _op("SendMessageWithValidityPeriod", "s:long", "msid:s:string", *_SEND, "validityPeriod:s:string"),
        _op("SendMessageToMultipleSubscribers", _IDS, "msids:tns:ArrayOfString", *_SEND),
        _op(
            "SendMessageToMultipleSubscribersAtDate", _IDS, "msids:tns:ArrayOfString", *_SEND,
            "scheduledSendDate:s:dateTime",
        ),
        _op("SendMessages", _IDS, "msids:tns:ArrayOfString", *_SEND),
        _op("SendMessagesAtDate", _IDS, "msids:tns:ArrayOfString", *_SEND, "scheduledSendDate:s:dateTime"),
        _op("SendMessagesWithValidityPeriod", _IDS, "msids:tns:ArrayOfString", *_SEND, "validityPeriod:s:string"),
        _op(
            "SendMessagesAtDateWithValidityPeriod", _IDS, "msids:tns:ArrayOfString", *_SEND,
            "scheduledSendDate:s:dateTime", "validityPeriod:s:string",
        ),
        _op(
            "SendVariousMessages", _IDS, "msidsAndMessages:tns:ArrayOfSubmit", "naming:s:string",
            "scheduledSendDate:s:string", "validityPeriod:s:string",
        ),
        _op("GetMessageStatus", "tns:ArrayOfDeliveryInfo", "messageID:s:long"),
        _op("GetMessagesStatus", "tns:ArrayOfMessageStatusWithID", "messageIDs:tns:ArrayOfLong"),
        _op(
            "GetMessages", "tns:ArrayOfMessageInfo", "messageType:tns:RequestMessageType",
            "subscriberMsids:tns:ArrayOfString", "DateFrom:s:dateTime", "DateTo:s:dateTime",
        ),
        _op("GetStatistics", "tns:StatisticsInfo"),
        _op("CreateMailingList", "s:long", "name:s:string", "contacts:tns:ArrayOfMailingListContact"),
        _op("GetMailingLists", "tns:ArrayOfResultMailingList"),
        _op("DeleteMailingLists", None, "mailingListIDs:tns:ArrayOfLong"),
        _op("GetMailingListContacts", "tns:ArrayOfMailingListContact", "mailingListId:s:long"),
        _op("SetMailingListContacts", None, "mailingListId:s:long", "contacts:tns:ArrayOfMailingListContact"),
        _op(
            "AddUser", "s:long", "userName:s:string", "userMSID:s:string", "userEmail:s:string",
            "webAccessEnabled:s:boolean", "accessLevel:tns:AccessLevel", "userGroupId:s:long", auth_first=True,
        ),
        _op("GetGroups", "tns:ArrayOfSubscriberGroupInfo"),
        _op("GetUsers", "tns:ArrayOfUserInfo"),
        _op("DeleteUser", None, "msid:s:string"),
        _op(
            "CreateMailing", None, "name:s:string", "mailingListID:s:long", "text:s:string", "date:s:string",
            "naming:s:string",
        ),
        _op("GetCompanyMode", "s:string"),
        _op("GetBalance", "s:string"),
    )
}  # fmt: skip


def get_result_element(op: Operation) -> str | None:
    """The root element of an HTTP GET/POST answer: the result type's name (`long`, `ArrayOfUserInfo`)."""
    return op.result.split(":", 1)[1] if op.result else None
