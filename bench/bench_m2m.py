"""M2M SendMessage: HTTP GET and SOAP 1.1, 32 concurrent clients, one api process on SQLite.

Integrations (1C, PHP, scripts) send one SMS per request through /m2m/m2m_api.asmx with login + MD5 of
the API password. The server runs in its own process with the gateway off (only the accept is measured);
bench/_load.py runs in a third process. Targets: HTTP GET ≥ 500 requests/s with p99 ≤ 100 ms, SOAP 1.1
≥ 300 requests/s. Then, in-process, where one request's time goes: authentication vs the send itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
import psutil
from _common import ServerProcess, TempDatabase, info, login_cookie, median, percentile, report, seed_account

from communicator.db.session import Database
from communicator.schemas import MessageCreate, Recipients
from communicator.services.identity.api_password import get_api_actor
from communicator.services.identity.server_secret import load_server_secret
from communicator.services.identity.throttle import build_login_throttle
from communicator.services.messaging.send import send_message
from communicator.settings import load_settings

CLIENTS = 32
SECONDS = 10.0
WARMUP = 3.0
API_PASSWORD = "bench-api-password"
MD5 = hashlib.md5(API_PASSWORD.encode()).hexdigest()
NS = "http://mcommunicator.ru/M2M"
PATH = "/m2m/m2m_api.asmx"
NUMBERS = [f"791610000{n:02}" for n in range(1, 21)] + [f"7903555{n:04}" for n in range(20)]
TARGET_GET, TARGET_SOAP, TARGET_P99_MS = 500.0, 300.0, 100.0


def _set_api_password(server_url: str) -> None:
    """The admin sets their own API password through PUT /api/v1/users/{id}/api_password."""
    cookies = {"communicator_session": login_cookie(server_url)}
    common = {"cookies": cookies, "headers": {"Origin": server_url}, "timeout": 30, "trust_env": False}
    me = httpx.get(f"{server_url}/api/v1/auth/me", **common).json()  # type: ignore[arg-type]
    response = httpx.put(
        f"{server_url}/api/v1/users/{me['id']}/api_password", json={"password": API_PASSWORD}, **common
    )  # type: ignore[arg-type]
    response.raise_for_status()


def _soap_body(n: int, phone: str) -> str:
    """A SOAP 1.1 SendMessage envelope."""
    return (
        '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
        f'<soap:Body><SendMessage xmlns="{NS}"><msid>{phone}</msid><message>Мониторинг: событие {n}</message>'
        f"<naming /><login>admin</login><password>{MD5}</password></SendMessage></soap:Body></soap:Envelope>"
    )


def _load(server_url: str, method: str, path: str, bodies: list[str], headers: dict[str, str]) -> dict:
    """Run the load generator in its own process; returns its result."""
    args = {
        "clients": CLIENTS,
        "seconds": SECONDS,
        "warmup": WARMUP,
        "bodies": bodies,
        "headers": headers,
        "path": path,
        "method": method,
    }
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve().parent / "_load.py"), server_url, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=WARMUP + SECONDS + 60,
        check=True,
    )
    return json.loads(done.stdout)


def _measured_load(server: ServerProcess, method: str, path: str, bodies: list[str], headers: dict[str, str]) -> dict:
    """A load run with the server's CPU time over it (what the figure would be on an idle machine)."""
    process = psutil.Process(server.pid)
    before = sum(process.cpu_times()[:2])
    result = _load(server.url, method, path, bodies, headers)
    result["server_cpu"] = sum(process.cpu_times()[:2]) - before
    return result


def _report(label: str, result: dict, target: float) -> None:
    """Throughput and latency of one run, and the server's CPU per answered request."""
    ok = result["statuses"].get("200", 0)
    total = sum(result["statuses"].values()) or 1
    info(
        f"{label}: server CPU {result['server_cpu']:.1f} s over the run, {result['server_cpu'] / total * 1000:.2f} ms "
        f"per measured request (an upper bound: the warm-up's requests are not counted); load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores"
    )
    others = {code: n for code, n in result["statuses"].items() if code != "200"}
    latencies_ms = [s * 1000 for s in result["latencies"]]
    info(f"{label}: {ok:,} answered 200 in {result['window']:.1f} s, other answers {others or 'none'}")
    p50, p99 = median(latencies_ms), percentile(latencies_ms, 99)
    report(f"M2M {label} SendMessage, {CLIENTS} clients", ok / result["window"], target, "req/s", True)
    report(f"M2M {label} SendMessage p99", p99, TARGET_P99_MS, "ms", note=f"p50 {p50:.1f} ms")


async def _where_time_goes(url: str) -> None:
    """One request's two service calls timed in-process, one after another: authentication, then the send."""
    db = Database(url)
    try:
        secret = await load_server_secret(db, "bench-secret")  # what ServerProcess sets
        throttle = build_login_throttle(load_settings({}))
        runs = 200
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(runs):
            actor = await get_api_actor(db, throttle, secret, "admin", MD5, "127.0.0.1")
        auth_ms = (time.perf_counter() - started) * 1000 / runs
        auth_cpu = (time.process_time() - cpu) * 1000 / runs
        started, cpu = time.perf_counter(), time.process_time()
        for n in range(runs):
            data = MessageCreate(text=f"Профиль {n}", recipients=Recipients(numbers=[NUMBERS[n % len(NUMBERS)]]))
            await send_message(db, actor, data)
        send_ms = (time.perf_counter() - started) * 1000 / runs
        send_cpu = (time.process_time() - cpu) * 1000 / runs
    finally:
        await db.dispose()
    info(
        f"in-process, sequential, per request: authenticate {auth_ms:.2f} ms ({auth_cpu:.2f} ms CPU), "
        f"send_message {send_ms:.2f} ms ({send_cpu:.2f} ms CPU)"
    )


def main() -> None:
    """HTTP GET, then SOAP 1.1, on one SQLite database and server."""
    print(f"bench_m2m: SendMessage over HTTP GET and SOAP 1.1, {CLIENTS} clients, gateway off, SQLite", flush=True)
    with TempDatabase() as temp:
        asyncio.run(seed_account(temp.url))
        with ServerProcess(temp.url, gateway_enabled=False) as server:
            _set_api_password(server.url)
            queries = [
                urlencode(
                    {"msid": p, "message": f"Мониторинг: событие {n}", "naming": "", "login": "admin", "password": MD5}
                )
                for n, p in enumerate(NUMBERS)
            ]
            _report("HTTP GET", _measured_load(server, "GET", f"{PATH}/SendMessage", queries, {}), TARGET_GET)
            soap_headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{NS}/SendMessage"'}
            bodies = [_soap_body(n, p) for n, p in enumerate(NUMBERS)]
            _report("SOAP 1.1", _measured_load(server, "POST", PATH, bodies, soap_headers), TARGET_SOAP)
        asyncio.run(_where_time_goes(temp.url))


if __name__ == "__main__":
    main()
