"""What the gamenet.peng tests share: free ports, bounded waits, and peers that record
their handlers' calls."""
import socket
import threading
import time

import pytest

from gamenet.peng import net, packet
from gamenet.peng.ext import ping


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


def peng3dnet():
    return pytest.importorskip("peng3dnet")


class Recorder(net.ClientOnServer):
    """Records its handlers' calls in server.log."""

    def on_connect(self):
        self.server.log.append(("connect", self.cid))

    def on_handshake_complete(self):
        super().on_handshake_complete()
        self.server.log.append(("handshake", self.cid, self.conntype))

    def on_close(self, reason=None):
        self.server.log.append(("close", self.cid, reason))

    def on_receive(self, ptype, msg):
        self.server.log.append(("receive", self.cid, ptype, msg))


class LogServer(ping.PingableServerMixin, net.Server):
    def __init__(self, **kw):
        super().__init__(addr=("127.0.0.1", 0), clientcls=Recorder, **kw)
        self.log = []


class LogClient(net.Client):
    def __init__(self, port, **kw):
        super().__init__(addr=("127.0.0.1", port), **kw)
        self.log = []

    def on_connect(self):
        self.log.append(("connect",))

    def on_handshake_complete(self):
        super().on_handshake_complete()
        self.log.append(("handshake",))

    def on_close(self, reason=None):
        self.log.append(("close", reason))

    def on_receive(self, ptype, msg):
        self.log.append(("receive", ptype, msg))


class Keep(packet.SmartPacket):
    """Keeps what it receives (with the thread) in peer.kept."""

    def receive(self, msg, cid=None):
        self.peer.__dict__.setdefault("kept", []).append((msg, cid, threading.current_thread()))


def started(*peers):
    for p in peers:
        p.runAsync()
        p.process_async()
    return peers
