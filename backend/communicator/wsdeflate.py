"""permessage-deflate that costs an idle WebSocket nothing and compresses each event once (docs/operations.md).

uvicorn's default keeps a compressor (wbits 12, memLevel 5: about 34 KB) for every connection and compresses
every frame again for every connection. Here the server asks for no context takeover both ways (RFC 7692 7.1.1,
which every browser accepts): each message is compressed on its own, so the same event text compresses to the
same bytes for every socket. One compression per distinct message is cached and shared, and no compressor or
decompressor is kept between messages.
"""

from __future__ import annotations

import functools
import logging
import zlib
from collections.abc import Sequence
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.extensions.base import Extension
from websockets.extensions.permessage_deflate import PerMessageDeflate, ServerPerMessageDeflateFactory
from websockets.frames import CTRL_OPCODES, Frame, Opcode
from websockets.http11 import Request
from websockets.server import ServerProtocol
from websockets.typing import ExtensionParameter

# Where LeanWebSocketProtocol puts itself in the ASGI scope's extensions (api/ws_wire.py looks for it).
PROTOCOL_KEY = "communicator.ws_protocol"
WINDOW_BITS = 12
MEM_LEVEL = 5
_EMPTY_BLOCK = b"\x00\x00\xff\xff"


@functools.lru_cache(maxsize=64)
def _compress(data: bytes, wbits: int) -> bytes:
    """One message compressed alone, without the sync flush's empty block (RFC 7692 7.2.1)."""
    encoder = zlib.compressobj(wbits=-wbits, memLevel=MEM_LEVEL)
    compressed = encoder.compress(data) + encoder.flush(zlib.Z_SYNC_FLUSH)
    return compressed[:-4] if compressed.endswith(_EMPTY_BLOCK) else compressed


class SharedDeflate(PerMessageDeflate):
    """PerMessageDeflate whose whole-message frames are compressed once per distinct text and shared."""

    def encode(self, frame: Frame) -> Frame:
        """Compress a data frame (from the shared cache when it is a whole message)."""
        if frame.opcode in CTRL_OPCODES:
            return frame
        if frame.opcode is Opcode.CONT or not frame.fin or not self.local_no_context_takeover:
            return super().encode(frame)
        data = _compress(bytes(frame.data), self.local_max_window_bits)
        return Frame(frame.opcode, data, frame.fin, True, frame.rsv2, frame.rsv3)


class SharedDeflateFactory(ServerPerMessageDeflateFactory):
    """Negotiates no context takeover both ways and hands out SharedDeflate."""

    def __init__(self) -> None:
        super().__init__(
            server_no_context_takeover=True,
            client_no_context_takeover=True,
            server_max_window_bits=WINDOW_BITS,
            client_max_window_bits=WINDOW_BITS,
            compress_settings={"memLevel": MEM_LEVEL},
        )

    def process_request_params(
        self, params: Sequence[ExtensionParameter], accepted_extensions: Sequence[Extension]
    ) -> tuple[list[ExtensionParameter], PerMessageDeflate]:
        """The negotiated parameters, and the shared-compression extension for them."""
        response, ext = super().process_request_params(params, accepted_extensions)
        return response, SharedDeflate(
            ext.remote_no_context_takeover,
            ext.local_no_context_takeover,
            ext.remote_max_window_bits,
            ext.local_max_window_bits,
            ext.compress_settings,
        )


class LeanWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-io WebSocket protocol with SharedDeflateFactory instead of its per-connection compressor."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.config.ws_per_message_deflate:
            self.conn = ServerProtocol(
                extensions=[SharedDeflateFactory()],
                max_size=self.config.ws_max_size,
                logger=logging.getLogger("uvicorn.error"),
            )

    def handle_connect(self, event: Request) -> None:
        """Accept the handshake, and let the app find this protocol (api/ws_wire.py writes frames straight to it)."""
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:  # the handshake was accepted: the app runs on this scope
            scope["extensions"][PROTOCOL_KEY] = self
