"""What an edit changed, in the form the audit log records it: {"field": [old, new]}."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec


def get_audit_fields(read: msgspec.Struct, skip: Iterable[str] = ()) -> dict[str, Any]:
    """A read struct as JSON-safe audit details, without its id and the given derived fields."""
    left_out = {"id", *skip}
    return {k: v for k, v in msgspec.to_builtins(read).items() if k not in left_out}


def get_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The fields whose values differ, each as [old, new] (audit details: callers may add other notes)."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
