"""A Panda3D-style echo client. It runs on gamenet as it is, and on Panda3D itself by
changing the import line below to `from panda3d.core import (`.

Usage: python echo_client.py port [count]"""
import sys
import time

from gamenet.panda import (ConnectionWriter, DatagramIterator, NetDatagram,
                           QueuedConnectionManager, QueuedConnectionReader)


def main():
    port = int(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    manager = QueuedConnectionManager()
    reader = QueuedConnectionReader(manager, 0)
    writer = ConnectionWriter(manager, 0)
    connection = manager.openTCPClientConnection("127.0.0.1", port, 3000)
    if not connection:
        sys.exit("could not connect")
    reader.addConnection(connection)
    rtts = []
    for i in range(count):
        datagram = NetDatagram()
        datagram.addUint32(i)
        datagram.addString("hello %d" % i)
        datagram.addFloat64(i / 4.0)
        start = time.perf_counter()
        writer.send(datagram, connection)
        reply = NetDatagram()
        deadline = time.time() + 5
        while not (reader.dataAvailable() and reader.getData(reply)):
            if time.time() > deadline:
                sys.exit("no echo for datagram %d" % i)
        rtts.append(time.perf_counter() - start)
        it = DatagramIterator(reply)
        seq, text, value = it.getUint32(), it.getString(), it.getFloat64()
        if (seq, text, value) != (i, "hello %d" % i, i / 4.0):
            sys.exit("bad echo %r" % ((seq, text, value),))
    rtts.sort()
    print("%d echoes ok, round trip median %.1f us" % (count, rtts[len(rtts) // 2] * 1e6),
          flush=True)
    manager.closeConnection(connection)


if __name__ == "__main__":
    main()
