"""gamenet.panda's ConnectionWriter and DatagramSinkNet (Panda3D's names)."""
from __future__ import annotations

import ctypes as _ctypes

from . import _ffi, io
from ._bindings import GAMENET_OK as _OK
from ._panda_conn import Connection
from ._panda_readers import _conn_id
from ._panda_values import _with_camel_case
from .core import NetAddress, _address
from .datagram import Datagram as _Datagram

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import Any, Optional, Sized, Tuple, Union

    from .panda import QueuedConnectionManager

_lib = _ffi.lib
_byref = _ctypes.byref


def _bytes(datagram: Any) -> bytes:
    if isinstance(datagram, (bytes, bytearray, memoryview)):
        return bytes(datagram)
    # Another library's Datagram (Panda3D's own, direct.distributed's PyDatagram).
    get = getattr(datagram, "get_message", None) or getattr(datagram, "getMessage", None)
    if get is not None:
        return bytes(get())
    raise TypeError(f"datagram must be a Datagram or bytes, not {type(datagram).__name__}")


@_with_camel_case
class ConnectionWriter:
    """Panda3D's ConnectionWriter: send() returns a bool."""

    def __init__(self, manager: QueuedConnectionManager, num_threads: int,
                 thread_name: str = "") -> None:
        if not isinstance(num_threads, int) or isinstance(num_threads, bool) or num_threads < 0:
            raise TypeError(f"num_threads must be an int >= 0, not {num_threads!r}")
        self._manager = manager
        self._w = io.Writer(manager._m, num_threads)
        self._w.max_queue_size = 10000  # Panda3D's default bound
        self._h = self._w._ptr
        self._threads = num_threads
        manager._writers.append(self)

    def send(self, datagram: Any, connection: Union[Connection, int],
             address: Union[NetAddress, Tuple[Union[str, bytes], int], bool, None] = None,
             block: bool = False) -> bool:
        """send(datagram, connection, block=False) or send(datagram, connection, address,
        block=False) for UDP (address: a NetAddress or a (host, port) tuple); True when
        sent or queued. datagram: a Datagram, bytes-like, or another library's datagram
        with get_message() (Panda3D's own). Without block, a send never waits for a slow peer: when what the
        connection holds is full (8 MiB), it returns False and queues nothing."""
        # The hot path: one ctypes call, no intermediate objects.
        data = bytes(datagram._data) if isinstance(datagram, _Datagram) else _bytes(datagram)
        conn = connection._id if isinstance(connection, Connection) else _conn_id(connection)
        if address is not None and address is not True and address is not False:
            if not isinstance(address, NetAddress):
                address = _address(address)
            rc = _lib.gamenet_writer_send_to(self._h, conn, _byref(address._a), data,
                                             len(data), block)
        else:
            if address is not None:  # send(datagram, connection, block), Panda3D's form
                block = address
            rc = _lib.gamenet_writer_send(self._h, conn, data, len(data), block)
        return rc == _OK

    def is_valid_for_udp(self, datagram: Sized) -> bool:
        """Whether the datagram fits one UDP packet (Panda3D's is_valid_for_udp)."""
        return self._w.is_valid_for_udp(len(datagram))

    def set_max_queue_size(self, n: int) -> None:
        """Bounds a threaded writer's queue, in datagrams (Panda3D's default 10,000); a
        send that finds it full returns False."""
        self._w.max_queue_size = n

    def get_max_queue_size(self) -> int:
        """The queue's bound, in datagrams."""
        return self._w.max_queue_size

    def get_current_queue_size(self) -> int:
        """The datagrams waiting in a threaded writer's queue."""
        return self._w.current_queue_size

    def set_raw_mode(self, mode: bool) -> None:
        """Raw mode (Panda3D's): no TCP length header, no UDP checksum header."""
        self._w.raw_mode = mode

    def get_raw_mode(self) -> bool:
        """Whether raw mode is on."""
        return self._w.raw_mode

    def set_tcp_header_size(self, size: int) -> None:
        """The TCP length header: 0, 2 (Panda3D's default) or 4 bytes."""
        self._w.tcp_header_size = size

    def get_tcp_header_size(self) -> int:
        """The TCP length header size, in bytes."""
        return self._w.tcp_header_size

    def get_num_threads(self) -> int:
        """The writer's threads (0: immediate mode, sends in the caller's thread)."""
        return self._threads

    def is_immediate(self) -> bool:
        """Whether the writer has no threads (Panda3D's is_immediate)."""
        return self._threads == 0

    def get_manager(self) -> QueuedConnectionManager:
        """The manager it was made with."""
        return self._manager

    def shutdown(self) -> None:
        """Stops the writer, letting what is queued leave for up to a second; later sends
        return False."""
        self._w.shutdown()


@_with_camel_case
class DatagramSinkNet(ConnectionWriter):
    """Panda3D's DatagramSinkNet: a writer that sends every datagram put into it to one
    target connection (set_target). The file names of a DatagramSink mean nothing for a
    network stream and give what Panda3D's does: no file, name '', position 0."""

    def __init__(self, manager: QueuedConnectionManager, num_threads: int) -> None:
        super().__init__(manager, num_threads)
        self._target: Optional[Connection] = None

    def set_target(self, connection: Optional[Connection]) -> None:
        """The connection put_datagram sends to (None: none)."""
        self._target = connection

    def get_target(self) -> Optional[Connection]:
        """The connection put_datagram sends to, or None."""
        return self._target

    def put_datagram(self, datagram: Any) -> bool:
        """Sends it to the target (waiting for room if need be); False without a target or
        when the send fails."""
        if self._target is None:
            return False
        return self.send(datagram, self._target, block=True)

    def copy_datagram(self, *args: object) -> bool:
        """False: a network stream cannot copy a datagram from a file (Panda3D's answer)."""
        return False

    def is_error(self) -> bool:
        """True without a target or once the target is closed."""
        return self._target is None or self._target.get_socket() is None

    def flush(self) -> None:
        """Sends what the writers hold for the target connection."""
        if self._target is not None:
            self._target.flush()

    def get_filename(self) -> str:
        """An empty name: a network stream has no file name."""
        return ""

    def get_file(self) -> None:
        """None: a network stream has no file."""
        return None

    def get_file_pos(self) -> int:
        """0: a network stream has no file position."""
        return 0

    filename = property(get_filename)
    file = property(get_file)
    file_pos = property(get_file_pos)
