"""Panda3D 1.10.16's Buffered_DatagramConnection in pure Python (see _nativenet).

On the wire each datagram is a 2-byte little-endian length (the length cut to 16 bits, as
Panda3D does) followed by its bytes. The read and write buffers are Panda3D's fixed-size
RingBuffer, with its sizes, compaction and flush points, so that the same calls succeed and
fail as in Panda3D: a datagram longer than wbufsize - 3, or a frame longer than rbufsize,
ends the connection."""
from __future__ import annotations

import errno as _errno
import logging
import select

from ._nativenet import (Socket_Address, Socket_IP, Socket_TCP, _TypeHandle, _check, _int,
                         _panda_names, _record)

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import Any, Callable, Optional, Tuple

_log = logging.getLogger("gamenet.nativenet")


class _RingBuffer:
    """Panda3D's RingBuffer: a fixed buffer, read from _start, written at _end."""

    def __init__(self, size: int) -> None:
        self._buf = bytearray(size)
        self._start = self._end = 0

    def amount(self) -> int:
        return self._end - self._start

    def available(self) -> int:
        return len(self._buf) - self._end

    def reset(self) -> None:
        self._start = self._end = 0

    def _slide(self) -> None:
        count = self.amount()
        if count > 0 and self._start:
            self._buf[:count] = self._buf[self._start:self._end]
            self._start, self._end = 0, count

    def full_compress(self) -> None:
        self.reset() if self._start == self._end else self._slide()

    def compress(self) -> None:
        if self._start == self._end:
            self.reset()
        elif self._start >= len(self._buf) // 2:
            self._slide()

    def put(self, data: bytes) -> bool:
        if len(data) > self.available():
            self.compress()
        if len(data) > self.available():
            return False
        self._buf[self._end:self._end + len(data)] = data
        self._end += len(data)
        return True


def _peer(conn: Socket_IP) -> str:
    try:
        return conn.GetPeerName().get_ip_port()
    except AssertionError:
        return "(no peer)"


class _Reader(_RingBuffer):
    """Panda3D's Buffered_DatagramReader."""

    def _message(self) -> Optional[bytes]:
        if self.amount() < 2:
            return None
        size = int.from_bytes(self._buf[self._start:self._start + 2], "little") + 2
        if size > self.amount():
            return None
        payload = bytes(self._buf[self._start + 2:self._start + size])
        self._start += size
        return payload

    def pump(self, conn: Socket_TCP) -> Tuple[int, Optional[bytes]]:
        """(1, datagram), (0, None) for none yet, or (-1, None) for a broken connection."""
        payload = self._message()
        if payload is not None:
            return 1, payload
        code = self._read(conn)
        if code < 1:
            return (0 if code == 0 else -1), None
        payload = self._message()
        return (0, None) if payload is None else (1, payload)

    def _read(self, conn: Socket_TCP) -> int:
        if self.available() < 1:
            self.compress()
        room = self.available()
        if room <= 0:
            _log.error("buffered_datagram_reader:ReadPump Yeep! buffer has no room to read "
                       "to -- %s BufferSize %d", _peer(conn), len(self._buf))
            return -2
        try:
            data = conn._op().recv(room)
        except OSError as e:
            _record(e)
            if e.errno in (_errno.EAGAIN, _errno.EWOULDBLOCK):
                return 0
            _log.error("buffered_datagram_reader:ReadPump socket read error -- %s, %s",
                       e.errno, _peer(conn))
            return -3
        if not data:
            _log.error("buffered_datagram_reader:ReadPump other end of socket closed -- %s",
                       _peer(conn))
            return -1
        self._buf[self._end:self._end + len(data)] = data
        self._end += len(data)
        return 1


class _Writer(_RingBuffer):
    """Panda3D's Buffered_DatagramWriter."""

    def __init__(self, size: int, flush_point: int) -> None:
        super().__init__(size)
        self._flush_point = flush_point

    def add(self, data: bytes, conn: Socket_TCP) -> int:
        """Frames and buffers data, flushing first if it does not fit and after if past the
        flush point. 1, or -1 on failure."""
        answer = self.flush(conn, False) if len(data) > self.available() else 0
        if answer >= 0:
            answer = self._frame(data)
        if answer >= 0 and self._flush_point != -1 and self._flush_point < self.amount():
            if self.flush(conn, False) < 0:
                answer = -1
        return answer

    def _frame(self, data: bytes) -> int:
        if self.available() > len(data) + 2:
            header = (len(data) & 0xFFFF).to_bytes(2, "little")
            if self.put(header) and self.put(data):
                return 1
        return -1

    def flush(self, conn: Socket_TCP, no_block: bool) -> int:
        """Sends once what is buffered: 1 if some is left, 0 if none (or would block and not
        no_block), -1 on failure."""
        if self.amount() <= 0:
            return 0
        sent = conn._send(bytes(self._buf[self._start:self._end]))
        if sent > 0:
            self._start += sent
            self.full_compress()
            return 1 if self.amount() > 0 else 0
        if sent < 0:
            if Socket_IP.GetLastError() not in (_errno.EAGAIN, _errno.EWOULDBLOCK):
                return -1
            return 1 if no_block else 0
        return 0


def _filler(val: Any, func: str) -> Callable[[bytes], None]:
    """How to put a received datagram into `val`: gamenet's Datagram keeps a bytearray in
    `_data`; other datagrams get set_data(bytes) or assign(bytes or a datagram of them)."""
    data = getattr(val, "_data", None)
    if isinstance(data, bytearray):
        def fill(payload: bytes) -> None:
            data[:] = payload
        return fill
    if callable(getattr(val, "set_data", None)):
        return val.set_data
    if callable(getattr(val, "assign", None)):
        def assign(payload: bytes) -> None:
            try:
                val.assign(payload)
            except TypeError:
                val.assign(type(val)(payload))
        return assign
    raise TypeError(f"{func}() argument 'val' must be Datagram, not {type(val).__name__}")


@_panda_names
class Buffered_DatagramConnection(Socket_TCP):
    """Panda3D's Buffered_DatagramConnection: a TCP client that sends and receives
    datagrams framed by a 2-byte little-endian length, through fixed-size buffers, and
    connects round-robin to a list of addresses.

    Every name means what it means in Panda3D. As there, its type is registered as derived
    from Socket_IP, not Socket_TCP (is_of_type(Socket_TCP) is False). GetMessage fills any
    datagram (gamenet's, or one with set_data or assign); SendMessage takes any object with
    get_message(). Errors are logged to the "gamenet.nativenet" logger, where Panda3D logs
    to its nativenet notify category."""

    _type_handle = _TypeHandle("Buffered_DatagramConnection", Socket_IP._type_handle)

    def __init__(self, rbufsize: int, wbufsize: int, write_flush_point: int) -> None:
        """Read and write buffers of rbufsize and wbufsize bytes; a write flushes when more
        than write_flush_point bytes are buffered (-1: only when the buffer is full)."""
        super().__init__()
        sizes = [_int(v, n, "Buffered_DatagramConnection") for v, n in
                 ((rbufsize, "rbufsize"), (wbufsize, "wbufsize"))]
        flush_point = _int(write_flush_point, "write_flush_point", "Buffered_DatagramConnection")
        if min(sizes) < 0:
            raise ValueError("Buffered_DatagramConnection() buffer sizes must not be negative")
        self._reader, self._writer = _Reader(sizes[0]), _Writer(sizes[1], flush_point)
        self._addresses, self._next, self._address = [], 0, Socket_Address()

    def _clear_all(self) -> None:
        self.Close()
        self._writer.reset()
        self._reader.reset()

    def GetMessage(self, val: Any) -> bool:
        """Reads the next datagram into `val` without blocking. False if none is complete
        yet, or on failure (the connection is then reset: IsConnected() turns False)."""
        fill = _filler(val, "GetMessage")
        if not self.IsConnected():
            return False
        code, payload = self._reader.pump(self)
        if code < 0:
            _log.error("Buffered_DatagramConnection::GetMessage->Error On PumpMessageReader"
                       "--Out Buffer = %d", self._writer.amount())
            self._clear_all()
        if code <= 0:
            return False
        fill(payload)
        return True

    def DoConnect(self) -> bool:
        """Connects (blocking) to the next address of the list, then makes the socket
        non-blocking with TCP_NODELAY. False if the list is empty or the connect fails."""
        if not self._addresses:
            return False
        if self._next >= len(self._addresses):
            self._next = 0
        self._address = Socket_Address(self._addresses[self._next])
        self._next += 1
        if not self.ActiveOpen(self._address, True):
            return False
        self.SetNoDelay()
        self.SetNonBlocking()
        return True

    def IsConnected(self) -> bool:
        """True while a socket is held (Active())."""
        return self.Active()

    def SendMessage(self, msg: Any) -> bool:
        """Frames and buffers the datagram (sending only when the buffer fills or passes
        the flush point: call Flush). False if not connected, or on failure (the
        connection is then reset)."""
        get_message = getattr(msg, "get_message", None)
        if not callable(get_message):
            raise TypeError(f"SendMessage() argument 'msg' must be Datagram, "
                            f"not {type(msg).__name__}")
        if not self.IsConnected():
            return False
        if self._writer.add(bytes(get_message()), self) >= 0:
            return True
        _log.warning("Buffered_DatagramConnection::SendMessage->Error On Write--Out Buffer "
                     "= %d", self._writer.amount())
        self._clear_all()
        return False

    def Flush(self) -> bool:
        """Sends what is buffered, as much as the socket takes now. False if not connected,
        or on failure (the connection is then reset)."""
        if not self.IsConnected():
            return False
        if self._writer.flush(self, True) < 0:
            _log.error("Buffered_DatagramConnection::Flush->Error On Flush [%d]",
                       Socket_IP.GetLastError())
            self._clear_all()
            return False
        return True

    def Reset(self) -> None:
        """Closes the socket and empties both buffers."""
        self._clear_all()

    def WaitForNetworkReadEvent(self, MaxTime: float) -> None:
        """Waits up to MaxTime seconds until the socket is readable or in error. Returns at
        once if no socket is held (Panda3D aborts then)."""
        if not isinstance(MaxTime, (int, float)):
            raise TypeError("WaitForNetworkReadEvent() argument 'MaxTime' must be float, "
                            f"not {type(MaxTime).__name__}")
        if self._sock is None:
            return None
        try:
            select.select([self._sock], [], [self._sock], max(0.0, float(MaxTime)))
        except (OSError, ValueError) as e:
            _record(e if isinstance(e, OSError) else _errno.EINVAL)
        return None

    def AddressQueueSize(self) -> int:
        """How many addresses DoConnect goes round."""
        return len(self._addresses)

    def AddAddress(self, inadr: Socket_Address) -> None:
        """Appends a copy of the address unless one == to it is listed."""
        _check(inadr, Socket_Address, "inadr", "AddAddress")
        if not any(listed == inadr for listed in self._addresses):
            self._addresses.append(Socket_Address(inadr))

    def ClearAddresses(self) -> None:
        """Empties the address list."""
        self._addresses.clear()
