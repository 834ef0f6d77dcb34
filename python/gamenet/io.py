"""The handles that move datagrams and accept connections: Writer (Panda3D's
ConnectionWriter), Reader (QueuedConnectionReader / RecentConnectionReader) and Listener
(QueuedConnectionListener), over a core.Manager. The GIL is released during every call."""
from __future__ import annotations

import ctypes
import struct
from collections import namedtuple
from ctypes import byref, c_bool, c_int32, c_size_t, c_uint32, c_uint64

from . import _ffi
from ._bindings import GAMENET_ERR_BUFFER_TOO_SMALL, GAMENET_ERR_CLOSED
from .core import Connection, NetAddress, _address, _Handle, _answer, _new, _struct_dict
from .errors import EMPTY, check

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

    from .core import Manager

lib = _ffi.lib

Received = namedtuple("Received", "conn address data")
Received.__doc__ = """A datagram from Reader.get_data / get_batch: Received(conn, address,
data)."""
Received.conn.__doc__ = "The id of the connection it came on (an int; equals its Connection)."
Received.address.__doc__ = "The NetAddress it came from."
Received.data.__doc__ = "The datagram's bytes."

# gamenet_datagram_info as bytes: conn, from (a 28-byte gamenet_address), 4 bytes of
# padding, offset, len. Unpacking the whole array at once costs a fraction of reading it
# field by field through ctypes.
_INFO = struct.Struct("=Q28s4xQQ")
assert _INFO.size == ctypes.sizeof(_ffi.DatagramInfo)


def fetch_batch(ptr: int, buf: ctypes.Array, infos: ctypes.Array,
                max_count: int) -> Tuple[ctypes.Array, List[Tuple[int, bytes, bytes]]]:
    """One gamenet_reader_get_data_batch call into the ctypes buffers `buf` and `infos`:
    (buf, [(conn, address bytes, data), ...]), with `buf` grown when the first datagram
    did not fit; an empty list when none waits."""
    count = c_size_t()
    while True:
        rc = lib.gamenet_reader_get_data_batch(ptr, buf, len(buf), infos, max_count,
                                               byref(count))
        if rc == GAMENET_ERR_BUFFER_TOO_SMALL:  # grow it and ask again (nothing is lost)
            buf = ctypes.create_string_buffer(infos[0].len)
            continue
        if check(rc) == EMPTY:
            return buf, []
        return buf, unpack_batch(buf, infos, count.value)


def unpack_batch(buf: ctypes.Array, infos: ctypes.Array,
                 n: int) -> List[Tuple[int, bytes, bytes]]:
    """The n datagrams a batch call left in `buf` and `infos`, as (conn, address bytes,
    data) tuples."""
    rows = _INFO.iter_unpack(ctypes.string_at(infos, n * _INFO.size))
    last = infos[n - 1]
    raw = ctypes.string_at(buf, last.offset + last.len)
    return [(conn, addr, raw[off:off + ln]) for conn, addr, off, ln in rows]


def _data(value: Any, name: str = "data") -> bytes:
    """A datagram's bytes: any bytes-like object (bytes(5) would be five zero bytes)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)) or hasattr(value, "__bytes__"):
        return bytes(value)
    raise TypeError(f"{name} must be bytes-like, not {type(value).__name__}")


def _conn_id(conn: Union[Connection, int]) -> int:
    """A connection id for the unchecked per-datagram calls: refused when out of range
    rather than wrapped into another connection's id."""
    if isinstance(conn, (bool, float, str, bytes)) or not hasattr(conn, "__int__"):
        raise TypeError(f"conn must be a Connection or a connection id, not "
                        f"{type(conn).__name__}")
    c = int(conn)
    if not 0 <= c < 1 << 64:
        raise ValueError(f"connection id {c} is out of range (0 to 2**64 - 1)")
    return c


NewConnection = namedtuple("NewConnection", "rendezvous conn peer")
NewConnection.__doc__ = """A connection Listener.get_new_connection accepted:
NewConnection(rendezvous, conn, peer)."""
NewConnection.rendezvous.__doc__ = "The rendezvous Connection it came in on."
NewConnection.conn.__doc__ = "The new Connection."
NewConnection.peer.__doc__ = "The peer's NetAddress."


class Writer(_Handle):
    """Sends datagrams (Panda3D's ConnectionWriter); threads=0 writes in the caller's
    thread. The GIL is released during every call."""

    _free = staticmethod(lib.gamenet_writer_free)
    _kind = "writer"

    def __init__(self, manager: Manager, threads: int = 0) -> None:
        super().__init__(_new(lib.gamenet_writer_new, manager._ptr, threads))
        self.manager = manager

    def send(self, conn: Union[Connection, int], data: Union[bytes, bytearray, memoryview],
             block: bool = False) -> None:
        """Sends one datagram on a TCP connection (block: wait for room); raises
        WouldBlock when there is none and block is False."""
        data = _data(data)
        check(lib.gamenet_writer_send(self._ptr, _conn_id(conn), data, len(data), block))

    def send_to(self, conn: Union[Connection, int],
                to: Union[NetAddress, Tuple[Union[str, bytes], int]],
                data: Union[bytes, bytearray, memoryview], block: bool = False) -> None:
        """Sends one datagram from UDP connection `conn` to `to` (a NetAddress or a
        (host, port) tuple)."""
        data = _data(data)
        to = _address(to, "to")
        check(lib.gamenet_writer_send_to(self._ptr, _conn_id(conn), byref(to._a), data, len(data),
                                         block))

    def send_batch(self, conn: Union[Connection, int],
                   datagrams: Iterable[Union[bytes, bytearray, memoryview]],
                   block: bool = False) -> int:
        """Sends many datagrams in one call; returns how many were queued."""
        datagrams = [_data(d, "datagrams[]") for d in datagrams]
        if not datagrams:
            return 0
        lens = (c_size_t * len(datagrams))(*map(len, datagrams))
        packed = b"".join(datagrams)
        sent = c_size_t()
        check(lib.gamenet_writer_send_batch(self._ptr, _conn_id(conn), packed, lens, len(datagrams),
                                            block, byref(sent)))
        return sent.value

    def send_to_batch(self, conn: Union[Connection, int],
                      datagrams: Iterable[Tuple[Union[NetAddress, Tuple[Union[str, bytes], int]],
                                                Union[bytes, bytearray, memoryview]]],
                      block: bool = False) -> int:
        """Sends [(address, data), ...] over UDP in as few system calls as possible;
        returns how many were sent."""
        datagrams = [(_address(a, "addrs[]"), _data(d, "datagrams[]")) for a, d in datagrams]
        if not datagrams:
            return 0
        n = len(datagrams)
        addrs = (_ffi.Address * n)(*(a._a for a, _ in datagrams))
        lens = (c_size_t * n)(*(len(d) for _, d in datagrams))
        packed = b"".join(d for _, d in datagrams)
        sent = c_size_t()
        check(lib.gamenet_writer_send_to_batch(self._ptr, _conn_id(conn), addrs, packed, lens, n,
                                               block, byref(sent)))
        return sent.value

    def flush(self) -> None:
        """Writes what is pending now (collect-tcp data, what sockets did not take); never
        blocks."""
        check(lib.gamenet_writer_flush(self._ptr))

    def shutdown(self, flush_timeout_ms: int = 1000) -> int:
        """Stops the writer, sending what is queued for up to flush_timeout_ms; returns how
        many datagrams were left unsent."""
        unsent = c_uint64()
        check(lib.gamenet_writer_shutdown(self._ptr, flush_timeout_ms, byref(unsent)))
        return unsent.value

    raw_mode = property(lambda s: s._get(lib.gamenet_writer_get_raw_mode, c_bool),
                        lambda s, v: check(lib.gamenet_writer_set_raw_mode(s._ptr, bool(v))),
                        doc="Raw mode (Panda3D's): no TCP length header, no UDP checksum "
                            "header.")
    tcp_header_size = property(
        lambda s: s._get(lib.gamenet_writer_get_tcp_header_size, c_int32),
        lambda s, v: check(lib.gamenet_writer_set_tcp_header_size(s._ptr, v)),
        doc="The bytes of the length header before each TCP datagram: 0, 2 (Panda3D's "
            "default) or 4.")
    max_queue_size = property(
        lambda s: s._get(lib.gamenet_writer_get_max_queue_size, c_size_t),
        lambda s, v: check(lib.gamenet_writer_set_max_queue_size(s._ptr, v)),
        doc="The bound of a threaded writer's queue, in datagrams (an immediate writer "
            "has none); a send that finds it full raises WouldBlock, or waits with block.")
    current_queue_size = property(
        lambda s: s._get(lib.gamenet_writer_get_current_queue_size, c_size_t),
        doc="The datagrams waiting in a threaded writer's queue.")
    max_queue_per_connection = property(
        lambda s: s._get(lib.gamenet_writer_get_max_queue_per_connection, c_size_t),
        lambda s, v: check(lib.gamenet_writer_set_max_queue_per_connection(s._ptr, v)),
        doc="The datagrams one connection may hold in a threaded writer's queue.")
    num_threads = property(lambda s: s._get(lib.gamenet_writer_get_num_threads, c_size_t),
                           doc="The writer's threads (0: immediate mode).")

    def set_max_buffer_bytes(self, n: int) -> None:
        """Bounds each connection's outbound buffer, in bytes: a peer that stops reading
        fills only this (then a send raises WouldBlock, or waits with block)."""
        check(lib.gamenet_writer_set_max_buffer_bytes(self._ptr, n))

    def set_udp_max_size(self, n: int) -> None:
        """The largest UDP payload send_to accepts, in bytes (default 1500; at most 65507)."""
        check(lib.gamenet_writer_set_udp_max_size(self._ptr, n))

    def is_valid_for_udp(self, length: Union[int, bytes, bytearray, memoryview]) -> bool:
        """Whether a datagram of `length` bytes (or the datagram itself) fits one UDP
        packet (Panda3D's is_valid_for_udp)."""
        if not isinstance(length, int):
            length = len(length)
        return _answer(lib.gamenet_writer_is_valid_for_udp, self._ptr, length)

    def set_collect_tcp(self, interval_ms: Optional[int]) -> None:
        """Holds TCP datagrams up to interval_ms (None: off) and sends them on a timer."""
        check(lib.gamenet_writer_set_collect_tcp(self._ptr, interval_ms is not None,
                                                 interval_ms or 0))

    def get_collect_tcp(self) -> Optional[int]:
        """The collect-TCP interval in milliseconds, or None when it is off."""
        on, ms = c_bool(), c_uint32()
        check(lib.gamenet_writer_get_collect_tcp(self._ptr, byref(on), byref(ms)))
        return ms.value if on.value else None

    def flush_wait(self, timeout_ms: int) -> None:
        """Writes what is queued and waits up to timeout_ms until all of it has reached the
        kernel; raises Timeout when some is still queued then."""
        check(lib.gamenet_writer_flush_wait(self._ptr, timeout_ms))

    def set_send_timeout(self, ms: int) -> None:
        """How long a blocking send waits for room, in milliseconds (0: no limit, the
        default)."""
        check(lib.gamenet_writer_set_send_timeout(self._ptr, ms))

    def stats(self) -> Dict[str, int]:
        """The writer's counters (gamenet_writer_stats) as a dict: datagrams_sent,
        bytes_sent, queue_size, would_block, send_errors, unsent_at_shutdown."""
        s = _ffi.WriterStats()
        check(lib.gamenet_writer_get_stats(self._ptr, byref(s)))
        return _struct_dict(s)


class Reader(_Handle):
    """Receives datagrams (Panda3D's QueuedConnectionReader, or RecentConnectionReader with
    recent=True); threads=0 reads in the caller's thread during data_available/poll/get."""

    _free = staticmethod(lib.gamenet_reader_free)
    _kind = "reader"

    def __init__(self, manager: Manager, threads: int = 0, recent: bool = False) -> None:
        fn = lib.gamenet_reader_new_recent if recent else lib.gamenet_reader_new
        super().__init__(_new(fn, manager._ptr, threads))
        self.manager = manager
        self._buf = ctypes.create_string_buffer(65536)
        self._infos = None

    def add_connection(self, conn: Union[Connection, int]) -> bool:
        """Starts reading datagrams from the connection; returns True, raises on failure."""
        check(lib.gamenet_reader_add_connection(self._ptr, _conn_id(conn)))
        return True

    def remove_connection(self, conn: Union[Connection, int]) -> bool:
        """Stops reading from the connection (it stays open); returns True, raises on
        failure."""
        check(lib.gamenet_reader_remove_connection(self._ptr, _conn_id(conn)))
        return True

    def is_connection_ok(self, conn: Union[Connection, int]) -> bool:
        """Whether the connection is open and read by this reader."""
        return _answer(lib.gamenet_reader_is_connection_ok, self._ptr, _conn_id(conn))

    def set_raw_mode(self, raw: bool) -> None:
        """Raw mode (Panda3D's), for connections added afterwards: each TCP read is a
        datagram, with no length header; UDP datagrams have no checksum header."""
        check(lib.gamenet_reader_set_raw_mode(self._ptr, bool(raw)))

    tcp_header_size = property(
        lambda s: s._get(lib.gamenet_reader_get_tcp_header_size, c_int32),
        lambda s, v: check(lib.gamenet_reader_set_tcp_header_size(s._ptr, v)),
        doc="The bytes of the length header before each TCP datagram, for connections "
            "added afterwards: 0, 2 (Panda3D's default) or 4.")
    max_datagram_size = property(
        lambda s: s._get(lib.gamenet_reader_get_max_datagram_size, c_size_t),
        lambda s, v: check(lib.gamenet_reader_set_max_datagram_size(s._ptr, v)),
        doc="The largest datagram accepted, in bytes, for connections added afterwards "
            "(0: the header's limit); a TCP peer that announces more is closed "
            "(CLOSE_TOO_LARGE), a larger UDP datagram dropped.")
    current_queue_size = property(
        lambda s: s._get(lib.gamenet_reader_get_current_queue_size, c_size_t),
        doc="The datagrams waiting in the queue.")
    busy_poll_us = property(
        lambda s: s._get(lib.gamenet_reader_get_busy_poll, c_uint32),
        lambda s, v: check(lib.gamenet_reader_set_busy_poll(s._ptr, v)),
        doc="How long poll() watches without sleeping before it sleeps (microseconds).")
    max_queue_per_connection = property(
        lambda s: s._get(lib.gamenet_reader_get_max_queue_per_connection, c_size_t),
        lambda s, v: check(lib.gamenet_reader_set_max_queue_per_connection(s._ptr, v)),
        doc="The datagrams one TCP connection may hold in the queue while others are "
            "watched too.")

    def set_max_queue_size(self, n: int) -> None:
        """Bounds the queue, in datagrams: when it is full, TCP reading pauses (nothing is
        lost) and UDP datagrams are dropped and counted."""
        check(lib.gamenet_reader_set_max_queue_size(self._ptr, n))

    max_queue_size = property(
        lambda s: s._get(lib.gamenet_reader_get_max_queue_size, c_size_t),
        lambda s, v: s.set_max_queue_size(v), doc="The queue bound, in datagrams.")
    raw_mode = property(lambda s: s._get(lib.gamenet_reader_get_raw_mode, c_bool),
                        lambda s, v: s.set_raw_mode(v), doc="See set_raw_mode().")
    num_threads = property(lambda s: s._get(lib.gamenet_reader_get_num_threads, c_size_t),
                           doc="The reader's threads (0: polling mode).")
    overflow_flag = property(
        lambda s: s._get(lib.gamenet_reader_get_overflow_flag, c_bool),
        doc="Whether a datagram was dropped for a full queue since reset_overflow_flag().")

    def reset_overflow_flag(self) -> None:
        """Lowers overflow_flag."""
        check(lib.gamenet_reader_reset_overflow_flag(self._ptr))

    def data_available(self) -> bool:
        """Whether a datagram waits (in polling mode, reads the sockets first)."""
        return _answer(lib.gamenet_reader_data_available, self._ptr)

    def poll(self, timeout_ms: int = -1) -> bool:
        """Waits up to timeout_ms (-1: no limit) for a datagram; True when one waits, False
        when the time ran out or (at once) when the reader is shut down and its queue is
        empty. The GIL is released while waiting."""
        rc = lib.gamenet_reader_poll(self._ptr, timeout_ms)
        if rc == GAMENET_ERR_CLOSED:
            return False
        return check(rc) != EMPTY

    def get_data(self) -> Optional[Received]:
        """Takes the oldest datagram, as Received(conn, address, data); None when none
        waits."""
        info = _ffi.DatagramInfo()
        n = c_size_t()
        while True:
            rc = lib.gamenet_reader_get_data(self._ptr, byref(info), self._buf, len(self._buf),
                                             byref(n))
            if rc == GAMENET_ERR_BUFFER_TOO_SMALL:  # grow it and ask again (nothing is lost)
                self._buf = ctypes.create_string_buffer(n.value)
                continue
            if check(rc) == EMPTY:
                return None
            return Received(info.conn, NetAddress._wrap(info.from_), self._buf.raw[:n.value])

    def get_batch(self, max_count: int = 4096, bufsize: int = 1 << 20) -> List[Received]:
        """Up to max_count waiting datagrams in one call, as a list of Received."""
        if self._infos is None or len(self._infos) < max_count:
            self._infos = (_ffi.DatagramInfo * max_count)()
        if len(self._buf) < bufsize:
            self._buf = ctypes.create_string_buffer(bufsize)
        self._buf, rows = fetch_batch(self._ptr, self._buf, self._infos, max_count)
        out = []
        addresses = {}  # one NetAddress per distinct origin in the batch
        for conn, key, data in rows:
            addr = addresses.get(key)
            if addr is None:
                addr = addresses[key] = NetAddress._wrap(_ffi.Address.from_buffer_copy(key))
            out.append(Received(conn, addr, data))
        return out

    def take_overflow(self) -> bool:
        """overflow_flag, lowered in the same call: whether a datagram was dropped since."""
        return _answer(lib.gamenet_reader_take_overflow, self._ptr)

    def stats(self) -> Dict[str, int]:
        """The reader's counters (gamenet_reader_stats) as a dict: datagrams, bytes,
        queue_size, dropped_*, replaced, backpressure_pauses, connections."""
        s = _ffi.ReaderStats()
        check(lib.gamenet_reader_get_stats(self._ptr, byref(s)))
        return _struct_dict(s)

    def shutdown(self) -> None:
        """Stops the reader's threads within a bounded time; its connections stay open and
        datagrams already queued can still be taken."""
        check(lib.gamenet_reader_shutdown(self._ptr))


class Listener(_Handle):
    """Accepts TCP connections (Panda3D's QueuedConnectionListener)."""

    _free = staticmethod(lib.gamenet_listener_free)
    _kind = "listener"

    def __init__(self, manager: Manager, threads: int = 0) -> None:
        super().__init__(_new(lib.gamenet_listener_new, manager._ptr, threads))
        self.manager = manager
        self._reader: Optional[Reader] = None

    def add_connection(self, rendezvous: Union[Connection, int]) -> bool:
        """Starts accepting on a rendezvous connection; returns True, raises on failure."""
        check(lib.gamenet_listener_add_connection(self._ptr, _conn_id(rendezvous)))
        return True

    def remove_connection(self, rendezvous: Union[Connection, int]) -> bool:
        """Stops accepting on the rendezvous connection (it stays open); returns True."""
        check(lib.gamenet_listener_remove_connection(self._ptr, _conn_id(rendezvous)))
        return True

    def set_reader(self, reader: Optional[Reader]) -> None:
        """Adds every accepted connection to `reader` (None: stop)."""
        check(lib.gamenet_listener_set_reader(self._ptr, reader._ptr if reader else None))
        self._reader = reader

    def new_connection_available(self) -> bool:
        """Whether an accepted connection waits (in polling mode, accepts first)."""
        return _answer(lib.gamenet_listener_new_connection_available, self._ptr)

    def poll(self, timeout_ms: int = -1) -> bool:
        """Waits up to timeout_ms (-1: no limit) for an accepted connection; True when one
        waits. The GIL is released while waiting."""
        return check(lib.gamenet_listener_poll(self._ptr, timeout_ms)) != EMPTY

    def get_new_connection(self) -> Optional[NewConnection]:
        """Takes the oldest accepted connection, as NewConnection(rendezvous, conn, peer);
        None when none waits."""
        nc = _ffi.NewConnection()
        if check(lib.gamenet_listener_get_new_connection(self._ptr, byref(nc))) == EMPTY:
            return None
        return NewConnection(Connection(self.manager, nc.rendezvous),
                             Connection(self.manager, nc.conn), NetAddress._wrap(nc.peer))

    max_queue_size = property(
        lambda s: s._get(lib.gamenet_listener_get_max_queue_size, c_size_t),
        lambda s, v: check(lib.gamenet_listener_set_max_queue_size(s._ptr, v)),
        doc="The bound of the queue of accepted connections; one accepted while it is "
            "full is closed (reported on the reset queue) and raises overflow_flag.")
    current_queue_size = property(
        lambda s: s._get(lib.gamenet_listener_get_current_queue_size, c_size_t),
        doc="Accepted connections waiting to be taken.")
    overflow_flag = property(
        lambda s: s._get(lib.gamenet_listener_get_overflow_flag, c_bool),
        doc="Whether a connection was closed for a full queue since reset_overflow_flag().")
    num_threads = property(lambda s: s._get(lib.gamenet_listener_get_num_threads, c_size_t),
                           doc="The accept threads (0: polling mode).")

    def reset_overflow_flag(self) -> None:
        """Lowers overflow_flag."""
        check(lib.gamenet_listener_reset_overflow_flag(self._ptr))

    def stats(self) -> Dict[str, int]:
        """The listener's counters (gamenet_listener_stats) as a dict: accepted, exhausted,
        accept_errors, queue_size."""
        s = _ffi.ListenerStats()
        check(lib.gamenet_listener_get_stats(self._ptr, byref(s)))
        return _struct_dict(s)

    def shutdown(self) -> None:
        """Stops the accept threads within a bounded time; connections stay open."""
        check(lib.gamenet_listener_shutdown(self._ptr))


__all__ = ["Writer", "Reader", "Listener", "Received", "NewConnection"]
