"""A peng3dnet echo server and client, written as any peng3dnet program is. It runs on
gamenet.peng as it is, and on peng3dnet itself with PENG_ECHO_LIB=peng3dnet: the import
line below is the only difference.

Usage:
    python peng_echo.py server PORT    serves one client (echoing every message), then exits
    python peng_echo.py client PORT    sends VALUES, prints each echo, closes with "done"
"""
import os
import sys
import threading

if os.environ.get("PENG_ECHO_LIB", "gamenet.peng") == "peng3dnet":
    from peng3dnet import constants, net, packet
else:
    from gamenet.peng import constants, net, packet

# What the client sends: maps, bytes, floats, nested lists, and a 10,000-byte string (above
# the 8 KiB threshold, so it is sent compressed).
VALUES = [
    {"name": "map", "n": 42, "neg": -7, "big": 2**40, "none": None, "yes": True,
     "nested": {"k": [1, 2.5, "three"]}},
    b"\x00\x01\x02bytes\xff",
    3.141592653589793,
    -0.5,
    [1, [2, [3, [4.25, "deep", [b"bin", None, False]]]]],
    "x" * 10000,
    {"text": "y" * 10000, "blob": bytes(range(256)) * 40},
]


class EchoPacket(packet.SmartPacket):
    """On the server, sends every message back; on the client, keeps what comes back."""

    state = constants.STATE_ACTIVE

    def receive(self, msg, cid=None):
        if cid is not None:
            self.peer.send_message("echo:msg", msg, cid)
            self.peer.echoed += 1
        else:
            with self.peer.cond:
                self.peer.echoes.append(msg)
                self.peer.cond.notify_all()


class EchoClientOnServer(net.ClientOnServer):
    def on_connect(self):
        print("client %s connected from %s" % (self.cid, self.addr[0]), flush=True)

    def on_close(self, reason=None):
        print("client %s closed: %s" % (self.cid, reason), flush=True)
        self.server.done.set()


class EchoServer(net.Server):
    def __init__(self, *args, **kwargs):
        super(EchoServer, self).__init__(*args, **kwargs)
        self.echoed = 0
        self.done = threading.Event()


class EchoClient(net.Client):
    def __init__(self, *args, **kwargs):
        super(EchoClient, self).__init__(*args, **kwargs)
        self.echoes = []
        self.cond = threading.Condition()
        self.closed = threading.Event()

    def on_close(self, reason=None):
        print("closed: %s" % reason, flush=True)
        self.closed.set()


def serve(port):
    server = EchoServer(addr=("127.0.0.1", port), clientcls=EchoClientOnServer)
    server.register_packet("echo:msg", EchoPacket(server.registry, server))
    server.bind()
    server.runAsync()
    server.process_async()
    print("listening on", port, flush=True)
    if not server.done.wait(60):
        print("no client came and went within 60 s", flush=True)
        return 1
    print("echoed %d messages" % server.echoed, flush=True)
    server.shutdown(join=True, timeout=1)
    return 0


def run_client(port):
    client = EchoClient(addr=("127.0.0.1", port))
    client.register_packet("echo:msg", EchoPacket(client.registry, client))
    client.runAsync()
    client.process_async()
    client.wait_for_connection(10)
    for value in VALUES:
        client.send_message("echo:msg", value)
    with client.cond:
        client.cond.wait_for(lambda: len(client.echoes) >= len(VALUES), 30)
    for i, echo in enumerate(client.echoes):
        print("echo %d: %r" % (i, echo), flush=True)
    ok = client.echoes == VALUES
    print("%d echoes %s" % (len(client.echoes), "equal" if ok else "DIFFER"), flush=True)
    client.close_connection(reason="done")
    client.closed.wait(10)
    client.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    role, port = sys.argv[1], int(sys.argv[2])
    sys.exit(serve(port) if role == "server" else run_client(port))
