"""Panda3D 1.10.16's nativenet socket classes (Socket_Address, Socket_IP, Socket_TCP,
Socket_TCP_Listen, Socket_UDP_Incoming, Socket_UDP_Outgoing, Socket_UDP, Socket_fdset; and
Buffered_DatagramConnection from _nativenet_buffered) in pure Python over `socket` and
`select`, with Panda3D's names, signatures, return values and error codes, quirks included.

As in Panda3D: methods return error codes instead of raising (-1 / False, with the errno in
GetLastError()), the port-only listeners are dual-stack IPv6 sockets ("support-ipv6" is on),
and strings cross the wire UTF-8 encoded. Beyond Panda3D: SendData/Send/SendTo also take
bytes, and RecvData decodes with "surrogateescape" instead of raising on bytes that are not
UTF-8 (such a str encodes back to the same bytes when sent)."""
from __future__ import annotations

import errno as _errno
import os
import select
import socket
import struct

from . import _nativenet_address as _base
from ._nativenet_address import (_AF4, _AF6, _BAD_SOCKET, _INFINITE, _TYPED_OBJECT,
                                 Socket_Address, _check, _int, _panda_names, _payload,
                                 _record, _Typed, _TypeHandle)

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import Any, Optional, Set, Union

    from ._nativenet_buffered import Buffered_DatagramConnection  # at run time: __getattr__

# Buffered_DatagramConnection lives in _nativenet_buffered, loaded on first use (the module
# __getattr__ at the end), so that either module can be imported first.
__all__ = ("Socket_Address Socket_IP Socket_TCP Socket_TCP_Listen Socket_UDP Socket_UDP_Incoming "
           "Socket_UDP_Outgoing Socket_fdset Buffered_DatagramConnection").split()


@_panda_names
class Socket_IP(_Typed):
    """Panda3D's Socket_IP: the socket every nativenet class holds, by its descriptor.

    InitNetworkDriver means nothing here (Python's socket module is ready): it returns 0.
    GetLastError is the errno of the last failed call of these classes (Panda3D reads the C
    library's errno, which any call may change). get_type_index() numbers types gamenet's
    own way, not as Panda3D's type registry does."""

    _type_handle = _TypeHandle("Socket_IP", _TYPED_OBJECT)

    def __init__(self, ins: Optional[int] = None) -> None:
        """Socket_IP() holds no socket; Socket_IP(ins) takes the descriptor `ins` over."""
        self._sock, self._fd, self._bad = None, _BAD_SOCKET, _errno.EBADF
        if ins is not None:
            self._adopt(_int(ins, "ins", type(self).__name__, "socket"))

    def __del__(self) -> None:
        try:
            if getattr(self, "_fd", -1) != -1:
                self.Close()
        except Exception:
            pass

    def _adopt(self, fd: int) -> None:
        self._sock, self._fd = None, fd
        try:
            blocking = os.get_blocking(fd)
            sock = socket.socket(fileno=fd)
        except OSError as e:
            self._bad = e.errno or _errno.EBADF
            return
        sock.settimeout(None) if blocking else sock.setblocking(False)
        self._sock = sock

    def _take(self, sock: socket.socket) -> None:
        self.Close()
        self._sock, self._fd = sock, sock.fileno()

    def _open(self, family: int, kind: int) -> bool:
        self.Close()
        try:
            sock = socket.socket(family, kind)
        except OSError as e:
            _record(e)
            return False
        sock.settimeout(None)
        self._take(sock)
        return True

    def _op(self) -> socket.socket:
        if self._sock is None:
            code = _errno.EBADF if self._fd == _BAD_SOCKET else self._bad
            raise OSError(code, os.strerror(code))
        return self._sock

    def _call(self, failed: Any, method: str, *args: object) -> Any:
        """sock.method(*args), or `failed` (errno kept) if it fails or there is no socket."""
        try:
            return getattr(self._op(), method)(*args)
        except OSError as e:
            _record(e)
            return failed

    def _setopt(self, level: int, option: int, value: Union[int, bytes]) -> bool:
        return self._call(False, "setsockopt", level, option, value) is None

    def _fail(self, e: OSError) -> bool:
        """Panda3D's ErrorClose: keeps the errno, closes, returns False."""
        _record(e)
        self.Close()
        return False

    def _send(self, data: bytes) -> int:
        return self._call(-1, "send", data)

    def _sendto(self, data: bytes, address: "Socket_Address") -> int:
        try:
            sock = self._op()
            if address._family not in (_AF4, _AF6):     # AF_UNSPEC, as Linux takes it
                if sock.family == _AF4:
                    raise OSError(_errno.EINVAL, os.strerror(_errno.EINVAL))
                return sock.send(data)
            return sock.sendto(data, address._sockaddr_for(sock, _errno.ENETUNREACH))
        except OSError as e:
            _record(e)
            return -1

    def Close(self) -> None:
        """Closes the socket if there is one."""
        sock, fd = self._sock, self._fd
        self._sock, self._fd = None, _BAD_SOCKET
        try:
            if sock is not None:
                sock.close()
            elif fd != _BAD_SOCKET:
                os.close(fd)
        except OSError as e:
            _record(e)

    @staticmethod
    def GetLastError() -> int:
        """The errno of the last failed socket call."""
        return _base._last_error

    def SetNonBlocking(self) -> int:
        """Puts the socket in non-blocking mode. Returns 0 (as Panda3D, even with no socket)."""
        self._call(None, "setblocking", False)
        return 0

    def SetBlocking(self) -> int:
        """Puts the socket in blocking mode. Returns 0."""
        self._call(None, "settimeout", None)
        return 0

    def SetReuseAddress(self, flag: bool = True) -> bool:
        """SO_REUSEADDR. Returns False on failure."""
        return self._setopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1 if flag else 0)

    def SetV6Only(self, flag: bool) -> bool:
        """IPV6_V6ONLY (False: dual-stack). Returns False on failure (e.g. after bind)."""
        return self._setopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1 if flag else 0)

    def Active(self) -> bool:
        """True while the object holds a socket."""
        return self._fd != _BAD_SOCKET

    def SetRecvBufferSize(self, size: int) -> int:
        """SO_RCVBUF. Returns 0, or -1 on failure."""
        size = _int(size, "size", "SetRecvBufferSize")
        return 0 if self._setopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size) else -1

    def SetSocket(self, ins: int) -> None:
        """Closes the socket held and takes the descriptor `ins` over."""
        fd = _int(ins, "ins", "SetSocket", "socket")
        self.Close()
        self._adopt(fd)

    def GetSocket(self) -> int:
        """The socket's descriptor, or -1."""
        return self._fd

    def GetPeerName(self) -> Socket_Address:
        """The connected peer; an address of family 0 if there is none."""
        try:
            sock = self._op()
            return Socket_Address._from_sockaddr(sock.family, sock.getpeername())
        except OSError as e:
            _record(e)
            return Socket_Address._from_sockaddr(0, ())

    @staticmethod
    def InitNetworkDriver() -> int:
        """Nothing to initialise; returns 0."""
        return 0


@_panda_names
class Socket_TCP(Socket_IP):
    """Panda3D's Socket_TCP: a connected TCP socket.

    ErrorIs_WouldBlocking ignores its argument, as Panda3D's: it tells whether the last
    failed call would have blocked (EAGAIN). Every other name means what it means in
    Panda3D."""

    _type_handle = _TypeHandle("Socket_TCP", Socket_IP._type_handle)

    def SetNoDelay(self, flag: bool = True) -> int:
        """TCP_NODELAY. Returns 0, or -1 on failure."""
        return 0 if self._setopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1 if flag else 0) else -1

    def SetLinger(self, interval_seconds: int = 0) -> int:
        """SO_LINGER on, for `interval_seconds`. Returns 0, or -1 on failure."""
        secs = _int(interval_seconds, "interval_seconds", "SetLinger")
        ok = self._setopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, secs))
        return 0 if ok else -1

    def DontLinger(self) -> int:
        """SO_LINGER off. Returns 0, or -1 on failure."""
        ok = self._setopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 0, 0))
        return 0 if ok else -1

    def SetSendBufferSize(self, insize: int) -> int:
        """SO_SNDBUF. Returns 0, or -1 on failure."""
        insize = _int(insize, "insize", "SetSendBufferSize")
        return 0 if self._setopt(socket.SOL_SOCKET, socket.SO_SNDBUF, insize) else -1

    def ActiveOpen(self, theaddress: Socket_Address, setdelay: bool) -> bool:
        """Opens a new socket and connects it (blocking), with TCP_NODELAY if `setdelay`.
        Returns False (no socket held) on failure."""
        addr = _check(theaddress, Socket_Address, "theaddress", "ActiveOpen")
        if not self._open(addr._family, socket.SOCK_STREAM):
            return False
        if setdelay:
            self.SetNoDelay()
        try:
            self._sock.connect(addr._sockaddr_for(self._sock))
        except OSError as e:
            return self._fail(e)
        return True

    def ActiveOpenNonBlocking(self, theaddress: Socket_Address) -> bool:
        """Opens a new non-blocking socket and starts connecting it. Returns True while the
        connection is in progress (GetLastError() is then EINPROGRESS)."""
        addr = _check(theaddress, Socket_Address, "theaddress", "ActiveOpenNonBlocking")
        if not self._open(addr._family, socket.SOCK_STREAM):
            return False
        self.SetNonBlocking()
        self.SetReuseAddress()
        try:
            code = self._sock.connect_ex(addr._sockaddr_for(self._sock))
        except OSError as e:
            code = e.errno
        if code == _errno.EINPROGRESS:
            _record(code)
        elif code:
            return self._fail(OSError(code, os.strerror(code)))
        return True

    def ErrorIs_WouldBlocking(self, err: int) -> bool:
        """True if the last failed call would have blocked; `err` is not looked at."""
        _int(err, "err", "ErrorIs_WouldBlocking")
        return _base._last_error in (_errno.EAGAIN, _errno.EWOULDBLOCK)

    def ShutdownSend(self) -> bool:
        """Shuts the sending side down. Returns False on failure."""
        return self._call(False, "shutdown", socket.SHUT_WR) is None

    def SendData(self, str: Union[str, bytes, bytearray, memoryview]) -> int:
        """Sends once: the count of bytes sent (maybe fewer), or -1 (see GetLastError)."""
        return self._send(_payload(str, "str", "SendData"))

    def RecvData(self, max_len: int) -> str:
        """Receives once, up to max_len bytes: '' when nothing came (error, would block,
        or the peer closed; see GetLastError/ErrorIs_WouldBlocking)."""
        if _int(max_len, "max_len", "RecvData") < 0:
            _record(_errno.EINVAL)
            return ""
        return self._call(b"", "recv", max_len).decode("utf-8", "surrogateescape")


@_panda_names
class Socket_TCP_Listen(Socket_IP):
    """Panda3D's Socket_TCP_Listen: a listening TCP socket.

    Every name means what it means in Panda3D."""

    _type_handle = _TypeHandle("Socket_TCP_Listen", Socket_IP._type_handle)

    def __init__(self) -> None:
        """A listener holding no socket yet."""
        super().__init__()

    def OpenForListen(self, address: Union[Socket_Address, int], backlog_size: int = 1024) -> bool:
        """Binds and listens: on `address`, or on [::]:port (dual-stack) for a port number.
        Returns False (no socket held) on failure, e.g. the port in use."""
        backlog = _int(backlog_size, "backlog_size", "OpenForListen")
        if isinstance(address, Socket_Address):
            addr = address
        else:
            addr = Socket_Address()
            addr.set_any_IPv6(_int(address, "port", "OpenForListen", "unsigned short"))
        if not self._open(addr._family, socket.SOCK_STREAM):
            _record(_errno.EBADF)       # Panda3D goes on to bind no socket
            return False
        if not isinstance(address, Socket_Address):
            self.SetV6Only(False)
        self.SetReuseAddress()
        try:
            self._sock.bind(addr._sockaddr_for(self._sock))
            self._sock.listen(backlog)
        except OSError as e:
            return self._fail(e)
        return True

    def GetIncomingConnection(self, newsession: Socket_TCP, address: Socket_Address) -> bool:
        """Accepts one connection into `newsession` (closing what it held) and its peer
        into `address`. Returns False if none (EAGAIN when non-blocking) or on failure."""
        _check(newsession, Socket_TCP, "newsession", "GetIncomingConnection")
        _check(address, Socket_Address, "address", "GetIncomingConnection")
        accepted = self._call(None, "accept")
        if accepted is None:
            return False
        sock, peer = accepted
        sock.settimeout(None)
        newsession._take(sock)
        address._assign_sockaddr(sock.family, peer)
        return True


@_panda_names
class Socket_UDP_Incoming(Socket_IP):
    """Panda3D's Socket_UDP_Incoming: a UDP socket to receive on.

    Panda3D publishes no call that receives (GetPacket takes a C buffer): read the socket
    that GetSocket() names, after Socket_fdset.WaitForRead, as with Panda3D."""

    _type_handle = _TypeHandle("Socket_UDP_Incoming", Socket_IP._type_handle)

    def __init__(self) -> None:
        """A socket object holding no socket yet."""
        super().__init__()

    def _bind(self, family: int, address: Socket_Address, dual: bool) -> bool:
        if not self._open(family, socket.SOCK_DGRAM):
            return False
        if dual:
            self.SetV6Only(False)
        try:
            self._sock.bind(address._sockaddr_for(self._sock))
        except OSError as e:
            return self._fail(e)
        return True

    def OpenForInput(self, address: Union[Socket_Address, int]) -> bool:
        """Binds to `address`, or to [::]:port (dual-stack) for a port number."""
        if isinstance(address, Socket_Address):
            return self._bind(address._family, address, False)
        addr = Socket_Address()
        addr.set_any_IPv6(_int(address, "port", "OpenForInput", "unsigned short"))
        return self._bind(_AF6, addr, True)

    def OpenForInputMCast(self, address: Socket_Address) -> bool:
        """Binds to 0.0.0.0 on the address's port and joins its multicast group. Returns
        False if the join fails (the socket stays open, as in Panda3D)."""
        addr = _check(address, Socket_Address, "address", "OpenForInputMCast")
        if not self._bind(addr._family, Socket_Address(addr._port), False):
            return False
        if addr._family == _AF4:
            return self._setopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, addr._addr + bytes(4))
        if addr._family == _AF6:
            mreq = addr._addr + struct.pack("I", 0)
            return self._setopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
        return False

    def SendTo(self, data: Union[str, bytes, bytearray, memoryview], len: int,
               address: Socket_Address) -> bool:
        """Sends the first `len` bytes of data to address. True if all `len` went out."""
        payload = _payload(data, "data", "SendTo")
        count = _int(len, "len", "SendTo")
        addr = _check(address, Socket_Address, "address", "SendTo")
        if not 0 <= count <= payload.__len__():
            _record(_errno.EINVAL)
            return False
        return self._sendto(payload[:count], addr) == count

    def InitNoAddress(self) -> bool:
        """Opens an unbound dual-stack UDP socket. Returns False on failure."""
        if self._open(_AF6, socket.SOCK_DGRAM):
            self.SetV6Only(False)
        return self.Active()

    def SetToBroadCast(self) -> bool:
        """SO_BROADCAST. Returns False on failure."""
        return self._setopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)


class _UDPSender:
    """Send, SendTo and InitToAddress of Socket_UDP and Socket_UDP_Outgoing."""

    def InitToAddress(self, address: Socket_Address) -> bool:
        """InitNoAddress, then connects the socket to address for Send."""
        addr = _check(address, Socket_Address, "address", "InitToAddress")
        if not self.InitNoAddress():
            return False
        if addr._family not in (_AF4, _AF6):    # connect(AF_UNSPEC) only dissolves
            return True
        try:
            self._sock.connect(addr._sockaddr_for(self._sock, _errno.EAFNOSUPPORT))
        except OSError as e:
            return self._fail(e)
        return True

    def Send(self, data: Union[str, bytes, bytearray, memoryview]) -> bool:
        """Sends one datagram to the connected address. True if all of it went out."""
        payload = _payload(data, "data", "Send")
        return self._send(payload) == payload.__len__()

    def SendTo(self, data: Union[str, bytes, bytearray, memoryview],
               address: Socket_Address) -> bool:
        """Sends one datagram to address. True if all of it went out."""
        payload = _payload(data, "data", "SendTo")
        addr = _check(address, Socket_Address, "address", "SendTo")
        return self._sendto(payload, addr) == payload.__len__()

    def SetToBroadCast(self) -> bool:
        """SO_BROADCAST. Returns False on failure."""
        return self._setopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)


@_panda_names
class Socket_UDP(_UDPSender, Socket_UDP_Incoming):
    """Panda3D's Socket_UDP: Socket_UDP_Incoming plus Send/SendTo (its SendTo takes no len).

    Every name means what it means in Panda3D; see Socket_UDP_Incoming for receiving."""

    _type_handle = _TypeHandle("Socket_UDP", Socket_UDP_Incoming._type_handle)


@_panda_names
class Socket_UDP_Outgoing(_UDPSender, Socket_IP):
    """Panda3D's Socket_UDP_Outgoing: an IPv4 UDP socket to send from.

    Every name means what it means in Panda3D."""

    _type_handle = _TypeHandle("Socket_UDP_Outgoing", Socket_IP._type_handle)

    def __init__(self) -> None:
        """A socket object holding no socket yet."""
        super().__init__()

    def InitNoAddress(self) -> bool:
        """Opens an unbound IPv4 UDP socket. Returns False on failure."""
        return self._open(_AF4, socket.SOCK_DGRAM)


def _fd_of(incon: Union[Socket_IP, int], func: str) -> int:
    if isinstance(incon, Socket_IP):
        return incon._fd
    if isinstance(incon, int) and not isinstance(incon, bool):
        return incon
    raise TypeError(f"{func}() argument 'incon' must be Socket_IP, not {type(incon).__name__}")


class Socket_fdset:
    """Panda3D's Socket_fdset: a set of sockets to select() on; after a wait it holds the
    ready ones.

    Panda3D also takes a descriptor number for a socket (and closes it, through a temporary
    Socket_IP): gamenet takes it and leaves it open. Panda3D aborts the process when a socket
    holding none is added: gamenet raises ValueError."""

    def __init__(self) -> None:
        """An empty set."""
        self._fds: Set[int] = set()

    def setForSocket(self, incon: Socket_IP) -> None:
        """Adds the socket."""
        fd = _fd_of(incon, "setForSocket")
        if fd < 0:
            raise ValueError("setForSocket() argument 'incon' holds no socket")
        self._fds.add(fd)

    def IsSetFor(self, incon: Socket_IP) -> bool:
        """True if the socket is in the set (after a wait: if it was ready)."""
        return _fd_of(incon, "IsSetFor") in self._fds

    def _wait(self, which: int, zeroFds: bool, sleep_time: int, func: str) -> int:
        wait = _int(sleep_time, "sleep_time", func, "unsigned int")
        sets = [[], [], []]
        sets[which] = sorted(self._fds)
        try:
            ready = select.select(*sets, None if wait == _INFINITE else wait / 1000.0)[which]
        except OSError as e:
            _record(e)
            count = -1
        else:
            self._fds, count = set(ready), ready.__len__()
        if zeroFds:
            self.clear()
        return count

    def WaitForRead(self, zeroFds: bool, sleep_time: int = _INFINITE) -> int:
        """Waits up to sleep_time ms (0xffffffff: for ever) until a socket is readable;
        keeps the readable ones (or none, if zeroFds). Returns their count, 0 on timeout,
        -1 on error."""
        return self._wait(0, zeroFds, sleep_time, "WaitForRead")

    def WaitForWrite(self, zeroFds: bool, sleep_time: int = _INFINITE) -> int:
        """As WaitForRead, for writable sockets."""
        return self._wait(1, zeroFds, sleep_time, "WaitForWrite")

    def WaitForError(self, zeroFds: bool, sleep_time: int = _INFINITE) -> int:
        """As WaitForRead, for sockets with an exceptional condition (out-of-band data)."""
        return self._wait(2, zeroFds, sleep_time, "WaitForError")

    def clear(self) -> None:
        """Empties the set."""
        self._fds = set()


def __getattr__(name: str) -> type:
    if name == "Buffered_DatagramConnection":
        from ._nativenet_buffered import Buffered_DatagramConnection
        return Buffered_DatagramConnection
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
