"""Panda3D's networking classes with their names and signatures, on gamenet.

A Panda3D program switches by changing its imports:

    from panda3d.core import QueuedConnectionManager, ...      # before
    from gamenet.panda import QueuedConnectionManager, ...     # after

Both snake_case and camelCase method names work; getters that fill an object passed in
return a bool, as in Panda3D. Datagrams are `bytes` underneath."""

import collections
import ctypes as _ctypes
import sys
import threading
import time

from . import _ffi, core, io
from ._bindings import GAMENET_EMPTY as _EMPTY, GAMENET_OK as _OK
from ._bindings import GAMENET_READER_DEFAULT_MAX_QUEUE as _DEFAULT_MAX_QUEUE
from ._bindings import GAMENET_ERR_BUFFER_TOO_SMALL as _TOO_SMALL
from ._panda_values import (Datagram, DatagramIterator, NetAddress, NetDatagram, PyDatagram,
                            PyDatagramIterator, _with_camel_case)
from .datagram import Datagram as _Datagram
from .errors import GamenetError
from .errors import check as _check

_lib = _ffi.lib
_byref = _ctypes.byref
# The most datagrams a queued reader takes from gamenet in one call.
_TAKE = 256

__all__ = ["QueuedConnectionManager", "ConnectionManager", "ConnectionWriter",
           "QueuedConnectionReader", "RecentConnectionReader", "QueuedConnectionListener",
           "Connection", "NetDatagram", "Datagram", "DatagramIterator", "PyDatagram",
           "PyDatagramIterator", "NetAddress", "PointerToConnection"]


@_with_camel_case
class Connection:
    """Panda3D's Connection: a socket of a manager."""

    def __init__(self, manager, conn):
        self._manager = manager
        self._c = conn
        self._id = conn.id

    def __int__(self):
        return self._c.id

    __index__ = __int__

    def __eq__(self, other):
        return isinstance(other, Connection) and other._c.id == self._c.id

    def __hash__(self):
        return hash(self._c.id)

    def __bool__(self):
        return True

    def get_manager(self):
        return self._manager

    def get_address(self):
        """The peer of a TCP connection; the bound address of a rendezvous or UDP socket."""
        try:
            return NetAddress._wrap(self._c.peer_address._a)
        except GamenetError:
            return NetAddress._wrap(self._c.local_address._a)

    def set_no_delay(self, flag):
        self._c.set_no_delay(flag)

    def set_linger(self, flag, time_s):
        self._c.set_linger(flag, int(time_s))

    def set_reuse_addr(self, flag):
        self._c.set_reuse_addr(flag)

    def set_keep_alive(self, flag):
        self._c.set_keep_alive(flag)

    def set_recv_buffer_size(self, size):
        self._c.set_recv_buffer_size(size)

    def set_send_buffer_size(self, size):
        self._c.set_send_buffer_size(size)

    def set_ip_time_to_live(self, ttl):
        self._c.set_ttl(ttl)

    def set_ip_type_of_service(self, tos):
        self._c.set_tos(tos)

    def set_collect_tcp(self, flag):
        self._manager._collect[self._c.id] = flag

    def get_collect_tcp(self):
        return self._manager._collect.get(self._c.id, False)

    def flush(self):
        for w in list(self._manager._writers):
            w._w.flush()
        return True


@_with_camel_case
class PointerToConnection:
    """Panda3D's PointerToConnection: filled by get_new_connection / get_reset_connection."""

    def __init__(self, conn=None):
        self._conn = conn

    def p(self):
        return self._conn

    def is_null(self):
        return self._conn is None

    def clear(self):
        self._conn = None


@_with_camel_case
class QueuedConnectionManager:
    """Panda3D's QueuedConnectionManager (and ConnectionManager)."""

    def __init__(self):
        self._m = core.Manager()
        self._conns = {}
        self._writers = []
        self._pollers = []  # polling readers and listeners, for wait_for_readers
        self._collect = {}

    def _wrap(self, c):
        conn = self._conns.get(c.id)
        if conn is None:
            conn = self._conns[c.id] = Connection(self, c)
        return conn

    def _lookup(self, conn_id):
        """The Connection of a datagram: the open one, or (its close already taken from
        the reset queue) a closed one, on which a send returns False as in Panda3D."""
        conn = self._conns.get(conn_id)
        if conn is None:
            conn = Connection(self, core.Connection(self._m, conn_id))
        return conn

    def open_TCP_server_rendezvous(self, *args):
        """(port, backlog), (hostname, port, backlog) or (NetAddress, backlog)."""
        try:
            if len(args) == 2 and isinstance(args[0], core.NetAddress):
                a, backlog = args
                c = self._m.open_tcp_server_rendezvous(a.port, a.get_ip_string() or None, backlog)
            elif len(args) == 2:
                port, backlog = args
                c = self._m.open_tcp_server_rendezvous(port, None, backlog)
            else:
                host, port, backlog = args
                c = self._m.open_tcp_server_rendezvous(port, host or None, backlog)
        except GamenetError:
            return None
        return self._wrap(c)

    def open_TCP_client_connection(self, *args):
        """(hostname, port, timeout_ms) or (NetAddress, timeout_ms)."""
        try:
            if isinstance(args[0], core.NetAddress):
                c = self._m.open_tcp_client(args[0], 0, args[1] if len(args) > 1 else 3000)
            else:
                c = self._m.open_tcp_client(args[0], args[1], args[2] if len(args) > 2 else 3000)
        except GamenetError:
            # Panda3D says so on stderr, besides returning None.
            if isinstance(args[0], core.NetAddress):
                where = f"{args[0].get_ip_string()}:{args[0].get_port()}"
            else:
                where = f"{args[0]}:{args[1]}"
            print(f":net(error): Unable to open TCP connection to server {where}",
                  file=sys.stderr)
            return None
        return self._wrap(c)

    def open_UDP_connection(self, *args):
        """(), (port), or (hostname, port, for_broadcast=False)."""
        try:
            if not args:
                c = self._m.open_udp()
            elif len(args) == 1:
                c = self._m.open_udp(args[0])
            else:
                host, port = args[0], args[1]
                bcast = args[2] if len(args) > 2 else False
                c = self._m.open_udp(port, host or None, bcast)
        except GamenetError:
            return None
        return self._wrap(c)

    def close_connection(self, connection):
        try:
            self._m.close_connection(int(connection))
            return True
        except GamenetError:
            return False

    def reset_connection_available(self):
        return self._m.reset_connection_available()

    def get_reset_connection(self, connection):
        """Fills the PointerToConnection with the next closed connection; False if none."""
        ev = self._m.get_reset_connection()
        if ev is None:
            return False
        conn = self._conns.pop(ev.conn, None) or Connection(self, core.Connection(self._m, ev.conn))
        connection._conn = conn
        return True

    def get_host_name(self):
        return self._m.get_host_name()

    def wait_for_readers(self, timeout):
        """Blocks up to `timeout` seconds, or until a non-threaded reader or listener of
        this manager has something (Panda3D's ConnectionManager.wait_for_readers)."""
        deadline = time.monotonic() + timeout
        while True:
            for p in self._pollers:
                if p._has_data():
                    return
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if self._pollers:
                # Sleep in the first one's poll (the GIL is released), a slice at a time.
                self._pollers[0]._wait(min(left, 0.005))
            else:
                time.sleep(min(left, 0.005))

    def scan_interfaces(self):
        self._interfaces = self._m.interfaces()

    def get_num_interfaces(self):
        return len(getattr(self, "_interfaces", []))

    def get_interface(self, n):
        return self._interfaces[n]


ConnectionManager = QueuedConnectionManager


@_with_camel_case
class ConnectionWriter:
    """Panda3D's ConnectionWriter: send() returns a bool."""

    def __init__(self, manager, num_threads, thread_name=""):
        self._manager = manager
        self._w = io.Writer(manager._m, num_threads)
        self._h = self._w._ptr
        self._threads = num_threads
        manager._writers.append(self)

    def send(self, datagram, connection, address=None, block=False):
        # The hot path: one ctypes call, no intermediate objects.
        data = bytes(datagram._data) if isinstance(datagram, _Datagram) else bytes(datagram)
        conn = connection._id if isinstance(connection, Connection) else int(connection)
        if address is not None:
            rc = _lib.gamenet_writer_send_to(self._h, conn, _byref(address._a), data,
                                             len(data), block)
        else:
            rc = _lib.gamenet_writer_send(self._h, conn, data, len(data),
                                          True if self._threads == 0 else block)
        return rc == _OK

    def is_valid_for_udp(self, datagram):
        return self._w.is_valid_for_udp(len(datagram))

    def set_max_queue_size(self, n):
        self._w.max_queue_size = n

    def get_max_queue_size(self):
        return self._w.max_queue_size

    def get_current_queue_size(self):
        return self._w.current_queue_size

    def set_raw_mode(self, mode):
        self._w.raw_mode = mode

    def get_raw_mode(self):
        return self._w.raw_mode

    def set_tcp_header_size(self, size):
        self._w.tcp_header_size = size

    def get_tcp_header_size(self):
        return self._w.tcp_header_size

    def get_num_threads(self):
        return self._threads

    def is_immediate(self):
        return self._threads == 0

    def get_manager(self):
        return self._manager

    def shutdown(self):
        self._w.shutdown()


@_with_camel_case
class QueuedConnectionReader:
    """Panda3D's QueuedConnectionReader: get_data fills a NetDatagram and returns a bool."""

    _recent = False

    def __init__(self, manager, num_threads):
        self._manager = manager
        self._threads = num_threads
        self._r = io.Reader(manager._m, num_threads, recent=self._recent)
        if num_threads == 0:
            manager._pollers.append(self)
        self._info = _ffi.DatagramInfo()
        self._n = _ctypes.c_size_t()
        # References made once: building them on every call costs more than the call.
        self._info_ref = _byref(self._info)
        self._n_ref = _byref(self._n)
        self._yes = _ctypes.c_bool()
        self._yes_ref = _byref(self._yes)
        self._buf = _ctypes.create_string_buffer(65536)
        self._infos = (_ffi.DatagramInfo * _TAKE)()
        self._taken = collections.deque()  # (conn, address bytes, data) taken, not yet read
        # The buffers above are shared by the calls of every thread: one at a time.
        self._lock = threading.Lock()
        self._raw = False
        self._max_queue = _DEFAULT_MAX_QUEUE
        # Datagrams are taken in batches unless the reader keeps only the latest or its
        # queue has a bound of the engine's (then the queue alone holds what waits, so
        # the bound and the overflow flag are exact).
        self._batched = not self._recent
        self._overflow = False
        self._h = self._r._ptr

    def add_connection(self, connection):
        try:
            return self._r.add_connection(int(connection))
        except GamenetError:
            return False

    def remove_connection(self, connection):
        try:
            return self._r.remove_connection(int(connection))
        except GamenetError:
            return False

    def is_connection_ok(self, connection):
        return self._r.is_connection_ok(int(connection))

    def data_available(self):
        # The hot path too. A queued reader takes what waits in one call and serves the
        # next get_data calls from it: one ctypes crossing per batch, not two per datagram.
        if self._taken:
            return True
        with self._lock:
            if not self._batched:
                rc = _lib.gamenet_reader_data_available(self._h, self._yes_ref)
                if rc != _OK:
                    _check(rc)
                return self._yes.value
            return bool(self._taken) or self._take()

    def _take(self):
        """Moves the waiting datagrams (up to _TAKE) into self._taken; True when any came."""
        rc = _lib.gamenet_reader_get_data_batch(self._h, self._buf, len(self._buf),
                                                self._infos, _TAKE, self._n_ref)
        if rc == _EMPTY:
            return False
        if rc == _OK:
            self._taken.extend(io.unpack_batch(self._buf, self._infos, self._n.value))
            return True
        # A datagram larger than the buffer (or an error): the general path.
        self._buf, rows = io.fetch_batch(self._h, self._buf, self._infos, _TAKE)
        self._taken.extend(rows)
        return bool(rows)

    def poll(self):
        self._r.data_available()

    def get_data(self, datagram):
        with self._lock:
            return self._get_data(datagram)

    def _get_data(self, datagram):
        # The hot path: datagrams taken by data_available (or taken here) go first.
        if self._taken or (self._batched and self._take()):
            conn, address, data = self._taken.popleft()
            datagram._data[:] = data
            if isinstance(datagram, NetDatagram):
                datagram._connection = self._manager._lookup(conn)
                datagram._raw_address = address
            return True
        info, n = self._info, self._n
        while True:
            rc = _lib.gamenet_reader_get_data(self._h, self._info_ref, self._buf,
                                              len(self._buf), self._n_ref)
            if rc == _TOO_SMALL:  # grow the buffer; the datagram stays queued
                self._buf = _ctypes.create_string_buffer(n.value)
                continue
            break
        if rc != _OK:
            if rc != _EMPTY:
                _check(rc)
            return False
        datagram._data[:] = _ctypes.string_at(self._buf, n.value)
        if isinstance(datagram, NetDatagram):
            datagram._connection = self._manager._lookup(info.conn)
            datagram._raw_address = bytes(info.from_)
        return True

    def _has_data(self):
        return self.data_available()

    def _wait(self, seconds):
        self._r.poll(int(seconds * 1000))

    def set_raw_mode(self, mode):
        self._r.set_raw_mode(mode)
        self._raw = bool(mode)

    def get_raw_mode(self):
        return self._raw

    def set_max_queue_size(self, n):
        self._r.set_max_queue_size(n)
        self._max_queue = n
        self._batched = False

    def get_max_queue_size(self):
        return self._max_queue

    def get_current_queue_size(self):
        """The datagrams waiting: in gamenet's queue and taken from it, not yet read."""
        with self._lock:
            return self._r.current_queue_size + len(self._taken)

    def get_overflow_flag(self):
        """Whether a datagram was dropped for a full queue (UDP) since the last reset."""
        self._overflow |= self._r.take_overflow()
        return self._overflow

    def reset_overflow_flag(self):
        self._r.take_overflow()
        self._overflow = False

    def set_tcp_header_size(self, size):
        self._r.tcp_header_size = size

    def get_tcp_header_size(self):
        return self._r.tcp_header_size

    def get_num_threads(self):
        return self._threads

    def is_polling(self):
        return self._threads == 0

    def get_manager(self):
        return self._manager

    def shutdown(self):
        self._r.shutdown()


class RecentConnectionReader(QueuedConnectionReader):
    """Panda3D's RecentConnectionReader: keeps only the latest datagram."""

    _recent = True

    def __init__(self, manager, num_threads=1):
        super().__init__(manager, num_threads)


@_with_camel_case
class QueuedConnectionListener:
    """Panda3D's QueuedConnectionListener."""

    def __init__(self, manager, num_threads):
        self._manager = manager
        self._l = io.Listener(manager._m, num_threads)
        if num_threads == 0:
            manager._pollers.append(self)

    def add_connection(self, connection):
        try:
            return self._l.add_connection(int(connection))
        except GamenetError:
            return False

    def remove_connection(self, connection):
        try:
            return self._l.remove_connection(int(connection))
        except GamenetError:
            return False

    def new_connection_available(self):
        return self._l.new_connection_available()

    def _has_data(self):
        return self.new_connection_available()

    def _wait(self, seconds):
        self._l.poll(int(seconds * 1000))

    def get_new_connection(self, *args):
        """(rendezvous, address, new_connection) or (new_connection): fills the objects
        passed in and returns True, or False when nothing is waiting."""
        nc = self._l.get_new_connection()
        if nc is None:
            return False
        new = self._manager._wrap(nc.conn)
        if len(args) == 3:
            rendezvous, address, new_connection = args
            rendezvous._conn = self._manager._wrap(nc.rendezvous)
            address._a = nc.peer._a
            new_connection._conn = new
        else:
            args[0]._conn = new
        return True

    def shutdown(self):
        self._l.shutdown()


