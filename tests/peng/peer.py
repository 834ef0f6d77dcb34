"""A real peng3dnet peer for gamenet's message-layer interoperability tests
(tests/msg_interop.rs). Needs peng3dnet, msgpack, bidict and peng3d (requirements-dev.txt).

Usage: peer.py MODE PORT
  server PORT   serve anchor:echo on 127.0.0.1:PORT (echo every message back to its
                sender), answer the ping type; print "listening", then one line per close
                ("closed CID REASON"); runs until killed
  client PORT   connect, send the test messages one at a time (each waits for its echo:
                peng3dnet's reader loops on a length prefix split across reads), print
                "echo OK <repr>" per echo, then close with "done" and print "closed"
  ping PORT     ping the server, print "pong <answer keys>"
"""
import os
import sys
import threading
import time

os.environ.setdefault("PYGLET_SHADOW_WINDOW", "0")

from peng3dnet import net, packet  # noqa: E402
from peng3dnet.ext import ping  # noqa: E402

MESSAGES = [
    {"hello": "peng3dnet", "n": 1, "list": [1, 2, 3], "f": 1.5, "b": b"\x00\x01", "t": True,
     "none": None},
    {"nested": [[1, [2, {"k": "v"}]], -5, 2 ** 40, -(2 ** 40)], "float": -0.25},
    {"blob": "A" * 10000},
    "a bare string",
]


def say(*args):
    print(*args, flush=True)


class Echo(packet.SmartPacket):
    def receive(self, msg, cid=None):
        if self.peer.is_server:
            self.peer.send_message("anchor:echo", msg, cid)
        else:
            self.peer.got.append(msg)
            with self.peer.cond:
                self.peer.cond.notify_all()


class Client(ping.PingableClientMixin, net.Client):
    pass


class Server(ping.PingableServerMixin, net.Server):
    pingdata = {"motd": "peng3dnet peer"}


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    addr = ("127.0.0.1", port)
    if mode == "server":
        class OnServer(net.ClientOnServer):
            def on_close(self, reason=None):
                say("closed", self.cid, reason)

        s = Server(addr=addr, clientcls=OnServer)
        s.register_packet("anchor:echo", Echo(s.registry, s))
        s.runAsync()
        s.process_async()
        # runAsync binds on its own thread: wait (bounded) until the socket listens.
        deadline = time.time() + 20
        while getattr(s, "sock", None) is None and time.time() < deadline:
            time.sleep(0.005)
        with s._sock_lock:  # held while it binds and listens
            pass
        say("listening")
        while True:
            time.sleep(1)
    if mode == "ping":
        answer = ping.pingServer(addr=addr, data={"who": "peng3dnet"}, timeout=10)
        say("pong", sorted(answer.keys()) if answer else answer)
        return
    c = Client(addr=addr)
    c.got = []
    c.cond = threading.Condition()
    c.register_packet("anchor:echo", Echo(c.registry, c))
    c.runAsync()
    c.process_async()
    c.wait_for_connection(10)  # raises TimedOutError when the handshake does not complete
    for i, m in enumerate(MESSAGES):
        c.send_message("anchor:echo", m)
        with c.cond:
            c.cond.wait_for(lambda: len(c.got) > i, timeout=10)
        if len(c.got) <= i:
            say("no echo for", i)
            sys.exit(1)
        say("echo", "OK" if c.got[i] == m else "DIFFERS", repr(c.got[i])[:80])
    c.close_connection(reason="done")  # sends closeconn; the server then closes
    try:
        # peng3dnet's client stops watching its socket once the closeconn is written, so
        # it sees the server's close only if that came first: wait briefly, not for it.
        c.wait_for_close(2)
    except Exception:
        pass
    say("closed")


if __name__ == "__main__":
    main()
