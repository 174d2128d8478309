"""A REST query string that is not UTF-8 is refused by name (api/security.py), before any route reads it."""

from __future__ import annotations

import httpx
import pytest

from communicator.api.security import is_utf8_query
from tests.conftest import API


@pytest.mark.parametrize(
    ("raw", "utf8"),
    [(b"q=%D0%B0%D0%B2", True), (b"q=plain+text", True), (b"", True), (b"q=%FF", False), (b"q=%D0", False)],
)
def test_is_utf8_query(raw: bytes, utf8: bool) -> None:
    assert is_utf8_query(raw) is utf8


async def test_a_search_for_undecodable_text_is_a_400_naming_it(client: httpx.AsyncClient) -> None:
    refused = await client.get(f"{API}/search?q=%FF%FE")
    assert refused.status_code == 400 and "UTF-8" in refused.json()["detail"]
    found = await client.get(f"{API}/search?q=%D0%B0%D0%B2%D0%B0%D1%80%D0%B8%D1%8F")  # «авария»
    assert found.status_code == 200
