"""gamenet.panda's ConnectionWriter and DatagramSinkNet (Panda3D's names)."""

import ctypes as _ctypes

from . import _ffi, io
from ._bindings import GAMENET_OK as _OK
from ._panda_conn import Connection
from ._panda_readers import _conn_id
from ._panda_values import _with_camel_case
from .core import NetAddress, _address
from .datagram import Datagram as _Datagram

_lib = _ffi.lib
_byref = _ctypes.byref


def _bytes(datagram):
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

    def __init__(self, manager, num_threads, thread_name=""):
        if not isinstance(num_threads, int) or isinstance(num_threads, bool) or num_threads < 0:
            raise TypeError(f"num_threads must be an int >= 0, not {num_threads!r}")
        self._manager = manager
        self._w = io.Writer(manager._m, num_threads)
        self._w.max_queue_size = 10000  # Panda3D's default bound
        self._h = self._w._ptr
        self._threads = num_threads
        manager._writers.append(self)

    def send(self, datagram, connection, address=None, block=False):
        """send(datagram, connection, block=False) or send(datagram, connection, address,
        block=False) for UDP (address: a NetAddress or a (host, port) tuple); True when
        sent or queued. Without block, a send never waits for a slow peer: when what the
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
class DatagramSinkNet(ConnectionWriter):
    """Panda3D's DatagramSinkNet: a writer that sends every datagram put into it to one
    target connection (set_target). The file names of a DatagramSink mean nothing for a
    network stream and give what Panda3D's does: no file, name '', position 0."""

    def __init__(self, manager, num_threads):
        super().__init__(manager, num_threads)
        self._target = None

    def set_target(self, connection):
        self._target = connection

    def get_target(self):
        return self._target

    def put_datagram(self, datagram):
        """Sends it to the target (waiting for room if need be); False without a target or
        when the send fails."""
        if self._target is None:
            return False
        return self.send(datagram, self._target, block=True)

    def copy_datagram(self, *args):
        return False

    def is_error(self):
        """True without a target or once the target is closed."""
        return self._target is None or self._target.get_socket() is None

    def flush(self):
        if self._target is not None:
            self._target.flush()

    def get_filename(self):
        return ""

    def get_file(self):
        return None

    def get_file_pos(self):
        return 0

    filename = property(get_filename)
    file = property(get_file)
    file_pos = property(get_file_pos)
