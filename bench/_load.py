"""A small HTTP/1.1 load generator: C keep-alive connections, each sending POSTs back to back.

Run as its own process (`python bench/_load.py URL JSON_ARGS`) so it does not share an event loop
with the server or the bench. Raw asyncio streams rather than httpx: at thousands of requests per
second a full client library would spend more CPU than the server it measures. Prints one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from urllib.parse import urlsplit


def _request(host: str, path: str, headers: dict[str, str], body: bytes, method: str = "POST") -> bytes:
    """One POST (or a GET whose body is its query string), ready to write."""
    if method == "GET":
        path, body = f"{path}?{body.decode()}", b""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{key}: {value}" for key, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Read one response whole; returns its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def _client(url: str, bodies: list[bytes], headers: dict[str, str], until: float, warm_until: float, out: dict):
    """One connection sending until `until`; latencies after `warm_until` are recorded."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    path, method = out.get("path", "/api/v1/messages"), out.get("method", "POST")
    requests = [_request(parts.netloc, path, headers, body, method) for body in bodies]
    n = 0
    try:
        while (started := time.monotonic()) < until:
            writer.write(requests[n % len(requests)])
            n += 1
            status = await _read_response(reader)
            if started >= warm_until:
                out["latencies"].append(time.monotonic() - started)
                out["statuses"][status] = out["statuses"].get(status, 0) + 1
    finally:
        writer.close()


async def run(
    url: str,
    clients: int,
    seconds: float,
    warmup: float,
    bodies: list[str],
    headers: dict[str, str],
    path: str = "/api/v1/messages",
    method: str = "POST",
):
    """Every client in parallel; returns latencies (s), status counts and the measured window."""
    out: dict = {"latencies": [], "statuses": {}, "path": path, "method": method}
    encoded = [body.encode() for body in bodies]
    start = time.monotonic()
    warm_until, until = start + warmup, start + warmup + seconds
    # Each client starts at another body, so concurrent requests carry different numbers.
    tasks = [
        _client(url, encoded[i % len(encoded) :] + encoded[: i % len(encoded)], headers, until, warm_until, out)
        for i in range(clients)
    ]
    await asyncio.gather(*tasks)
    out["window"] = time.monotonic() - warm_until
    del out["path"], out["method"]
    return out


def main() -> None:
    """Arguments: the server URL and a JSON object (clients, seconds, warmup, bodies, headers)."""
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    args = json.loads(sys.argv[2])
    result = asyncio.run(
        run(
            sys.argv[1],
            args["clients"],
            args["seconds"],
            args["warmup"],
            args["bodies"],
            args["headers"],
            args.get("path", "/api/v1/messages"),
            args.get("method", "POST"),
        )
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
