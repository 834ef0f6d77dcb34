"""Panda3D's net classes from Python, with the harness's workloads.

Usage: panda_bench.py tcp N SIZE         -> rate (64-byte datagrams one way, reader and
                                            writer with 1 thread each, drained in a loop)
       panda_bench.py pingpong N SIZE    -> median_us, p99_us (the echo side is a child
                                            process running `panda_bench.py echo PORT`)
"""
import subprocess
import sys
import time

from panda3d.core import (ConnectionWriter, NetDatagram, PointerToConnection, NetAddress,
                          QueuedConnectionListener, QueuedConnectionManager,
                          QueuedConnectionReader)


def pair(threads):
    mgr = QueuedConnectionManager()
    listener = QueuedConnectionListener(mgr, 0)
    reader = QueuedConnectionReader(mgr, threads)
    writer = ConnectionWriter(mgr, threads)
    return mgr, listener, reader, writer


def accept(listener):
    deadline = time.time() + 10
    while not listener.newConnectionAvailable():
        if time.time() > deadline:
            sys.exit("no connection")
        time.sleep(0.001)
    r, addr, conn = PointerToConnection(), NetAddress(), PointerToConnection()
    listener.getNewConnection(r, addr, conn)
    return conn.p()


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def tcp(n, size):
    mgr, listener, reader, writer = pair(1)
    port = free_port()
    rv = mgr.openTCPServerRendezvous(port, 10)
    listener.addConnection(rv)
    client = mgr.openTCPClientConnection("127.0.0.1", port, 3000)
    server = accept(listener)
    reader.addConnection(server)
    # Each datagram carries its number (mod 1000) in its first 8 bytes; each is checked.
    dgs = []
    for i in range(1000):
        dgs.append(NetDatagram())
        dgs[-1].appendData(i.to_bytes(8, "little") + b"\x01" * (size - 8))
    got = 0
    out = NetDatagram()
    t0 = time.perf_counter()
    sent = 0
    while got < n:
        burst = min(1000, n - sent)
        for dg in dgs[:burst]:
            writer.send(dg, client)
        sent += burst
        # Panda's queue drops beyond 50,000: drain before sending more.
        while got < sent:
            if reader.dataAvailable() and reader.getData(out):
                m = out.getMessage()
                if len(m) != size or int.from_bytes(m[:8], "little") != got % 1000:
                    sys.exit("datagram %d: got %r" % (got, m))
                got += 1
            elif time.perf_counter() - t0 > 60:
                sys.exit("stalled")
    print("rate=%.0f" % (n / (time.perf_counter() - t0)))


def echo(port):
    mgr, listener, reader, writer = pair(0)
    rv = mgr.openTCPServerRendezvous(port, 10)
    listener.addConnection(rv)
    print("ready", flush=True)
    conn = accept(listener)
    reader.addConnection(conn)
    d = NetDatagram()
    while True:
        if reader.dataAvailable() and reader.getData(d):
            writer.send(d, conn)


def pingpong(n, size):
    port = free_port()
    child = subprocess.Popen([sys.executable, __file__, "echo", str(port), "0"],
                             stdout=subprocess.PIPE, text=True)
    child.stdout.readline()
    mgr, listener, reader, writer = pair(0)
    conn = mgr.openTCPClientConnection("127.0.0.1", port, 3000)
    reader.addConnection(conn)
    dg = NetDatagram()
    dg.appendData(b"\x07" * size)
    want = dg.getMessage()
    d = NetDatagram()
    rtt = []
    for i in range(n + 500):
        t0 = time.perf_counter()
        writer.send(dg, conn)
        while not (reader.dataAvailable() and reader.getData(d)):
            pass
        if i >= 500:
            rtt.append(time.perf_counter() - t0)
        if d.getMessage() != want:
            sys.exit("echo %d: got %r" % (i, d.getMessage()))
    child.kill()
    rtt.sort()
    print("median_us=%.2f p99_us=%.2f" % (rtt[len(rtt) // 2] * 1e6, rtt[len(rtt) * 99 // 100] * 1e6))


mode = sys.argv[1]
if mode == "tcp":
    tcp(int(sys.argv[2]), int(sys.argv[3]))
elif mode == "pingpong":
    pingpong(int(sys.argv[2]), int(sys.argv[3]))
elif mode == "echo":
    echo(int(sys.argv[2]))
