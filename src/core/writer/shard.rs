//! Writer shard threads: each owns an event loop (`event_loop.rs`), flushes the
//! connections scheduled on it, waits for writability on sockets that are full without
//! holding up the others, and runs the collect-tcp timers (a held connection is flushed
//! when its timer is due). `Room` wakes senders that wait for room.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mio::{Interest, Token};

use super::super::connection::Connection;
use super::super::error::Result;
use super::super::event_loop::{EventLoop, LoopHandle, new_loop};
use super::super::log::LogLevel;
use super::super::manager::Manager;
use super::super::outbuf::Flushed;
use super::super::stats;

/// How long a shard keeps looking for work after its last before it sleeps.
const SPIN_BEFORE_SLEEP: Duration = Duration::from_micros(50);

/// Messages to a shard.
pub(super) enum ShardMsg {
    /// Write what the connection has pending.
    Flush(Arc<Connection>),
    /// Collect-tcp: write it at the given time, with whatever joins it until then.
    Hold(Arc<Connection>, Instant),
    /// Write every held connection now.
    FlushHeld,
    Stop,
}

/// Wakes senders that wait for room when a shard has written something.
#[derive(Default)]
pub(super) struct Room {
    lock: Mutex<()>,
    freed: std::sync::Condvar,
    waiters: AtomicUsize,
}

impl Room {
    pub(super) fn notify(&self) {
        if self.waiters.load(Ordering::SeqCst) > 0 {
            drop(self.lock.lock().unwrap_or_else(|p| p.into_inner()));
            self.freed.notify_all();
        }
    }

    /// Waits until a shard frees room or `max` passes.
    pub(super) fn wait(&self, max: Duration) {
        self.waiters.fetch_add(1, Ordering::SeqCst);
        let guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let _ = self.freed.wait_timeout(guard, max);
        self.waiters.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Writes what `conn` has pending; closes it on a write error (counted in `errors`).
pub(super) fn flush_conn(conn: &Connection, errors: &AtomicU64) -> Flushed {
    match conn.flush_out() {
        Ok(f) => f,
        Err(e) => {
            if conn.close_for_error("send", &e) {
                stats::add(errors, 1);
            }
            Flushed::Done
        }
    }
}

/// One shard as the writer sees it.
pub(super) type Shard = LoopHandle<ShardMsg>;

/// Starts a shard thread named `name`.
pub(super) fn spawn_shard(
    manager: Manager,
    errors: Arc<AtomicU64>,
    room: Arc<Room>,
    name: String,
) -> Result<Shard> {
    let (handle, lp) = new_loop("writer", 256)?;
    let st = ShardState {
        lp,
        manager,
        errors,
        room,
        waiting: HashMap::new(),
        held: HashMap::new(),
    };
    handle.spawn(name, move || shard_loop(st))?;
    Ok(handle)
}

struct ShardState {
    lp: EventLoop<ShardMsg>,
    manager: Manager,
    errors: Arc<AtomicU64>,
    room: Arc<Room>,
    /// Connections whose socket is full, registered for writability.
    waiting: HashMap<u64, Arc<Connection>>,
    /// Collect-tcp: connections held until their timer.
    held: HashMap<u64, Arc<Connection>>,
}

impl ShardState {
    fn flush(&mut self, conn: Arc<Connection>) {
        let id = conn.id();
        // Sends from now on schedule a new flush; what they append before the flush takes
        // the buffer leaves with this one.
        conn.unschedule();
        let flushed = flush_conn(&conn, &self.errors);
        self.room.notify();
        match flushed {
            Flushed::WouldBlock if !conn.is_closed() => {
                if !self.waiting.contains_key(&id) {
                    let r =
                        conn.register(self.lp.registry(), Token(id as usize), Interest::WRITABLE);
                    if let Err(e) = r {
                        if conn.close_for_error("watch for writability", &e) {
                            stats::add(&self.errors, 1);
                        }
                        return;
                    }
                    self.waiting.insert(id, conn);
                }
            }
            _ => {
                if let Some(c) = self.waiting.remove(&id) {
                    c.deregister(self.lp.registry());
                }
            }
        }
    }

    fn flush_held(&mut self) {
        let held: Vec<_> = self.held.drain().map(|(_, c)| c).collect();
        self.lp.clear_timers();
        for c in held {
            self.flush(c);
        }
    }

    fn handle(&mut self, msg: ShardMsg) -> bool {
        match msg {
            ShardMsg::Flush(c) => {
                self.held.remove(&c.id());
                self.flush(c);
            }
            ShardMsg::Hold(c, at) => {
                self.lp.add_timer(at, c.id());
                self.held.insert(c.id(), c);
            }
            ShardMsg::FlushHeld => self.flush_held(),
            ShardMsg::Stop => return false,
        }
        true
    }

    /// Flushes the connections whose socket became writable.
    fn writable(&mut self) {
        let ids: Vec<u64> = self.lp.ready().map(|e| e.token().0 as u64).collect();
        for id in ids {
            if let Some(c) = self.waiting.get(&id).cloned() {
                self.flush(c);
            }
        }
    }
}

fn shard_loop(mut st: ShardState) {
    let mut last_work = Instant::now();
    loop {
        while let Ok(msg) = st.lp.rx.try_recv() {
            last_work = Instant::now();
            if !st.handle(msg) {
                st.flush_held();
                return;
            }
        }
        let now = Instant::now();
        while let Some(id) = st.lp.due_timer(now) {
            if let Some(c) = st.held.remove(&id) {
                st.flush(c);
            }
        }
        // Traffic just passed: look again soon instead of sleeping, so that senders in a
        // steady stream do not pay for waking this thread.
        let timeout = if now.duration_since(last_work) < SPIN_BEFORE_SLEEP {
            std::thread::yield_now();
            Some(Duration::ZERO)
        } else {
            None
        };
        if let Err(e) = st.lp.wait(timeout) {
            st.manager
                .log(LogLevel::Error, || format!("writer poll failed: {e}"));
        }
        st.writable();
    }
}
