"""Which service-calling function answers each operation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from communicator.db.session import Database
from communicator.m2m import ops_directory, ops_read, ops_send
from communicator.services.core.actors import Actor

Handler = Callable[[Database, Actor, dict[str, Any]], Awaitable[Any]]

HANDLERS: dict[str, Handler] = {
    "SendMessage": ops_send.send_one,
    "SendMessageAtDate": ops_send.send_one,
    "SendMessageWithValidityPeriod": ops_send.send_one,
    "SendMessages": ops_send.send_many,
    "SendMessagesAtDate": ops_send.send_many,
    "SendMessagesWithValidityPeriod": ops_send.send_many,
    "SendMessagesAtDateWithValidityPeriod": ops_send.send_many,
    "SendMessageToMultipleSubscribers": ops_send.send_many,
    "SendMessageToMultipleSubscribersAtDate": ops_send.send_many,
    "SendVariousMessages": ops_send.send_various,
    "CreateMailing": ops_send.create_mailing,
    "GetMessageStatus": ops_read.get_message_status,
    "GetMessagesStatus": ops_read.get_messages_status,
    "GetMessages": ops_read.get_messages,
    "GetStatistics": ops_read.get_statistics,
    "GetBalance": ops_read.get_balance,
    "GetCompanyMode": ops_read.get_company_mode,
    "CreateMailingList": ops_directory.create_mailing_list,
    "GetMailingLists": ops_directory.get_mailing_lists,
    "DeleteMailingLists": ops_directory.delete_mailing_lists,
    "GetMailingListContacts": ops_directory.get_mailing_list_contacts,
    "SetMailingListContacts": ops_directory.set_mailing_list_contacts,
    "AddUser": ops_directory.add_user,
    "GetUsers": ops_directory.get_users,
    "DeleteUser": ops_directory.delete_user,
    "GetGroups": ops_directory.get_groups,
}
