"""gamenet.panda's Connection and PointerToConnection (Panda3D's names)."""
from __future__ import annotations

import time

from . import core
from ._panda_values import NetAddress, TypeHandle, _Typed, _with_camel_case
from .errors import GamenetError

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import Any, Callable, Optional, Union

    from ._panda_socket import Socket_TCP, Socket_TCP_Listen, Socket_UDP
    from .panda import QueuedConnectionManager


@_with_camel_case
class Connection(_Typed):
    """Panda3D's Connection: a socket of a manager. It equals (and hashes like) its
    connection id, as gamenet.core.Connection does, so a datagram's connection and the one
    open_* returned compare equal.

    Names that cannot mean anything in gamenet keep Panda3D's observable behaviour:
    reference counts (ref, unref, get_ref_count) count ref/unref calls from 1, as a
    Panda3D Connection held by one pointer does; get_class_type is Panda3D's
    ReferenceCount handle. Collect-TCP: gamenet coalesces what a connection queues into
    as few writes as it can on its own, so set_collect_tcp, the interval and
    set_max_segment are kept and read back, and flush/consider_flush send what waits."""

    _type = TypeHandle("ReferenceCount")

    def __init__(self, manager: QueuedConnectionManager, conn: core.Connection) -> None:
        self._manager = manager
        self._c = conn
        self._id = conn.id
        self._refs = 1
        self._collect_interval = 0.2
        self._max_segment = 0
        self._last_flush = time.monotonic()

    def __int__(self) -> int:
        return self._c.id

    __index__ = __int__

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Connection):
            return other._c.id == self._c.id
        if isinstance(other, (int, core.Connection)) and not isinstance(other, bool):
            return int(other) == self._c.id
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._c.id)

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"Connection({self._c.id})"

    def get_manager(self) -> QueuedConnectionManager:
        """The manager that opened it."""
        return self._manager

    def get_address(self) -> NetAddress:
        """The peer of a TCP connection; the bound address of a rendezvous or UDP socket."""
        try:
            return NetAddress._wrap(self._c.peer_address._a)
        except GamenetError:
            return NetAddress._wrap(self._c.local_address._a)

    def get_socket(self) -> Optional[Union[Socket_TCP, Socket_TCP_Listen, Socket_UDP]]:
        """A nativenet socket object for this connection (Socket_TCP, Socket_TCP_Listen or
        Socket_UDP), or None once the connection is closed, as in Panda3D. gamenet owns
        the socket: its option setters work; its I/O goes through readers and writers."""
        from ._panda_socket import socket_of
        return socket_of(self)

    def _is_open(self) -> bool:
        try:
            self._c.kind
        except GamenetError:
            return False
        return True

    def _opt(self, fn: Callable[..., object], *args: Any) -> bool:
        try:
            fn(*args)
        except GamenetError:
            return False
        return True

    def set_no_delay(self, flag: bool) -> None:
        """TCP_NODELAY (Panda3D's set_no_delay); ignored once the connection is closed."""
        self._opt(self._c.set_no_delay, bool(flag))

    def set_linger(self, flag: bool, time_s: float) -> None:
        """SO_LINGER: whether a close waits for unsent data, and for how many seconds
        (whole seconds; the fraction is dropped)."""
        self._opt(self._c.set_linger, bool(flag), int(time_s))

    def set_reuse_addr(self, flag: bool) -> None:
        """SO_REUSEADDR."""
        self._opt(self._c.set_reuse_addr, bool(flag))

    def set_keep_alive(self, flag: bool) -> None:
        """TCP keep-alive, with the system's timings."""
        self._opt(self._c.set_keep_alive, bool(flag))

    def set_recv_buffer_size(self, size: int) -> None:
        """SO_RCVBUF, in bytes."""
        self._opt(self._c.set_recv_buffer_size, int(size))

    def set_send_buffer_size(self, size: int) -> None:
        """SO_SNDBUF, in bytes."""
        self._opt(self._c.set_send_buffer_size, int(size))

    def set_ip_time_to_live(self, ttl: int) -> None:
        """The IP time to live of outgoing packets."""
        self._opt(self._c.set_ttl, int(ttl))

    def set_ip_type_of_service(self, tos: int) -> None:
        """The IP type of service of outgoing packets."""
        self._opt(self._c.set_tos, int(tos))

    def set_collect_tcp(self, flag: bool) -> None:
        """Panda3D's collect-tcp flag, kept and read back (gamenet coalesces writes on its
        own; see the class docstring)."""
        self._manager._collect[self._c.id] = bool(flag)

    def get_collect_tcp(self) -> bool:
        """The collect-tcp flag set_collect_tcp set (False by default)."""
        return self._manager._collect.get(self._c.id, False)

    def set_collect_tcp_interval(self, interval: float) -> None:
        """Seconds between flushes of collected writes (Panda3D's default 0.2)."""
        self._collect_interval = float(interval)

    def get_collect_tcp_interval(self) -> float:
        """Seconds between flushes of collected writes."""
        return self._collect_interval

    def set_max_segment(self, size: int) -> None:
        """Panda3D's largest TCP segment, kept (gamenet sizes its writes itself)."""
        self._max_segment = int(size)

    def consider_flush(self) -> bool:
        """Flushes when collect-tcp is off or its interval has passed; True unless the
        connection is closed."""
        if not self.get_collect_tcp() or \
                time.monotonic() - self._last_flush >= self._collect_interval:
            return self.flush()
        return self._is_open()

    def flush(self) -> bool:
        """Sends what the manager's writers hold for this connection; True unless it is
        closed."""
        for w in list(self._manager._writers):
            w._w.flush()
        self._last_flush = time.monotonic()
        return self._is_open()

    # Reference counts: see the class docstring.
    def get_ref_count(self) -> int:
        """The reference count: 1, plus ref() calls, less unref() calls."""
        return self._refs

    ref_count = property(get_ref_count)

    def ref(self) -> None:
        """Adds one count."""
        self._refs += 1

    def unref(self) -> bool:
        """Drops one count; True while counts remain (Panda3D's meaning)."""
        self._refs = max(0, self._refs - 1)
        return self._refs > 0

    def test_ref_count_integrity(self) -> bool:
        """Whether the count is sane (never negative here): True."""
        return self._refs >= 0

    def test_ref_count_nonzero(self) -> bool:
        """Whether counts remain."""
        return self._refs > 0


@_with_camel_case
class PointerToConnection:
    """Panda3D's PointerToConnection: filled by get_new_connection / get_reset_connection."""

    def __init__(self, conn: Optional[Connection] = None) -> None:
        self._conn = conn

    def p(self) -> Optional[Connection]:
        """The Connection pointed at, or None (Panda3D's p())."""
        return self._conn

    def is_null(self) -> bool:
        """Whether it points at nothing."""
        return self._conn is None

    def clear(self) -> None:
        """Points at nothing."""
        self._conn = None

    def assign(self, other: Union[PointerToConnection, Connection, None]) -> PointerToConnection:
        """Points at other's Connection (a PointerToConnection, a Connection or None)."""
        self._conn = other._conn if isinstance(other, PointerToConnection) else other
        return self

    def get_hash(self) -> int:
        """0 when null, as Panda3D's; otherwise the connection's hash."""
        return 0 if self._conn is None else hash(self._conn) & 0xFFFFFFFF

    def output(self, out: Any = None) -> None:
        """Writes the Connection's repr, or "(empty)", to out (any object with write();
        None: sys.stdout)."""
        from ._panda_values import _out
        _out(out).write("(empty)" if self._conn is None else repr(self._conn))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PointerToConnection):
            return self._conn == other._conn
        return self._conn == other

    def __hash__(self) -> int:
        return self.get_hash()
