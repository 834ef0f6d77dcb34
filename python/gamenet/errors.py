"""Result codes as exceptions: every failing call raises a GamenetError (or a subclass)
carrying the code and gamenet_last_error's message."""
from __future__ import annotations

import ctypes
import os
import re

from . import _ffi
from ._bindings import (ENUMS, GAMENET_EMPTY, GAMENET_ERR_ADDRESS_IN_USE,
                        GAMENET_ERR_ADDRESS_PARSE, GAMENET_ERR_CLOSED,
                        GAMENET_ERR_CONNECTION_REFUSED, GAMENET_ERR_IO, GAMENET_ERR_OVERREAD,
                        GAMENET_ERR_PERMISSION_DENIED, GAMENET_ERR_RESOLVE,
                        GAMENET_ERR_TIMEOUT, GAMENET_ERR_TOO_LARGE,
                        GAMENET_ERR_UNKNOWN_CONNECTION, GAMENET_ERR_WOULD_BLOCK, GAMENET_OK)

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import Optional, Tuple

OK = GAMENET_OK
EMPTY = GAMENET_EMPTY

# Every error code and its name without the prefix: {GAMENET_ERR_IO: "IO", ...}.
CODES = {value: name[len("GAMENET_ERR_"):]
         for name, value in ENUMS["gamenet_result"].items() if name.startswith("GAMENET_ERR_")}


_OS_ERROR = re.compile(r"\(os error (\d+)\)")


class GamenetError(Exception):
    """A gamenet call failed. `code` is the gamenet_result value, `name` its name. Those
    that are also OSErrors carry `errno` and `strerror` when the system gave one."""

    def __init__(self, code: int, message: Optional[str], os_error: int = 0) -> None:
        self.code = code
        self.name = CODES.get(code, "UNKNOWN")
        self.message = message
        super().__init__(f"{self.name} ({code}): {message}")
        if not os_error:
            m = _OS_ERROR.search(message or "")
            os_error = int(m.group(1)) if m else 0
        self.os_error = os_error
        if isinstance(self, OSError) and os_error:
            self.errno = os_error
            self.strerror = os.strerror(os_error)

    def __reduce__(self) -> Tuple[type, Tuple[int, Optional[str], int]]:
        # copy and pickle (multiprocessing) rebuild it from its own arguments.
        return (type(self), (self.code, self.message, self.os_error))

    def __str__(self) -> str:
        return f"{self.name} ({self.code}): {self.message}"


# Where Python has a builtin exception for the same failure, the class is also one, so
# `except TimeoutError` or `except OSError` catch gamenet's errors as they catch socket's.


class WouldBlock(GamenetError, BlockingIOError):
    """The queue or the connection's buffer is full; nothing was queued."""


class Timeout(GamenetError, TimeoutError):
    """A deadline passed."""


class ConnectionRefused(GamenetError, ConnectionRefusedError):
    """The peer refused the connection."""


class AddressError(GamenetError, OSError):
    """An address could not be parsed or resolved, or is in use."""


class NetworkPermissionError(GamenetError, PermissionError):
    """The system refused the operation (a privileged port, a broadcast not allowed)."""


class NetworkIOError(GamenetError, OSError):
    """A socket operation failed; the message says which and why."""


class UnknownConnection(GamenetError):
    """The connection is closed, belongs to another manager, or never existed."""


class Closed(GamenetError):
    """The object was closed or shut down (also raised for use after close())."""


class DatagramError(GamenetError):
    """A datagram could not be read or written as asked (over-read, too long)."""


_CLASSES = {GAMENET_ERR_WOULD_BLOCK: WouldBlock, GAMENET_ERR_TIMEOUT: Timeout,
            GAMENET_ERR_UNKNOWN_CONNECTION: UnknownConnection, GAMENET_ERR_CLOSED: Closed,
            GAMENET_ERR_OVERREAD: DatagramError, GAMENET_ERR_TOO_LARGE: DatagramError,
            GAMENET_ERR_CONNECTION_REFUSED: ConnectionRefused,
            GAMENET_ERR_ADDRESS_PARSE: AddressError, GAMENET_ERR_RESOLVE: AddressError,
            GAMENET_ERR_ADDRESS_IN_USE: AddressError,
            GAMENET_ERR_PERMISSION_DENIED: NetworkPermissionError,
            GAMENET_ERR_IO: NetworkIOError}


def last_error() -> str:
    """The message of the last failing gamenet call on this thread."""
    n = ctypes.c_size_t(0)
    _ffi.lib.gamenet_last_error(None, 0, ctypes.byref(n))
    buf = ctypes.create_string_buffer(n.value + 1)
    _ffi.lib.gamenet_last_error(buf, len(buf), ctypes.byref(n))
    return buf.value.decode("utf-8", "replace")


def error(code: int, message: Optional[str] = None, os_error: int = 0) -> GamenetError:
    """The exception for result code `code` (the GamenetError subclass that stands for it),
    with `message`, or the thread's last_error() when message is None."""
    return _CLASSES.get(code, GamenetError)(code, last_error() if message is None else message,
                                            os_error)


def check(rc: int) -> int:
    """Returns rc when it is OK or EMPTY; raises the GamenetError for every error code."""
    if rc == OK or rc == EMPTY:
        return rc
    raise error(rc)
