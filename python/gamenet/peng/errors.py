"""peng3dnet's exception classes, with the same names and bases (peng3dnet.errors).
Failures inside gamenet's C layer raise gamenet's own errors (gamenet.GamenetError and its
subclasses, which are OSError, TimeoutError, ... where Python has one)."""

__all__ = [
    "InvalidAddressError", "InvalidPortError", "InvalidHostError",
    "UnsupportedAddressError",
    "InvalidSmartPacketActionError",
    "TimedOutError", "FailedPingError",
    "RegistryError", "AlreadyRegisteredError",
]


class InvalidAddressError(ValueError):
    """A given address is not valid and cannot be used."""


class InvalidPortError(InvalidAddressError):
    """The port supplied or parsed is not valid."""


class InvalidHostError(InvalidAddressError):
    """The host supplied or parsed is not valid or applicable."""


class UnsupportedAddressError(NotImplementedError):
    """The address supplied is not supported, but may still be valid."""


class InvalidSmartPacketActionError(ValueError):
    """The invalid_action of a SmartPacket is neither "ignore" nor "close"."""


class TimedOutError(RuntimeError):
    """An action timed out: a connection, a request, a wait."""


class FailedPingError(TimedOutError):
    """A ping request failed: no answer in time, or the connection closed or never opened."""


class RegistryError(ValueError):
    """A registry refused an entry (gamenet: also a packet name or id its C layer refuses)."""


class AlreadyRegisteredError(RegistryError):
    """The name, id or object given has been registered already."""
