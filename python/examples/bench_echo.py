"""The echo workload of the Python benchmark: 100,000 datagrams of 32 bytes through an echo
server and back, then 2,000 ping-pongs; the same script on Panda3D's classes, on
gamenet.panda, and on gamenet's batch API.

Every datagram carries its number in its first 8 bytes, and the client checks each echo
(its length and number) as it arrives, on every implementation alike.

Usage: python bench_echo.py panda3d|gamenet|batch    (prints one result line)"""
import socket
import subprocess
import sys
import time

N, PINGS, SIZE, CHUNK = 100_000, 2_000, 32, 1000
IMPL = sys.argv[1]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def panda_classes():
    if IMPL == "panda3d":
        import panda3d.core as net
    else:
        import gamenet.panda as net
    return net


def serve(port):
    if IMPL == "batch":
        import gamenet
        with gamenet.Manager() as m, gamenet.Listener(m, 0) as l, gamenet.Reader(m, 0) as r, \
                gamenet.Writer(m, 0) as w:
            l.set_reader(r)
            l.add_connection(m.open_tcp_server_rendezvous(port, "127.0.0.1"))
            print("ready", flush=True)
            while True:
                l.get_new_connection()
                batch = r.get_batch()
                if batch:
                    w.send_batch(batch[0].conn, [d.data for d in batch], True)
                else:
                    r.poll(5)
    net = panda_classes()
    m = net.QueuedConnectionManager()
    listener = net.QueuedConnectionListener(m, 0)
    reader = net.QueuedConnectionReader(m, 0)
    writer = net.ConnectionWriter(m, 0)
    listener.addConnection(m.openTCPServerRendezvous(port, 10))
    print("ready", flush=True)
    d = net.NetDatagram()
    while True:
        if listener.newConnectionAvailable():
            rv, addr, new = net.PointerToConnection(), net.NetAddress(), net.PointerToConnection()
            listener.getNewConnection(rv, addr, new)
            reader.addConnection(new.p())
        while reader.dataAvailable() and reader.getData(d):
            writer.send(d, d.getConnection())


def payloads():
    """The CHUNK datagrams of a chunk: number i in the first 8 bytes, then padding."""
    return [i.to_bytes(8, "little") + b"\x07" * (SIZE - 8) for i in range(CHUNK)]


def check(data, i):
    if len(data) != SIZE or int.from_bytes(data[:8], "little") != i % CHUNK:
        sys.exit("echo %d: got %r" % (i, data))


def client(port):
    chunk = payloads()
    payload = chunk[0]
    if IMPL == "batch":
        import gamenet
        m, r, w = gamenet.Manager(), None, None
        r, w = gamenet.Reader(m, 0), gamenet.Writer(m, 0)
        c = m.open_tcp_client("127.0.0.1", port)
        r.add_connection(c)
        t0 = time.perf_counter()
        got = 0
        for _ in range(N // CHUNK):
            w.send_batch(c, chunk, True)
            want = got + CHUNK
            while got < want:
                batch = r.get_batch()
                if not batch:
                    r.poll(100)
                for d in batch:
                    check(d.data, got)
                    got += 1
        rate = N / (time.perf_counter() - t0)
        rtt = []
        for _ in range(PINGS):
            t = time.perf_counter()
            w.send(c, payload, True)
            d = r.get_data()
            while d is None:
                r.poll(100)
                d = r.get_data()
            check(d.data, 0)
            rtt.append(time.perf_counter() - t)
        return rate, rtt
    net = panda_classes()
    m = net.QueuedConnectionManager()
    reader = net.QueuedConnectionReader(m, 0)
    writer = net.ConnectionWriter(m, 0)
    c = m.openTCPClientConnection("127.0.0.1", port, 3000)
    reader.addConnection(c)
    dgs = []
    for p in chunk:
        dgs.append(net.NetDatagram())
        dgs[-1].appendData(p)
    dg = dgs[0]
    d = net.NetDatagram()
    t0 = time.perf_counter()
    got = 0
    for _ in range(N // CHUNK):
        for g in dgs:
            writer.send(g, c)
        want = got + CHUNK
        while got < want:
            if reader.dataAvailable() and reader.getData(d):
                check(d.getMessage(), got)
                got += 1
    rate = N / (time.perf_counter() - t0)
    rtt = []
    for _ in range(PINGS):
        t = time.perf_counter()
        writer.send(dg, c)
        while not (reader.dataAvailable() and reader.getData(d)):
            pass
        check(d.getMessage(), 0)
        rtt.append(time.perf_counter() - t)
    return rate, rtt


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[2] == "serve":
        serve(int(sys.argv[3]))
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, IMPL, "serve", str(port)],
                              stdout=subprocess.PIPE, text=True)
    server.stdout.readline()
    try:
        rate, rtt = client(port)
    finally:
        server.kill()
    rtt.sort()
    print("impl=%s rate=%.0f rtt_median_us=%.1f" % (IMPL, rate, rtt[len(rtt) // 2] * 1e6))
