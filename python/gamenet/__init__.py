"""gamenet for Python: a ctypes package over libgamenet.

    import gamenet
    with gamenet.Manager() as m, gamenet.Reader(m, 1) as r, gamenet.Writer(m, 1) as w:
        ...

`gamenet.panda` offers Panda3D's class and method names for a drop-in switch."""
from .core import (CLOSE_ERROR, CLOSE_LOCAL, CLOSE_MANAGER_SHUTDOWN, CLOSE_PEER_CLOSED,
                   CLOSE_PROTOCOL_VIOLATION, CLOSE_RESET, CLOSE_TOO_LARGE, KIND_TCP,
                   KIND_TCP_RENDEZVOUS, KIND_UDP, LOG_DEBUG, LOG_ERROR, LOG_INFO, LOG_WARN,
                   Connection, Manager, NetAddress, ResetEvent, debug_panic, version)
from .io import Listener, NewConnection, Reader, Received, Writer
from .datagram import Datagram, DatagramIterator
from .errors import (AddressError, Closed, ConnectionRefused, DatagramError, GamenetError,
                     NetworkIOError, NetworkPermissionError, Timeout, UnknownConnection,
                     WouldBlock, last_error)

__version__ = version()
