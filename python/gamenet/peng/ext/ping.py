"""peng3dnet.ext.ping on gamenet: query a server's status over a "ping" connection.

    data = pingServer(addr=("127.0.0.1", 8080), data={"who": "me"})
    # {"oldmsg": {"who": "me", "time": ...}, "peng3dnet": {...}, ...the server's entries,
    #  "recvtime": ..., "delay": ...}

A server answers pings when the "ping" connection type is added (PingableServerMixin does
it). As in peng3dnet, each query is answered inside process(), on its thread: the answer
holds the query (oldmsg), then getPingData(msg, cid)'s entries, updated with `pingdata`'s,
and the peng3dnet entry ({"version", "release", "protoversion"}, gamenet's versions unless
a PingConnectionType.getPingData override gives its own). When getPingData raises, the
exception is printed (as any handler's on a server) and the connection closes with
"pingerror". The client's query holds the entries of setPingData's dict (pingServer's
`data`) and "time" (the time of sending when it is "__AUTO__" or missing)."""
from __future__ import annotations

import threading
import time

from .. import conntypes, errors, net, version
from ..constants import *  # noqa: F401,F403 (peng3dnet's ping module has them too)
from ..constants import CONNTYPE_PING, MODE_PING, STATE_ACTIVE, STATE_CLOSED

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import Any, Dict, Optional

# Whether the answer holds the query (oldmsg): gamenet's C server always writes it back,
# whatever this says.
WRITEBACK = True


class PingConnectionType(conntypes.ConnectionType):
    """The "ping" connection type: no registry sync; the client sends one query (id 64),
    the server answers (id 65), the client closes with "pingcomplete". Packets skip the
    usual processing (receive() returns True)."""

    def init(self, cid: Optional[int]) -> None:
        """On the client (cid None): sends the query (the peer's _ping()) and sets
        STATE_ACTIVE. On the server (when the query arrives): sets the client's
        STATE_ACTIVE."""
        if cid is None:
            self.peer._ping()
            self.peer.remote_state = STATE_ACTIVE
        else:
            self.peer.clients[cid].state = STATE_ACTIVE

    def receive(self, msg: Any, pid: int, flags: int, cid: Optional[int]) -> bool:
        """The query (id 64, on the server): sets the client's MODE_PING and answers (id 65)
        with {"oldmsg": msg} updated with the server's getPingData(msg, cid), its
        `pingdata` and this type's getPingData(msg, cid), as peng3dnet does. The answer
        (id 65, on the client): calls the peer's on_pong(msg) if it has one, _pong(msg),
        and closes with "pingcomplete". Either on the wrong side closes with
        "pinginvalidside", any other id with "invalidpingpacket". Returns True."""
        if pid == 64:
            if cid is None:
                self.peer.close_connection(cid, "pinginvalidside")
                return True
            self.peer.clients[cid].mode = MODE_PING
            data = {"oldmsg": msg} if WRITEBACK else {}
            if callable(getattr(self.peer, "getPingData", None)):
                data.update(self.peer.getPingData(msg, cid))
            if hasattr(self.peer, "pingdata"):
                data.update(self.peer.pingdata)
            data.update(self.getPingData(msg, cid))
            self.peer.send_message(65, data, cid)
        elif pid == 65:
            if cid is not None:
                self.peer.close_connection(cid, "pinginvalidside")
                return True
            try:
                if callable(getattr(self.peer, "on_pong", None)):
                    self.peer.on_pong(msg)
                self.peer._pong(msg)
            finally:
                self.peer.close_connection(reason="pingcomplete")
        else:
            self.peer.close_connection(cid, "invalidpingpacket")
        return True

    def send(self, msg: Any, pid: Any, cid: Optional[int]) -> bool:
        """The query (id 64) sets the peer's MODE_PING; any id but 64 and 65 raises
        ValueError. Returns True."""
        if pid == 64:
            self.peer.mode = MODE_PING
        elif pid != 65:
            raise ValueError("Invalid packet id %s detected" % pid)
        return True

    def getPingData(self, msg: Any, cid: Optional[int] = None) -> Dict[str, Any]:
        """The connection type's entries of an answer, last (an override may add some):
        peng3dnet's entry, which gamenet's C server writes itself, with gamenet's
        versions."""
        return {"peng3dnet": {"version": version.VERSION, "release": version.RELEASE,
                              "protoversion": version.PROTOVERSION}}


class PingableServerMixin(object):
    """Mixin for Server classes: adds the "ping" connection type, so that the server
    answers pings, with the entries of getPingData() (per query) and `pingdata` (static,
    taking precedence, as in peng3dnet)."""

    pingdata: Dict[str, Any] = {}

    def getPingData(self, msg: Any, cid: int) -> Dict[str, Any]:
        """Entries to add to the answer to query `msg` (a dict) of client `cid`; called for
        each query, inside process(). Override it for dynamic data (the player count...)."""
        return {}

    def _reg_conntypes_ping(self) -> None:
        self.addConnType("ping", PingConnectionType(self))


class PingableClientMixin(object):
    """Mixin for Client classes: adds the "ping" connection type, sends the query when the
    connection opens and keeps the answer (wait_for_pong())."""

    _pingdata = None
    _pongdata = None
    _pong_condition = threading.Condition()

    def _reg_conntypes_ping(self) -> None:
        self.addConnType("ping", PingConnectionType(self))

    def setPingData(self, d: Dict[str, Any]) -> None:
        """The query to send: its entries go out as given, with "time" ("__AUTO__", or
        none: the time of sending)."""
        self._pingdata = d

    def _ping(self) -> None:
        """Sends the query (PingConnectionType.init calls it when the connection opens)."""
        if self._pingdata is None:
            self._pingdata = {"time": "__AUTO__"}
        if self._pingdata.get("time") == "__AUTO__":
            self._pingdata["time"] = time.time()
        self.send_message(64, self._pingdata)

    def _pong(self, data: Any) -> None:
        with self._pong_condition:
            self._pongdata = data
            self._pong_condition.notify_all()

    def wait_for_pong(self, timeout: Optional[float] = None) -> Any:
        """Waits up to `timeout` seconds (None: no limit) for the answer and returns it (at
        once if it came). FailedPingError when none came in time, or when the connection
        closed or failed to open first (it says which)."""
        def over() -> bool:
            return (self._pongdata is not None
                    or getattr(self, "remote_state", None) == STATE_CLOSED
                    or getattr(self, "_connect_error", None) is not None)
        with self._pong_condition:
            done = self._pong_condition.wait_for(over, timeout)
            if self._pongdata is not None:
                return self._pongdata
        error = getattr(self, "_connect_error", None)
        if error is not None:
            raise errors.FailedPingError("the connection failed: %s" % error) from error
        if not done:
            raise errors.FailedPingError("Timed out")
        raise errors.FailedPingError("the connection closed without an answer (%s)"
                                     % getattr(self, "_closed_with", None))


class _PingClient(PingableClientMixin, net.Client):
    pass


def pingServer(peng: Any = None, addr: Any = None, cfg: Optional[dict] = None,
               data: Optional[Dict[str, Any]] = None, clientcls: type = _PingClient,
               timeout: float = 10.0) -> Dict[str, Any]:
    """Pings the server at `addr` (as Client's `addr`; `peng` and `cfg` too) with a
    `clientcls` client and returns its answer, with "recvtime" (when it came) and "delay"
    (the round trip in seconds) added. `data` (str keys) is sent in the query, with "time"
    (overwritten). FailedPingError when no answer came within `timeout` seconds, or at
    once when the connection failed or closed without one."""
    cfg = cfg if cfg is not None else {}
    data = data if data is not None else {}
    client = clientcls(peng, addr, cfg, CONNTYPE_PING)
    data["time"] = "__AUTO__"
    client.setPingData(data)
    d: Dict[str, Any] = {"data": None}

    def on_pong(msg: Any) -> None:
        msg["recvtime"] = time.time()
        d["data"] = msg
        client.close_connection(reason="pingcomplete")
    client.on_pong = on_pong
    client.runAsync()
    client.process_async()
    try:
        client.wait_for_pong(timeout)
    finally:
        client.stop()
    answer = d["data"]
    if answer is None:
        raise errors.FailedPingError("No answer received")
    answer["delay"] = answer["recvtime"] - answer["oldmsg"]["time"]
    return answer
