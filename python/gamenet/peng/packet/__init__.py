"""peng3dnet's packet types (peng3dnet.packet): subclass Packet (or SmartPacket, which
checks the connection's state, side, mode and type first) and override receive(msg, cid)
and send(msg, cid); register an instance with peer.register_packet(name, obj).

receive runs on the thread that calls the peer's process(); cid is the client's id on the
server and None on the client. send is called after a message of this type was handed to
gamenet (msg is the Python value; peng3dnet's server passed the encoded bytes)."""
from __future__ import annotations

from .. import errors
from ..constants import *  # noqa: F401,F403 (peng3dnet's packet module has them too)
from ..constants import SIDE_CLIENT, SIDE_SERVER, SSLSEC_NONE, STATE_ACTIVE

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import Any, Optional

__all__ = ["Packet", "SmartPacket", "PrintPacket"]


class Packet(object):
    """A packet type: `reg` is the peer's PacketRegistry, `peer` the Server or Client it
    belongs to; `obj` is kept as peng3dnet keeps it (unused)."""

    def __init__(self, reg: Any, peer: Any, obj: Any = None) -> None:
        self.reg = reg
        self.peer = peer
        self.obj = obj

    def _receive(self, msg: Any, cid: Optional[int] = None) -> Any:
        """Called for every message of this type received; passes it to receive()."""
        self.receive(msg, cid)

    def _send(self, msg: Any, cid: Optional[int] = None) -> Any:
        """Called for every message of this type sent; passes it to send()."""
        self.send(msg, cid)

    def receive(self, msg: Any, cid: Optional[int] = None) -> None:
        """A message of this type arrived: msg is its decoded body, cid the sending client's
        id on the server (None on the client). Override it."""

    def send(self, msg: Any, cid: Optional[int] = None) -> None:
        """A message of this type was sent: msg is the value sent, cid the receiving
        client's id on the server (None on the client). Override it."""


class SmartPacket(Packet):
    """A packet type that checks the connection first: its state (`state`, exactly), the
    side that may receive it (`side`: None, SIDE_SERVER or SIDE_CLIENT), its mode and its
    connection type (`mode`, `conntype`: None skips the check) and, for sending, the SSL
    level (`min_sslsec_level`). When a check fails, `invalid_action` says what happens:
    "ignore" (receive()/send() are not called) or "close" (the connection is closed with
    reason "smartpacketinvalid")."""

    state = STATE_ACTIVE
    side = None
    min_sslsec_level = SSLSEC_NONE
    mode = None
    conntype = None
    invalid_action = "ignore"

    def _matches(self, conn: Any, state: int, ssl: bool) -> bool:
        return (state == self.state
                and (not ssl or conn.ssl_seclevel >= self.min_sslsec_level)
                and (self.mode is None or conn.mode == self.mode)
                and (self.conntype is None or conn.conntype == self.conntype))

    def _invalid(self, cid: Optional[int]) -> None:
        if self.invalid_action == "ignore":
            pass
        elif self.invalid_action == "close":
            self.peer.close_connection(cid, "smartpacketinvalid")
        else:
            raise errors.InvalidSmartPacketActionError(
                "Invalid action '%s', ignored packet" % self.invalid_action)

    def _receive(self, msg: Any, cid: Optional[int] = None) -> bool:
        """Calls receive() when the checks pass (returns True), else invalid_action."""
        if cid is None and self.side in (None, SIDE_CLIENT):
            ok = self._matches(self.peer, self.peer.remote_state, False)
        elif cid is not None and self.side in (None, SIDE_SERVER):
            client = self.peer.clients[cid]
            ok = self._matches(client, client.state, False)
        else:
            ok = False
        if ok:
            self.receive(msg, cid)
            return True
        self._invalid(cid)
        return False

    def _send(self, msg: Any, cid: Optional[int] = None) -> bool:
        """Calls send() when the checks pass (returns True), else invalid_action. The
        message has gone out either way, as in peng3dnet."""
        if cid is None and self.side in (None, SIDE_SERVER):
            ok = self._matches(self.peer, self.peer.remote_state, True)
        elif cid is not None and self.side in (None, SIDE_CLIENT):
            client = self.peer.clients[cid]
            ok = self._matches(client, client.state, True)
        else:
            ok = False
        if ok:
            self.send(msg, cid)
            return True
        self._invalid(cid)
        return False


class PrintPacket(Packet):
    """Prints every message it receives (with the client's id on the server)."""

    def receive(self, msg: Any, cid: Optional[int] = None) -> None:
        """Prints the message."""
        if cid is None:
            print("[CLIENT] Received message %s" % msg)
        else:
            print("[SERVER] Received message from %s: %s" % (cid, msg))
