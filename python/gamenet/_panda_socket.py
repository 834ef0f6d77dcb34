"""Connection.get_socket(): a nativenet socket object (Socket_TCP, Socket_TCP_Listen or
Socket_UDP, as Panda3D returns) standing for a gamenet connection. gamenet owns the
descriptor and does the connection's I/O through readers and writers, so these views
keep the option setters, the peer name, Active and Close (which closes the connection),
and answer every I/O call as a socket with no descriptor does (-1, GetLastError EBADF);
GetSocket is -1."""
from __future__ import annotations

from . import _nativenet as _nn
from ._bindings import GAMENET_CONN_TCP as _TCP, GAMENET_CONN_UDP as _UDP
from .errors import GamenetError

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import Any, Callable, Optional, Tuple, TypeVar, Union

    from ._panda_conn import Connection
    from .core import NetAddress
    _V = TypeVar("_V", bound="_View")


class _View:
    """The overrides the three views share; `_conn` is the gamenet.panda Connection."""

    def _bind(self: _V, conn: Connection) -> _V:
        self._conn = conn
        return self

    def _set(self, fn: Callable[..., object], *args: Any) -> bool:
        try:
            fn(*args)
        except GamenetError:
            return False
        return True

    def Active(self) -> bool:
        """True while the connection is open."""
        return self._conn._is_open()

    def Close(self) -> None:
        """Closes the connection (through its manager, not reported as a reset)."""
        if getattr(self, "_conn", None) is not None and self._conn._is_open():
            self._conn.get_manager().close_connection(self._conn)

    def GetSocket(self) -> int:
        """-1: gamenet owns the descriptor."""
        return -1

    def GetPeerName(self) -> _nn.Socket_Address:
        """The connection's peer; an address of family 0 if there is none."""
        try:
            a = self._conn._c.peer_address
        except GamenetError:
            return _nn.Socket_Address._from_sockaddr(0, ())
        return _nn.Socket_Address._from_sockaddr(*_family_and_sockaddr(a))

    def SetReuseAddress(self, flag: bool = True) -> bool:
        """SO_REUSEADDR on the connection's socket. Returns False on failure."""
        return self._set(self._conn._c.set_reuse_addr, bool(flag))

    def SetRecvBufferSize(self, size: int) -> int:
        """SO_RCVBUF. Returns 0, or -1 on failure."""
        return 0 if self._set(self._conn._c.set_recv_buffer_size, int(size)) else -1

    def SetSendBufferSize(self, insize: int) -> int:
        """SO_SNDBUF. Returns 0, or -1 on failure."""
        return 0 if self._set(self._conn._c.set_send_buffer_size, int(insize)) else -1

    def SetNoDelay(self, flag: bool = True) -> int:
        """TCP_NODELAY. Returns 0, or -1 on failure."""
        return 0 if self._set(self._conn._c.set_no_delay, bool(flag)) else -1

    def SetLinger(self, interval_seconds: int = 0) -> int:
        """SO_LINGER on, for `interval_seconds`. Returns 0, or -1 on failure."""
        return 0 if self._set(self._conn._c.set_linger, True, int(interval_seconds)) else -1

    def DontLinger(self) -> int:
        """SO_LINGER off. Returns 0, or -1 on failure."""
        return 0 if self._set(self._conn._c.set_linger, False, 0) else -1

    def __del__(self) -> None:
        pass  # the connection's socket belongs to gamenet


def _family_and_sockaddr(a: NetAddress) -> Tuple[int, Tuple[Union[str, int], ...]]:
    import socket
    if a.family == 6 or ":" in a.get_ip_string():
        return socket.AF_INET6, (a.get_ip_string(), a.get_port(), 0, 0)
    return socket.AF_INET, (a.get_ip_string(), a.get_port())


class Socket_TCP(_View, _nn.Socket_TCP):
    __doc__ = __doc__


class Socket_TCP_Listen(_View, _nn.Socket_TCP_Listen):
    __doc__ = __doc__


class Socket_UDP(_View, _nn.Socket_UDP):
    __doc__ = __doc__


def socket_of(conn: Connection) -> Optional[Union[Socket_TCP, Socket_TCP_Listen, Socket_UDP]]:
    """The view for a gamenet.panda Connection, or None once it is closed."""
    try:
        kind = conn._c.kind
    except GamenetError:
        return None
    cls = Socket_TCP if kind == _TCP else Socket_UDP if kind == _UDP else Socket_TCP_Listen
    view = cls.__new__(cls)
    _nn.Socket_IP.__init__(view)
    return view._bind(conn)
