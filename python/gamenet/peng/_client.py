"""gamenet.peng's Client (peng3dnet.net's), over gamenet's C client."""
from __future__ import annotations

import selectors
import sys
import threading
import traceback

from .. import _bindings as _b, msg as _msg
from ..errors import GamenetError, WouldBlock
from ._native import NativeClient, check_supported
from ._peer import _Peer
from . import errors
from .constants import (CONNTYPE_CLASSIC, CONNTYPE_NOTSET, CONNTYPE_PING, MODE_CLOSED,
                        MODE_NOTSET, SIDE_CLIENT, SSLSEC_NONE, STATE_ACTIVE, STATE_CLOSED,
                        STATE_HELLOWAIT, STATE_INIT, STATE_WAITTYPE)

# What may wait before the connection opens, counted as gamenet counts what waits for a
# handshake (its body and 64 bytes a message; MAX_WAITING_BYTES in src/msg/peer.rs).
_MAX_WAITING = 4 << 20
_WAITING_OVERHEAD = 64

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import Any, Callable, List, Optional
    from ..msg import MsgEvent


def _close_native(native: Any, reason: Optional[str]) -> None:
    """Closes gamenet's client with `reason`, unless stop() has freed it (even meanwhile,
    on another thread)."""
    if native.closed:
        return
    try:
        native.close_connection(reason)
    except GamenetError:
        if not native.closed:
            raise


class Client(_Peer):
    """The client side (peng3dnet.net.Client): Client(peng=None, addr=None, cfg=None,
    conntype=CONNTYPE_CLASSIC). `peng` (a peng3d.Peng) gives the configuration's defaults
    and receives the events; `addr` is the server's (host, port) or "host:port" (else
    net.client.addr, then net.client.addr.host and .port); `cfg` overrides configuration
    values; `conntype` is the connection type ("classic", "ping", or one the server
    added; register it with addConnType too).

    Register packets, then runAsync() (connects on its thread) or connect() and
    runBlocking(), and call process() (or process_async()); wait_for_connection() returns
    once the handshake completed. One connection per Client."""

    _role = "client"

    def __init__(self, peng: Any = None, addr: Any = None, cfg: Optional[dict] = None,
                 conntype: str = CONNTYPE_CLASSIC) -> None:
        self._setup(peng, addr, cfg, "client")
        self.is_client = True
        self.is_server = False
        self.side = SIDE_CLIENT
        self._connected_condition = threading.Condition()
        self._closed_condition = threading.Condition()
        self._is_connected = False
        self._mark_close = False
        self._close_reason: Optional[str] = None
        self._closed_with: Optional[str] = None  # the reason the connection closed with
        self.target_conntype = conntype
        self.conntype = CONNTYPE_NOTSET
        self.mode = MODE_NOTSET
        self.remote_state = STATE_INIT
        self.ssl_state = "handshake"
        self.ssl_seclevel = SSLSEC_NONE
        self._handshake_done = False
        self._connect_error: Optional[BaseException] = None
        self._gamenet_open = False
        # What the program sent before the connection opened, done in order once it has.
        self._early: List[Callable[[Any], None]] = []
        self._early_cost = 0
        self._early_lock = threading.Lock()

    def connect(self) -> None:
        """Connects to `addr` (blocking, within net.gamenet.connect_timeout) after
        initialize(), with gamenet's threads reading and writing; the handshake completes
        inside process(). Sends the connect event. Later calls do nothing. A failure raises
        (and makes wait_for_connection raise it); config keys gamenet cannot honour raise
        NotImplementedError."""
        if self._is_connected:
            return
        with self._open_lock:
            if self._is_connected:
                return
            self.initialize()
            check_supported(self.cfg, client=True)
            cfg = self._prepared_config()
            cfg.apply(self.cfg, self.addr[0], self.addr[1])
            cfg.apply_client(self.target_conntype)
            try:
                native = NativeClient(cfg)
            except BaseException as e:
                self._connect_error = e
                self._wake()
                raise
            self.remote_state = STATE_HELLOWAIT
            self._gamenet_open = True
            with self._early_lock:  # what was sent before goes first, in order
                for fn in self._early:
                    try:
                        fn(native)
                    except Exception:
                        traceback.print_exc()  # as peng3dnet's buffered send would
                self._early = []
                self._early_cost = 0
                self._set_native(native)
            self._is_connected = True
        self._event("connect", {"addr": tuple(self.addr), "sock": None})

    def _open(self) -> None:
        self.connect()

    def runAsync(self, selector: Any = selectors.DefaultSelector) -> None:
        """Runs runBlocking() (which connects) on a daemon thread named "peng3dnet Client
        Thread" and returns at once. Config keys gamenet cannot honour raise here."""
        check_supported(self.cfg, client=True)
        self._run_thread = self._start_thread("peng3dnet Client Thread", self._run, [selector])

    def _run(self, selector: Any) -> None:
        try:
            self.runBlocking(selector)
        except Exception as e:
            if e is not self._connect_error:
                raise
            # wait_for_connection() raises it; peng3dnet's thread printed it too
            sys.stderr.write("gamenet.peng: connecting to %s:%s failed: %s\n"
                             % (self.addr[0], self.addr[1], e))

    def _later_or_now(self, fn: Callable[[Any], None], cost: int = _WAITING_OVERHEAD) -> None:
        """fn(native) now, or once connected when the connection has not opened yet.
        What waits is bounded as gamenet bounds what waits for a handshake (the same
        cost per message), so that replaying it when the connection opens is never
        refused: beyond it, gamenet.WouldBlock (nothing kept)."""
        with self._early_lock:
            native = self._native
            if native is None:
                if self._early_cost + cost > _MAX_WAITING:
                    raise WouldBlock(_b.GAMENET_ERR_WOULD_BLOCK,
                                     "the connection has not opened and %d MiB of "
                                     "messages wait for it; not sent (send again later)"
                                     % (_MAX_WAITING >> 20))
                self._early_cost += cost
                self._early.append(fn)
                return
        fn(native)

    def send_message(self, ptype: Any, data: Any, cid: Optional[int] = None) -> None:
        """Sends `data` (any msgpack value; map keys str or bytes) as a message of packet
        type `ptype` (its name, id or Packet); before the handshake completes it waits (and
        before the connection opens, it is kept until it has). Then calls the connection
        type's send(), on_send, the send event and the packet's _send. `cid` is ignored."""
        if self.target_conntype == CONNTYPE_PING and isinstance(ptype, int) and ptype >= 64:
            self._send_ping(ptype, data, cid)
            return
        name = self._packet_name(ptype)
        if name.startswith("peng3dnet:"):
            self._internal_send(name, data, None)
            return
        if self.cfg["net.debug.print.send"]:
            print("SEND %s" % ptype)
        native = self._native
        if native is not None:
            native.send(name, data)
        else:
            # A value msgpack cannot pack fails here, not later; the cost is gamenet's.
            cost = len(_msg._pack(data)) + _WAITING_OVERHEAD
            self._later_or_now(lambda native: native.send(name, data), cost)
        ct = self.conntypes.get(self.target_conntype)
        if ct is None or not ct.send(data, ptype, cid):
            self.on_send(ptype, data)
            self._event("send", {"pid": ptype, "data": data})
            self.registry.getObj(ptype)._send(data)

    def _send_ping(self, pid: int, data: Any, cid: Optional[int]) -> None:
        """A ping connection's query (id 64): gamenet's C client sends it with "time" (the
        time of sending, unless `data` holds one other than "__AUTO__") and the entries of
        `data` (str keys)."""
        if pid != 64:
            raise ValueError("a ping client sends only the query (id 64), not %s" % pid)
        if data is not None and not isinstance(data, dict):
            raise TypeError("a ping query is a dict, not %s" % type(data).__name__)
        extra = {k: v for k, v in (data or {}).items()
                 if not (k == "time" and v == "__AUTO__")}
        _msg._pack(extra)  # a value msgpack cannot pack fails here, not later
        self._later_or_now(lambda native: native.ping(extra))
        ct = self.conntypes.get(self.target_conntype)
        if ct is not None:
            ct.send(data, pid, cid)

    def close_connection(self, cid: Optional[int] = None, reason: Optional[str] = None
                         ) -> None:
        """Closes the connection, telling the server `reason`; on_close(reason) follows
        inside process(). `cid` is ignored."""
        self._mark_close = True
        self._close_reason = reason
        self._later_or_now(lambda native: _close_native(native, reason))

    def close(self, reason: Optional[str] = None) -> None:
        """Closes the connection (telling the server `reason`, when still open) and ends
        this side: sends the close event, sets MODE_CLOSED, calls on_close(reason) once,
        sets STATE_CLOSED and wakes wait_for_close(). Not a handler: see on_close."""
        if self.cfg["net.debug.print.close"]:
            print("CLOSE because %s" % reason)
        self._event("close", {"reason": reason})
        self._closed_with = reason
        self.mode = MODE_CLOSED
        if self._gamenet_open:
            self._gamenet_open = False
            native = self._native
            if native is not None:
                _close_native(native, reason)
        if self.remote_state != STATE_CLOSED:
            self.on_close(reason)
        self.remote_state = STATE_CLOSED
        self._wake()

    def _wake(self) -> None:
        for cond in (self._connected_condition, self._closed_condition,
                     getattr(self, "_pong_condition", None)):
            if cond is not None:
                with cond:
                    cond.notify_all()

    def wait_for_connection(self, timeout: Optional[float] = None) -> None:
        """Waits up to `timeout` seconds (None: no limit) for the handshake to complete;
        returns at once if it has. Raises TimedOutError on timeout or when the connection
        closed first (saying why), and the connect's own error when it failed."""
        with self._connected_condition:
            done = self._connected_condition.wait_for(
                lambda: (self._handshake_done or self.remote_state >= STATE_ACTIVE
                         or self._connect_error is not None), timeout)
        if self._connect_error is not None:
            raise self._connect_error
        if not done:
            raise errors.TimedOutError("Timed out waiting for connection")
        if self.remote_state == STATE_CLOSED and not self._handshake_done:
            raise errors.TimedOutError("The connection closed before its handshake completed")

    def wait_for_close(self, timeout: Optional[float] = None) -> None:
        """Waits up to `timeout` seconds (None: no limit) for the connection to close (the
        close is seen inside process()); returns at once if it has, or never opened.
        Raises TimedOutError on timeout."""
        with self._closed_condition:
            done = self._closed_condition.wait_for(
                lambda: self.remote_state == STATE_CLOSED or self._connect_error is not None,
                timeout)
        if not done:
            raise errors.TimedOutError("Timed out waiting for closed connection")

    def sendEvent(self, event: str, data: Any) -> None:
        """Sends peng3d event `event` with `data` (a dict gets "peng" and "client" added)
        when net.events.enable is true."""
        if self.cfg["net.events.enable"]:
            if isinstance(data, dict):
                data["peng"] = self.peng
                data["client"] = self
            self.peng.sendEvent(event, data)

    # -- gamenet's events (exceptions propagate out of process(), as in peng3dnet's client)

    def _dispatch(self, ev: MsgEvent) -> None:
        kind = ev.kind
        if kind == _msg.MSG_MESSAGE:
            if self.cfg["net.debug.print.recv"]:
                print("RECV %s" % ev.name)
            ct = self.conntypes.get(self.target_conntype)
            if ct is None or not ct.receive(ev.body, ev.pid, 0, None):
                self.registry.getObj(ev.name)._receive(ev.body)
                self.on_receive(ev.pid, ev.body)
                self._event("recv", {"pid": ev.pid, "msg": ev.body})
        elif kind == _msg.MSG_CONNECTED:
            if self.cfg["net.debug.print.connect"]:
                print("HELLO")
            self.on_connect()
            if self.remote_state == STATE_HELLOWAIT:
                self.remote_state = STATE_WAITTYPE
            self.conntype = self.target_conntype
            ct = self.conntypes.get(self.target_conntype)
            if ct is not None:
                ct.init(None)
        elif kind == _msg.MSG_HANDSHAKE_COMPLETE:
            self._adopt_ids()
            self._handshake_done = True
            self.on_handshake_complete()
            with self._connected_condition:
                self._connected_condition.notify_all()
        elif kind == _msg.MSG_PING_ANSWER:
            ct = self.conntypes.get(self.target_conntype)
            if ct is not None:
                ct.receive(ev.body, 65, 0, None)
        elif kind == _msg.MSG_CLOSED:
            self._gamenet_open = False
            if self.remote_state != STATE_CLOSED:  # else close() has done it all
                self.close(ev.reason)

    def _adopt_ids(self) -> None:
        """Gives client.registry the server's ids, which gamenet adopted in the handshake
        (as peng3dnet's HandshakePacket renumbers the registry; objects stay)."""
        native = self._native
        if native is None or native.closed:
            return
        ids = {}
        for name in self._c_names:
            pid = native.packet_id(name)
            if pid is not None:
                ids[name] = pid
        self.registry._renumber(ids)

    # -- handlers

    def on_handshake_complete(self) -> None:
        """The handshake completed: sends the handshakecomplete event and sets
        STATE_ACTIVE (call it when overriding)."""
        self.sendEvent("peng3dnet:client.handshakecomplete", {})
        self.remote_state = STATE_ACTIVE

    def on_connect(self) -> None:
        """The connection opened (the handshake has not completed yet)."""

    def on_close(self, reason: Optional[str] = None) -> None:
        """The connection closed: `reason` is the server's (from its closeconn), the one
        given to close_connection(), or gamenet's ("socketclose", "packetregmismatch",
        "pingcomplete", ...)."""

    def on_receive(self, ptype: int, msg: Any) -> None:
        """A message arrived: its packet id (the server's) and decoded body."""

    def on_send(self, ptype: Any, msg: Any) -> None:
        """A message was sent: the packet type as given and the value."""
