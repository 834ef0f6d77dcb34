"""gamenet.peng's Server and ClientOnServer (peng3dnet.net's), over gamenet's C server."""
from __future__ import annotations

import collections
import selectors
import time
import traceback

from .. import msg as _msg
from ..errors import GamenetError, UnknownConnection
from ._native import NativeServer, check_supported, ms, peer_address, server_host
from . import version
from ._peer import _Peer
from .constants import (CONNTYPE_NOTSET, CONNTYPE_PING, MODE_CLOSED, MODE_NOTSET,
                        SIDE_SERVER, SSLSEC_NONE, STATE_ACTIVE, STATE_CLOSED,
                        STATE_HELLOWAIT, STATE_INIT, STATE_WAITTYPE)

# The close reason of a ping connection whose answer failed (getPingData raised).
_PING_ERROR = "pingerror"
# PingConnectionType's own "peng3dnet" entry: gamenet's C server writes its own instead.
_DEFAULT_PING_INFO = {"version": version.VERSION, "release": version.RELEASE,
                      "protoversion": version.PROTOVERSION}

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import Any, Dict, Optional, Tuple
    from ..msg import MsgEvent


class Server(_Peer):
    """The server side (peng3dnet.net.Server): Server(peng=None, addr=None, clientcls=None,
    cfg=None). `peng` (a peng3d.Peng) gives the configuration's defaults and receives the
    events; `addr` is (host, port) or "host:port" (else net.server.addr, then
    net.server.addr.host and .port); `clientcls` is the class of the objects in `clients`
    (ClientOnServer); `cfg` overrides configuration values.

    Register packets and connection types, then runAsync() (or bind() and runBlocking()),
    and call process() (or process_async()) to handle what arrives. Port 0 listens on a
    free port: `addr` then holds it after bind()."""

    _role = "server"

    def __init__(self, peng: Any = None, addr: Any = None, clientcls: Optional[type] = None,
                 cfg: Optional[dict] = None) -> None:
        self._setup(peng, addr, cfg, "server")
        self.is_client = False
        self.is_server = True
        self.side = SIDE_SERVER
        self.clientcls = clientcls if clientcls is not None else ClientOnServer
        self.clients: Dict[int, ClientOnServer] = {}
        self._is_bound = False

    def bind(self) -> None:
        """Starts gamenet's server: initialize(), then listens on `addr` and starts
        accepting on gamenet's threads. Sends the bind event. Later calls do nothing. Config
        keys gamenet cannot honour (net.ssl.enabled, net.encrypt.enabled) raise
        NotImplementedError."""
        if self._is_bound:
            return
        with self._open_lock:
            if self._is_bound:
                return
            self.initialize()
            check_supported(self.cfg, client=False)
            cfg = self._prepared_config()
            cfg.apply(self.cfg, server_host(self.addr[0]), self.addr[1])
            cfg.apply_server(self.conntypes)
            native = NativeServer(cfg)
            if not self.addr[1]:
                self.addr = (self.addr[0], native.port)
            self._set_native(native)
            self._is_bound = True
        self._event("bind", {"addr": tuple(self.addr)})

    def _open(self) -> None:
        self.bind()

    def runAsync(self, selector: Any = selectors.DefaultSelector) -> None:
        """bind() (here, so that a failure raises here and the port listens on return), then
        runBlocking() on a daemon thread named "peng3dnet Server Thread"."""
        self.bind()
        self._run_thread = self._start_thread("peng3dnet Server Thread", self.runBlocking,
                                              [selector])

    def shutdown(self, join: bool = True, timeout: float = 0, reason: str = "servershutdown"
                 ) -> None:
        """Closes every client with `reason` (each ClientOnServer's on_close(reason) is
        called before it returns, on this thread or process()'s), stops listening and
        stop()s, within `timeout` seconds (0: 1 s), whatever `join` says; with `join`, then
        waits for the threads in what is left of it."""
        start = time.monotonic()
        budget = timeout if timeout and timeout > 0 else 1.0
        native = self._native
        if native is not None and not native.closed:
            try:
                native.shutdown(reason, ms(budget, 1000))
                self._drain(native)
            except GamenetError:
                if not native.closed:
                    raise
        self.stop()
        self._event("shutdown", {"reason": reason, "join": join, "timeout": timeout})
        if join:
            self.join(max(0.0, budget - (time.monotonic() - start)))

    def _native_or_raise(self) -> Any:
        native = self._native
        if native is None:
            raise RuntimeError("the server is not bound yet: bind() or runAsync() first")
        return native

    def send_message(self, ptype: Any, data: Any, cid: int) -> None:
        """Sends `data` (any msgpack value; map keys str or bytes) as a message of packet
        type `ptype` (its name, id or Packet) to client `cid`; before the client's handshake
        completes it waits. Then calls the connection type's send(), on_send, the send event
        and the packet's _send, as peng3dnet does. To a ping connection, id 65 is the answer
        to its query (PingConnectionType sends it; see _answer_ping)."""
        client = self.clients.get(cid)
        if (isinstance(ptype, int) and ptype == 65 and client is not None
                and client.conntype == CONNTYPE_PING):
            self._answer_ping(data, client)
            return
        name = self._packet_name(ptype)
        if name.startswith("peng3dnet:"):
            self._internal_send(name, data, cid)
            return
        if self.cfg["net.debug.print.send"]:
            print("SEND %s to %s" % (ptype, cid))
        self._native_or_raise().send(cid, name, data)
        ct = self.conntypes.get(client.conntype) if client is not None else None
        if ct is None or not ct.send(data, ptype, cid):
            if client is not None:
                client.on_send(ptype, data)
            self._event("connection.send", {"client": client, "pid": ptype, "data": data})
            self.registry.getObj(ptype)._send(data, cid)

    def _answer_ping(self, data: Any, client: ClientOnServer) -> None:
        """Answers a ping connection's query (send_message of id 65) with gamenet's
        answer_ping, which writes "oldmsg" (the query, byte for byte) and the "peng3dnet"
        entry (gamenet's versions) and lets the entries of `data` replace them: `data`'s
        "oldmsg" goes out when it is not the query itself, its "peng3dnet" when it is not
        PingConnectionType's own (an override's). The connection type's send() follows."""
        if not isinstance(data, dict):
            raise TypeError("a ping answer is a dict, not %s" % type(data).__name__)
        extra = dict(data)
        if extra.get("oldmsg") is client._ping_query:
            del extra["oldmsg"]
        if extra.get("peng3dnet") == _DEFAULT_PING_INFO:
            del extra["peng3dnet"]
        self._native_or_raise().answer_ping(client.cid, extra)
        client._ping_answered = True
        ct = self.conntypes.get(CONNTYPE_PING)
        if ct is not None:
            ct.send(data, 65, client.cid)

    def close_connection(self, cid: int, reason: Optional[str] = None) -> None:
        """Closes client `cid`, telling it `reason` (its on_close gets it, and so does the
        ClientOnServer's when gamenet reports the close)."""
        self._native_or_raise().close_connection(cid, reason)
        client = self.clients.get(cid)
        if client is not None:
            client._mark_close = True

    def _close_native(self, cid: int, reason: Optional[str]) -> None:
        native = self._native
        if native is None or native.closed:
            return
        try:
            native.close_connection(cid, reason)
        except UnknownConnection:
            pass  # closed already
        except GamenetError:
            if not native.closed:  # else stop() freed it meanwhile
                raise

    def sendEvent(self, event: str, data: Any = None) -> None:
        """Sends peng3d event `event` with `data` (a dict gets "peng" and "server" added)
        when net.events.enable is true."""
        data = data if data is not None else {}
        if self.cfg["net.events.enable"]:
            if isinstance(data, dict):
                data["peng"] = self.peng
                data["server"] = self
            self.peng.sendEvent(event, data)

    # -- gamenet's events

    def _dispatch(self, ev: MsgEvent) -> None:
        try:
            kind = ev.kind
            if kind == _msg.MSG_MESSAGE:
                self._on_message(ev)
            elif kind == _msg.MSG_CONNECTED:
                self._on_connected(ev)
            elif kind == _msg.MSG_HANDSHAKE_COMPLETE:
                self._on_handshake(ev)
            elif kind == _msg.MSG_PING_QUERY:
                self._on_ping_query(ev)
            elif kind == _msg.MSG_CLOSED:
                client = self.clients.get(ev.cid)
                if client is not None:
                    client._gamenet_open = False
                    client.close(ev.reason)
        except Exception:
            traceback.print_exc()  # as peng3dnet's server does

    def _on_connected(self, ev: MsgEvent) -> None:
        client = self.clientcls(self, None, peer_address(ev.peer), ev.cid)
        self.clients[ev.cid] = client
        client.state = STATE_HELLOWAIT
        client.on_connect()
        self._event("connection.accept", {"sock": None, "addr": client.addr,
                                          "client": client, "cid": ev.cid})
        if client.state == STATE_HELLOWAIT:
            client.state = STATE_WAITTYPE  # gamenet has sent the hello
        if self.cfg["net.debug.print.connect"]:
            print("HELLO %s" % ev.cid)

    def _on_handshake(self, ev: MsgEvent) -> None:
        client = self.clients.get(ev.cid)
        if client is None:
            return
        client.conntype = ev.name
        ct = self.conntypes.get(ev.name)
        if ct is not None:
            ct.init(ev.cid)
        client.on_handshake_complete()

    def _on_ping_query(self, ev: MsgEvent) -> None:
        """A ping connection's query, as peng3dnet handles its settype and ping packets: the
        client becomes a "ping" connection, the connection type's init(cid) and receive(msg,
        64, 0, cid) run (PingConnectionType's calls getPingData and answers). When that
        raised or did not answer, the connection closes with "pingerror" (and _dispatch
        prints the exception, as for any handler); peng3dnet left it open, unanswered."""
        client = self.clients.get(ev.cid)
        if client is None:
            self._close_native(ev.cid, _PING_ERROR)
            return
        client.conntype = CONNTYPE_PING
        client._ping_query = ev.body
        try:
            ct = self.conntypes[CONNTYPE_PING]
            ct.init(ev.cid)
            ct.receive(ev.body, 64, 0, ev.cid)
        finally:
            if not client._ping_answered and client._gamenet_open:
                client._mark_close = True
                self._close_native(ev.cid, _PING_ERROR)

    def _on_message(self, ev: MsgEvent) -> None:
        client = self.clients.get(ev.cid)
        if client is None:
            return
        if self.cfg["net.debug.print.recv"]:
            print("RECV %s %s" % (ev.name, time.time()))
        ct = self.conntypes.get(client.conntype)
        if ct is None or not ct.receive(ev.body, ev.pid, 0, ev.cid):
            self.registry.getObj(ev.name)._receive(ev.body, ev.cid)
            client.on_receive(ev.pid, ev.body)
            self._event("connection.recv", {"client": client, "pid": ev.pid, "msg": ev.body})


class ClientOnServer(object):
    """A client, on the server (peng3dnet.net.ClientOnServer): made by the server for each
    connection, as clientcls(server, conn, addr, cid), and kept in server.clients[cid].
    `conn` is None (gamenet's C layer owns the socket); `addr` is the client's (host, port).
    Subclass it and override the on_* handlers; they run on the thread calling process()."""

    _gamenet_open = True  # whether gamenet's connection is still open
    _ping_answered = False  # a ping connection: whether its query was answered
    _ping_query = None  # a ping connection: its query, as received

    def __init__(self, server: Server, conn: Any, addr: Optional[Tuple[str, int]],
                 cid: int) -> None:
        self.server = server
        self.conn = conn
        self.addr = addr
        self.cid = cid
        self.write_queue = collections.deque()  # unused: gamenet queues what is sent
        self.name = None
        self._buf = bytes()
        self._buflen = None
        self._mark_close = False
        self.mode = MODE_NOTSET
        self.conntype = CONNTYPE_NOTSET
        self.state = STATE_INIT
        self.ssl_state = "handshake"
        self.ssl_seclevel = SSLSEC_NONE

    def close(self, reason: Optional[str] = None) -> None:
        """Closes the connection to this client (telling it `reason`, when still open) and
        forgets it: sends the close event, calls on_close(reason) once, sets STATE_CLOSED
        and MODE_CLOSED, removes it from server.clients. Not a handler: see on_close."""
        if self.server.cfg["net.debug.print.close"]:
            print("CLOSE %s because of %s" % (self.cid, reason))
        self.server.sendEvent("peng3dnet:server.connection.close",
                              {"client": self, "reason": reason})
        if self.state != STATE_CLOSED:
            self.on_close(reason)
        self.state = STATE_CLOSED
        self.mode = MODE_CLOSED
        if self._gamenet_open:
            self._gamenet_open = False
            self.server._close_native(self.cid, reason)
        self.server.clients.pop(self.cid, None)

    def on_handshake_complete(self) -> None:
        """The handshake completed: sends the handshakecomplete event and sets STATE_ACTIVE
        (call it when overriding)."""
        self.server.sendEvent("peng3dnet:server.connection.handshakecomplete",
                              {"client": self})
        self.state = STATE_ACTIVE

    def on_close(self, reason: Optional[str] = None) -> None:
        """The connection closed: `reason` is the peer's (from its closeconn), the one given
        to close_connection(), or gamenet's ("socketclose", "handshaketimeout", ...)."""

    def on_connect(self) -> None:
        """The client connected (its handshake has not completed yet)."""

    def on_receive(self, ptype: int, msg: Any) -> None:
        """A message arrived from this client: its packet id and decoded body."""

    def on_send(self, ptype: Any, msg: Any) -> None:
        """A message was sent to this client: the packet type as given and the value."""
