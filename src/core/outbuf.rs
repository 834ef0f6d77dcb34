//! The outbound buffer of one TCP connection, shared by every writer that sends on it.
//!
//! Senders append framed datagrams under a short lock; one flusher at a time takes the whole
//! buffer and writes it with as few system calls as the socket allows (coalescing), with the
//! lock released during the write. Bytes the socket does not take wait in `stalled` and
//! leave first on the next flush, so a connection's datagrams leave in the order they were
//! appended whichever thread flushes. Datagram counts are credited back to the writer that
//! queued them when their bytes have been handed to the kernel.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// What a flush achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flushed {
    /// Everything appended so far has been handed to the kernel.
    Done,
    /// The socket is full; the rest waits for writability.
    WouldBlock,
    /// Another thread is flushing; it will write what was appended.
    Busy,
}

/// Datagrams queued by one writer, counted down when their bytes are written.
pub(crate) type Credit = Arc<AtomicUsize>;

#[derive(Default)]
struct Chunk {
    bytes: Vec<u8>,
    off: usize,
    frames: u64,
    credits: Vec<(Credit, usize)>,
}

impl Chunk {
    fn release(&mut self) {
        for (c, n) in self.credits.drain(..) {
            c.fetch_sub(n, Ordering::AcqRel);
        }
    }
}

impl Drop for Chunk {
    /// A chunk dropped for any reason returns its credits: a writer's queue count can
    /// never keep datagrams that no longer exist.
    fn drop(&mut self) {
        self.release();
    }
}

#[derive(Default)]
struct State {
    open: Chunk,
    stalled: Option<Chunk>,
    /// Emptied buffers kept for reuse: while one is being written, the next fills.
    spares: Vec<Vec<u8>>,
    writing: bool,
    /// Discarded (the connection closed): nothing is appended or written any more, and a
    /// chunk that comes back from a write in flight is dropped, returning its credits.
    discarded: bool,
}

/// See the module documentation.
#[derive(Default)]
pub struct OutBuf {
    state: Mutex<State>,
    /// Bytes appended and not yet written, readable without the lock.
    pending: AtomicUsize,
    /// Datagrams appended and not yet written (each chunk's frames leave it once: written
    /// or dropped), readable without the lock: what the connection holds of the writers'
    /// queues.
    frames: AtomicUsize,
}

impl std::fmt::Debug for OutBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutBuf")
            .field("pending", &self.pending_bytes())
            .finish()
    }
}

/// Largest buffer kept for reuse after a flush (reallocating a large buffer for every chunk
/// costs page faults that show in bulk transfers).
const KEEP_SPARE: usize = 8 << 20;
/// How many emptied buffers a connection keeps.
const KEEP_SPARES: usize = 2;

impl OutBuf {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Bytes waiting to be written.
    pub fn pending_bytes(&self) -> usize {
        self.pending.load(Ordering::Acquire)
    }

    /// Datagrams waiting to be written (from every writer).
    pub fn pending_frames(&self) -> usize {
        self.frames.load(Ordering::Acquire)
    }

    fn frames_left(&self, chunk: &Chunk) {
        self.frames
            .fetch_sub(chunk.frames as usize, Ordering::AcqRel);
    }

    /// Appends what `write` puts into the buffer as `frames` datagrams credited to `credit`,
    /// unless that would take the pending bytes above `limit` (then `write` is not called
    /// and `false` is returned). `write` must append all or nothing. A discarded buffer
    /// refuses with `Closed`.
    pub(crate) fn append(
        &self,
        limit: usize,
        extra: usize,
        frames: usize,
        credit: Option<&Credit>,
        write: impl FnOnce(&mut Vec<u8>) -> crate::core::error::Result<()>,
    ) -> crate::core::error::Result<bool> {
        let mut st = self.lock();
        if st.discarded {
            return Err(crate::core::error::Error::new(
                crate::core::error::ErrorKind::Closed,
                "the connection is closed",
            ));
        }
        let pending = self.pending.load(Ordering::Acquire);
        // An empty buffer always takes one datagram, however large, so that a datagram
        // bigger than the limit is not refused forever.
        if pending > 0 && pending + extra > limit {
            return Ok(false);
        }
        let before = st.open.bytes.len();
        write(&mut st.open.bytes)?;
        let added = st.open.bytes.len() - before;
        st.open.frames += frames as u64;
        self.frames.fetch_add(frames, Ordering::AcqRel);
        if let Some(c) = credit {
            c.fetch_add(frames, Ordering::AcqRel);
            match st.open.credits.last_mut() {
                Some((last, n)) if Arc::ptr_eq(last, c) => *n += frames,
                _ => st.open.credits.push((c.clone(), frames)),
            }
        }
        self.pending.fetch_add(added, Ordering::AcqRel);
        Ok(true)
    }

    /// Writes one large datagram (`header` then `payload`) straight from the caller's memory
    /// with `send`, when nothing is queued or being written (so order holds); what the
    /// socket does not take is queued first in line. `None` when the buffer is busy: the
    /// caller appends as usual. With the outcome, the bytes the socket took in this call
    /// (the queued rest is counted when it is written).
    pub(crate) fn write_through(
        &self,
        header: &[u8],
        payload: &[u8],
        credit: &Credit,
        mut send: impl FnMut(&[io::IoSlice<'_>]) -> io::Result<usize>,
    ) -> Option<io::Result<(Flushed, usize)>> {
        {
            let mut st = self.lock();
            if st.discarded {
                return Some(Err(io::Error::new(
                    io::ErrorKind::NotConnected,
                    "the connection is closed",
                )));
            }
            if st.writing || st.stalled.is_some() || !st.open.bytes.is_empty() {
                return None;
            }
            st.writing = true;
        }
        let total = header.len() + payload.len();
        let mut done = 0;
        let result = loop {
            if done == total {
                break Ok(());
            }
            let (h, p) = if done < header.len() {
                (&header[done..], payload)
            } else {
                (&[][..], &payload[done - header.len()..])
            };
            match send(&[io::IoSlice::new(h), io::IoSlice::new(p)]) {
                Ok(0) => {
                    break Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "socket took 0 bytes",
                    ));
                }
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        let mut st = self.lock();
        st.writing = false;
        let rest = |st: &mut State| {
            let mut bytes = Vec::with_capacity(total - done);
            let hd = done.min(header.len());
            bytes.extend_from_slice(&header[hd..]);
            bytes.extend_from_slice(&payload[done.saturating_sub(header.len())..]);
            credit.fetch_add(1, Ordering::AcqRel);
            self.frames.fetch_add(1, Ordering::AcqRel);
            self.pending.fetch_add(bytes.len(), Ordering::AcqRel);
            st.stalled = Some(Chunk {
                bytes,
                off: 0,
                frames: 1,
                credits: vec![(credit.clone(), 1)],
            });
        };
        Some(match result {
            Ok(()) => Ok((Flushed::Done, done)),
            // Closed while writing: the rest has nowhere to go.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && st.discarded => {
                Ok((Flushed::Done, done))
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                rest(&mut st);
                Ok((Flushed::WouldBlock, done))
            }
            Err(e) => Err(e),
        })
    }

    /// Writes pending bytes with `send` until everything is written, the socket would
    /// block, or `send` fails. `on_written(frames, bytes)` is called for each chunk that
    /// was written completely.
    pub fn flush(
        &self,
        mut send: impl FnMut(&[u8]) -> io::Result<usize>,
        mut on_written: impl FnMut(u64, usize),
    ) -> io::Result<Flushed> {
        loop {
            let mut chunk = {
                let mut st = self.lock();
                if st.writing {
                    return Ok(Flushed::Busy);
                }
                if st.discarded {
                    return Ok(Flushed::Done);
                }
                // Taking the chunk and claiming the writer role happen under one lock, so
                // no other flusher can overtake this chunk.
                let taken = if let Some(c) = st.stalled.take() {
                    c
                } else if !st.open.bytes.is_empty() {
                    let spare = st.spares.pop().unwrap_or_default();
                    let open = std::mem::take(&mut st.open);
                    st.open.bytes = spare;
                    open
                } else {
                    return Ok(Flushed::Done);
                };
                st.writing = true;
                taken
            };
            let mut result = Ok(());
            while chunk.off < chunk.bytes.len() {
                match send(&chunk.bytes[chunk.off..]) {
                    Ok(0) => {
                        result = Err(io::Error::new(
                            io::ErrorKind::WriteZero,
                            "socket took 0 bytes",
                        ));
                        break;
                    }
                    Ok(n) => {
                        chunk.off += n;
                        self.pending.fetch_sub(n, Ordering::AcqRel);
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
            }
            let mut st = self.lock();
            st.writing = false;
            if st.discarded {
                // Closed during the write: whatever is left is dropped with its credits.
                if result.is_ok() {
                    on_written(chunk.frames, chunk.bytes.len());
                }
                self.frames_left(&chunk);
                drop(chunk);
                self.pending.store(0, Ordering::Release);
                return Ok(Flushed::Done);
            }
            match result {
                Ok(()) => {
                    on_written(chunk.frames, chunk.bytes.len());
                    self.frames_left(&chunk);
                    chunk.release();
                    let mut bytes = std::mem::take(&mut chunk.bytes);
                    bytes.clear();
                    if bytes.capacity() <= KEEP_SPARE && st.spares.len() < KEEP_SPARES {
                        st.spares.push(bytes);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    st.stalled = Some(chunk);
                    return Ok(Flushed::WouldBlock);
                }
                Err(e) => {
                    st.stalled = Some(chunk);
                    return Err(e);
                }
            }
        }
    }

    /// Drops everything pending (the connection closed) and refuses more; returns the
    /// datagrams dropped. A write in flight drops its chunk when it returns.
    pub fn discard(&self) -> u64 {
        let mut st = self.lock();
        st.discarded = true;
        let mut dropped = 0;
        if let Some(mut c) = st.stalled.take() {
            dropped += c.frames;
            self.frames_left(&c);
            c.release();
        }
        let mut open = std::mem::take(&mut st.open);
        dropped += open.frames;
        self.frames_left(&open);
        open.release();
        self.pending.store(0, Ordering::Release);
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn append(b: &OutBuf, data: &[u8], credit: &Credit) -> bool {
        b.append(1 << 20, data.len(), 1, Some(credit), |v| {
            v.extend_from_slice(data);
            Ok(())
        })
        .unwrap()
    }

    #[test]
    fn coalesces_and_credits_back() {
        let b = OutBuf::default();
        let credit: Credit = Arc::default();
        for i in 0..10u8 {
            assert!(append(&b, &[i; 3], &credit));
        }
        assert_eq!(credit.load(Ordering::Acquire), 10);
        assert_eq!(b.pending_bytes(), 30);
        assert_eq!(b.pending_frames(), 10);
        let mut writes = Vec::new();
        let mut done = (0, 0);
        let r = b
            .flush(
                |bytes| {
                    writes.push(bytes.to_vec());
                    Ok(bytes.len())
                },
                |f, n| done = (f, n),
            )
            .unwrap();
        assert_eq!(r, Flushed::Done);
        assert_eq!(writes.len(), 1, "one write for ten datagrams");
        assert_eq!(b.pending_frames(), 0);
        assert_eq!(done, (10, 30));
        assert_eq!(credit.load(Ordering::Acquire), 0);
        assert_eq!(b.pending_bytes(), 0);
    }

    #[test]
    fn partial_writes_keep_order_and_limit_applies() {
        let b = OutBuf::default();
        let credit: Credit = Arc::default();
        assert!(append(&b, b"abcdef", &credit));
        // The socket takes 4 bytes, then would block.
        let mut budget = 4;
        let r = b
            .flush(
                |bytes| {
                    if budget == 0 {
                        return Err(io::ErrorKind::WouldBlock.into());
                    }
                    let n = bytes.len().min(budget);
                    budget -= n;
                    Ok(n)
                },
                |_, _| {},
            )
            .unwrap();
        assert_eq!(r, Flushed::WouldBlock);
        assert_eq!(b.pending_bytes(), 2);
        assert!(append(&b, b"gh", &credit));
        // Over the limit: refused, nothing appended.
        assert!(
            !b.append(5, 2, 1, Some(&credit), |_| unreachable!())
                .unwrap()
        );
        let mut out = Vec::new();
        b.flush(
            |bytes| {
                out.extend_from_slice(bytes);
                Ok(bytes.len())
            },
            |_, _| {},
        )
        .unwrap();
        assert_eq!(out, b"efgh");
        assert_eq!(credit.load(Ordering::Acquire), 0);
    }

    #[test]
    fn a_close_during_a_write_returns_its_credits() {
        let b = OutBuf::default();
        let credit: Credit = Arc::default();
        append(&b, b"abcdef", &credit);
        // The connection closes while the flusher is inside the socket call.
        let r = b
            .flush(
                |bytes| {
                    b.discard();
                    Ok(bytes.len() / 2)
                },
                |_, _| {},
            )
            .unwrap();
        assert_eq!(r, Flushed::Done);
        assert_eq!(credit.load(Ordering::Acquire), 0);
        assert_eq!(b.pending_bytes(), 0);
        assert_eq!(b.pending_frames(), 0);
        // And nothing is taken after the close.
        let e = b.append(1 << 20, 1, 1, Some(&credit), |_| unreachable!());
        assert!(e.is_err());
        assert_eq!(credit.load(Ordering::Acquire), 0);
    }

    #[test]
    fn discard_returns_credits() {
        let b = OutBuf::default();
        let credit: Credit = Arc::default();
        append(&b, b"x", &credit);
        append(&b, b"y", &credit);
        assert_eq!(b.discard(), 2);
        assert_eq!(credit.load(Ordering::Acquire), 0);
        assert_eq!(b.pending_bytes(), 0);
    }
}
