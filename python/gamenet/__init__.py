"""gamenet for Python: a ctypes package over libgamenet.

    import gamenet
    with gamenet.Manager() as m, gamenet.Reader(m, 1) as r, gamenet.Writer(m, 1) as w:
        ...

`gamenet.panda` offers Panda3D's class and method names for a drop-in switch; `gamenet.Server`
and `gamenet.Client` (gamenet.msg, with the msgpack package) speak peng3dnet's protocol."""
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

_MSG_NAMES = {"Server", "Client", "MsgEvent", "MsgStats", "MSG_CONNECTED",
              "MSG_HANDSHAKE_COMPLETE", "MSG_MESSAGE", "MSG_PING_ANSWER", "MSG_CLOSED",
              "MSG_PING_QUERY"}


def __getattr__(name: str) -> object:
    """The message layer (gamenet.msg) loads on first use: it needs the msgpack package."""
    if name in _MSG_NAMES:
        from . import msg
        for n in _MSG_NAMES:  # loaded once: later lookups find them in the module
            globals()[n] = getattr(msg, n)
        return getattr(msg, name)
    raise AttributeError(f"module 'gamenet' has no attribute {name!r}")

