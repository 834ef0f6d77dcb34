//! The C face of the writer (Panda3D's `ConnectionWriter`).

use std::time::Duration;

use super::address::in_addr;
use super::boundary::{call, with};
use super::error::gamenet_result;
use super::handle::{Castable, Handles, free_handle, get, in_bytes, new_handle, out_ref};
use super::manager::{gamenet_conn, gamenet_manager};
use crate::core::error::{Error, ErrorKind, Result};
use crate::core::writer::Writer;

/// Sends datagrams (Panda3D's `ConnectionWriter`). With 0 threads it writes in the caller's
/// thread; with N threads, on N shard threads. Every function may be called from any
/// thread.
pub struct gamenet_writer {
    _private: [u8; 0],
}

/// One buffer of a `gamenet_writer_send_iov` batch.
#[repr(C)]
pub struct gamenet_buffer {
    /// The bytes (may be NULL when `len` is 0).
    pub data: *const u8,
    /// Their number.
    pub len: usize,
}

/// Counters of a writer.
#[repr(C)]
#[derive(Default)]
pub struct gamenet_writer_stats {
    /// Datagrams accepted by the send functions.
    pub datagrams_sent: u64,
    /// Payload bytes accepted.
    pub bytes_sent: u64,
    /// Datagrams queued and not yet handed to the kernel.
    pub queue_size: u64,
    /// Sends refused with GAMENET_ERR_WOULD_BLOCK.
    pub would_block: u64,
    /// Connections closed because a write failed.
    pub send_errors: u64,
    /// Datagrams left unsent when `gamenet_writer_shutdown` gave up.
    pub unsent_at_shutdown: u64,
}

/// Default writer queue bound, in datagrams.
pub const GAMENET_WRITER_DEFAULT_MAX_QUEUE: usize = 65_536;
/// Default share of a threaded writer's queue one connection may hold, in datagrams.
pub const GAMENET_WRITER_DEFAULT_MAX_QUEUE_PER_CONNECTION: usize = 16_384;
/// Default bound of one connection's outbound buffer, in bytes.
pub const GAMENET_WRITER_DEFAULT_MAX_BUFFER_BYTES: usize = 8 << 20;
/// Default largest UDP payload (Panda3D's `is_valid_for_udp`).
pub const GAMENET_WRITER_DEFAULT_UDP_MAX: usize = 1500;
/// How long `gamenet_writer_free` lets queued datagrams leave.
pub const GAMENET_WRITER_FREE_FLUSH_MS: u32 = 1000;

impl Castable for gamenet_writer {
    type Rust = Writer;
    const NAME: &'static str = "gamenet_writer";
    fn handles() -> &'static Handles<Self> {
        static WRITERS: Handles<gamenet_writer> = Handles::new();
        &WRITERS
    }
}

/// Creates a writer for `m` with `num_threads` threads (0: immediate mode, at most 256).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_new(
    m: *mut gamenet_manager,
    num_threads: u32,
    out: *mut *mut gamenet_writer,
) -> gamenet_result {
    call(|| {
        let mgr = get(m)?;
        let out = out_ref(out, "out")?;
        let w = Writer::new(&mgr, num_threads as usize)?;
        *out = new_handle(w)?;
        Ok(())
    })
}

/// Shuts the writer down (letting queued datagrams leave for up to
/// `GAMENET_WRITER_FREE_FLUSH_MS`) and frees it. NULL is a no-op; a handle freed already
/// returns `GAMENET_ERR_INVALID_HANDLE`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_free(w: *mut gamenet_writer) -> gamenet_result {
    call(|| {
        if let Some(wr) = free_handle(w)? {
            wr.shutdown(Duration::from_millis(GAMENET_WRITER_FREE_FLUSH_MS as u64));
        }
        Ok(())
    })
}

/// Sends one datagram on TCP connection `conn`. Non-blocking (`block` false): when the
/// queue or the connection's buffer is full, returns `GAMENET_ERR_WOULD_BLOCK` and queues
/// nothing. Blocking: waits for room, up to the send timeout. Too large for the TCP header
/// size: `GAMENET_ERR_TOO_LARGE`, nothing sent. A UDP connection: `GAMENET_ERR_WRONG_KIND`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_send(
    w: *mut gamenet_writer,
    conn: gamenet_conn,
    data: *const u8,
    len: usize,
    block: bool,
) -> gamenet_result {
    with(w, |wr| wr.send(conn, in_bytes(data, len, "data")?, block))
}

/// Sends one UDP datagram on connection `conn` to `to`, in the calling thread, with
/// Panda3D's checksum header unless raw. Above the UDP limit: `GAMENET_ERR_TOO_LARGE`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_send_to(
    w: *mut gamenet_writer,
    conn: gamenet_conn,
    to: *const super::address::gamenet_address,
    data: *const u8,
    len: usize,
    block: bool,
) -> gamenet_result {
    with(w, |wr| {
        let to = in_addr(to, "to")?;
        wr.send_to(conn, to, in_bytes(data, len, "data")?, block)
    })
}

/// The `count` datagrams packed back to back in `data`, with their lengths in `lens`.
fn packed<'a>(data: *const u8, lens: *const usize, count: usize) -> Result<Vec<&'a [u8]>> {
    let lens = super::handle::in_slice(lens, count, "lens")?;
    let total = lens.iter().try_fold(0usize, |a, &l| a.checked_add(l));
    let total = total.ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidArgument,
            "the lengths add up past SIZE_MAX",
        )
    })?;
    let bytes = in_bytes(data, total, "data")?;
    let mut at = 0;
    Ok(lens
        .iter()
        .map(|&l| {
            let p = &bytes[at..at + l];
            at += l;
            p
        })
        .collect())
}

fn finish_batch(r: Result<usize>, out_sent: &mut usize) -> Result<()> {
    match r {
        Ok(n) => {
            *out_sent = n;
            Ok(())
        }
        Err(e) => {
            *out_sent = 0;
            Err(e)
        }
    }
}

/// Sends `count` datagrams on TCP connection `conn` in one call: their bytes back to back
/// in `data`, their lengths in `lens`. Returns `GAMENET_OK` with `*out_sent` = how many
/// were queued (all of them, or fewer when the queue filled up in non-blocking mode: send
/// the rest later); an error when none could be.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_send_batch(
    w: *mut gamenet_writer,
    conn: gamenet_conn,
    data: *const u8,
    lens: *const usize,
    count: usize,
    block: bool,
    out_sent: *mut usize,
) -> gamenet_result {
    with(w, |wr| {
        let out_sent = out_ref(out_sent, "out_sent")?;
        let payloads = packed(data, lens, count)?;
        finish_batch(wr.send_batch(conn, payloads, block), out_sent)
    })
}

/// Sends `count` UDP datagrams on connection `conn` in as few system calls as the kernel
/// allows (sendmmsg): datagram `i` is `lens[i]` bytes of `data` (back to back) and goes to
/// `addrs[i]`. Returns `GAMENET_OK` with `*out_sent` = how many were sent (fewer when a
/// non-blocking send found the socket full, or a datagram failed: send the rest again);
/// an error when none was. A datagram above the UDP limit stops the batch there
/// (`GAMENET_ERR_TOO_LARGE` when it is the first).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_send_to_batch(
    w: *mut gamenet_writer,
    conn: gamenet_conn,
    addrs: *const super::address::gamenet_address,
    data: *const u8,
    lens: *const usize,
    count: usize,
    block: bool,
    out_sent: *mut usize,
) -> gamenet_result {
    with(w, |wr| {
        let out_sent = out_ref(out_sent, "out_sent")?;
        let addrs = super::handle::in_slice(addrs, count, "addrs")?;
        let payloads = packed(data, lens, count)?;
        let items = addrs
            .iter()
            .zip(payloads)
            .map(|(a, p)| Ok((a.to_socket_addr()?, p)))
            .collect::<Result<Vec<_>>>()?;
        finish_batch(wr.send_to_batch(conn, &items, block), out_sent)
    })
}

/// As `gamenet_writer_send_batch`, with the datagrams in `count` separate buffers.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_send_iov(
    w: *mut gamenet_writer,
    conn: gamenet_conn,
    bufs: *const gamenet_buffer,
    count: usize,
    block: bool,
    out_sent: *mut usize,
) -> gamenet_result {
    with(w, |wr| {
        let out_sent = out_ref(out_sent, "out_sent")?;
        let bufs = super::handle::in_slice(bufs, count, "bufs")?;
        let payloads = bufs
            .iter()
            .map(|b| in_bytes(b.data, b.len, "bufs[].data"))
            .collect::<Result<Vec<_>>>()?;
        finish_batch(wr.send_batch(conn, payloads, block), out_sent)
    })
}

/// Writes what is pending now (collect-tcp data, what sockets did not take). Never
/// blocks. With an immediate writer, call it once per frame if sends may have been left
/// over.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_flush(w: *mut gamenet_writer) -> gamenet_result {
    with(w, |wr| {
        wr.flush();
        Ok(())
    })
}

/// Writes what is queued and waits up to `timeout_ms` until nothing queued so far is left:
/// `GAMENET_OK` when every datagram was handed to the kernel or dropped with a connection
/// that closed meanwhile (each close is reported on the reset queue);
/// `GAMENET_ERR_TIMEOUT` when some are still queued (a peer that does not read);
/// `GAMENET_ERR_CLOSED` when the writer is shut down or freed, before or during the wait.
/// An immediate writer writes in this thread meanwhile. Unlike `gamenet_writer_flush`, it
/// blocks.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_flush_wait(
    w: *mut gamenet_writer,
    timeout_ms: u32,
) -> gamenet_result {
    with(w, |wr| {
        wr.flush_wait(Duration::from_millis(timeout_ms as u64))
    })
}

/// Stops accepting sends, lets what is queued leave for up to `flush_timeout_ms`, stops
/// the threads, and writes the number of datagrams that could not be sent to
/// `*out_unsent`. Never hangs. Later sends return `GAMENET_ERR_CLOSED`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_shutdown(
    w: *mut gamenet_writer,
    flush_timeout_ms: u32,
    out_unsent: *mut u64,
) -> gamenet_result {
    with(w, |wr| {
        let out = out_ref(out_unsent, "out_unsent")?;
        *out = wr.shutdown(Duration::from_millis(flush_timeout_ms as u64));
        Ok(())
    })
}

/// Bounds the queue, in datagrams (at least 1; default `GAMENET_WRITER_DEFAULT_MAX_QUEUE`).
/// Applies to writers with threads; an immediate writer has no queue.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_set_max_queue_size(
    w: *mut gamenet_writer,
    n: usize,
) -> gamenet_result {
    with(w, |wr| wr.set_max_queue_size(n))
}

/// The queue bound.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_get_max_queue_size(
    w: *mut gamenet_writer,
    out: *mut usize,
) -> gamenet_result {
    with(w, |wr| {
        *out_ref(out, "out")? = wr.max_queue_size();
        Ok(())
    })
}

/// Bounds the datagrams one connection may hold in a threaded writer's queue (at least 1;
/// default `GAMENET_WRITER_DEFAULT_MAX_QUEUE_PER_CONNECTION`), so that peers that stop
/// reading cannot fill the queue for the others: a send beyond it returns
/// `GAMENET_ERR_WOULD_BLOCK` (or waits, when blocking). Besides, every connection may queue
/// up to 256 datagrams (or its share, if smaller) even when the writer-wide queue is full.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_set_max_queue_per_connection(
    w: *mut gamenet_writer,
    n: usize,
) -> gamenet_result {
    with(w, |wr| wr.set_max_queue_per_connection(n))
}

/// The share of the queue one connection may hold.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_get_max_queue_per_connection(
    w: *mut gamenet_writer,
    out: *mut usize,
) -> gamenet_result {
    with(w, |wr| {
        *out_ref(out, "out")? = wr.max_queue_per_connection();
        Ok(())
    })
}

/// Datagrams queued and not yet handed to the kernel.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_get_current_queue_size(
    w: *mut gamenet_writer,
    out: *mut usize,
) -> gamenet_result {
    with(w, |wr| {
        *out_ref(out, "out")? = wr.current_queue_size();
        Ok(())
    })
}

/// Bounds each connection's outbound buffer, in bytes (default
/// `GAMENET_WRITER_DEFAULT_MAX_BUFFER_BYTES`): a peer that stops reading fills only this.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_set_max_buffer_bytes(
    w: *mut gamenet_writer,
    n: usize,
) -> gamenet_result {
    with(w, |wr| wr.set_max_buffer_bytes(n))
}

/// Raw mode: no TCP length header, no UDP checksum header.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_set_raw_mode(w: *mut gamenet_writer, raw: bool) -> gamenet_result {
    with(w, |wr| {
        wr.set_raw_mode(raw);
        Ok(())
    })
}

/// Whether raw mode is on.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_get_raw_mode(
    w: *mut gamenet_writer,
    out: *mut bool,
) -> gamenet_result {
    with(w, |wr| {
        *out_ref(out, "out")? = wr.framing().raw;
        Ok(())
    })
}

/// The TCP length header size: 0, 2 (default, Panda3D's) or 4 bytes, little-endian.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_set_tcp_header_size(
    w: *mut gamenet_writer,
    size: i32,
) -> gamenet_result {
    with(w, |wr| wr.set_tcp_header_size(size))
}

/// The TCP header size.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_get_tcp_header_size(
    w: *mut gamenet_writer,
    out: *mut i32,
) -> gamenet_result {
    with(w, |wr| {
        *out_ref(out, "out")? = wr.framing().header_size as i32;
        Ok(())
    })
}

/// The largest UDP payload `gamenet_writer_send_to` accepts (default 1500; at most 65507).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_set_udp_max_size(
    w: *mut gamenet_writer,
    n: usize,
) -> gamenet_result {
    with(w, |wr| wr.set_udp_max_size(n))
}

/// Writes to `*out` whether a payload of `len` bytes may be sent over UDP (Panda3D's
/// `is_valid_for_udp`). A freed or foreign writer is `GAMENET_ERR_INVALID_HANDLE`, never a
/// false answer; `*out` is written only on `GAMENET_OK`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_is_valid_for_udp(
    w: *mut gamenet_writer,
    len: usize,
    out: *mut bool,
) -> gamenet_result {
    with(w, |wr| {
        *out_ref(out, "out")? = wr.is_valid_for_udp(len);
        Ok(())
    })
}

/// Collect-tcp: with `on`, TCP datagrams are held for up to `interval_ms` (at least 1)
/// and sent together on a timer; off, each leaves at once. `gamenet_writer_flush` sends
/// held datagrams early.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_set_collect_tcp(
    w: *mut gamenet_writer,
    on: bool,
    interval_ms: u32,
) -> gamenet_result {
    with(w, |wr| {
        if on && interval_ms == 0 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "collect-tcp interval must be at least 1 ms",
            ));
        }
        wr.set_collect_tcp(on.then(|| Duration::from_millis(interval_ms as u64)))
    })
}

/// Whether collect-tcp is on, and its interval in milliseconds.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_get_collect_tcp(
    w: *mut gamenet_writer,
    out_on: *mut bool,
    out_interval_ms: *mut u32,
) -> gamenet_result {
    with(w, |wr| {
        let on = out_ref(out_on, "out_on")?;
        let ms = out_ref(out_interval_ms, "out_interval_ms")?;
        let c = wr.collect_tcp();
        *on = c.is_some();
        *ms = c.map_or(0, |d| d.as_millis().min(u32::MAX as u128) as u32);
        Ok(())
    })
}

/// How long a blocking send waits for room, in milliseconds (0: no limit, the default).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_set_send_timeout(
    w: *mut gamenet_writer,
    timeout_ms: u32,
) -> gamenet_result {
    with(w, |wr| {
        wr.set_send_timeout((timeout_ms > 0).then(|| Duration::from_millis(timeout_ms as u64)));
        Ok(())
    })
}

/// The writer's counters.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_get_stats(
    w: *mut gamenet_writer,
    out: *mut gamenet_writer_stats,
) -> gamenet_result {
    with(w, |wr| {
        let out = out_ref(out, "out")?;
        let s = wr.stats();
        *out = gamenet_writer_stats {
            datagrams_sent: s.datagrams_sent,
            bytes_sent: s.bytes_sent,
            queue_size: s.queue_size,
            would_block: s.would_block,
            send_errors: s.send_errors,
            unsent_at_shutdown: s.unsent_at_shutdown,
        };
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_defaults_match_the_core() {
        use crate::core::{reader, writer};
        assert_eq!(GAMENET_WRITER_DEFAULT_MAX_QUEUE, writer::DEFAULT_MAX_QUEUE);
        assert_eq!(
            GAMENET_WRITER_DEFAULT_MAX_QUEUE_PER_CONNECTION,
            writer::DEFAULT_MAX_QUEUE_PER_CONNECTION
        );
        assert_eq!(
            GAMENET_WRITER_DEFAULT_MAX_BUFFER_BYTES,
            writer::DEFAULT_MAX_BUFFER_BYTES
        );
        assert_eq!(GAMENET_WRITER_DEFAULT_UDP_MAX, writer::DEFAULT_UDP_MAX);
        assert_eq!(
            super::super::reader::GAMENET_READER_DEFAULT_MAX_QUEUE,
            reader::DEFAULT_MAX_QUEUE
        );
        assert_eq!(
            super::super::reader::GAMENET_READER_DEFAULT_MAX_QUEUE_PER_CONNECTION,
            reader::DEFAULT_MAX_QUEUE_PER_CONNECTION
        );
    }
}
