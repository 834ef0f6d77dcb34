"""peng3dnet's internal packets (peng3dnet.packet.internal), by name and id.

gamenet's C layer speaks the protocol itself: it sends and answers hello (1), settype (2),
handshake (3), accept (4) and closeconn (16), and adopts the server's registry on the
client. These classes are registered under their names and ids in every peer's registry,
as peng3dnet registers them, so that programs that look them up find them; gamenet never
calls their receive() or send(). The handshake, in order: the server sends hello, the
client answers settype (its connection type), the server sends handshake (its version and
registry), the client adopts the registry and answers accept; close reasons travel in
closeconn."""
from __future__ import annotations

from ..constants import *  # noqa: F401,F403 (peng3dnet's internal module has them too)
from ..constants import (CONNTYPE_NOTSET, SIDE_CLIENT, SIDE_SERVER, STATE_HANDSHAKE_WAIT1,
                         STATE_HELLOWAIT, STATE_WAITTYPE)
from . import Packet, SmartPacket

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import Any, Optional

__all__ = ["HelloPacket", "SetTypePacket", "HandshakePacket", "HandshakeAcceptPacket",
           "CloseConnectionPacket"]


class _Internal:
    """The protocol's part, done by gamenet's C layer."""

    def receive(self, msg: Any, cid: Optional[int] = None) -> None:
        """Never called: gamenet's C layer handles this packet."""

    def send(self, msg: Any, cid: Optional[int] = None) -> None:
        """Never called: gamenet's C layer sends this packet."""


class HelloPacket(_Internal, SmartPacket):
    """Sent by the server first, with its version; a client that does not speak the
    protocol version closes with "protoversionmismatch"."""

    state = STATE_HELLOWAIT
    side = SIDE_CLIENT
    conntype = CONNTYPE_NOTSET


class SetTypePacket(_Internal, SmartPacket):
    """Sent by the client with its connection type; the server closes a type it does not
    know with "unknownconntype"."""

    state = STATE_WAITTYPE
    side = SIDE_SERVER


class HandshakePacket(_Internal, SmartPacket):
    """Sent by the server with its version and registry; a client whose packet names
    differ closes with "packetregmismatch", else it adopts the server's ids."""

    state = STATE_HANDSHAKE_WAIT1
    side = SIDE_CLIENT
    invalid_action = "close"


class HandshakeAcceptPacket(_Internal, SmartPacket):
    """Sent by the client once it adopted the registry: the handshake is complete."""

    state = STATE_HANDSHAKE_WAIT1
    side = SIDE_SERVER
    invalid_action = "close"


class CloseConnectionPacket(_Internal, Packet):
    """Sent by either side before it closes, with the reason (close_connection())."""


# (name, class, id) of each, in peng3dnet's registration order.
INTERNAL = [
    ("peng3dnet:internal.hello", HelloPacket, 1),
    ("peng3dnet:internal.settype", SetTypePacket, 2),
    ("peng3dnet:internal.handshake", HandshakePacket, 3),
    ("peng3dnet:internal.handshake.accept", HandshakeAcceptPacket, 4),
    ("peng3dnet:internal.closeconn", CloseConnectionPacket, 16),
]
