"""Schemathesis over every operation of the live app's OpenAPI document: no 500s, every response matches its schema.

The real app runs under uvicorn on SQLite with the demo data; requests carry the demo admin's session cookie (the
admin is also a platform admin, so the platform routes are reached too). Each operation gets a bounded number of
generated cases, so the whole run stays well under a minute. See docs/api.md.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance
from sqlalchemy import update

from communicator.db.migrate import upgrade
from communicator.db.models import User
from communicator.db.session import Database
from tests.conftest import API, DEMO_PASSWORD, LiveServer, make_server

pytestmark = pytest.mark.heavy  # started first under xdist (docs/testing.md)

# Operations left out: logging out would end the session every later case runs with.
EXCLUDED = ["logout"]
# `make test` runs 6 cases per operation; set COMMUNICATOR_FUZZ_EXAMPLES for a longer hunt.
EXAMPLES_PER_OPERATION = int(os.environ.get("COMMUNICATOR_FUZZ_EXAMPLES", "6"))
SESSION_COOKIE = "communicator_session"


async def _make_platform_admin(url: str) -> None:
    """The demo admin also runs the platform, so /platform routes answer rather than 403."""
    db = Database(url)
    try:
        async with db.write() as session:
            await session.execute(update(User).where(User.login == "admin").values(platform_admin=True))
    finally:
        await db.dispose()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real app on a fresh SQLite database with the demo account."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('fuzz') / Path('fuzz.db')}"
    upgrade(url)
    server = make_server(url)
    asyncio.run(_make_platform_admin(url))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def session(live: LiveServer) -> requests.Session:
    """A requests session holding the logged-in admin's cookie."""
    http = requests.Session()
    answer = http.post(f"{live.url}{API}/auth/login", json={"login": "admin", "password": DEMO_PASSWORD}, timeout=10)
    assert answer.status_code == 200, answer.text
    return http


@pytest.fixture(scope="module")
def api_schema(live: LiveServer) -> schemathesis.BaseSchema:
    """The app's own OpenAPI document, as served at /schema/openapi.json."""
    assert httpx.get(f"{live.url}/schema", timeout=10).status_code == 200
    loaded = schemathesis.openapi.from_url(f"{live.url}/schema/openapi.json")
    return loaded.exclude(operation_id=EXCLUDED)


CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
# A download whose format a query picks (CSV or XLSX): OpenAPI gives a response one media type, so its
# Content-Type is not checked (it is, per format, in tests/test_directory_import.py).
FILE_DOWNLOADS = {"GET /api/v1/directory/export"}
SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    # The same cases every run (a failure here is reproducible, not a flake), unless a longer hunt was asked for.
    derandomize="COMMUNICATOR_FUZZ_EXAMPLES" not in os.environ,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    database=None,
)


def _fuzz(operation: APIOperation, base_url: str, http: requests.Session) -> Counter[int]:
    """Run the generated cases of one operation; the first failing case raises. Returns the status codes seen."""
    seen: Counter[int] = Counter()

    @SETTINGS
    @given(case=operation.as_strategy())
    def run(case: schemathesis.Case) -> None:
        # Every case acts as the logged-in admin: generated credentials would only ever earn a 401.
        case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        case.cookies = {k: v for k, v in (case.cookies or {}).items() if k != SESSION_COOKIE}
        checks = (
            [c for c in CHECKS if c is not content_type_conformance] if operation.label in FILE_DOWNLOADS else CHECKS
        )
        response = case.call_and_validate(base_url=base_url, session=http, checks=checks, timeout=10)
        seen[response.status_code] += 1

    run()
    return seen


def test_every_operation_answers_within_its_schema(
    api_schema: schemathesis.BaseSchema, live: LiveServer, session: requests.Session
) -> None:
    failures: dict[str, str] = {}
    answered: dict[str, Counter[int]] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 35  # every REST route is in the document
    for operation in operations:
        try:
            answered[operation.label] = _fuzz(operation, live.url, session)
        except Exception as error:  # noqa: BLE001  # collect them all: one report names every failing operation
            failures[operation.label] = str(error)[:3000]
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
    print({label: dict(codes) for label, codes in answered.items()})
    # The cases reached the handlers: most operations answered some case with success, not only with 4xx.
    succeeded = [label for label, codes in answered.items() if any(200 <= code < 300 for code in codes)]
    assert len(succeeded) >= len(operations) // 2, answered
