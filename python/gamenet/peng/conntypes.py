"""peng3dnet's connection types (peng3dnet.conntypes). A ConnectionType instance is
registered on a peer under its name with addConnType(name, obj) and shared by all the
connections of that type (cid tells them apart on the server; it is None on the client).

On a gamenet server every added type gets the classic handshake (gamenet's C layer runs
it; the type is reported when the handshake completes). init(cid) is called then on the
server, and on the client when the connection opens; receive() sees every application
message first (returning True stops its processing); send() every message sent."""
from __future__ import annotations

from .constants import *  # noqa: F401,F403 (peng3dnet's conntypes module has them too)
from .constants import STATE_HANDSHAKE_WAIT1

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import Any, Optional

__all__ = ["ConnectionType", "ClassicConnectionType"]


class ConnectionType(object):
    """A connection type: `peer` is the Server or Client it is registered with."""

    def __init__(self, peer: Any) -> None:
        self.peer = peer

    def init(self, cid: Optional[int]) -> None:
        """A connection of this type starts: on the server (cid is the client's id) when
        its handshake completes, before on_handshake_complete; on the client (cid None) when
        the connection opens and the type is sent."""

    def receive(self, msg: Any, pid: int, flags: int, cid: Optional[int]) -> bool:
        """An application message arrived on a connection of this type: msg is its decoded
        body, pid its packet id, flags 0 (gamenet's events do not carry the header's flags)
        and cid the client's id (None on the client). True stops its processing (the
        packet's receive, on_receive and the event are skipped)."""
        return False

    def send(self, data: Any, pid: Any, cid: Optional[int]) -> bool:
        """A message was sent on a connection of this type: data is the value sent, pid the
        packet type as given to send_message, cid the client's id (None on the client).
        True skips on_send, the event and the packet's send()."""
        return False


class ClassicConnectionType(ConnectionType):
    """The classic type: the handshake syncs the client's registry with the server's (ids
    adopted from the server). gamenet's C layer sends and checks the handshake."""

    def init(self, cid: Optional[int]) -> None:
        """Sets the connection's state to STATE_HANDSHAKE_WAIT1 (gamenet sends the
        handshake itself)."""
        if cid is not None:
            self.peer.clients[cid].state = STATE_HANDSHAKE_WAIT1
        else:
            self.peer.remote_state = STATE_HANDSHAKE_WAIT1
