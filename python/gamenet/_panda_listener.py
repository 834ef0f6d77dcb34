"""gamenet.panda's listeners: ConnectionListener (the base Panda3D programs subclass to
override connection_opened) and QueuedConnectionListener."""
from __future__ import annotations

import sys
import threading
import traceback

from . import io
from ._panda_readers import _DISPATCH_SLICE_MS, ConnectionReader, _conn_id
from ._panda_values import NetAddress, _with_camel_case
from .errors import GamenetError

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import Optional, Tuple, Type, Union

    from ._panda_conn import Connection, PointerToConnection
    from ._panda_values import NetDatagram
    from .panda import QueuedConnectionManager


class ConnectionListener(ConnectionReader):
    """Panda3D's ConnectionListener: accepts TCP connections on the rendezvous sockets
    added to it and hands each to connection_opened(rendezvous, address, new_connection),
    which a subclass overrides (Panda3D's is pure virtual). With num_threads > 0,
    gamenet's accept threads accept and one Python thread calls connection_opened; with 0
    (polling), poll() accepts and calls it in the caller's thread. The raw mode and TCP
    header size it inherits from ConnectionReader are kept and read back, and mean nothing
    for a listener, as in Panda3D."""

    def __init__(self, manager: QueuedConnectionManager, num_threads: int,
                 thread_name: str = "") -> None:
        if type(self).connection_opened is ConnectionListener.connection_opened:
            raise TypeError(f"{type(self).__name__} is abstract: subclass it and override "
                            "connection_opened(rendezvous, address, new_connection), or "
                            "use QueuedConnectionListener")
        if not isinstance(num_threads, int) or isinstance(num_threads, bool) or num_threads < 0:
            raise TypeError(f"num_threads must be an int >= 0, not {num_threads!r}")
        self._manager = manager
        self._threads = num_threads
        self._l = io.Listener(manager._m, num_threads)
        self._raw = False
        self._header = 2
        if num_threads == 0:
            manager._pollers.append(self)
        self._dispatching = self._overrides_opened()
        self._stop = False
        self._thread = None
        if self._dispatching and num_threads > 0:
            self._thread = threading.Thread(target=self._dispatch_loop, daemon=True,
                                            name=thread_name or "gamenet-listener-dispatch")
            self._thread.start()

    def _overrides_opened(self) -> bool:
        return True

    def connection_opened(self, rendezvous: Connection, address: NetAddress,
                          new_connection: Connection) -> None:
        """Called with each accepted connection: the rendezvous Connection it came in on,
        the peer's NetAddress and the new Connection. Override it."""
        raise NotImplementedError

    def receive_datagram(self, datagram: NetDatagram) -> None:
        """A listener reads no datagrams (as in Panda3D)."""

    def _take(self) -> Optional[Tuple[Connection, NetAddress, Connection]]:
        """(rendezvous, address, new) of the next accepted connection, or None."""
        nc = self._l.get_new_connection()
        if nc is None:
            return None
        m = self._manager
        return m._wrap(nc.rendezvous), NetAddress._wrap(nc.peer._a), m._wrap(nc.conn)

    def _dispatch_one(self, catch: Union[Type[BaseException],
                                         Tuple[Type[BaseException], ...]] = Exception) -> bool:
        got = self._take()
        if got is None:
            return False
        try:
            self.connection_opened(*got)
        except catch:
            traceback.print_exc(file=sys.stderr)
        return True

    def _dispatch_loop(self) -> None:
        while not self._stop:
            if self._l.poll(_DISPATCH_SLICE_MS):
                # Even SystemExit: one handler's failure must not end the thread.
                while not self._stop and self._dispatch_one(BaseException):
                    pass

    def poll(self) -> None:
        """Polling mode: accepts what waits and hands each to connection_opened."""
        if self._threads == 0 and self._dispatching:
            while self._dispatch_one():
                pass

    def _has_data(self) -> bool:
        return self._l.new_connection_available()

    def _wait(self, seconds: float) -> None:
        self._l.poll(int(seconds * 1000))

    def add_connection(self, connection: Union[Connection, int]) -> bool:
        """Starts accepting on a rendezvous connection; False if it is not one."""
        try:
            return self._l.add_connection(_conn_id(connection))
        except GamenetError:
            return False

    def remove_connection(self, connection: Union[Connection, int]) -> bool:
        """Stops accepting on the rendezvous connection (it stays open); False if it was
        not added."""
        try:
            return self._l.remove_connection(_conn_id(connection))
        except GamenetError:
            return False

    def is_connection_ok(self, connection: Union[Connection, int]) -> bool:
        """Whether the rendezvous connection is open."""
        return self._manager._lookup(_conn_id(connection))._is_open()

    def set_raw_mode(self, mode: bool) -> None:
        """Kept and read back; means nothing for a listener (as in Panda3D)."""
        self._raw = bool(mode)

    def get_raw_mode(self) -> bool:
        """What set_raw_mode kept."""
        return self._raw

    def set_tcp_header_size(self, size: int) -> None:
        """Kept and read back; means nothing for a listener (as in Panda3D)."""
        self._header = int(size)

    def get_tcp_header_size(self) -> int:
        """What set_tcp_header_size kept (2 by default)."""
        return self._header

    def shutdown(self) -> None:
        """Stops accepting (bounded); accepted connections stay open."""
        self._stop = True
        self._l.shutdown()
        t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(timeout=5)


ConnectionListener = _with_camel_case(ConnectionListener)


@_with_camel_case
class QueuedConnectionListener(ConnectionListener):
    """Panda3D's QueuedConnectionListener: accepted connections wait in a bounded queue
    (default 50,000, Panda3D's); one accepted while it is full is closed (reported on the
    reset queue) and raises the overflow flag."""

    def __init__(self, manager: QueuedConnectionManager, num_threads: int) -> None:
        super().__init__(manager, num_threads)

    def _overrides_opened(self) -> bool:
        return type(self).connection_opened is not QueuedConnectionListener.connection_opened

    def connection_opened(self, rendezvous: Connection, address: NetAddress,
                          new_connection: Connection) -> None:
        """gamenet queues accepted connections itself; a subclass that overrides this gets
        every accepted connection here instead, as in Panda3D."""

    def new_connection_available(self) -> bool:
        """Whether an accepted connection waits (in polling mode, accepts first)."""
        return self._l.new_connection_available()

    def get_new_connection(self, *args: Union[PointerToConnection, NetAddress]) -> bool:
        """(rendezvous, address, new_connection) or (new_connection): fills the objects
        passed in and returns True, or False when nothing is waiting."""
        if len(args) not in (1, 3):
            raise TypeError("get_new_connection takes (new_connection) or "
                            f"(rendezvous, address, new_connection), not {len(args)} arguments")
        got = self._take()
        if got is None:
            return False
        rendezvous, address, new = got
        if len(args) == 3:
            args[0]._conn = rendezvous
            args[1]._a = address._a
            args[2]._conn = new
        else:
            args[0]._conn = new
        return True

    def set_max_queue_size(self, n: int) -> None:
        """Bounds the queue of accepted connections (see the class docstring)."""
        self._l.max_queue_size = n

    def get_max_queue_size(self) -> int:
        """The bound of the queue of accepted connections."""
        return self._l.max_queue_size

    def get_current_queue_size(self) -> int:
        """Accepted connections waiting to be taken."""
        return self._l.current_queue_size

    def get_overflow_flag(self) -> bool:
        """Whether a connection was closed for a full queue since reset_overflow_flag()."""
        return self._l.overflow_flag

    def reset_overflow_flag(self) -> None:
        """Lowers the overflow flag."""
        self._l.reset_overflow_flag()
