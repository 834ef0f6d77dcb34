"""Round trips of small maps through the message layer from Python: gamenet (gamenet.Server
and gamenet.Client, batch calls), the real peng3dnet (its Server and Client), or the same
peng3dnet code on gamenet.peng (the drop-in); the server in its own process echoing every
message, one client keeping WINDOW messages in flight. Messages are {"i": "%08d", "p": 38 x
"x"} (64-byte frames: peng3dnet's reader loops forever on a length prefix split across
reads, which these sizes do not trigger); each echo is checked.

Usage: msg_bench.py gamenet|gamenet.peng|peng N WINDOW   prints rate=<round trips/s>
first_us=<client start to first echo>"""
import os
import socket
import subprocess
import sys
import threading
import time

os.environ.setdefault("PYGLET_SHADOW_WINDOW", "0")
PAD = "x" * 38


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(impl, port):
    if impl == "gamenet":
        import gamenet
        with gamenet.Server("127.0.0.1", port, ["bench:echo"], threads=1) as s:
            print("ready", flush=True)
            while True:
                s.process(5)
                echoes = [(ev.cid, "bench:echo", ev.body) for ev in s.events()
                          if ev.kind == gamenet.MSG_MESSAGE]
                if echoes:
                    s.send_many(echoes)
    net, packet = peng_modules(impl)

    class Echo(packet.SmartPacket):
        def receive(self, msg, cid=None):
            self.peer.send_message("bench:echo", msg, cid)

    s = net.Server(addr=("127.0.0.1", port))
    s.register_packet("bench:echo", Echo(s.registry, s))
    s.runAsync()  # gamenet.peng binds before it returns; peng3dnet on its thread
    s.process_async()
    if impl == "peng":
        while getattr(s, "sock", None) is None:
            time.sleep(0.005)
        with s._sock_lock:
            pass
    print("ready", flush=True)
    while True:
        time.sleep(1)


def peng_modules(impl):
    """peng3dnet's net and packet modules, or gamenet.peng's (the drop-in)."""
    if impl == "gamenet.peng":
        from gamenet.peng import net, packet
    else:
        from peng3dnet import net, packet
    return net, packet


def check(msg, i):
    if msg.get("i") != "%08d" % i:
        sys.exit(f"echo {i} is wrong: {msg!r}")


def run_gamenet(port, n, window):
    import gamenet
    gamenet.Client  # loads gamenet.msg (and msgpack) before the clock starts, as peng's import
    start = time.perf_counter()
    first = None
    got = sent = 0
    with gamenet.Client("127.0.0.1", port, ["bench:echo"], threads=1) as c:
        while got < n:
            batch = [("bench:echo", {"i": "%08d" % i, "p": PAD})
                     for i in range(sent, min(n, got + window))]
            if batch:
                c.send_many(batch)
                sent += len(batch)
            c.process(1)
            for ev in c.events():
                if ev.kind == gamenet.MSG_MESSAGE:
                    check(ev.body, got)
                    got += 1
                    if first is None:
                        first = time.perf_counter()
    return start, first, time.perf_counter()


def run_peng(port, n, window, impl="peng"):
    net, packet = peng_modules(impl)
    cond = threading.Condition()
    state = {"got": 0, "first": None}

    class Echo(packet.SmartPacket):
        def receive(self, msg, cid=None):
            with cond:
                check(msg, state["got"])
                state["got"] += 1
                if state["first"] is None:
                    state["first"] = time.perf_counter()
                cond.notify_all()

    start = time.perf_counter()
    c = net.Client(addr=("127.0.0.1", port))
    c.register_packet("bench:echo", Echo(c.registry, c))
    c.runAsync()
    c.process_async()
    c.wait_for_connection(10)
    sent = 0
    while True:
        with cond:
            cond.wait_for(lambda: sent - state["got"] < window or state["got"] >= n, timeout=10)
            if state["got"] >= n:
                break
            can = min(n - sent, window - (sent - state["got"]))
        for _ in range(can):
            c.send_message("bench:echo", {"i": "%08d" % sent, "p": PAD})
            sent += 1
    end = time.perf_counter()
    c.close()
    return start, state["first"], end


def main():
    if sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]))
        return
    impl, n, window = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "serve", impl, str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert server.stdout.readline().strip() == "ready"
        if impl == "gamenet":
            start, first, end = run_gamenet(port, n, window)
        else:
            start, first, end = run_peng(port, n, window, impl)
        print(f"rate={n / (end - first):.0f} first_us={(first - start) * 1e6:.1f}")
    finally:
        server.kill()
        server.wait()


if __name__ == "__main__":
    main()
