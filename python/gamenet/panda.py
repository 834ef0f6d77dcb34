"""Panda3D's networking classes with their names and signatures, on gamenet.

A Panda3D program switches by changing its imports:

    from panda3d.core import QueuedConnectionManager, ...      # before
    from gamenet.panda import QueuedConnectionManager, ...     # after

Every public name of Panda3D 1.10's net and nativenet classes is here (a test compares
them name by name). Both snake_case and camelCase method names work; getters that fill an
object passed in return a bool, as in Panda3D. Datagrams are `bytes` underneath.
ConnectionReader and ConnectionListener are bases to subclass (override receive_datagram /
connection_opened). The classes live in _panda_*.py and _nativenet*.py; this module
gathers them and holds the manager."""
from __future__ import annotations

import sys
import time

from . import core
from ._nativenet import (Buffered_DatagramConnection, Socket_Address, Socket_fdset,
                         Socket_IP, Socket_TCP, Socket_TCP_Listen, Socket_UDP,
                         Socket_UDP_Incoming, Socket_UDP_Outgoing)
from ._panda_conn import Connection, PointerToConnection
from ._panda_listener import ConnectionListener, QueuedConnectionListener
from ._panda_readers import (ConnectionReader, DatagramGeneratorNet, QueuedConnectionReader,
                             RecentConnectionReader)
from ._panda_values import (Datagram, DatagramIterator, Interface, NetAddress, NetDatagram,
                            PyDatagram, PyDatagramIterator, TypeHandle, _with_camel_case)
from ._panda_writer import ConnectionWriter, DatagramSinkNet
from .errors import GamenetError

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import Dict, List, Optional, Set, Tuple, Union

__all__ = ["QueuedConnectionManager", "ConnectionManager", "ConnectionWriter",
           "ConnectionReader", "QueuedConnectionReader", "RecentConnectionReader",
           "ConnectionListener", "QueuedConnectionListener", "DatagramGeneratorNet",
           "DatagramSinkNet", "Connection", "NetDatagram", "Datagram", "DatagramIterator",
           "PyDatagram", "PyDatagramIterator", "NetAddress", "PointerToConnection",
           "TypeHandle", "Buffered_DatagramConnection", "Socket_Address", "Socket_fdset",
           "Socket_IP", "Socket_TCP", "Socket_TCP_Listen", "Socket_UDP", "Socket_UDP_Incoming",
           "Socket_UDP_Outgoing"]

# For the hints: inside QueuedConnectionManager, `Interface` is its class attribute.
_Interface = Interface


@_with_camel_case
class QueuedConnectionManager:
    """Panda3D's QueuedConnectionManager (and ConnectionManager)."""

    def __init__(self) -> None:
        self._m = core.Manager()
        self._conns: Dict[int, Connection] = {}
        self._writers: List[ConnectionWriter] = []
        # polling readers and listeners, for wait_for_readers
        self._pollers: List[ConnectionReader] = []
        self._collect: Dict[int, bool] = {}
        self._interfaces: Optional[Tuple[_Interface, ...]] = None
        # ids the program closed: not reported (Panda3D's way)
        self._closed_here: Set[int] = set()
        # a reset taken by reset_connection_available, not yet handed out
        self._reset: Optional[core.ResetEvent] = None

    def _wrap(self, c: core.Connection) -> Connection:
        conn = self._conns.get(c.id)
        if conn is None:
            conn = self._conns[c.id] = Connection(self, c)
        return conn

    def _lookup(self, conn_id: int) -> Connection:
        """The Connection of a datagram: the open one, or (its close already taken from
        the reset queue) a closed one, on which a send returns False as in Panda3D."""
        conn = self._conns.get(conn_id)
        if conn is None:
            conn = Connection(self, core.Connection(self._m, conn_id))
        return conn

    def open_TCP_server_rendezvous(self, *args: Union[int, str, core.NetAddress]
                                   ) -> Optional[Connection]:
        """Opens a listening TCP socket (Panda3D's rendezvous) from (port, backlog),
        (hostname, port, backlog) or (NetAddress, backlog); None on failure."""
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

    def open_TCP_client_connection(self, *args: Union[int, str, core.NetAddress]
                                   ) -> Optional[Connection]:
        """Connects (blocking) from (hostname, port, timeout_ms) or (NetAddress,
        timeout_ms), timeout_ms 3000 when left out; None on failure (said on stderr, as
        Panda3D does)."""
        by_address = bool(args) and isinstance(args[0], core.NetAddress)
        if not (1 <= len(args) <= 2 if by_address else 2 <= len(args) <= 3):
            raise TypeError("open_TCP_client_connection takes (hostname, port[, timeout_ms]) "
                            f"or (NetAddress[, timeout_ms]), not {len(args)} arguments")
        try:
            if by_address:
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

    def open_UDP_connection(self, *args: Union[int, str, bool]) -> Optional[Connection]:
        """Opens a UDP socket from (), (port), or (hostname, port, for_broadcast=False);
        None on failure."""
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

    def close_connection(self, connection: Union[Connection, int]) -> bool:
        """Closes it; as in Panda3D, the program's own close is not reported on the reset
        queue (gamenet's C API reports it, with reason GAMENET_CLOSE_LOCAL)."""
        try:
            cid = int(connection)
            self._m.close_connection(cid)
        except (GamenetError, TypeError, ValueError):
            return False
        self._closed_here.add(cid)
        return True

    def _next_reset(self) -> Optional[core.ResetEvent]:
        """The next close to report, skipping the program's own closes."""
        while True:
            ev = self._m.get_reset_connection()
            if ev is None or ev.conn not in self._closed_here:
                return ev
            self._closed_here.discard(ev.conn)
            self._conns.pop(ev.conn, None)

    def reset_connection_available(self) -> bool:
        """Whether a closed connection waits on the reset queue (the program's own closes
        are not reported, as in Panda3D)."""
        if self._reset is None:
            self._reset = self._next_reset()
        return self._reset is not None

    def get_reset_connection(self, connection: PointerToConnection) -> bool:
        """Fills the PointerToConnection with the next closed connection; False if none."""
        ev, self._reset = self._reset or self._next_reset(), None
        if ev is None:
            return False
        conn = self._conns.pop(ev.conn, None) or Connection(self, core.Connection(self._m, ev.conn))
        connection._conn = conn
        return True

    def get_host_name(self) -> str:
        """This machine's host name."""
        return self._m.get_host_name()

    def wait_for_readers(self, timeout: float) -> bool:
        """Blocks up to `timeout` seconds, or until a non-threaded reader or listener of
        this manager has something (Panda3D's ConnectionManager.wait_for_readers); True
        when one has."""
        deadline = time.monotonic() + timeout
        while True:
            for p in self._pollers:
                if p._has_data():
                    return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if self._pollers:
                # Sleep in the first one's poll (the GIL is released), a slice at a time.
                self._pollers[0]._wait(min(left, 0.005))
            else:
                time.sleep(min(left, 0.005))

    host_name = property(get_host_name)

    Interface = Interface

    def scan_interfaces(self) -> None:
        """Lists the machine's interface addresses (those with an IP, as Panda3D does)."""
        self._interfaces = tuple(Interface(d) for d in self._m.interfaces()
                                 if d["address"].family)

    def get_num_interfaces(self) -> int:
        """How many interface addresses scan_interfaces found (scanning on first use)."""
        if self._interfaces is None:
            self.scan_interfaces()
        return len(self._interfaces)

    def get_interface(self, n: int) -> _Interface:
        """Interface address n of the last scan (scanning on first use)."""
        if self._interfaces is None:
            self.scan_interfaces()
        return self._interfaces[n]

    def get_interfaces(self) -> Tuple[_Interface, ...]:
        """Every interface address of the last scan (scanning on first use)."""
        if self._interfaces is None:
            self.scan_interfaces()
        return self._interfaces

    interfaces = property(get_interfaces)

    # The reset queue's bound and overflow flag (Panda3D's QueuedReturn).
    def set_max_queue_size(self, n: int) -> None:
        """Bounds the reset queue (default 50,000, Panda3D's). A close that finds it full
        is not queued: the overflow flag goes up and the manager's log names it."""
        self._m.max_reset_queue_size = n

    def get_max_queue_size(self) -> int:
        """The reset queue's bound."""
        return self._m.max_reset_queue_size

    def get_current_queue_size(self) -> int:
        """Closed connections waiting on the reset queue."""
        return self._m.reset_queue_size

    def get_overflow_flag(self) -> bool:
        """Whether a close did not fit the reset queue since reset_overflow_flag()."""
        return self._m.reset_overflow_flag

    def reset_overflow_flag(self) -> None:
        """Lowers the reset queue's overflow flag."""
        self._m.clear_reset_overflow()


ConnectionManager = QueuedConnectionManager
