//! The C face of the reader (Panda3D's `QueuedConnectionReader` and
//! `RecentConnectionReader`).

use std::net::SocketAddr;
use std::time::Duration;

use super::address::gamenet_address;
use super::boundary::{call, with};
use super::error::gamenet_result;
use super::handle::{Castable, Handles, free_handle, get, new_handle, out_ref, out_slice};
use super::manager::{gamenet_conn, gamenet_manager};
use crate::core::error::{Error, ErrorKind};
use crate::core::reader::Reader;

/// Receives datagrams into a bounded queue (Panda3D's `QueuedConnectionReader`). With 0
/// threads, `gamenet_reader_data_available` / `gamenet_reader_poll` read the sockets on
/// the caller's thread; with N threads, N epoll threads do. Every function may be called
/// from any thread.
pub struct gamenet_reader {
    _private: [u8; 0],
}

/// Where a received datagram came from and where its bytes are.
#[repr(C)]
#[derive(Default)]
pub struct gamenet_datagram_info {
    /// The connection it arrived on.
    pub conn: gamenet_conn,
    /// The sender (UDP) or the peer (TCP).
    pub from: gamenet_address,
    /// Offset of its bytes in the batch buffer (`gamenet_reader_get_data_batch`), else 0.
    pub offset: usize,
    /// Its length in bytes.
    pub len: usize,
}

/// Counters of a reader.
#[repr(C)]
#[derive(Default)]
pub struct gamenet_reader_stats {
    /// Datagrams queued for the engine.
    pub datagrams: u64,
    /// Payload bytes queued.
    pub bytes: u64,
    /// Datagrams in the queue now.
    pub queue_size: u64,
    /// UDP datagrams dropped because the queue was full.
    pub dropped_overflow: u64,
    /// UDP datagrams dropped for a bad checksum header.
    pub dropped_checksum: u64,
    /// UDP datagrams dropped for exceeding the maximum size.
    pub dropped_too_large: u64,
    /// Partial TCP datagrams lost because the peer closed in their middle (the close's
    /// reset message says how much of it arrived).
    pub dropped_truncated: u64,
    /// Datagrams a recent-only reader replaced with newer ones.
    pub replaced: u64,
    /// Times TCP reading paused because the queue was full (backpressure).
    pub backpressure_pauses: u64,
    /// Connections watched now.
    pub connections: u64,
}

/// Default reader queue bound, in datagrams.
pub const GAMENET_READER_DEFAULT_MAX_QUEUE: usize = 65_536;
/// Default share of a reader's queue one TCP connection may hold while the reader watches
/// other connections too, in datagrams.
pub const GAMENET_READER_DEFAULT_MAX_QUEUE_PER_CONNECTION: usize = 16;

impl Castable for gamenet_reader {
    type Rust = Reader;
    const NAME: &'static str = "gamenet_reader";
    fn handles() -> &'static Handles<Self> {
        static READERS: Handles<gamenet_reader> = Handles::new();
        &READERS
    }
}

/// The C form of datagrams' origins, converted once per run of datagrams that share one
/// (the datagrams of one connection do).
#[derive(Default)]
pub(crate) struct Origins(Option<(Option<SocketAddr>, gamenet_address)>);

impl Origins {
    pub(crate) fn of(&mut self, from: Option<SocketAddr>) -> gamenet_address {
        match self.0 {
            Some((f, a)) if f == from => a,
            _ => {
                let a = from.map(gamenet_address::from).unwrap_or_default();
                self.0 = Some((from, a));
                a
            }
        }
    }
}

/// Describes a datagram taken from the queue in `*info`.
pub(crate) fn fill(
    info: &mut gamenet_datagram_info,
    conn: u64,
    from: Option<SocketAddr>,
    offset: usize,
    len: usize,
) {
    info.conn = conn;
    info.from = from.map(gamenet_address::from).unwrap_or_default();
    info.offset = offset;
    info.len = len;
}

fn new_reader(
    m: *mut gamenet_manager,
    num_threads: u32,
    recent: bool,
    out: *mut *mut gamenet_reader,
) -> gamenet_result {
    call(|| {
        let mgr = get(m)?;
        let out = out_ref(out, "out")?;
        let reader = if recent {
            Reader::new_recent(&mgr, num_threads as usize)?
        } else {
            Reader::new(&mgr, num_threads as usize)?
        };
        *out = new_handle(reader)?;
        Ok(())
    })
}

/// Creates a queued reader for `m` with `num_threads` threads (0: polling mode; at most
/// 256).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_new(
    m: *mut gamenet_manager,
    num_threads: u32,
    out: *mut *mut gamenet_reader,
) -> gamenet_result {
    new_reader(m, num_threads, false, out)
}

/// Creates a reader that keeps only the most recent datagram (Panda3D's
/// `RecentConnectionReader`).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_new_recent(
    m: *mut gamenet_manager,
    num_threads: u32,
    out: *mut *mut gamenet_reader,
) -> gamenet_result {
    new_reader(m, num_threads, true, out)
}

/// Stops the reader's threads and frees it; its connections stay open. NULL is a no-op;
/// a handle freed already returns `GAMENET_ERR_INVALID_HANDLE`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_free(r: *mut gamenet_reader) -> gamenet_result {
    call(|| {
        if let Some(rd) = free_handle(r)? {
            rd.shutdown();
        }
        Ok(())
    })
}

/// Stops the reader's threads within a bounded time; its connections stay open.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_shutdown(r: *mut gamenet_reader) -> gamenet_result {
    with(r, |rd| {
        rd.shutdown();
        Ok(())
    })
}

/// Starts reading TCP stream or UDP connection `conn`, at once.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_add_connection(
    r: *mut gamenet_reader,
    conn: gamenet_conn,
) -> gamenet_result {
    with(r, |rd| rd.add_connection(conn))
}

/// Stops reading `conn`; it stays open, and what is queued stays queued.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_remove_connection(
    r: *mut gamenet_reader,
    conn: gamenet_conn,
) -> gamenet_result {
    with(r, |rd| rd.remove_connection(conn))
}

/// Writes to `*out` whether `conn` is on this reader and open (false for a closed, removed
/// or unknown id). A freed or foreign reader is `GAMENET_ERR_INVALID_HANDLE`, never a
/// false answer; `*out` is written only on `GAMENET_OK`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_is_connection_ok(
    r: *mut gamenet_reader,
    conn: gamenet_conn,
    out: *mut bool,
) -> gamenet_result {
    with(r, |rd| {
        let out = out_ref(out, "out")?;
        *out = rd.is_connection_ok(conn);
        Ok(())
    })
}

/// Raw mode, for connections added afterwards: each read is a datagram (TCP), no checksum
/// header (UDP).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_set_raw_mode(r: *mut gamenet_reader, raw: bool) -> gamenet_result {
    with(r, |rd| {
        rd.set_raw_mode(raw);
        Ok(())
    })
}

/// The TCP header size (0, 2 or 4) for connections added afterwards.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_set_tcp_header_size(
    r: *mut gamenet_reader,
    size: i32,
) -> gamenet_result {
    with(r, |rd| rd.set_tcp_header_size(size))
}

/// The TCP header size in force.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_get_tcp_header_size(
    r: *mut gamenet_reader,
    out: *mut i32,
) -> gamenet_result {
    with(r, |rd| {
        *out_ref(out, "out")? = rd.framing().header_size as i32;
        Ok(())
    })
}

/// The largest datagram accepted, for connections added afterwards (0: 65535 with a
/// 2-byte header, 1 MiB with a 4-byte header). A TCP peer that announces more is closed
/// with `GAMENET_CLOSE_TOO_LARGE`; a larger UDP datagram is dropped and counted.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_set_max_datagram_size(
    r: *mut gamenet_reader,
    n: usize,
) -> gamenet_result {
    with(r, |rd| {
        rd.set_max_datagram_size(n);
        Ok(())
    })
}

/// The largest datagram accepted now.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_get_max_datagram_size(
    r: *mut gamenet_reader,
    out: *mut usize,
) -> gamenet_result {
    with(r, |rd| {
        *out_ref(out, "out")? = rd.max_datagram_size();
        Ok(())
    })
}

/// Bounds the queue, in datagrams (at least 1; default `GAMENET_READER_DEFAULT_MAX_QUEUE`).
/// When it is full, TCP reading pauses (nothing is lost) and UDP datagrams are dropped
/// and counted.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_set_max_queue_size(
    r: *mut gamenet_reader,
    n: usize,
) -> gamenet_result {
    with(r, |rd| rd.set_max_queue_size(n))
}

/// Bounds the datagrams one TCP connection may hold in the queue while the reader watches
/// other connections too (at least 1; default
/// `GAMENET_READER_DEFAULT_MAX_QUEUE_PER_CONNECTION`). A connection over its share is not
/// read until the engine has taken half of it (nothing is lost: the kernel's buffers push
/// back on the peer), so a peer that floods costs another peer's datagram at most one
/// share of waiting. A reader with a single connection lets it use the whole queue; UDP
/// sockets are not bounded by it.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_set_max_queue_per_connection(
    r: *mut gamenet_reader,
    n: usize,
) -> gamenet_result {
    with(r, |rd| rd.set_max_queue_per_connection(n))
}

/// The share of the queue one TCP connection may hold.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_get_max_queue_per_connection(
    r: *mut gamenet_reader,
    out: *mut usize,
) -> gamenet_result {
    with(r, |rd| {
        *out_ref(out, "out")? = rd.max_queue_per_connection();
        Ok(())
    })
}

/// Datagrams waiting in the queue.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_get_current_queue_size(
    r: *mut gamenet_reader,
    out: *mut usize,
) -> gamenet_result {
    with(r, |rd| {
        *out_ref(out, "out")? = rd.current_queue_size();
        Ok(())
    })
}

/// Writes to `*out` whether a datagram is waiting (in polling mode, when the queue is
/// empty, it reads the ready sockets first; datagrams already queued are answered from
/// the queue, and the sockets are read again once it is empty). A freed or foreign reader
/// is `GAMENET_ERR_INVALID_HANDLE`, never a false answer; `*out` is written only on
/// `GAMENET_OK`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_data_available(
    r: *mut gamenet_reader,
    out: *mut bool,
) -> gamenet_result {
    with(r, |rd| {
        let out = out_ref(out, "out")?;
        *out = rd.data_available();
        Ok(())
    })
}

/// Waits up to `timeout_ms` (negative: no limit) for a datagram: `GAMENET_OK` when one is
/// waiting, `GAMENET_EMPTY` when the time ran out, `GAMENET_ERR_CLOSED` (at once) when the
/// reader is shut down and nothing is left in its queue. A polling reader (0 threads)
/// reads the ready sockets in this call, also with `timeout_ms` 0. Before it sleeps, it
/// watches for a datagram without sleeping for the busy-poll time
/// (`gamenet_reader_set_busy_poll`).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_poll(r: *mut gamenet_reader, timeout_ms: i32) -> gamenet_result {
    with(r, |rd| {
        let t = (timeout_ms >= 0).then(|| Duration::from_millis(timeout_ms as u64));
        if rd.poll(t) {
            Ok(gamenet_result::GAMENET_OK)
        } else if rd.is_shut_down() {
            Err(Error::new(
                ErrorKind::Closed,
                "the reader is shut down and its queue is empty: nothing more will arrive",
            ))
        } else {
            Ok(gamenet_result::GAMENET_EMPTY)
        }
    })
}

/// How long `gamenet_reader_poll` watches for a datagram without sleeping before it waits
/// for the kernel to wake it, in microseconds (default 50; 0: sleep at once); the reader's
/// threads, if any, likewise keep looking for this long after a turn that brought data.
/// Each look yields the core. It trades CPU, only around traffic, for a round trip
/// without wake-ups. At most 10000 (10 ms): more is `GAMENET_ERR_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_set_busy_poll(r: *mut gamenet_reader, us: u32) -> gamenet_result {
    with(r, |rd| rd.set_busy_poll(Duration::from_micros(us as u64)))
}

/// The busy-poll time of `gamenet_reader_poll`, in microseconds.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_get_busy_poll(
    r: *mut gamenet_reader,
    out: *mut u32,
) -> gamenet_result {
    with(r, |rd| {
        *out_ref(out, "out")? = rd.busy_poll().as_micros().min(u32::MAX as u128) as u32;
        Ok(())
    })
}

/// Takes the oldest datagram: its bytes into `buf`, its length into `*out_len`, its
/// origin into `*info`. `GAMENET_EMPTY` when none is waiting. When `cap` is too small:
/// `GAMENET_ERR_BUFFER_TOO_SMALL`, `*out_len` = the needed size, and the datagram stays
/// queued. A polling reader whose queue is empty reads the ready sockets first (so a loop
/// `while (get_data(...) == GAMENET_OK)` runs as long as peers keep sending: bound it per
/// frame).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_get_data(
    r: *mut gamenet_reader,
    info: *mut gamenet_datagram_info,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> gamenet_result {
    with(r, |rd| {
        let info = out_ref(info, "info")?;
        let out_len = out_ref(out_len, "out_len")?;
        let dst = out_slice(buf, cap, "buf")?;
        let mut need = None;
        let found = rd.take_one(|conn, from, data| {
            if data.len() > cap {
                need = Some(data.len());
                return false;
            }
            fill(info, conn, from, 0, data.len());
            *out_len = data.len();
            dst[..data.len()].copy_from_slice(data);
            true
        });
        match (found, need) {
            (false, _) => Ok(gamenet_result::GAMENET_EMPTY),
            (true, None) => Ok(gamenet_result::GAMENET_OK),
            (true, Some(need)) => {
                *out_len = need;
                Err(Error::new(
                    ErrorKind::BufferTooSmall,
                    format!("buffer of {cap} bytes is too small for a datagram of {need}"),
                ))
            }
        }
    })
}

/// Takes as many waiting datagrams as fit, in order: their bytes back to back into
/// `buf`, one `infos[i]` each (with `offset` and `len`), the count into `*out_count`.
/// `GAMENET_EMPTY` when none is waiting. When even the first does not fit:
/// `GAMENET_ERR_BUFFER_TOO_SMALL`, `*out_count` = 0 and `infos[0]` describes it (its
/// `len` is the size needed); it stays queued.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_get_data_batch(
    r: *mut gamenet_reader,
    buf: *mut u8,
    cap: usize,
    infos: *mut gamenet_datagram_info,
    max_infos: usize,
    out_count: *mut usize,
) -> gamenet_result {
    with(r, |rd| {
        let out_count = out_ref(out_count, "out_count")?;
        *out_count = 0;
        let dst = out_slice(buf, cap, "buf")?;
        let infos = out_slice(infos, max_infos, "infos")?;
        if infos.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "max_infos is 0: there is no room for a datagram's info",
            ));
        }
        let mut used = 0usize;
        let mut first_len = None;
        let mut k = 0usize;
        let mut origins = Origins::default();
        rd.drain_with(max_infos, |conn, from, data| {
            first_len.get_or_insert(data.len());
            if used + data.len() > cap {
                return false;
            }
            infos[k] = gamenet_datagram_info {
                conn,
                from: origins.of(from),
                offset: used,
                len: data.len(),
            };
            dst[used..used + data.len()].copy_from_slice(data);
            used += data.len();
            k += 1;
            true
        });
        if k == 0 {
            return match first_len {
                None => Ok(gamenet_result::GAMENET_EMPTY),
                Some(need) => {
                    infos[0] = gamenet_datagram_info {
                        len: need,
                        ..Default::default()
                    };
                    Err(Error::new(
                        ErrorKind::BufferTooSmall,
                        format!("buffer of {cap} bytes is too small for a datagram of {need}"),
                    ))
                }
            };
        }
        *out_count = k;
        Ok(gamenet_result::GAMENET_OK)
    })
}

/// Writes to `*out` whether UDP datagrams were dropped for a full queue since the last
/// call, and clears the flag. A freed or foreign reader is `GAMENET_ERR_INVALID_HANDLE`;
/// on any error the flag stays as it was and `*out` is not written.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_take_overflow(
    r: *mut gamenet_reader,
    out: *mut bool,
) -> gamenet_result {
    with(r, |rd| {
        let out = out_ref(out, "out")?;
        *out = rd.take_overflow();
        Ok(())
    })
}

/// The reader's counters.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_get_stats(
    r: *mut gamenet_reader,
    out: *mut gamenet_reader_stats,
) -> gamenet_result {
    with(r, |rd| {
        let out = out_ref(out, "out")?;
        let s = rd.stats();
        *out = gamenet_reader_stats {
            datagrams: s.datagrams,
            bytes: s.bytes,
            queue_size: s.queue_size,
            dropped_overflow: s.dropped_overflow,
            dropped_checksum: s.dropped_checksum,
            dropped_too_large: s.dropped_too_large,
            dropped_truncated: s.dropped_truncated,
            replaced: s.replaced,
            backpressure_pauses: s.backpressure_pauses,
            connections: s.connections,
        };
        Ok(())
    })
}
