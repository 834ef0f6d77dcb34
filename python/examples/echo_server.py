"""A Panda3D-style echo server. It runs on gamenet as it is, and on Panda3D itself by
changing the import line below to `from panda3d.core import (`.

Usage: python echo_server.py [port] [clients]   (port 0 picks a free one; it is printed)"""
import socket
import sys
import time

from gamenet.panda import (ConnectionWriter, NetAddress, NetDatagram, PointerToConnection,
                           QueuedConnectionListener, QueuedConnectionManager,
                           QueuedConnectionReader)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    clients = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    port = port or free_port()
    manager = QueuedConnectionManager()
    listener = QueuedConnectionListener(manager, 0)
    reader = QueuedConnectionReader(manager, 0)
    writer = ConnectionWriter(manager, 0)
    rendezvous = manager.openTCPServerRendezvous(port, 100)
    listener.addConnection(rendezvous)
    print("listening on", port, flush=True)
    served = echoed = 0
    deadline = time.time() + 60
    while served < clients and time.time() < deadline:
        if listener.newConnectionAvailable():
            rv, address, new = PointerToConnection(), NetAddress(), PointerToConnection()
            if listener.getNewConnection(rv, address, new):
                reader.addConnection(new.p())
                print("client from", address.getIpString(), flush=True)
        while reader.dataAvailable():
            datagram = NetDatagram()
            if reader.getData(datagram):
                writer.send(datagram, datagram.getConnection())
                echoed += 1
        while manager.resetConnectionAvailable():
            gone = PointerToConnection()
            if manager.getResetConnection(gone):
                manager.closeConnection(gone.p())
                served += 1
        time.sleep(0.0005)
    print("echoed", echoed, "datagrams to", served, "client(s)", flush=True)


if __name__ == "__main__":
    main()
