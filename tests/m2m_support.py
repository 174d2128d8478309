"""Shared plumbing of the M2M tests: a live server with an API password, zeep on the published WSDL."""

from __future__ import annotations

import asyncio
import atexit
import hashlib
from pathlib import Path

import httpx
import zeep

from communicator.db.migrate import upgrade
from tests.conftest import API, DEMO_PASSWORD, LiveServer, login, make_server

SHARED_WSDL = Path(__file__).resolve().parents[2] / "shared" / "m2m" / "mts-m2m-api.wsdl"
if not SHARED_WSDL.exists():  # the worktree layout: ../shared beside the checkout
    SHARED_WSDL = Path(__file__).resolve().parents[1].parent / "shared" / "m2m" / "mts-m2m-api.wsdl"
NS = "http://mcommunicator.ru/M2M"
SERVICE = "{http://mcommunicator.ru/M2M}MTS_x0020_Communicator_x0020_M2M_x0020_XML_x0020_API"
BINDINGS = ("Soap", "Soap12", "HttpGet", "HttpPost")
API_PASSWORD = "m2m-api-password"
MD5 = hashlib.md5(API_PASSWORD.encode()).hexdigest()
PATH = "/m2m/m2m_api.asmx"


class M2M:
    """A live server whose admin has an API password, and zeep clients for each binding."""

    def __init__(self, db_dir: Path) -> None:
        url = f"sqlite+aiosqlite:///{db_dir / 'm2m.db'}"
        upgrade(url)
        self.server: LiveServer = make_server(url)
        self.url = self.server.url
        self.address = self.url + PATH
        self.admin_id = asyncio.run(self._set_password("admin", API_PASSWORD))
        self._client: zeep.Client | None = None
        self._http: httpx.Client | None = None

    @property
    def client(self) -> zeep.Client:
        """zeep loaded from the published WSDL (once; loading takes a second or more)."""
        if self._client is None:
            self._client = zeep.Client(str(SHARED_WSDL))
        return self._client

    async def _set_password(self, login_name: str, password: str) -> int:
        """Set a user's API password through the REST API as the admin; returns the user id."""
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as http:
            await login(http)
            users = (await http.get(f"{API}/users")).json()["items"]
            user_id = next(u["id"] for u in users if u["login"] == login_name)
            response = await http.put(f"{API}/users/{user_id}/api_password", json={"password": password})
            assert response.status_code == 204, response.text
            return user_id

    def set_password(self, login_name: str, password: str) -> int:
        """Set another user's API password."""
        return asyncio.run(self._set_password(login_name, password))

    def rest(self, path: str) -> dict:
        """GET a REST path (under /api/v1) as the admin (one web login, kept)."""
        if self._http is None:
            self._http = httpx.Client(base_url=self.url, timeout=10)
            response = self._http.post(f"{API}/auth/login", json={"login": "admin", "password": DEMO_PASSWORD})
            assert response.status_code == 200, response.text
        response = self._http.get(f"{API}{path}")
        assert response.status_code == 200, response.text
        return response.json()

    def service(self, binding: str) -> zeep.proxy.ServiceProxy:
        """The zeep service proxy of one binding, pointed at the test server."""
        return self.client.create_service(f"{SERVICE}{binding}", self.address)

    def stop(self) -> None:
        """Stop the server."""
        self.server.stop()


_SHARED: list[M2M] = []


def get_shared_m2m(db_dir: Path) -> M2M:
    """One live server for every M2M test module of the run (starting one takes seconds); stopped at exit."""
    if not _SHARED:
        _SHARED.append(M2M(db_dir))
        atexit.register(_SHARED[0].stop)
    return _SHARED[0]
