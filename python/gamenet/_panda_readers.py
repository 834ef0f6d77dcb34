"""gamenet.panda's readers: ConnectionReader (the base Panda3D programs subclass to
override receive_datagram), QueuedConnectionReader, RecentConnectionReader and
DatagramGeneratorNet."""
from __future__ import annotations

import collections
import ctypes as _ctypes
import sys
import threading
import traceback

from . import _ffi, io
from ._bindings import GAMENET_EMPTY as _EMPTY, GAMENET_OK as _OK
from ._bindings import GAMENET_ERR_BUFFER_TOO_SMALL as _TOO_SMALL
from ._panda_values import NetAddress, NetDatagram, _Aliased, _with_camel_case
from .errors import GamenetError
from .errors import check as _check

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import Tuple, Type, Union

    from ._panda_conn import Connection
    from .datagram import Datagram as _Datagram
    from .panda import QueuedConnectionManager

_lib = _ffi.lib
_byref = _ctypes.byref
# The most datagrams a queued reader takes from gamenet in one call.
_TAKE = 256
# Panda3D's default bound of a reader's queue.
_PANDA_MAX_QUEUE = 50000
# How long a dispatch thread waits in one poll before it looks at its stop flag (ms).
_DISPATCH_SLICE_MS = 100


def _conn_id(connection: Union[Connection, int]) -> int:
    if isinstance(connection, bool) or not hasattr(connection, "__int__"):
        raise TypeError("connection must be a Connection or a connection id, not "
                        f"{type(connection).__name__}")
    return int(connection)


class ConnectionReader(_Aliased):
    """Panda3D's ConnectionReader: reads datagrams from the connections added to it and
    hands each to receive_datagram(datagram), which a subclass overrides (Panda3D's is
    pure virtual). With num_threads > 0, gamenet's reader threads read and one Python
    thread calls receive_datagram; with 0 (polling), poll() reads and calls it in the
    caller's thread. A receive_datagram that raises has its traceback printed to stderr;
    the reader goes on."""

    _recent = False

    def __init__(self, manager: QueuedConnectionManager, num_threads: int,
                 thread_name: str = "") -> None:
        if type(self).receive_datagram is ConnectionReader.receive_datagram:
            raise TypeError(f"{type(self).__name__} is abstract: subclass it and override "
                            "receive_datagram(datagram), or use QueuedConnectionReader")
        self._init(manager, num_threads)
        self._dispatching = self._overrides_receive()
        self._stop = False
        self._thread = None
        if self._dispatching and num_threads > 0:
            self._thread = threading.Thread(target=self._dispatch_loop, daemon=True,
                                            name=thread_name or "gamenet-reader-dispatch")
            self._thread.start()

    def _overrides_receive(self) -> bool:
        return True

    def _init(self, manager: QueuedConnectionManager, num_threads: int) -> None:
        if not isinstance(num_threads, int) or isinstance(num_threads, bool) or num_threads < 0:
            raise TypeError(f"num_threads must be an int >= 0, not {num_threads!r}")
        self._manager = manager
        self._threads = num_threads
        self._r = io.Reader(manager._m, num_threads, recent=self._recent)
        self._r.set_max_queue_size(_PANDA_MAX_QUEUE)  # Panda3D's default bound
        self._h = self._r._ptr
        self._raw = False
        if num_threads == 0:
            manager._pollers.append(self)

    def receive_datagram(self, datagram: NetDatagram) -> None:
        """Called with each datagram (a NetDatagram that knows its connection and
        address). Override it."""
        raise NotImplementedError

    def _dispatch_one(self, catch: Union[Type[BaseException],
                                         Tuple[Type[BaseException], ...]] = Exception) -> bool:
        """Takes one datagram and hands it to receive_datagram; False when none waits."""
        got = self._r.get_data()
        if got is None:
            return False
        dg = NetDatagram(got.data)
        dg._connection = self._manager._lookup(got.conn)
        dg._address = NetAddress._wrap(got.address._a)
        try:
            self.receive_datagram(dg)
        except catch:
            traceback.print_exc(file=sys.stderr)
        return True

    def _dispatch_loop(self) -> None:
        while not self._stop:
            if self._r.poll(_DISPATCH_SLICE_MS):
                # Even SystemExit: one handler's failure must not end the thread.
                while not self._stop and self._dispatch_one(BaseException):
                    pass

    def poll(self) -> None:
        """Polling mode: reads what the sockets have and hands each datagram to
        receive_datagram. With threads it does nothing, as in Panda3D."""
        if self._threads == 0 and self._dispatching:
            while self._dispatch_one():
                pass

    def _has_data(self) -> bool:
        return self._r.data_available()

    def _wait(self, seconds: float) -> None:
        self._r.poll(int(seconds * 1000))

    def add_connection(self, connection: Union[Connection, int]) -> bool:
        """Starts reading datagrams from the connection; False if it is not open."""
        try:
            return self._r.add_connection(_conn_id(connection))
        except GamenetError:
            return False

    def remove_connection(self, connection: Union[Connection, int]) -> bool:
        """Stops reading from the connection (it stays open); False if it was not read
        here."""
        try:
            return self._r.remove_connection(_conn_id(connection))
        except GamenetError:
            return False

    def is_connection_ok(self, connection: Union[Connection, int]) -> bool:
        """Whether the connection is open and read by this reader (False once the reader
        is shut down, as in Panda3D)."""
        return not self._stop and self._r.is_connection_ok(_conn_id(connection))

    def set_raw_mode(self, mode: bool) -> None:
        """Raw mode (Panda3D's), for connections added afterwards: each TCP read is a
        datagram, with no length header; UDP datagrams have no checksum header."""
        self._r.set_raw_mode(mode)
        self._raw = bool(mode)

    def get_raw_mode(self) -> bool:
        """Whether raw mode is on."""
        return self._raw

    def set_tcp_header_size(self, size: int) -> None:
        """The TCP length header, for connections added afterwards: 0, 2 (Panda3D's
        default) or 4 bytes."""
        self._r.tcp_header_size = size

    def get_tcp_header_size(self) -> int:
        """The TCP length header size, in bytes."""
        return self._r.tcp_header_size

    def get_num_threads(self) -> int:
        """The reader's threads (0: polling mode)."""
        return self._threads

    def is_polling(self) -> bool:
        """Whether the reader has no threads (poll() reads)."""
        return self._threads == 0

    def get_manager(self) -> QueuedConnectionManager:
        """The manager it was made with."""
        return self._manager

    def shutdown(self) -> None:
        """Stops reading (bounded: it never waits on a peer). Datagrams already queued
        can still be taken."""
        self._stop = True
        self._r.shutdown()
        t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(timeout=5)


ConnectionReader = _with_camel_case(ConnectionReader)


class _Queued(ConnectionReader):
    """A reader whose datagrams wait in gamenet's queue (Panda3D's QueuedReturn):
    QueuedConnectionReader and DatagramGeneratorNet."""

    def __init__(self, manager: QueuedConnectionManager, num_threads: int,
                 thread_name: str = "") -> None:
        ConnectionReader.__init__(self, manager, num_threads, thread_name)
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
        self._max_queue = self._r.max_queue_size
        # Datagrams are taken in batches unless the reader keeps only the latest or its
        # queue has a bound of the engine's (then the queue alone holds what waits, so
        # the bound and the overflow flag are exact).
        self._batched = not self._recent
        self._overflow = False

    def _overrides_receive(self) -> bool:
        return type(self).receive_datagram is not _Queued.receive_datagram

    def receive_datagram(self, datagram: _Datagram) -> None:
        """Queues the datagram for get_data (what gamenet's reader does itself; a subclass
        that overrides this gets every datagram here instead, as in Panda3D)."""
        raw = bytes(datagram.get_address()._a) if isinstance(datagram, NetDatagram) else None
        conn = datagram.get_connection() if isinstance(datagram, NetDatagram) else None
        with self._lock:
            self._taken.append((int(conn) if conn is not None else 0, raw,
                                datagram.get_message()))

    def data_available(self) -> bool:
        """Whether a datagram waits for get_data (in polling mode, reads the sockets
        first)."""
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

    def _take(self) -> bool:
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

    def get_data(self, datagram: _Datagram) -> bool:
        """Fills datagram (a NetDatagram also gets the connection and address) with the
        oldest datagram; False when none waits."""
        with self._lock:
            return self._get_data(datagram)

    def _get_data(self, datagram: _Datagram) -> bool:
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

    def _has_data(self) -> bool:
        return self.data_available()

    def set_max_queue_size(self, n: int) -> None:
        """Bounds the queue, in datagrams (Panda3D's default 50,000): when it is full, TCP
        reading pauses and UDP datagrams are dropped (see get_overflow_flag)."""
        self._r.set_max_queue_size(n)
        self._max_queue = n
        self._batched = False

    def get_max_queue_size(self) -> int:
        """The queue's bound, in datagrams."""
        return self._max_queue

    def get_current_queue_size(self) -> int:
        """The datagrams waiting: in gamenet's queue and taken from it, not yet read."""
        with self._lock:
            return self._r.current_queue_size + len(self._taken)

    def get_overflow_flag(self) -> bool:
        """Whether a datagram was dropped for a full queue (UDP) since the last reset."""
        self._overflow |= self._r.take_overflow()
        return self._overflow

    def reset_overflow_flag(self) -> None:
        """Lowers the overflow flag."""
        self._r.take_overflow()
        self._overflow = False


@_with_camel_case
class QueuedConnectionReader(_Queued):
    """Panda3D's QueuedConnectionReader: get_data fills a NetDatagram and returns a bool."""

    def __init__(self, manager: QueuedConnectionManager, num_threads: int) -> None:
        super().__init__(manager, num_threads)

    def poll(self) -> None:
        """Polling mode: reads what the sockets have into the queue."""
        if self._dispatching:
            return ConnectionReader.poll(self)
        self._r.data_available()


class RecentConnectionReader(QueuedConnectionReader):
    """Panda3D's RecentConnectionReader: keeps only the latest datagram."""

    _recent = True

    def __init__(self, manager: QueuedConnectionManager, num_threads: int = 1) -> None:
        super().__init__(manager, num_threads)


@_with_camel_case
class DatagramGeneratorNet(_Queued):
    """Panda3D's DatagramGeneratorNet: a reader read as a stream of datagrams.
    get_datagram blocks until one arrives and returns False (end of stream) once no
    connection added to it is open. The file names of a DatagramGenerator mean nothing for
    a network stream and give what Panda3D's does: no file, name '', position 0."""

    def __init__(self, manager: QueuedConnectionManager, num_threads: int) -> None:
        super().__init__(manager, num_threads)
        self._added = set()

    def add_connection(self, connection: Union[Connection, int]) -> bool:
        """Starts reading the connection; the stream ends once every connection added is
        closed. False if it is not open."""
        ok = super().add_connection(connection)
        if ok:
            self._added.add(_conn_id(connection))
        return ok

    def remove_connection(self, connection: Union[Connection, int]) -> bool:
        """Stops reading the connection (it stays open); False if it was not read here."""
        self._added.discard(_conn_id(connection))
        return super().remove_connection(connection)

    def get_datagram(self, datagram: _Datagram) -> bool:
        """Fills datagram with the next datagram; False at end of stream."""
        while True:
            with self._lock:
                if self._get_data(datagram):
                    return True
            if self.is_eof():
                return False
            self._r.poll(_DISPATCH_SLICE_MS)

    def is_eof(self) -> bool:
        """True once no connection added to it is open (and nothing waits)."""
        self._added = {c for c in self._added if self._r.is_connection_ok(c)}
        return not self._added and not self._taken and not self._r.data_available()

    def is_error(self) -> bool:
        """False: gamenet reports a connection's error on the manager's reset queue, with
        its reason, rather than on the stream."""
        return False

    def save_datagram(self, info: object) -> bool:
        """False: a network stream cannot save a datagram's place (Panda3D's answer)."""
        return False

    def get_filename(self) -> str:
        """An empty name: a network stream has no file name."""
        return ""

    def get_file(self) -> None:
        """None: a network stream has no file."""
        return None

    def get_vfile(self) -> None:
        """None: a network stream has no virtual file."""
        return None

    def get_file_pos(self) -> int:
        """0: a network stream has no file position."""
        return 0

    def get_timestamp(self) -> int:
        """0: a network stream has no file timestamp."""
        return 0
