"""gamenet.peng: peng3dnet (0.1.3a0) on gamenet. A peng3dnet program switches by changing
its imports:

    import peng3dnet                                   # before
    from peng3dnet import net, packet, constants       #
    import gamenet.peng as peng3dnet                   # after
    from gamenet.peng import net, packet, constants    #

The modules are peng3dnet's (net, packet, packet.internal, conntypes, constants, errors,
registry, util, version, ext.ping, ext.mpgame) with the same public names (a test compares
them with peng3dnet's), classes, methods, signatures, handlers, config keys and wire
protocol (protocol 2: a gamenet peer talks to a peng3dnet peer either way). The network
runs in gamenet's C layer, on its own threads ("net.gamenet.threads", 1 by default, for
accepting, reading and writing each); bind() (server) or connect() (client) starts it,
runAsync()/runBlocking() call those and then wait for stop(). As in peng3dnet, what arrives
is handled inside process() (process_async() runs it on a thread): the protocol advances
there and every handler and Packet.receive runs on the thread calling it. Needs the msgpack
package; not peng3d, pyglet or bidict.

Where gamenet.peng differs from peng3dnet, on purpose:

Fixes of peng3dnet's bugs
- initialize() runs once (peng3dnet never set its flag: a second call raised
  AlreadyRegisteredError for "classic"); bind() and connect() call it.
- The client's on_connect() is called when the connection opens (peng3dnet never called
  it); client.conntype is the connection type from then on (peng3dnet left it
  CONNTYPE_NOTSET, so SmartPacket.conntype never matched on a client).
- on_close(reason) is called once per connection, on both sides, with the reason: the
  peer's, or the one given to close_connection() or shutdown() (for its own closes,
  peng3dnet's server passed None and its client "socketclose").
- Server.sendEvent adds the server itself (peng3dnet raised AttributeError);
  SmartPacket's invalid invalid_action raises InvalidSmartPacketActionError on send too.
- The registry refuses a name, id or object registered twice (AlreadyRegisteredError;
  peng3dnet overwrote silently), and new ids skip the ids taken.
- Application messages sent before the handshake completes wait and go out after it, with
  the server's ids (peng3dnet sent them with the client's ids and the server dropped them);
  sent before a client's connection opens, they are kept until it has.
- A ping connection to a server without the "ping" type closes with "unknownconntype"
  (peng3dnet swapped the arguments, raised, and left it open). pingServer raises
  FailedPingError at once when the connection fails or closes without an answer (peng3dnet
  waited out its timeout), and stops its client afterwards.
- wait_for_connection() raises the connect's own error (ConnectionRefusedError, ...) when
  connecting failed, and TimedOutError at once when the connection closed before its
  handshake completed (say, "packetregmismatch"); peng3dnet waited out the timeout.

gamenet's C layer runs the protocol
- The internal packets (hello, settype, handshake, accept, closeconn) are gamenet's to
  send and handle: packet.internal's classes are registered under their names and ids as
  peng3dnet registers them, but never called, and on_receive/on_send, Packet.receive/send,
  ConnectionType.receive/send and the recv/send events see application messages only.
  send_message of closeconn closes (with its reason); of another internal packet, raises
  ValueError. Forced ids must be 64 or more (RegistryError).
- Packets and connection types are registered before bind()/connect()/runAsync()
  (RuntimeError after: gamenet takes them when it starts).
- On the client, gamenet adopts the server's ids in the handshake, and client.registry
  takes them when the handshake completes (inside process(), before on_handshake_complete;
  as peng3dnet, the objects stay with their names). Messages are dispatched by name,
  on_receive gets the id on the wire (the server's), and a message sent by id is looked up
  in client.registry (the client's own ids until the handshake completes: a message sent
  by id before then must use them). ConnectionType.receive gets flags 0 (events carry
  none).
- on_send, Packet.send and ConnectionType.send get the value sent, on both sides (peng3dnet's
  server passed the encoded bytes), after the message was handed to gamenet.
- Every added connection type gets the classic handshake on a gamenet server; its init(cid)
  is called when the handshake completes, just before on_handshake_complete. A ping
  connection's settype is not seen: its ClientOnServer becomes conntype "ping" and the
  type's init(cid) is called when its query arrives, just before receive() (which answers,
  with getPingData's and pingdata's entries, as peng3dnet's); on_close then gets
  "pingcomplete".
- In a ping answer, "oldmsg" is the query byte for byte and the "peng3dnet" entry holds
  gamenet's versions, unless getPingData, pingdata or a PingConnectionType.getPingData
  override give others. When getPingData (or the ping type's receive) raises, the server
  prints the exception, as for any handler, and closes the connection with "pingerror"
  (peng3dnet left it open, unanswered: its client waited out its timeout); a ping query
  not answered inside receive() closes the same way.
- Backpressure: send_message raises gamenet.WouldBlock (nothing sent, the connection
  stays) when 8 MiB already wait for the connection, or 4 MiB (counting 64 bytes a
  message) wait for its handshake or, on a client, for the connection to open;
  peng3dnet buffered without bound. Send again later.
- Close reasons below the protocol are gamenet's: "socketclose", "reset", "error",
  "toolarge", "badframe", "sendfailed", "shutdown", "handshaketimeout" (10 s), and for bad
  packets "badmsgpack", "badcompression", "aesunsupported", "unknownflags".
- Messages: map keys must be str or bytes (an int key kills peng3dnet's Python peer; here
  send_message raises gamenet.GamenetError), nesting is limited to 128, a packet to 16 MiB
  ("net.gamenet.max_frame"; peng3dnet had no limit), and packets of unknown ids are
  dropped (peng3dnet raised in process()). gamenet's own errors are raised where its C
  layer refuses (UnknownConnection for a cid that is gone: peng3dnet raised KeyError;
  Closed after stop()).

Running
- Server.runAsync() binds before it returns (a failure raises there, and the port listens
  on return; peng3dnet bound on its thread). Client.runAsync() connects on its thread, as
  peng3dnet does (within "net.gamenet.connect_timeout", 5 s); a failure is one line on
  stderr and is raised by wait_for_connection().
- stop() frees gamenet's server or client: its connections close (without a reason: use
  shutdown() or close_connection() first) and the listening socket closes (peng3dnet left
  them open, unserved). process() returns 0 from then on.
- shutdown(join, timeout, reason) closes every client with `reason` and calls each
  ClientOnServer's on_close(reason) before it returns (on its thread, or process()'s),
  within `timeout` seconds (0: 1 s), whatever `join` says; join only adds the wait for the
  threads.
- Server with port 0 listens on a free port, which `addr` holds after bind().
- `sock` and `selector` are None, ClientOnServer.conn is None and `write_queue` unused;
  runAsync's and runBlocking's `selector` is accepted and unused. peng3dnet's socket
  plumbing (genCID, receive_data, process_single_packet, receive_packet,
  pump_write_buffer) and net's Python 2 aliases (str, bytes, unicode, basestring) are not
  here. version's numbers are peng3dnet's; the wire carries gamenet's (gamenet.version()).
- util accepts IPv6 ("[::1]:8080", "[::1]", a bare address); a server host "" listens on
  every IPv4 and IPv6 address.

Configuration
- net.ssl.enabled and net.encrypt.enabled raise NotImplementedError when true (gamenet has
  no TLS yet; peng3dnet turned SSL off with a warning when no certificate was set), and so
  do, on a client, net.registry.autosync false and net.registry.missingpacketaction other
  than "closeconnection" (gamenet always adopts the registry, or closes with
  "packetregmismatch"). net.compress.* is honoured (level -1 is 6), net.events.enable and
  net.debug.print.* as in peng3dnet.
- gamenet's own keys, read with defaults when absent: net.gamenet.threads (1; 0 runs the
  network inside process()), net.gamenet.max_frame and net.gamenet.max_decompressed
  (16 MiB each), net.gamenet.handshake_timeout (10.0 s), net.gamenet.connect_timeout
  (5.0 s)."""

from .net import *  # noqa: F401,F403
from .registry import *  # noqa: F401,F403
from .constants import *  # noqa: F401,F403
from .version import *  # noqa: F401,F403
from .util import *  # noqa: F401,F403
from .errors import *  # noqa: F401,F403
from .ext import *  # noqa: F401,F403
from .conntypes import *  # noqa: F401,F403
from . import conntypes, constants, errors, ext, net, packet, registry, util, version  # noqa: F401
