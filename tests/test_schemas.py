"""shared-schemas/ must match schemas.py and events.py."""

from __future__ import annotations

from communicator.schemagen import TARGET, render_schemas


def test_shared_schemas_are_current() -> None:
    assert TARGET.read_text(encoding="utf-8") == render_schemas(), "stale: run `make schemas`"


def test_every_event_type_is_described() -> None:
    rendered = render_schemas()
    for name in ("MessageCreated", "DeliveryUpdated", "Resync", "MessageRead", "DeliveryRead"):
        assert f'"{name}"' in rendered
