"""The message layer in Python: Server and Client speak peng3dnet's protocol 2 (named
packets, msgpack bodies, compression, the registry-syncing handshake, the ping type, close
reasons) over gamenet's C API. Bodies are Python values, packed with the msgpack package as
peng3dnet's Python peer packs them (str as str, bytes as bin, floats as float64).

    with gamenet.Server(port=8080, packets=["chat:say"]) as server:
        while True:
            server.process(16)
            for ev in server.events():
                if ev.kind == gamenet.MSG_MESSAGE:
                    server.send(ev.cid, "chat:say", ev.body)
"""
from __future__ import annotations

import ctypes
from collections import namedtuple
from ctypes import byref, c_size_t, c_uint16, c_uint64

import msgpack

from . import _bindings as _b, _ffi
from .address import NetAddress, _text
from .core import _Handle, _new
from .errors import EMPTY, GamenetError, check

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import Any, Iterable, List, Optional, Tuple

lib = _ffi.lib

MSG_CONNECTED = _b.GAMENET_MSG_CONNECTED
MSG_HANDSHAKE_COMPLETE = _b.GAMENET_MSG_HANDSHAKE_COMPLETE
MSG_MESSAGE = _b.GAMENET_MSG_MESSAGE
MSG_PING_ANSWER = _b.GAMENET_MSG_PING_ANSWER
MSG_CLOSED = _b.GAMENET_MSG_CLOSED
MSG_PING_QUERY = _b.GAMENET_MSG_PING_QUERY

MsgEvent = namedtuple("MsgEvent", "kind cid pid name body reason by_peer peer rtt")
MsgStats = namedtuple("MsgStats", "packets_in packets_out bytes_in bytes_out messages_in "
                      "messages_out payload_in payload_out wire_payload_in wire_payload_out "
                      "dropped_early rtt")
MsgStats.__doc__ = """A connection's figures: packets and bytes in and out (every packet,
length prefixes included), application messages in and out, their msgpack bytes uncompressed
(payload_*) and on the wire (wire_payload_*: the compression ratio is payload_out /
wire_payload_out), application packets dropped because they came before the handshake, and
the round trip in seconds (measured in the handshake, then by ping answers; None before)."""
MsgEvent.__doc__ = """An event of a Server or Client: MsgEvent(kind, cid, pid, name, body,
reason, by_peer, peer, rtt). kind is one of the MSG_* values; name is a message's packet name
or (handshake) the connection type; body the message's (or ping answer's or query's) value; reason a
close's reason (None when the peer gave none); peer the other end's NetAddress (connected);
rtt a ping answer's round trip in seconds."""


def _pack(value: Any) -> bytes:
    return msgpack.packb(value, use_bin_type=True)


def _stats(raw: Any) -> MsgStats:
    return MsgStats(raw.packets_in, raw.packets_out, raw.bytes_in, raw.bytes_out,
                    raw.messages_in, raw.messages_out, raw.payload_in, raw.payload_out,
                    raw.wire_payload_in, raw.wire_payload_out, raw.dropped_early,
                    raw.rtt_us / 1e6 if raw.has_rtt else None)


def _sent(rc: int, sent: c_size_t) -> int:
    try:
        check(rc)
    except GamenetError as e:
        e.sent = sent.value  # how many went out before the failure, for a retry
        raise
    return sent.value


def _config(host: Optional[str], port: int, packets: Iterable[str], threads: int,
            max_frame: int, max_decompressed: int, compress: bool, compress_threshold: int,
            compress_level: int, handshake_timeout_ms: int, connect_timeout_ms: int) -> int:
    cfg = _new(lib.gamenet_msg_config_new)
    try:
        check(lib.gamenet_msg_config_set_address(cfg, _text(host, "host", True), port))
        check(lib.gamenet_msg_config_set_limits(cfg, max_frame, max_decompressed))
        check(lib.gamenet_msg_config_set_compression(cfg, compress, compress_threshold,
                                                     compress_level))
        check(lib.gamenet_msg_config_set_timeouts(cfg, handshake_timeout_ms,
                                                  connect_timeout_ms))
        check(lib.gamenet_msg_config_set_threads(cfg, threads))
        if isinstance(packets, str):
            raise TypeError("packets must be a list of names, not a str")
        for name in packets:
            check(lib.gamenet_msg_config_register_packet(cfg, _text(name, "packets[]"), 0,
                                                         None))
    except BaseException:
        lib.gamenet_msg_config_free(cfg)
        raise
    return cfg


class _Peer(_Handle):
    """What Server and Client share: process, events, the receive buffer."""

    _process = None
    _next = None

    def __init__(self, ptr: int) -> None:
        super().__init__(ptr)
        self._ev = _ffi.MsgEvent()
        self._buf = ctypes.create_string_buffer(65536)
        self._len = c_size_t()

    def process(self, timeout_ms: int = 0) -> int:
        """Handles what arrived, waiting up to timeout_ms when no event waits (0: not at
        all; the GIL is released meanwhile); returns how many events wait."""
        n = c_size_t()
        check(type(self)._process(self._ptr, timeout_ms, byref(n)))
        return n.value

    def next_event(self) -> Optional[MsgEvent]:
        """The oldest event as a MsgEvent, or None."""
        while True:
            rc = type(self)._next(self._ptr, byref(self._ev), self._buf, len(self._buf),
                                  byref(self._len))
            if rc == _b.GAMENET_ERR_BUFFER_TOO_SMALL:  # grow it; the event stays queued
                self._buf = ctypes.create_string_buffer(self._len.value)
                continue
            if check(rc) == EMPTY:
                return None
            break
        ev = self._ev
        body = None
        if ev.kind in (MSG_MESSAGE, MSG_PING_ANSWER, MSG_PING_QUERY):
            body = msgpack.unpackb(self._buf.raw[:self._len.value], raw=False)
        return MsgEvent(ev.kind, ev.cid, ev.pid, ev.name.decode(), body,
                        ev.reason.decode() if ev.has_reason else None, ev.by_peer,
                        NetAddress._wrap(ev.peer) if ev.kind == MSG_CONNECTED else None,
                        ev.rtt_us / 1e6)

    def events(self, max_events: int = 0) -> List[MsgEvent]:
        """The events waiting now (at most max_events; 0: all), oldest first, taken in one
        call across the C boundary."""
        count = c_size_t()
        while True:
            rc = type(self)._take(self._ptr, self._buf, len(self._buf), max_events,
                                  byref(count), byref(self._len))
            if rc == _b.GAMENET_ERR_BUFFER_TOO_SMALL:  # grow it; the events stay queued
                self._buf = ctypes.create_string_buffer(max(self._len.value,
                                                            2 * len(self._buf)))
                continue
            if check(rc) == EMPTY:
                return []
            break
        raw = msgpack.unpackb(ctypes.string_at(self._buf, self._len.value), raw=False)
        return [MsgEvent(k, cid, pid, name, body, reason, by_peer,
                         None if peer is None else NetAddress.parse(peer), rtt / 1e6)
                for k, cid, pid, name, body, reason, by_peer, peer, rtt in raw]


class Server(_Peer):
    """A message-layer server (peng3dnet's Server): listens on host:port (host None: every
    address, IPv4 and IPv6; port 0: a free one, see .port) and serves the packets named in
    `packets` (ids 64, 65, ... in that order). With threads=0 everything runs inside
    process(). Ping queries are answered with ping_data's entries (a dict with str keys),
    or, with defer_ping, come as MSG_PING_QUERY events for answer_ping()."""

    _free = staticmethod(lib.gamenet_server_free)
    _process = staticmethod(lib.gamenet_server_process)
    _next = staticmethod(lib.gamenet_server_next_event)
    _take = staticmethod(lib.gamenet_server_take_events)
    _kind = "server"

    def __init__(self, host: Optional[str] = None, port: int = 0, packets: Iterable[str] = (),
                 threads: int = 0, max_frame: int = 16 << 20, max_decompressed: int = 16 << 20,
                 compress: bool = True, compress_threshold: int = 8192, compress_level: int = 6,
                 handshake_timeout_ms: int = 10000, conn_types: Iterable[str] = (),
                 answer_ping: bool = True, ping_data: Optional[dict] = None,
                 defer_ping: bool = False) -> None:
        cfg = _config(host, port, packets, threads, max_frame, max_decompressed, compress,
                      compress_threshold, compress_level, handshake_timeout_ms, 5000)
        try:
            for t in conn_types:
                check(lib.gamenet_msg_config_add_conn_type(cfg, _text(t, "conn_types[]")))
            check(lib.gamenet_msg_config_set_answer_ping(cfg, answer_ping))
            if ping_data:
                data = _pack(dict(ping_data))
                check(lib.gamenet_msg_config_set_ping_data(cfg, data, len(data)))
            check(lib.gamenet_msg_config_set_defer_ping(cfg, defer_ping))
            super().__init__(_new(lib.gamenet_server_new, cfg))
        finally:
            lib.gamenet_msg_config_free(cfg)

    @property
    def port(self) -> int:
        """The port it listens on."""
        out = c_uint16()
        check(lib.gamenet_server_get_port(self._ptr, byref(out)))
        return out.value

    def send(self, cid: int, name: str, value: Any) -> None:
        """Sends message `name` with `value` (packed with msgpack) to client `cid`; queued
        until its handshake completes. Raises gamenet.WouldBlock (nothing sent, the
        connection stays) when 8 MiB already wait for the client: send again later."""
        data = _pack(value)
        check(lib.gamenet_server_send_message(self._ptr, int(cid), _text(name, "name"), data,
                                              len(data)))

    def send_many(self, messages: Iterable[Tuple[int, str, Any]]) -> int:
        """Sends (cid, name, value) messages in one call, in order; returns how many went
        out. Every one is attempted: a failure (e.g. a client that has gone) raises after
        the rest were sent, naming the message's index; the exception's `sent` is how many
        went out. A refused one (gamenet.WouldBlock) holds back that client's later ones."""
        data = _pack(messages if isinstance(messages, (list, tuple)) else list(messages))
        sent = c_size_t()
        return _sent(lib.gamenet_server_send_messages(self._ptr, data, len(data), byref(sent)),
                     sent)

    def answer_ping(self, cid: int, extra: Optional[dict] = None) -> None:
        """Answers the ping query of connection `cid` (a MSG_PING_QUERY event) with the
        server's ping_data and the entries of `extra` (a dict with str keys)."""
        data = _pack(dict(extra)) if extra else b""
        check(lib.gamenet_server_answer_ping(self._ptr, int(cid), data or None, len(data)))

    def stats(self, cid: int) -> MsgStats:
        """Client `cid`'s figures (a MsgStats); GamenetError once it has closed."""
        raw = _ffi.MsgStats()
        check(lib.gamenet_server_get_stats(self._ptr, int(cid), byref(raw)))
        return _stats(raw)

    def close_connection(self, cid: int, reason: Optional[str] = None) -> None:
        """Closes client `cid`, telling it `reason`."""
        check(lib.gamenet_server_close_connection(self._ptr, int(cid),
                                                  _text(reason, "reason", True)))

    def shutdown(self, reason: Optional[str] = None, timeout_ms: int = 1000) -> None:
        """Tells every client (reason None: "servershutdown"), lets them close, and stops
        listening, within timeout_ms."""
        check(lib.gamenet_server_shutdown(self._ptr, _text(reason, "reason", True), timeout_ms))


class Client(_Peer):
    """A message-layer client (peng3dnet's Client): connects to host:port (blocking, within
    connect_timeout_ms) with connection type conn_type ("classic" or "ping") and the packets
    named in `packets` (the server's ids are adopted in the handshake)."""

    _free = staticmethod(lib.gamenet_client_free)
    _process = staticmethod(lib.gamenet_client_process)
    _next = staticmethod(lib.gamenet_client_next_event)
    _take = staticmethod(lib.gamenet_client_take_events)
    _kind = "client"

    def __init__(self, host: str = "localhost", port: int = 8080, packets: Iterable[str] = (),
                 conn_type: str = "classic", threads: int = 0, max_frame: int = 16 << 20,
                 max_decompressed: int = 16 << 20, compress: bool = True,
                 compress_threshold: int = 8192, compress_level: int = 6,
                 handshake_timeout_ms: int = 10000, connect_timeout_ms: int = 5000) -> None:
        cfg = _config(host, port, packets, threads, max_frame, max_decompressed, compress,
                      compress_threshold, compress_level, handshake_timeout_ms,
                      connect_timeout_ms)
        try:
            check(lib.gamenet_msg_config_set_conn_type(cfg, _text(conn_type, "conn_type")))
            super().__init__(_new(lib.gamenet_client_connect, cfg))
        finally:
            lib.gamenet_msg_config_free(cfg)

    @property
    def cid(self) -> int:
        """The connection's id."""
        out = c_uint64()
        check(lib.gamenet_client_get_cid(self._ptr, byref(out)))
        return out.value

    def send(self, name: str, value: Any) -> None:
        """Sends message `name` with `value` (packed with msgpack); queued until the
        handshake completes. Raises gamenet.WouldBlock (nothing sent) when 8 MiB already
        wait for the server: send again later."""
        data = _pack(value)
        check(lib.gamenet_client_send_message(self._ptr, _text(name, "name"), data, len(data)))

    def send_many(self, messages: Iterable[Tuple[str, Any]]) -> int:
        """Sends (name, value) messages in one call, in order; returns how many went out
        (a failure raises after the rest were sent, naming the message's index)."""
        data = _pack(messages if isinstance(messages, (list, tuple)) else list(messages))
        sent = c_size_t()
        return _sent(lib.gamenet_client_send_messages(self._ptr, data, len(data), byref(sent)),
                     sent)

    def stats(self) -> MsgStats:
        """The connection's figures (a MsgStats), kept after it closes."""
        raw = _ffi.MsgStats()
        check(lib.gamenet_client_get_stats(self._ptr, byref(raw)))
        return _stats(raw)

    def ping(self, extra: Optional[dict] = None) -> None:
        """A "ping" client's status query (with the entries of `extra`, a dict with str
        keys, besides "time"); the answer comes as a MSG_PING_ANSWER event."""
        data = _pack(dict(extra)) if extra else b""
        check(lib.gamenet_client_ping_with(self._ptr, data or None, len(data)))

    def packet_id(self, name: str) -> Optional[int]:
        """The id of packet `name` on this connection: the client's own until the
        handshake, the server's after it; None when it is not registered."""
        out = ctypes.c_uint32()
        if check(lib.gamenet_client_get_packet_id(self._ptr, _text(name, "name"),
                                                  byref(out))) == EMPTY:
            return None
        return out.value

    def close_connection(self, reason: Optional[str] = None) -> None:
        """Closes the connection, telling the server `reason` (the handle stays: close() it
        after the close event)."""
        check(lib.gamenet_client_close(self._ptr, _text(reason, "reason", True)))


__all__ = ["Server", "Client", "MsgEvent", "MsgStats", "MSG_CONNECTED", "MSG_HANDSHAKE_COMPLETE",
           "MSG_MESSAGE", "MSG_PING_ANSWER", "MSG_CLOSED", "MSG_PING_QUERY"]
