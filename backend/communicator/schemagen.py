"""Write shared-schemas/schemas.json from the API structs and events; `--check` fails when stale."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import msgspec

from communicator.events import EVENT_STRUCTS
from communicator.schemas import API_STRUCTS

TARGET = Path(__file__).resolve().parents[2] / "shared-schemas" / "schemas.json"


def render_schemas() -> str:
    """The JSON Schema document of every API struct and event, as text."""
    _, components = msgspec.json.schema_components((*API_STRUCTS, *EVENT_STRUCTS), ref_template="#/$defs/{name}")
    document = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Communicator", "$defs": components}
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    """Write the schemas, or with --check say whether the written ones are current."""
    rendered = render_schemas()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != rendered:
            print("shared-schemas/schemas.json is stale: run `make schemas`", file=sys.stderr)
            return 1
        return 0
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text(rendered, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
