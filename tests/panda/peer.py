"""A real Panda3D peer for gamenet's interoperability tests (tests/panda_interop.rs).

Usage: peer.py MODE ARGS...  Prints one line per datagram received, as hex, then "done".
  tcp-server PORT HEADER RAW COUNT  accept one client, read COUNT datagrams, echo each back
  tcp-client PORT HEADER RAW COUNT  connect, send COUNT datagrams, print the COUNT echoes
  udp-recv   PORT RAW COUNT         bind PORT, print COUNT datagrams, answer each sender
  udp-send   PORT RAW               send the golden payload to 127.0.0.1:PORT once
"""
import sys
import time

from panda3d.core import (ConnectionWriter, NetAddress, NetDatagram, PointerToConnection,
                          QueuedConnectionListener, QueuedConnectionManager,
                          QueuedConnectionReader)

DEADLINE = time.time() + 20


def payload(i):
    d = NetDatagram()
    d.addUint16(0x1234)
    d.addString("hi")
    d.addUint32(i)
    return d


def setup(header, raw):
    mgr = QueuedConnectionManager()
    reader = QueuedConnectionReader(mgr, 0)
    writer = ConnectionWriter(mgr, 0)
    for x in (reader, writer):
        x.setRawMode(bool(raw))
        x.setTcpHeaderSize(header)
    return mgr, reader, writer


def read_one(reader):
    while time.time() < DEADLINE:
        if reader.dataAvailable():
            d = NetDatagram()
            if reader.getData(d):
                return d
        time.sleep(0.001)
    sys.exit("timed out waiting for a datagram")


def show(d):
    print(bytes(d.getMessage()).hex(), flush=True)


def main():
    mode, args = sys.argv[1], [int(a) for a in sys.argv[2:]]
    if mode == "tcp-server":
        port, header, raw, count = args
        mgr, reader, writer = setup(header, raw)
        listener = QueuedConnectionListener(mgr, 0)
        rendezvous = mgr.openTCPServerRendezvous(port, 10)
        listener.addConnection(rendezvous)
        print("listening", flush=True)
        while not listener.newConnectionAvailable():
            if time.time() > DEADLINE:
                sys.exit("no client")
            time.sleep(0.001)
        r, addr, conn = PointerToConnection(), NetAddress(), PointerToConnection()
        listener.getNewConnection(r, addr, conn)
        conn = conn.p()
        reader.addConnection(conn)
        for _ in range(count):
            d = read_one(reader)
            show(d)
            writer.send(d, conn)
    elif mode == "tcp-client":
        port, header, raw, count = args
        mgr, reader, writer = setup(header, raw)
        conn = mgr.openTCPClientConnection("127.0.0.1", port, 3000)
        if not conn:
            sys.exit("connect failed")
        reader.addConnection(conn)
        for i in range(count):
            writer.send(payload(i), conn)
        for _ in range(count):
            show(read_one(reader))
    elif mode == "udp-recv":
        port, raw, count = args
        mgr, reader, writer = setup(2, raw)
        conn = mgr.openUDPConnection(port)
        reader.addConnection(conn)
        print("listening", flush=True)
        for _ in range(count):
            d = read_one(reader)
            show(d)
            writer.send(d, conn, d.getAddress())
    elif mode == "udp-send":
        port, raw = args
        mgr, reader, writer = setup(2, raw)
        conn = mgr.openUDPConnection(0)
        to = NetAddress()
        to.setHost("127.0.0.1", port)
        d = NetDatagram()
        d.addUint16(0x1234)
        d.addString("hi")
        if not writer.send(d, conn, to):
            sys.exit("send failed")
    else:
        sys.exit("unknown mode " + mode)
    print("done", flush=True)


main()
