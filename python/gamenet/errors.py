"""Result codes as exceptions: every failing call raises a GamenetError (or a subclass)
carrying the code and gamenet_last_error's message."""
import ctypes

from . import _ffi

OK = 0
EMPTY = 1

CODES = {
    2: "NULL_POINTER", 3: "INVALID_ARGUMENT", 4: "INVALID_HANDLE", 5: "UNKNOWN_CONNECTION",
    6: "BUFFER_TOO_SMALL", 7: "WOULD_BLOCK", 8: "TIMEOUT", 9: "CONNECTION_REFUSED",
    10: "ADDRESS_PARSE", 11: "RESOLVE", 12: "IO", 13: "OVERREAD", 14: "TOO_LARGE",
    15: "WRONG_KIND", 16: "CLOSED", 17: "ADDRESS_IN_USE", 18: "PERMISSION_DENIED",
    19: "UNSUPPORTED", 100: "PANIC",
}


class GamenetError(Exception):
    """A gamenet call failed. `code` is the gamenet_result value, `name` its name."""

    def __init__(self, code, message):
        self.code = code
        self.name = CODES.get(code, "UNKNOWN")
        self.message = message
        super().__init__(f"{self.name} ({code}): {message}")


class WouldBlock(GamenetError):
    """The queue or the connection's buffer is full; nothing was queued."""


class Timeout(GamenetError):
    """A deadline passed."""


class UnknownConnection(GamenetError):
    """The connection is closed, belongs to another manager, or never existed."""


class Closed(GamenetError):
    """The object was closed or shut down (also raised for use after close())."""


class DatagramError(GamenetError):
    """A datagram could not be read or written as asked (over-read, too long)."""


_CLASSES = {7: WouldBlock, 8: Timeout, 5: UnknownConnection, 16: Closed, 13: DatagramError,
            14: DatagramError}


def last_error():
    """The message of the last failing gamenet call on this thread."""
    n = ctypes.c_size_t(0)
    _ffi.lib.gamenet_last_error(None, 0, ctypes.byref(n))
    buf = ctypes.create_string_buffer(n.value + 1)
    _ffi.lib.gamenet_last_error(buf, len(buf), ctypes.byref(n))
    return buf.value.decode("utf-8", "replace")


def error(code, message=None):
    return _CLASSES.get(code, GamenetError)(code, last_error() if message is None else message)


def check(rc):
    """Returns OK or EMPTY; raises for every error code."""
    if rc == OK or rc == EMPTY:
        return rc
    raise error(rc)
