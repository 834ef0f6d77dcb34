//! Panda3D's `ConnectionManager` / `QueuedConnectionManager`: opens and closes connections,
//! sets their options, and reports every close exactly once: on the engine's reset queue
//! and to the close sinks that layers above register ([`Manager::add_close_sink`]).
//!
//! A [`Manager`] is a cheap clone of a shared state; every method takes `&self` and may be
//! called from any thread.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use super::address;
use super::connect::{self, ConnectEvent, Connector};
use super::connection::{CloseReason, CloseReport, Connection, ConnectionKind, ResetEvent};
use super::error::{Error, ErrorKind, Result};
use super::idtable::IdTable;
use super::interfaces::{self, Interface};
use super::io::{Io, ListenIo, Stream, TcpIo, UdpIo};
use super::log::{LogFn, LogLevel, Logger};
use super::outbuf::Flushed;
use super::queued::Queued;

/// How long `close_connection` waits for a slow peer to take what is queued for it.
pub const CLOSE_FLUSH_TIMEOUT: Duration = Duration::from_millis(500);

/// Sees every close event, on the thread that closed the connection; returns whether it
/// took the event (`true`: the event is not queued for the engine, as for the connections
/// of a message-layer server). It must not block.
pub type CloseSink = Arc<dyn Fn(&ResetEvent) -> bool + Send + Sync>;

struct Shared {
    conns: IdTable<Arc<Connection>>,
    resets: Queued<ResetEvent>,
    sinks: Mutex<Vec<(u64, CloseSink)>>,
    logger: Logger,
    connects: Connector,
    retired: std::sync::atomic::AtomicBool,
}

impl CloseReport for Shared {
    fn closed(&self, event: ResetEvent) {
        self.conns.remove(event.conn);
        self.logger.log(LogLevel::Info, || {
            format!(
                "connection {} closed ({}): {}",
                event.conn,
                event.reason.as_str(),
                event.message
            )
        });
        let sinks: Vec<CloseSink> = self
            .sinks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(_, s)| s.clone())
            .collect();
        let mut taken = false;
        for s in sinks {
            taken |= s(&event);
        }
        if !taken && let Err(lost) = self.resets.push(event) {
            // Panda3D's QueuedConnectionManager drops it too; the flag and the log say so.
            self.logger.log(LogLevel::Warn, || {
                format!(
                    "reset queue full ({}): the close of connection {} is not queued",
                    self.resets.max(),
                    lost.conn
                )
            });
        }
    }
}

/// Owns connections and the reset queue. Clones share the same state.
#[derive(Clone)]
pub struct Manager {
    shared: Arc<Shared>,
}

impl Default for Manager {
    fn default() -> Self {
        Self::new()
    }
}

fn sock_addr(s: &Socket, what: &str) -> Result<SocketAddr> {
    match super::io::local_address(s) {
        Ok(Some(a)) => Ok(address::canonical(a)),
        Ok(None) => Err(Error::new(
            ErrorKind::Io,
            format!("{what}: not an IP socket"),
        )),
        Err(e) => Err(Error::io(format!("{what}: getsockname"), &e)),
    }
}

/// Creates a socket of `ty` bound to `addr` (with SO_REUSEADDR for TCP), dual-stack when
/// `addr` is the IPv6 wildcard.
fn bind_socket(addr: SocketAddr, ty: Type, proto: Protocol) -> Result<Socket> {
    let s = Socket::new(Domain::for_address(addr), ty, Some(proto))
        .map_err(|e| Error::io(format!("create socket for {addr}"), &e))?;
    if addr.is_ipv6() {
        s.set_only_v6(false)
            .map_err(|e| Error::io("clear IPV6_V6ONLY", &e))?;
    }
    if ty == Type::STREAM {
        s.set_reuse_address(true)
            .map_err(|e| Error::io("set SO_REUSEADDR", &e))?;
    }
    s.bind(&SockAddr::from(addr))
        .map_err(|e| Error::io(format!("bind {addr}"), &e))?;
    Ok(s)
}

/// Binds to `host:port`, or to every local address (IPv6 dual-stack, IPv4 when the machine
/// has no IPv6) when `host` is `None` or empty. Tries every resolved address in turn.
fn bind_any_of(host: Option<&str>, port: u16, ty: Type, proto: Protocol) -> Result<Socket> {
    let candidates = match host.filter(|h| !h.is_empty()) {
        None => vec![address::any(port, true), address::any(port, false)],
        Some(h) => address::resolve(h, port)?,
    };
    let mut errors = Vec::new();
    for addr in &candidates {
        match bind_socket(*addr, ty, proto) {
            Ok(s) => return Ok(s),
            // The port is taken: every other candidate would say the same thing, except that
            // the IPv4 fallback after a dual-stack wildcard could wrongly succeed beside a
            // socket bound to IPv4 only. Report it as it is.
            Err(e) if e.kind() == ErrorKind::AddressInUse => return Err(e),
            Err(e) => errors.push(e),
        }
    }
    let first = errors.remove(0);
    let all: Vec<String> = std::iter::once(&first)
        .chain(errors.iter())
        .map(|e| e.message().to_string())
        .collect();
    Err(Error::new(first.kind(), all.join("; ")))
}

impl Manager {
    /// A manager with no connections.
    pub fn new() -> Self {
        Manager {
            shared: Arc::new(Shared {
                conns: IdTable::new(),
                resets: Queued::new(),
                sinks: Mutex::new(Vec::new()),
                logger: Logger::default(),
                connects: Connector::new(),
                retired: std::sync::atomic::AtomicBool::new(false),
            }),
        }
    }

    /// Whether `other` is this manager (a clone of it).
    pub fn is_same(&self, other: &Manager) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Sets (or with `None` removes) the log sink and the most verbose level it receives.
    pub fn set_logger(&self, sink: Option<(LogFn, LogLevel)>) {
        self.shared.logger.set(sink);
    }

    /// Logs through this manager's sink.
    pub fn log(&self, level: LogLevel, msg: impl FnOnce() -> String) {
        self.shared.logger.log(level, msg);
    }

    fn register(
        &self,
        kind: ConnectionKind,
        socket: Socket,
        peer: Option<SocketAddr>,
    ) -> Result<u64> {
        socket
            .set_nonblocking(true)
            .map_err(|e| Error::io("set O_NONBLOCK", &e))?;
        let local = sock_addr(&socket, "new connection")?;
        let io = match kind {
            ConnectionKind::TcpRendezvous => Io::Listen(ListenIo(socket)),
            ConnectionKind::Tcp => Io::Stream(Stream::Tcp(TcpIo(socket))),
            ConnectionKind::Udp => Io::Datagram(UdpIo::new(socket, local)),
        };
        let report: Weak<dyn CloseReport> = Arc::downgrade(&self.shared) as Weak<dyn CloseReport>;
        let id = self
            .shared
            .conns
            .insert_with(|id| Arc::new(Connection::new(id, io, local, peer, report)))?;
        if self.is_retired() {
            // Registered after `retire` swept (a connect thread finishing late): close it.
            if let Ok(conn) = self.connection(id) {
                conn.close(CloseReason::ManagerShutdown, 0, "the manager was freed");
            }
            return Err(Error::new(ErrorKind::Closed, "the manager was freed"));
        }
        self.log(LogLevel::Info, || match peer {
            Some(p) => format!("connection {id}: {kind:?} {local} <-> {p} opened"),
            None => format!("connection {id}: {kind:?} on {local} opened"),
        });
        Ok(id)
    }

    /// Opens a listening TCP socket on `host:port` (all addresses, dual-stack, when `host`
    /// is `None`), with SO_REUSEADDR. Port 0 picks a free port: read it back with
    /// [`Connection::local_address`]. A `backlog` of 0 or less means the system maximum.
    pub fn open_tcp_server_rendezvous(
        &self,
        host: Option<&str>,
        port: u16,
        backlog: i32,
    ) -> Result<u64> {
        let s = bind_any_of(host, port, Type::STREAM, Protocol::TCP)?;
        let backlog = if backlog <= 0 {
            libc::SOMAXCONN
        } else {
            backlog
        };
        s.listen(backlog)
            .map_err(|e| Error::io(format!("listen on port {port}"), &e))?;
        self.register(ConnectionKind::TcpRendezvous, s, None)
    }

    /// Connects to `host:port`, trying every address the name resolves to, in order, until
    /// one accepts; all attempts together take at most `timeout` (`None`: the OS limit per
    /// address). The error names every address tried and why each failed.
    pub fn open_tcp_client_host(
        &self,
        host: &str,
        port: u16,
        timeout: Option<Duration>,
    ) -> Result<u64> {
        let (s, peer) = connect::connect_host(host, port, timeout)?;
        self.adopt_tcp_stream(s, peer)
    }

    /// Connects to the first of `addrs` that accepts within the shared `timeout`.
    pub fn open_tcp_client(&self, addrs: &[SocketAddr], timeout: Option<Duration>) -> Result<u64> {
        let (s, peer) = connect::connect_any(addrs, timeout.map(|t| Instant::now() + t))?;
        self.adopt_tcp_stream(s, peer)
    }

    /// Starts connecting to `host:port` without blocking: returns a ticket at once; a
    /// connect thread resolves `host` and tries every address in turn within `timeout`,
    /// and the outcome waits as a [`ConnectEvent`] for [`Manager::get_connect_event`].
    /// At most [`connect::MAX_PENDING_CONNECTS`] may be pending (one more is
    /// `WouldBlock`). A connect that finishes after the manager is gone closes its socket.
    pub fn open_tcp_client_async(
        &self,
        host: &str,
        port: u16,
        timeout: Option<Duration>,
    ) -> Result<u64> {
        let ticket = self.shared.connects.start()?;
        let weak = Arc::downgrade(&self.shared);
        let host = host.to_string();
        let spawned = std::thread::Builder::new()
            .name("gamenet-connect".into())
            .spawn(move || {
                let result = connect::connect_host(&host, port, timeout);
                let Some(shared) = weak.upgrade() else {
                    return; // the manager is gone: the socket closes here
                };
                let mgr = Manager { shared };
                let result = result.and_then(|(s, peer)| mgr.adopt_tcp_stream(s, peer));
                mgr.shared.connects.finish(ConnectEvent { ticket, result });
            });
        if let Err(e) = spawned {
            self.shared.connects.abandon();
            return Err(Error::io("start a connect thread", &e));
        }
        Ok(ticket)
    }

    /// The oldest finished connect started by [`Manager::open_tcp_client_async`].
    pub fn get_connect_event(&self) -> Option<ConnectEvent> {
        self.shared.connects.take()
    }

    /// Connects started whose event has not been taken yet.
    pub fn pending_connects(&self) -> usize {
        self.shared.connects.pending()
    }

    /// Registers an already connected TCP stream (used by the listener for accepted
    /// sockets). Turns on TCP_NODELAY, as for every gamenet TCP stream.
    pub fn adopt_tcp_stream(&self, s: Socket, peer: SocketAddr) -> Result<u64> {
        s.set_tcp_nodelay(true)
            .map_err(|e| Error::io("set TCP_NODELAY", &e))?;
        self.register(ConnectionKind::Tcp, s, Some(address::canonical(peer)))
    }

    /// Opens a UDP socket bound to `host:port` (all addresses, dual-stack, when `host` is
    /// `None`); port 0 picks a free port. `for_broadcast` sets SO_BROADCAST.
    pub fn open_udp(&self, host: Option<&str>, port: u16, for_broadcast: bool) -> Result<u64> {
        let s = bind_any_of(host, port, Type::DGRAM, Protocol::UDP)?;
        if for_broadcast {
            s.set_broadcast(true)
                .map_err(|e| Error::io("set SO_BROADCAST", &e))?;
        }
        self.register(ConnectionKind::Udp, s, None)
    }

    /// The connection with `id`, or `UnknownConnection` when it is closed, foreign or 0.
    pub fn connection(&self, id: u64) -> Result<Arc<Connection>> {
        self.shared
            .conns
            .get(id)
            .ok_or_else(|| Error::unknown_connection(id))
    }

    /// The ids of every open connection.
    pub fn connection_ids(&self) -> Vec<u64> {
        self.shared.conns.values().iter().map(|c| c.id()).collect()
    }

    /// The number of open connections.
    pub fn connection_count(&self) -> usize {
        self.shared.conns.len()
    }

    /// Closes connection `id`; it is reported on the reset queue with `LocalClose`.
    pub fn close_connection(&self, id: u64) -> Result<()> {
        let conn = self.connection(id)?;
        self.flush_before_close(&conn, CLOSE_FLUSH_TIMEOUT);
        // Two threads may both find the connection; only the one that closes it succeeds.
        if self.report_close(
            &conn,
            CloseReason::LocalClose,
            0,
            "closed by the application",
        ) {
            Ok(())
        } else {
            Err(Error::unknown_connection(id))
        }
    }

    /// Writes what writers queued on `conn` before it closes, waiting at most `timeout` for
    /// a peer that is slow to read.
    fn flush_before_close(&self, conn: &Connection, timeout: Duration) {
        if conn.kind() != ConnectionKind::Tcp || conn.pending_out_bytes() == 0 {
            return;
        }
        let deadline = Instant::now() + timeout;
        loop {
            let now = Instant::now();
            match conn.flush_out() {
                Ok(Flushed::Done) | Err(_) => return,
                _ if now >= deadline => {
                    self.log(LogLevel::Warn, || {
                        format!(
                            "connection {}: {} bytes unsent at close after {timeout:?}",
                            conn.id(),
                            conn.pending_out_bytes()
                        )
                    });
                    return;
                }
                Ok(Flushed::WouldBlock) => {
                    conn.wait_ready(true, (deadline - now).min(Duration::from_millis(50)));
                }
                Ok(Flushed::Busy) => std::thread::sleep(Duration::from_millis(1)),
            }
        }
    }

    /// Closes `conn` for `reason` and reports it (reset queue, close sinks), unless it was
    /// closed already: [`Connection::close`]. Returns whether this call closed it.
    pub fn report_close(
        &self,
        conn: &Connection,
        reason: CloseReason,
        os_error: i32,
        message: &str,
    ) -> bool {
        conn.close(reason, os_error, message)
    }

    /// Registers a close sink (see [`CloseSink`]); returns its key for
    /// [`Manager::remove_close_sink`]. Sinks run in the order they were added.
    pub fn add_close_sink(&self, sink: CloseSink) -> u64 {
        static KEYS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let key = KEYS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.shared
            .sinks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((key, sink));
        key
    }

    /// Removes the close sink with `key`; false when there is none.
    pub fn remove_close_sink(&self, key: u64) -> bool {
        let mut sinks = self.shared.sinks.lock().unwrap_or_else(|p| p.into_inner());
        let before = sinks.len();
        sinks.retain(|(k, _)| *k != key);
        sinks.len() != before
    }

    /// Whether a closed connection waits on the reset queue.
    pub fn reset_connection_available(&self) -> bool {
        !self.shared.resets.is_empty()
    }

    /// Bounds the reset queue (at least 1; default
    /// [`DEFAULT_MAX_QUEUED`](super::queued::DEFAULT_MAX_QUEUED), Panda3D's). A
    /// close that finds it full is not queued: the overflow flag goes up and the log says
    /// which connection (close sinks still see it).
    pub fn set_max_reset_queue_size(&self, n: usize) -> Result<()> {
        self.shared.resets.set_max(n)
    }

    /// The reset queue's bound.
    pub fn max_reset_queue_size(&self) -> usize {
        self.shared.resets.max()
    }

    /// Closed connections waiting on the reset queue.
    pub fn reset_queue_size(&self) -> usize {
        self.shared.resets.len()
    }

    /// Whether a close did not fit the reset queue since the flag was last reset.
    pub fn reset_overflow(&self) -> bool {
        self.shared.resets.overflow()
    }

    /// Lowers the reset queue's overflow flag.
    pub fn clear_reset_overflow(&self) {
        self.shared.resets.reset_overflow()
    }

    /// The oldest closed connection not yet reported, with its reason.
    pub fn get_reset_connection(&self) -> Option<ResetEvent> {
        self.shared.resets.pop()
    }

    /// For the owner that frees the manager (the C face's `gamenet_manager_free`): closes
    /// every connection, refuses new ones (a connect finishing later closes its socket),
    /// and removes the log sink, waiting for calls in progress, so that no callback runs
    /// after this returns.
    pub fn retire(&self) {
        self.shared
            .retired
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.shutdown();
        self.set_logger(None);
    }

    fn is_retired(&self) -> bool {
        self.shared
            .retired
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Closes every open connection (reason `ManagerShutdown`).
    pub fn shutdown(&self) {
        for conn in self.shared.conns.values() {
            self.report_close(
                &conn,
                CloseReason::ManagerShutdown,
                0,
                "the manager shut down",
            );
        }
    }

    /// The machine's host name.
    pub fn host_name(&self) -> Result<String> {
        interfaces::host_name()
    }

    /// Every interface address (see [`interfaces::scan`]).
    pub fn interfaces(&self) -> Result<Vec<Interface>> {
        interfaces::scan()
    }
}
