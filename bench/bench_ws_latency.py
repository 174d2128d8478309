"""Inbound reply → WebSocket frame: p50 ≤ 50 ms, p99 ≤ 200 ms with 200 browsers connected.

The server runs in its own process. The bench logs in once, opens CLIENTS WebSocket connections to
/ws with that session (Origin = the server, permessage-deflate offered as browsers do; `_lean_ws`, a client
that only stamps frames as they arrive, so the bench's own CPU does not add to the latency), then posts
MESSAGES inbound SMS to /api/v1/simulator/inbound, SPACING apart. Each sample is one client × one
message: from just before the POST to the moment that client's connection received the frame.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
import msgspec
import psutil
from _common import (
    ServerProcess,
    TempDatabase,
    info,
    login_cookie,
    percentile,
    raise_fd_limit,
    report,
    seed_account,
)
from _lean_ws import LeanSocket, close_lean_sockets, open_lean_sockets

CLIENTS = int(os.environ.get("COMMUNICATOR_BENCH_WS_CLIENTS", "200"))
MESSAGES = 200
CPU_MS_PER_INBOUND: list[float] = []  # filled by _measure: the server's CPU per inbound message
WARM_UP = 5
SPACING = 0.05
FRAME_WAIT_SECONDS = 10.0
MARK = "bench-latency #"
SENDERS = [f"+791610000{i:02}" for i in range(1, 21)]


class _Frame(msgspec.Struct):
    """What the bench reads of a frame."""

    type: str
    message: dict | None = None


_decode = msgspec.json.Decoder(_Frame).decode


def _message_number(frame: bytes) -> int | None:
    """The bench number carried by an inbound message.created frame."""
    event = _decode(frame)
    if event.type != "message.created" or not event.message:
        return None
    text = event.message.get("text", "")
    return int(text[len(MARK) :]) if text.startswith(MARK) else None


async def _post_all(server: ServerProcess, sent_at: dict[int, float]) -> None:
    """Post the warm-up and measured inbound messages, SPACING apart."""
    async with httpx.AsyncClient(base_url=server.url, timeout=30, trust_env=False) as client:
        for number in range(-WARM_UP, MESSAGES):
            sender = SENDERS[number % len(SENDERS)]
            sent_at[number] = time.perf_counter()
            response = await client.post("/api/v1/simulator/inbound", json={"from": sender, "text": f"{MARK}{number}"})
            response.raise_for_status()
            await asyncio.sleep(SPACING)


def _samples(sockets: list[LeanSocket], sent_at: dict[int, float]) -> tuple[list[float], int]:
    """Latency samples (ms) over all client × measured message pairs, and how many frames never came."""
    samples: list[float] = []
    for socket in sockets:
        seen: dict[int, float] = {}
        for at, frame in socket.texts():
            number = _message_number(frame)
            if number is not None and number >= 0:
                seen.setdefault(number, at)
        samples.extend((seen[n] - sent_at[n]) * 1000 for n in seen)
    return samples, CLIENTS * MESSAGES - len(samples)


async def _measure(server: ServerProcess) -> tuple[list[float], int]:
    """Connect the clients, post the messages, collect the samples."""
    cookie = login_cookie(server.url)
    started = time.perf_counter()
    sockets = await open_lean_sockets(server.host, server.url, cookie, CLIENTS)
    info(f"{CLIENTS} WebSocket clients connected in {time.perf_counter() - started:.1f} s")
    sent_at: dict[int, float] = {}
    cpu = psutil.Process(server.pid)
    cpu_before = sum(cpu.cpu_times()[:2])
    gc.disable()  # a full collection over 1,000 clients' objects took up to 180 ms here, delaying the stamps
    try:
        await _post_all(server, sent_at)
        deadline = time.monotonic() + FRAME_WAIT_SECONDS
        while time.monotonic() < deadline and sum(len(s.frames) for s in sockets) < CLIENTS * (MESSAGES + WARM_UP):
            await asyncio.sleep(0.05)
        cpu_used = sum(cpu.cpu_times()[:2]) - cpu_before
        CPU_MS_PER_INBOUND.append(cpu_used / (MESSAGES + WARM_UP) * 1000)
        info(
            f"server CPU per inbound message with {CLIENTS} clients: {cpu_used / (MESSAGES + WARM_UP) * 1000:.1f} ms"
            f" (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )
    finally:
        gc.enable()
        close_lean_sockets(sockets)
    return _samples(sockets, sent_at)


def main() -> None:
    """Seed, serve, measure, report."""
    print(f"bench_ws_latency: inbound SMS → frame in each of {CLIENTS} clients, {MESSAGES} messages", flush=True)
    raise_fd_limit(4096)
    with TempDatabase() as temp:
        asyncio.run(seed_account(temp.url))
        with ServerProcess(temp.url) as server:
            samples, missing = asyncio.run(_measure(server))
    note = f"{len(samples):,} samples, {missing} frames missing, max {max(samples):.1f} ms"
    report(f"inbound SMS → WebSocket frame p50, {CLIENTS} clients", percentile(samples, 50), 50, "ms", note=note)
    p99_target = 100 if CLIENTS >= 1000 else 200  # issue 10: 1,000 browsers on one process, p99 ≤ 100 ms
    report(
        f"inbound SMS → WebSocket frame p99, {CLIENTS} clients", percentile(samples, 99), p99_target, "ms", note=note
    )
    report(f"server CPU per inbound SMS, {CLIENTS} clients", CPU_MS_PER_INBOUND[-1], 25, "ms")
    if missing:
        report("inbound SMS → WebSocket frames missing", missing, 0, "frames")


if __name__ == "__main__":
    main()
