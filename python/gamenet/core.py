"""Pythonic classes over gamenet's C handles: Manager, Connection, NetAddress (Writer, Reader
and Listener are in io.py). Every class has close() (idempotent), `with` support, and raises
Closed when used after close(). Failing calls raise GamenetError subclasses."""
from __future__ import annotations

import atexit
import ctypes
import itertools

import sys

import traceback
import weakref
from collections import namedtuple
from ctypes import byref, c_bool, c_int32, c_size_t, c_uint32, c_uint64, c_void_p

from . import _bindings as _b, _ffi
from ._bindings import (GAMENET_ERR_BUFFER_TOO_SMALL,
                        GAMENET_ERR_CLOSED, GAMENET_IF_HAS_MAC, GAMENET_OK)
from .address import NetAddress, _address, _answer, _text  # noqa: F401 (re-exported)
from .errors import Closed, GamenetError, check, EMPTY, error

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, TypeVar, Union
    _H = TypeVar("_H", bound="_Handle")

lib = _ffi.lib

ResetEvent = namedtuple("ResetEvent", "conn reason message os_error")
ResetEvent.__doc__ = """A closed connection, from the manager's reset queue (Panda3D's reset
connection): ResetEvent(conn, reason, message, os_error)."""
ResetEvent.conn.__doc__ = "The id of the connection that closed."
ResetEvent.reason.__doc__ = "Why it closed: one of the CLOSE_* values."
ResetEvent.message.__doc__ = "What happened, in words (\"closed by the application\", ...)."
ResetEvent.os_error.__doc__ = "The system's errno when one caused the close, else 0."
# The outcome of open_tcp_client_async: conn is the new Connection (None on failure),
# error the GamenetError saying why (None on success).
ConnectEvent = namedtuple("ConnectEvent", "ticket conn error")
ConnectEvent.__doc__ = """The outcome of Manager.open_tcp_client_async:
ConnectEvent(ticket, conn, error)."""
ConnectEvent.ticket.__doc__ = "The ticket open_tcp_client_async returned."
ConnectEvent.conn.__doc__ = "The new Connection, or None when the connect failed."
ConnectEvent.error.__doc__ = "The GamenetError saying why it failed, or None on success."

# Close reasons (gamenet_close_reason), log levels and connection kinds (gamenet_conn_kind).
CLOSE_LOCAL = _b.GAMENET_CLOSE_LOCAL
CLOSE_PEER_CLOSED = _b.GAMENET_CLOSE_PEER_CLOSED
CLOSE_RESET = _b.GAMENET_CLOSE_RESET
CLOSE_ERROR = _b.GAMENET_CLOSE_ERROR
CLOSE_PROTOCOL_VIOLATION = _b.GAMENET_CLOSE_PROTOCOL_VIOLATION
CLOSE_TOO_LARGE = _b.GAMENET_CLOSE_TOO_LARGE
CLOSE_MANAGER_SHUTDOWN = _b.GAMENET_CLOSE_MANAGER_SHUTDOWN
LOG_ERROR = _b.GAMENET_LOG_ERROR
LOG_WARN = _b.GAMENET_LOG_WARN
LOG_INFO = _b.GAMENET_LOG_INFO
LOG_DEBUG = _b.GAMENET_LOG_DEBUG
KIND_TCP_RENDEZVOUS = _b.GAMENET_CONN_TCP_RENDEZVOUS
KIND_TCP = _b.GAMENET_CONN_TCP
KIND_UDP = _b.GAMENET_CONN_UDP


# Log callbacks, after wasmtime-py's _func.py: gamenet gets one module-level trampoline and a
# slab key as userdata, never a Python object, so nothing gamenet holds refers to a Manager
# (a closure over the Manager, kept alive for gamenet, would keep the Manager alive for
# ever). A slot holds (fn, a weak reference to the manager, for its callback_errors) until
# gamenet calls userdata_free for its key: when the callback is replaced or removed, or the
# manager is freed, after any call in progress has returned. The reference is weak because
# a kept exception's traceback reaches the frames that called into gamenet, and so the
# Manager itself.
_CALLBACKS = {}
_KEYS = itertools.count(1)


@_ffi.LOG_FN
def _log_trampoline(userdata: int, level: int, msg: bytes, _length: int) -> None:
    entry = _CALLBACKS.get(userdata)
    if entry is None:
        return
    fn, manager_ref = entry
    try:
        fn(level, msg.decode("utf-8", "replace"))
    except BaseException:
        # Never let an exception unwind into C: print it, and keep it on the manager
        # unless the manager is being collected.
        traceback.print_exc()
        manager = manager_ref()
        if manager is not None:
            manager.callback_errors.append(sys.exc_info()[1])


@_ffi.FREE_FN
def _release(userdata: int) -> None:
    _CALLBACKS.pop(userdata, None)


def version() -> str:
    """The library's version, e.g. "0.1.0" (gamenet_version)."""
    return lib.gamenet_version().decode()


def _struct_dict(s: Any) -> Dict[str, Any]:
    return {name: getattr(s, name) for name, _ in s._fields_}


class _Handle:
    """A C handle with close(), `with` and a clear error after close."""

    _free = None
    _kind = "handle"

    def __init__(self, ptr: int) -> None:
        self._h = ptr

    @property
    def _ptr(self) -> int:
        if not self._h:
            raise Closed(GAMENET_ERR_CLOSED, f"this {self._kind} is closed")
        return self._h

    @property
    def closed(self) -> bool:
        """Whether close() was called."""
        return not self._h

    def close(self) -> None:
        """Frees the C handle; calling it again does nothing. Later calls raise Closed."""
        h, self._h = self._h, None
        if h:
            type(self)._free(h)

    def _get(self, fn: Callable[..., int], ctype: Any) -> Any:
        """Calls a getter of gamenet (the handle first, the answer in its last argument)."""
        v = ctype()
        check(fn(self._ptr, byref(v)))
        return v.value

    def __enter__(self: _H) -> _H:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


def _new(fn: Callable[..., int], *args: Any) -> int:
    out = c_void_p()
    check(fn(*args, byref(out)))
    return out.value


class Connection:
    """A connection of a Manager, by id. int(conn) is the id."""

    __slots__ = ("manager", "id")

    def __init__(self, manager: Manager, conn_id: int) -> None:
        self.manager = manager
        self.id = conn_id

    def __int__(self) -> int:
        return self.id

    __index__ = __int__

    def __eq__(self, other: object) -> bool:
        # Equal to the same connection, and to its id: a datagram's `conn` (an id) equals
        # the Connection that open_* returned, and they hash alike.
        if isinstance(other, Connection):
            return other.id == self.id
        if isinstance(other, int) and not isinstance(other, bool):
            return other == self.id
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        return f"Connection({self.id})"

    def _m(self) -> int:
        return self.manager._ptr

    @property
    def kind(self) -> int:
        """What the connection is: KIND_TCP, KIND_TCP_RENDEZVOUS or KIND_UDP; raises
        UnknownConnection once it is closed."""
        k = c_int32()
        check(lib.gamenet_conn_get_kind(self._m(), self.id, byref(k)))
        return k.value

    def _addr(self, fn: Callable[..., int]) -> NetAddress:
        a = _ffi.Address()
        check(fn(self._m(), self.id, byref(a)))
        return NetAddress._wrap(a)

    @property
    def local_address(self) -> NetAddress:
        """The address the connection's socket is bound to."""
        return self._addr(lib.gamenet_conn_get_local_address)

    @property
    def peer_address(self) -> NetAddress:
        """The address of the other end of a TCP connection (a rendezvous or UDP socket has
        none: raises)."""
        return self._addr(lib.gamenet_conn_get_peer_address)

    def _get(self, fn: Callable[..., int], ctype: Any) -> Any:
        v = ctype()
        check(fn(self._m(), self.id, byref(v)))
        return v.value

    def set_no_delay(self, on: bool) -> None:
        """TCP_NODELAY: send small datagrams at once rather than coalesce them (Nagle)."""
        check(lib.gamenet_conn_set_no_delay(self._m(), self.id, bool(on)))

    def get_no_delay(self) -> bool:
        """Whether TCP_NODELAY is on."""
        return self._get(lib.gamenet_conn_get_no_delay, c_bool)

    def set_linger(self, on: bool, seconds: int = 0) -> None:
        """SO_LINGER: whether (and how many seconds) a close waits for unsent data."""
        check(lib.gamenet_conn_set_linger(self._m(), self.id, bool(on), int(seconds)))

    def get_linger(self) -> Tuple[bool, int]:
        """SO_LINGER as (on, seconds)."""
        on, s = c_bool(), c_uint32()
        check(lib.gamenet_conn_get_linger(self._m(), self.id, byref(on), byref(s)))
        return on.value, s.value

    def set_keep_alive(self, on: bool, idle_ms: int = 0, interval_ms: int = 0) -> None:
        """TCP keep-alive, with the idle time before the first probe and the interval
        between probes in milliseconds (0: the system's)."""
        check(lib.gamenet_conn_set_keep_alive(self._m(), self.id, bool(on), idle_ms, interval_ms))

    def get_keep_alive(self) -> Tuple[bool, int, int]:
        """TCP keep-alive as (on, idle_ms, interval_ms)."""
        on, i, v = c_bool(), c_uint32(), c_uint32()
        check(lib.gamenet_conn_get_keep_alive(self._m(), self.id, byref(on), byref(i), byref(v)))
        return on.value, i.value, v.value

    def set_send_buffer_size(self, n: int) -> None:
        """SO_SNDBUF: the socket's send buffer, in bytes (the system may adjust it)."""
        check(lib.gamenet_conn_set_send_buffer_size(self._m(), self.id, n))

    def get_send_buffer_size(self) -> int:
        """SO_SNDBUF, in bytes."""
        return self._get(lib.gamenet_conn_get_send_buffer_size, c_size_t)

    def set_recv_buffer_size(self, n: int) -> None:
        """SO_RCVBUF: the socket's receive buffer, in bytes (the system may adjust it)."""
        check(lib.gamenet_conn_set_recv_buffer_size(self._m(), self.id, n))

    def get_recv_buffer_size(self) -> int:
        """SO_RCVBUF, in bytes."""
        return self._get(lib.gamenet_conn_get_recv_buffer_size, c_size_t)

    def set_reuse_addr(self, on: bool) -> None:
        """SO_REUSEADDR."""
        check(lib.gamenet_conn_set_reuse_addr(self._m(), self.id, bool(on)))

    def get_reuse_addr(self) -> bool:
        """Whether SO_REUSEADDR is on."""
        return self._get(lib.gamenet_conn_get_reuse_addr, c_bool)

    def set_ttl(self, ttl: int) -> None:
        """The IP time to live of outgoing packets (Panda3D's set_ip_time_to_live)."""
        check(lib.gamenet_conn_set_ttl(self._m(), self.id, ttl))

    def get_ttl(self) -> int:
        """The IP time to live of outgoing packets."""
        return self._get(lib.gamenet_conn_get_ttl, c_uint32)

    def set_tos(self, tos: int) -> None:
        """The IP type of service of outgoing packets (Panda3D's set_ip_type_of_service)."""
        check(lib.gamenet_conn_set_tos(self._m(), self.id, tos))

    def get_tos(self) -> int:
        """The IP type of service of outgoing packets."""
        return self._get(lib.gamenet_conn_get_tos, c_uint32)

    def stats(self) -> Dict[str, int]:
        """The connection's counters (gamenet_conn_stats) as a dict: datagrams_in,
        bytes_in, datagrams_out, bytes_out, dropped_*, pending_out_bytes."""
        s = _ffi.ConnStats()
        check(lib.gamenet_conn_get_stats(self._m(), self.id, byref(s)))
        return _struct_dict(s)

    def close(self) -> None:
        """Closes the connection; it is reported once on the manager's reset queue."""
        self.manager.close_connection(self)


class Manager(_Handle):
    """Opens and closes connections and reports every close once (reset queue)."""

    _free = staticmethod(lib.gamenet_manager_free)
    _kind = "manager"

    def __init__(self) -> None:
        super().__init__(_new(lib.gamenet_manager_new))
        self.callback_errors: List[BaseException] = []

    def _conn(self, conn_id: int) -> Connection:
        return Connection(self, conn_id)

    def open_tcp_server_rendezvous(self, port: int, host: Optional[Union[str, bytes]] = None,
                                   backlog: int = 64) -> Connection:
        """Opens a listening TCP socket (Panda3D's rendezvous) on `port` (0: any free port),
        on `host` or every address; add it to a Listener to accept connections."""
        out = c_uint64()
        check(lib.gamenet_manager_open_tcp_server_rendezvous(
            self._ptr, _text(host, "host", True) or None, port, backlog, byref(out)))
        return self._conn(out.value)

    def open_tcp_client(self, host: Union[str, bytes, NetAddress, Tuple[Union[str, bytes], int]],
                        port: int, timeout_ms: int = 3000) -> Connection:
        """Connects to host:port, blocking up to timeout_ms (host may also be a NetAddress
        or a (host, port) tuple; port is then ignored); raises on failure."""
        out = c_uint64()
        if isinstance(host, (NetAddress, tuple)):
            host = _address(host, "host")
            check(lib.gamenet_manager_open_tcp_client_connection(
                self._ptr, byref(host._a), timeout_ms, byref(out)))
        else:
            check(lib.gamenet_manager_open_tcp_client_connection_host(
                self._ptr, _text(host, "host"), port, timeout_ms, byref(out)))
        return self._conn(out.value)

    def open_tcp_client_async(self,
                              host: Union[str, bytes, NetAddress, Tuple[Union[str, bytes], int]],
                              port: int, timeout_ms: int = 3000) -> int:
        """Starts connecting without blocking and returns a ticket at once; every address
        `host` resolves to is tried within timeout_ms (host may also be a NetAddress or a
        (host, port) tuple; port is then ignored). Take the outcome with
        get_connect_event() (from the game loop)."""
        out = c_uint64()
        if isinstance(host, (NetAddress, tuple)):
            address = _address(host, "host")
            host, port = address.get_ip_string(), address.port
        check(lib.gamenet_manager_open_tcp_client_async(
            self._ptr, _text(host, "host"), port, timeout_ms, byref(out)))
        return out.value

    def get_connect_event(self) -> Optional[ConnectEvent]:
        """The oldest finished connect as ConnectEvent(ticket, conn, error), or None."""
        ev = _ffi.ConnectEvent()
        if check(lib.gamenet_manager_get_connect_event(self._ptr, byref(ev))) == EMPTY:
            return None
        if ev.result == GAMENET_OK:
            return ConnectEvent(ev.ticket, self._conn(ev.conn), None)
        return ConnectEvent(ev.ticket, None,
                            error(ev.result, ev.message.decode("utf-8", "replace"), ev.os_error))

    def open_udp(self, port: int = 0, host: Optional[Union[str, bytes]] = None,
                 for_broadcast: bool = False) -> Connection:
        """Opens a UDP socket bound to `port` (0: any free port) on `host` or every address;
        for_broadcast allows sending to broadcast addresses."""
        out = c_uint64()
        check(lib.gamenet_manager_open_udp_connection(
            self._ptr, _text(host, "host", True) or None, port, for_broadcast, byref(out)))
        return self._conn(out.value)

    def connection(self, conn_id: Union[Connection, int]) -> Connection:
        """The Connection of this manager with id `conn_id` (no check that it is open)."""
        return self._conn(int(conn_id))

    def close_connection(self, conn: Union[Connection, int]) -> bool:
        """Closes a connection; returns True, raises UnknownConnection if it is not open.
        The close is reported once on the reset queue (reason CLOSE_LOCAL)."""
        check(lib.gamenet_manager_close_connection(self._ptr, int(conn)))
        return True

    @property
    def num_connections(self) -> int:
        """How many connections are open."""
        n = c_size_t()
        check(lib.gamenet_manager_get_num_connections(self._ptr, byref(n)))
        return n.value

    def reset_connection_available(self) -> bool:
        """Whether a closed connection waits on the reset queue (Panda3D's
        reset_connection_available)."""
        return _answer(lib.gamenet_manager_reset_connection_available, self._ptr)

    def get_reset_connection(self) -> Optional[ResetEvent]:
        """Takes the oldest closed connection from the reset queue, as a ResetEvent; None
        when none waits."""
        info = _ffi.ResetInfo()
        if check(lib.gamenet_manager_get_reset_connection(self._ptr, byref(info))) == EMPTY:
            return None
        return ResetEvent(info.conn, info.reason, info.message.decode("utf-8", "replace"),
                          info.os_error)

    def resets(self) -> Iterator[ResetEvent]:
        """Takes every closed connection waiting on the reset queue, as ResetEvents."""
        while True:
            ev = self.get_reset_connection()
            if ev is None:
                return
            yield ev

    max_reset_queue_size = property(
        lambda s: s._get(lib.gamenet_manager_get_max_queue_size, c_size_t),
        lambda s, v: check(lib.gamenet_manager_set_max_queue_size(s._ptr, v)),
        doc="The reset queue's bound; a close that finds it full is not queued (the "
            "overflow flag goes up and the log names the connection).")
    reset_queue_size = property(
        lambda s: s._get(lib.gamenet_manager_get_current_queue_size, c_size_t),
        doc="Closed connections waiting on the reset queue.")
    reset_overflow_flag = property(
        lambda s: s._get(lib.gamenet_manager_get_overflow_flag, c_bool),
        doc="Whether a close did not fit the reset queue since clear_reset_overflow().")

    def clear_reset_overflow(self) -> None:
        """Lowers reset_overflow_flag."""
        check(lib.gamenet_manager_reset_overflow_flag(self._ptr))

    def get_host_name(self) -> str:
        """This machine's host name (Panda3D's ConnectionManager.get_host_name)."""
        n = c_size_t()
        buf = ctypes.create_string_buffer(256)
        check(lib.gamenet_manager_get_host_name(self._ptr, buf, len(buf), byref(n)))
        return buf.value.decode()

    def interfaces(self) -> List[Dict[str, Any]]:
        """The machine's network interfaces, one dict per IP address: name (str), flags (int),
        address, netmask, broadcast, point_to_point (NetAddress; family 0 when absent) and
        mac (bytes, or None)."""
        n = c_size_t()
        rc = lib.gamenet_manager_get_interfaces(self._ptr, None, 0, byref(n))
        if rc not in (GAMENET_OK, GAMENET_ERR_BUFFER_TOO_SMALL):
            raise error(rc)
        arr = (_ffi.Interface * max(1, n.value))()
        check(lib.gamenet_manager_get_interfaces(self._ptr, arr, len(arr), byref(n)))
        out = []
        for i in range(n.value):
            it = arr[i]
            out.append({
                "name": it.name.decode(), "flags": it.flags,
                "address": NetAddress._wrap(it.address), "netmask": NetAddress._wrap(it.netmask),
                "broadcast": NetAddress._wrap(it.broadcast),
                "point_to_point": NetAddress._wrap(it.point_to_point),
                "mac": bytes(it.mac) if it.flags & GAMENET_IF_HAS_MAC else None,
            })
        return out

    def set_log_callback(self, fn: Optional[Callable[[int, str], object]],
                         level: int = LOG_INFO) -> None:
        """Calls fn(level, message) for log messages up to `level`, from whatever thread
        logs (library threads included; the GIL is taken for the call). An exception in fn
        is printed and kept in `callback_errors`, never lost. fn=None removes it. gamenet
        holds `fn` (not the manager) until the callback is replaced, removed, or the manager
        is freed; the manager itself is collected as usual, unless `fn` refers to it."""
        if fn is None:
            check(lib.gamenet_manager_set_log_callback(self._ptr, _ffi.LOG_FN(), None,
                                                       _ffi.FREE_FN(), 0))
            return

        ptr = self._ptr
        key = next(_KEYS)
        _CALLBACKS[key] = (fn, weakref.ref(self))  # before: gamenet may call it at once
        rc = lib.gamenet_manager_set_log_callback(ptr, _log_trampoline, key, _release, level)
        if rc != GAMENET_OK:
            del _CALLBACKS[key]  # refused: gamenet did not take the key
            check(rc)
        _LOGGING.add(self)


# Managers with a log callback. At interpreter exit their callbacks are removed first: a
# library thread must not be inside the ctypes trampoline, waiting for a GIL that is gone,
# when Python finalizes (glibc aborts the process then).
_LOGGING = weakref.WeakSet()


@atexit.register
def _remove_log_callbacks() -> None:
    for m in list(_LOGGING):
        try:
            if not m.closed:
                m.set_log_callback(None)
        except Exception:
            pass


def debug_panic(message: str = "from Python") -> None:
    """Makes the library panic on purpose; raises the GamenetError (PANIC) it turns into."""
    check(lib.gamenet_debug_panic(message.encode()))


__all__ = ["Manager", "Connection", "NetAddress", "ResetEvent", "version", "debug_panic",
           "GamenetError"]
