"""Login throttling: the counters (memory and Redis), the policy, and real clients on different loopback IPs."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from communicator.services.identity.throttle import (
    LoginLimits,
    LoginThrottle,
    TooManyAttempts,
    get_device_cookie,
    is_trusted_device,
)
from communicator.services.identity.throttle_store import CounterStore, MemoryCounterStore, RedisCounterStore
from tests.conftest import API, DEMO_PASSWORD, LiveServer, make_server

REDIS_URL = "redis://127.0.0.1:6379/0"
LIMITS = LoginLimits(window_seconds=60, per_login_ip=3, per_ip=5, per_login=4)
SECRET = b"test-secret"


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- the counters -------------------------------------------------------------------------------


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[CounterStore]:
    """Each store kind; Redis under a fresh prefix."""
    counters = MemoryCounterStore() if request.param == "memory" else RedisCounterStore(REDIS_URL, uuid.uuid4().hex)
    yield counters
    await counters.close()


async def test_counters_count_forgive_and_clear(store: CounterStore) -> None:
    assert [c for c, _ in await store.hit(["a", "b"], 60)] == [1, 1]
    counts = await store.hit(["a", "b"], 60)
    assert [c for c, _ in counts] == [2, 2] and all(0 < left <= 60 for _, left in counts)
    await store.forgive(["a", "missing"])
    await store.clear("b")
    assert [c for c, _ in await store.hit(["a", "b", "missing"], 60)] == [2, 1, 1]


async def test_memory_window_starts_at_the_first_hit_and_expires() -> None:
    clock = Clock()
    store = MemoryCounterStore(clock)
    await store.hit(["k"], 60)
    clock.now += 50
    assert await store.hit(["k"], 60) == [(2, 10.0)]  # a later hit does not move the window
    clock.now += 10
    assert await store.hit(["k"], 60) == [(1, 60.0)]


async def test_redis_counters_expire() -> None:
    store = RedisCounterStore(REDIS_URL, uuid.uuid4().hex)
    try:
        await store.hit(["k"], 0.05)
        assert await store.redis.pttl(store.prefix + "k") > 0  # the key carries its window, never lives forever
        await store.forgive(["gone"])
        assert await store.redis.exists(store.prefix + "gone") == 0
    finally:
        await store.close()


# --- the policy ---------------------------------------------------------------------------------


async def test_per_login_and_ip_limit_then_another_ip_still_gets_in(store: CounterStore) -> None:
    throttle = LoginThrottle(store, LIMITS)
    for _ in range(3):
        await throttle.record_attempt("admin", "10.0.0.1", trusted=False)
    with pytest.raises(TooManyAttempts) as refused:
        await throttle.record_attempt("Admin", "10.0.0.1", trusted=False)
    assert 0 < refused.value.retry_after <= 60 and refused.value.extra == {"retry_after": refused.value.retry_after}
    await throttle.record_attempt("admin", "10.0.0.2", trusted=False)
    await throttle.record_success("admin", "10.0.0.2")


async def test_refused_attempts_do_not_count_and_success_forgets_this_clients_failures(store: CounterStore) -> None:
    throttle = LoginThrottle(store, LIMITS)
    for _ in range(3):
        await throttle.record_attempt("admin", "10.0.0.1", trusted=False)
    for _ in range(5):
        with pytest.raises(TooManyAttempts):
            await throttle.record_attempt("admin", "10.0.0.1", trusted=False)
    # The refused ones were not guesses: the per-login count is still 3 of 4.
    await throttle.record_attempt("admin", "10.0.0.2", trusted=False)
    await throttle.record_success("admin", "10.0.0.2")
    for _ in range(2):
        await throttle.record_attempt("ivanov", "10.0.0.3", trusted=False)
    await throttle.record_success("ivanov", "10.0.0.3")
    for _ in range(3):  # the earlier failures from 10.0.0.3 are forgotten
        await throttle.record_attempt("ivanov", "10.0.0.3", trusted=False)


async def test_per_ip_limit_across_logins(store: CounterStore) -> None:
    throttle = LoginThrottle(store, LIMITS)
    for name in ("a", "b", "c", "d", "e"):
        await throttle.record_attempt(name, "10.0.0.9", trusted=False)
    with pytest.raises(TooManyAttempts):
        await throttle.record_attempt("f", "10.0.0.9", trusted=False)


async def test_distributed_guessing_locks_only_untrusted_clients(store: CounterStore) -> None:
    throttle = LoginThrottle(store, LIMITS)
    for ip in ("10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.4"):
        await throttle.record_attempt("admin", ip, trusted=False)
    with pytest.raises(TooManyAttempts):
        await throttle.record_attempt("admin", "10.0.1.5", trusted=False)
    await throttle.record_attempt("admin", "10.0.1.5", trusted=True)


def test_trusted_device_cookie_is_bound_to_login_secret_and_age() -> None:
    cookie = get_device_cookie(SECRET, "Admin")
    assert is_trusted_device(SECRET, cookie, "admin", 3600)
    assert not is_trusted_device(SECRET, cookie, "ivanov", 3600)
    assert not is_trusted_device(b"other-secret", cookie, "admin", 3600)
    assert not is_trusted_device(SECRET, get_device_cookie(SECRET, "admin", now=1.0), "admin", 3600)
    tampered = cookie[:-1] + ("1" if cookie.endswith("0") else "0")
    assert not is_trusted_device(SECRET, tampered, "admin", 3600)
    assert not is_trusted_device(SECRET, None, "admin", 3600)
    assert not is_trusted_device(SECRET, "garbage", "admin", 3600)


# --- real clients on different loopback addresses -----------------------------------------------


SMALL_LIMITS = {
    "login_max_failures_per_login_ip": 3,
    "login_max_failures_per_ip": 10,
    "login_max_failures_per_login": 5,
}


@pytest.fixture
def throttled_server(sqlite_url: str) -> Iterator[LiveServer]:
    """A live server with small limits."""
    live = make_server(sqlite_url, **SMALL_LIMITS)
    yield live
    live.stop()


@pytest.fixture
def scaled_out(sqlite_url: str) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two api processes' worth of servers on one database, counting in one Redis."""
    shared = {"redis_url": REDIS_URL, "channel_prefix": uuid.uuid4().hex, **SMALL_LIMITS}
    first = make_server(sqlite_url, **shared)
    second = make_server(sqlite_url, **shared)
    yield first, second
    first.stop()
    second.stop()


def client_from(server: LiveServer, address: str, cookies: httpx.Cookies | None = None) -> httpx.AsyncClient:
    """A client whose connections come from this loopback address."""
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return httpx.AsyncClient(base_url=server.url, transport=transport, timeout=10, cookies=cookies)


async def attempt(http: httpx.AsyncClient, password: str) -> httpx.Response:
    """One login as the demo admin."""
    return await http.post(f"{API}/auth/login", json={"login": "admin", "password": password})


async def test_hammering_from_one_ip_does_not_lock_out_the_user_elsewhere(throttled_server: LiveServer) -> None:
    async with (
        client_from(throttled_server, "127.0.0.1") as attacker,
        client_from(throttled_server, "127.0.0.2") as user,
    ):
        assert [(await attempt(attacker, "guess")).status_code for _ in range(3)] == [401] * 3
        refused = await attempt(attacker, DEMO_PASSWORD)  # refused before the password is looked at
        assert refused.status_code == 429 and "communicator_session" not in refused.headers.get("set-cookie", "")
        body = refused.json()
        assert body["code"] == "too_many_attempts" and body["detail"]
        assert 0 < body["extra"]["retry_after"] <= 900
        assert refused.headers["retry-after"] == str(body["extra"]["retry_after"])
        assert (await attempt(user, DEMO_PASSWORD)).status_code == 200


async def test_distributed_attack_spares_a_trusted_device(throttled_server: LiveServer) -> None:
    async with client_from(throttled_server, "127.0.0.5") as office:
        assert (await attempt(office, DEMO_PASSWORD)).status_code == 200
        device = httpx.Cookies({"communicator_device": office.cookies["communicator_device"]})
    for address in ("127.0.0.2", "127.0.0.3"):
        async with client_from(throttled_server, address) as attacker:
            statuses = [(await attempt(attacker, "guess")).status_code for _ in range(3)]
            assert 401 in statuses
    async with client_from(throttled_server, "127.0.0.4") as new_browser:
        assert (await attempt(new_browser, DEMO_PASSWORD)).status_code == 429
    async with client_from(throttled_server, "127.0.0.4", cookies=device) as trusted:
        assert (await attempt(trusted, DEMO_PASSWORD)).status_code == 200


async def test_scaled_out_servers_share_the_counts(scaled_out: tuple[LiveServer, LiveServer]) -> None:
    first, second = scaled_out
    async with client_from(first, "127.0.0.1") as one, client_from(second, "127.0.0.1") as other:
        assert [(await attempt(one, "guess")).status_code for _ in range(3)] == [401] * 3
        assert (await attempt(other, DEMO_PASSWORD)).status_code == 429
