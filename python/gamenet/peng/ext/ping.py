"""peng3dnet.ext.ping on gamenet: query a server's status over a "ping" connection.

    data = pingServer(addr=("127.0.0.1", 8080))   # {"oldmsg": ..., "peng3dnet": ...,
                                                   #  "recvtime": ..., "delay": ...}

A server answers pings when the "ping" connection type is added (PingableServerMixin does
it): gamenet's C server answers each query itself, with the query (oldmsg) and the
peng3dnet entry ({"version", "release", "protoversion"}; gamenet's versions). Its C API
cannot add entries to the answer yet: a non-empty `pingdata` or an overridden getPingData
makes bind() raise NotImplementedError rather than leave them out without a word. Likewise
the query holds only "time" (gamenet's C client sends it), so pingServer's `data` may hold
nothing else."""
from __future__ import annotations

import threading
import time

from .. import conntypes, errors, net, version
from ..constants import *  # noqa: F401,F403 (peng3dnet's ping module has them too)
from ..constants import CONNTYPE_PING, MODE_PING, STATE_ACTIVE, STATE_CLOSED

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import Any, Dict, Optional

# Whether the answer holds the query (oldmsg): gamenet's C server always writes it back.
WRITEBACK = True


class PingConnectionType(conntypes.ConnectionType):
    """The "ping" connection type: no registry sync; the client sends one query (id 64),
    the server answers (id 65), the client closes with "pingcomplete". Packets skip the
    usual processing (receive() returns True)."""

    def init(self, cid: Optional[int]) -> None:
        """On the client (cid None): sends the query (the peer's _ping()) and sets
        STATE_ACTIVE. On the server: sets the client's STATE_ACTIVE (a gamenet server
        answers in C and does not call it)."""
        if cid is None:
            self.peer._ping()
            self.peer.remote_state = STATE_ACTIVE
        else:
            self.peer.clients[cid].state = STATE_ACTIVE

    def receive(self, msg: Any, pid: int, flags: int, cid: Optional[int]) -> bool:
        """The answer (id 65, on the client): calls the peer's on_pong(msg) if it has one,
        _pong(msg), and closes with "pingcomplete". Anything else closes with
        "invalidpingpacket" (a gamenet server answers queries in C: they never get here).
        Returns True."""
        if pid == 65 and cid is None:
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
        """peng3dnet's entry of an answer. gamenet's C server writes its own (with gamenet's
        versions) and cannot call an override of this method yet."""
        return {"peng3dnet": {"version": version.VERSION, "release": version.RELEASE,
                              "protoversion": version.PROTOVERSION}}


class PingableServerMixin(object):
    """Mixin for Server classes: adds the "ping" connection type, so that gamenet's C
    server answers pings. `pingdata` and getPingData() are peng3dnet's ways to add entries
    to the answer; gamenet cannot yet (see the module's docstring)."""

    pingdata: Dict[str, Any] = {}

    def getPingData(self, msg: Any, cid: int) -> Dict[str, Any]:
        """Entries to add to an answer (peng3dnet's hook; not called by gamenet yet)."""
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
        """The query to send ({"time": "__AUTO__"}: the time is filled in; gamenet's C
        client sends only "time")."""
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
        raise errors.FailedPingError("the connection closed without an answer")


class _PingClient(PingableClientMixin, net.Client):
    pass


def pingServer(peng: Any = None, addr: Any = None, cfg: Optional[dict] = None,
               data: Optional[Dict[str, Any]] = None, clientcls: type = _PingClient,
               timeout: float = 10.0) -> Dict[str, Any]:
    """Pings the server at `addr` (as Client's `addr`; `peng` and `cfg` too) with a
    `clientcls` client and returns its answer, with "recvtime" (when it came) and "delay"
    (the round trip in seconds) added. FailedPingError when no answer came within
    `timeout` seconds. `data` may hold only "time" (overwritten): gamenet's C client
    cannot send other entries yet (NotImplementedError)."""
    cfg = cfg if cfg is not None else {}
    data = data if data is not None else {}
    extra = sorted(k for k in data if k != "time")
    if extra:
        raise NotImplementedError(
            "pingServer data %s: gamenet's C client sends only \"time\" in a ping query (its "
            "C API takes no other entries yet)" % ", ".join(map(repr, extra)))
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
