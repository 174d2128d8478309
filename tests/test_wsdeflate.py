"""SharedDeflate: browsers' permessage-deflate offer is answered with no context takeover, frames decode, and an
idle connection keeps no compressor."""

from __future__ import annotations

from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.frames import Frame, Opcode

from communicator.wsdeflate import SharedDeflate, SharedDeflateFactory

# What Chromium offers: permessage-deflate; client_max_window_bits
BROWSER_OFFER = [("client_max_window_bits", None)]


def _pair() -> tuple[SharedDeflate, object]:
    """A server extension and the client extension it negotiated with."""
    response, server = SharedDeflateFactory().process_request_params(BROWSER_OFFER, [])
    client = ClientPerMessageDeflateFactory(client_max_window_bits=True).process_response_params(response, [])
    assert ("server_no_context_takeover", None) in response and ("client_no_context_takeover", None) in response
    return server, client


def test_frames_round_trip_and_are_shared_between_connections() -> None:
    first, client = _pair()
    second, _ = _pair()
    text = ('{"type":"message.created","id":7,"message":{"text":"на месте, ждём"}}' * 3).encode()
    one = first.encode(Frame(Opcode.TEXT, text))
    other = second.encode(Frame(Opcode.TEXT, text))
    assert one.rsv1 and one.data == other.data and len(one.data) < len(text)
    for _ in range(2):  # each message stands alone: the client decodes it without earlier context
        decoded = client.decode(first.encode(Frame(Opcode.TEXT, text)))  # type: ignore[attr-defined]
        assert decoded.data == text
    assert not hasattr(first, "encoder"), "an idle connection must not keep a compressor"


def test_client_frames_decode_and_leave_no_decompressor() -> None:
    server, client = _pair()
    frame = client.encode(Frame(Opcode.TEXT, b"ping" * 50))  # type: ignore[attr-defined]
    assert server.decode(frame).data == b"ping" * 50
    assert not hasattr(server, "decoder")
