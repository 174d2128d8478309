"""Redis pub/sub that survives Redis going away (docs/operations.md).

Litestar's backend lets its publish and subscribe workers die on the first connection error, after which a
process never delivers a live event again. Here a failed publish is dropped (the event is in the event log),
and the stream reconnects, re-subscribes, then hands every subscribed channel CATCH_UP_FRAME: each WebSocket
closes with 4408 and its browser reconnects with last_event_id, catching up on what was published meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Iterable
from typing import Any

from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
# Internal, never sent to a browser: live events may have been missed; catch up from the event log.
CATCH_UP_FRAME = b'{"type":"catch_up","id":0}'


class ResilientRedisBackend(RedisChannelsPubSubBackend):
    """RedisChannelsPubSubBackend whose workers outlive a Redis restart."""

    async def publish(self, data: bytes, channels: Iterable[str]) -> None:
        """Publish, or drop it while Redis is away (subscribers catch up from the event log afterwards)."""
        try:
            await super().publish(data, channels)
        except REDIS_DOWN as error:
            log.warning("Redis is unavailable; a live event was not published (%s)", error)

    async def unsubscribe(self, channels: Iterable[str]) -> None:
        """Unsubscribe; while Redis is away the channel is dropped when it comes back."""
        try:
            await super().unsubscribe(channels)
        except REDIS_DOWN as error:
            log.warning("Redis is unavailable; unsubscribe deferred (%s)", error)

    async def stream_events(self) -> AsyncGenerator[tuple[str, Any], None]:
        """The events of subscribed channels; after a reconnect, CATCH_UP_FRAME on each of them."""
        while True:
            try:
                async for item in super().stream_events():
                    yield item
            except REDIS_DOWN as error:
                log.warning("lost Redis (%s); reconnecting", error)
                await self._reconnect()
                for channel in sorted(self._pub_sub.channels):
                    yield (channel.decode() if isinstance(channel, bytes) else channel), CATCH_UP_FRAME

    async def _reconnect(self) -> None:
        """Until Redis answers again; redis-py re-subscribes the channels on connect."""
        delay = 0.1
        while True:
            try:
                await self._pub_sub.connect()
                await self._redis.ping()
                log.warning("Redis is back")
                return
            except REDIS_DOWN:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
