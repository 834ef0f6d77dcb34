//! The incremental stream decoder: splits a TCP byte stream into datagrams by its
//! framing, never blocks, and never reserves memory for a length it has only been told
//! about. Large frames are read in place, into buffers the reader keeps for reuse.

use super::bufpool::BufPool;
use super::error::{Error, ErrorKind, Result};
use super::framing::Framing;

/// Splits a TCP byte stream into datagrams, incrementally. Complete frames are parsed
/// straight from the input; only the bytes of an incomplete frame are kept, so an idle
/// connection holds no buffer and a claimed length reserves nothing.
#[derive(Debug)]
pub struct Decoder {
    framing: Framing,
    max_datagram: usize,
    /// The bytes of the incomplete frame are `partial[..held]`; the rest of `partial` is
    /// initialized room (a reused buffer's old bytes), written over without clearing.
    partial: Vec<u8>,
    held: usize,
    /// The framing and maximum to use once the datagram in progress is complete (a
    /// connection moved to a reader with other settings in the middle of a datagram).
    next: Option<(Framing, usize)>,
}

/// Capacity above which the partial-frame buffer is released once empty.
const KEEP_PARTIAL_CAPACITY: usize = 4096;

impl Decoder {
    /// A decoder for `framing` that refuses frames larger than `max_datagram` bytes.
    pub fn new(framing: Framing, max_datagram: usize) -> Self {
        Decoder {
            framing,
            max_datagram,
            partial: Vec::new(),
            held: 0,
            next: None,
        }
    }

    /// Takes the settings of `other` from the next datagram on: at once when no datagram
    /// is in progress, else once it is complete (it finishes with the framing it started).
    pub fn switch_to(&mut self, other: &Decoder) {
        self.next = Some((other.framing, other.max_datagram));
        if self.held == 0 {
            self.apply_next();
        }
    }

    /// Applies a pending switch; true when the framing changed.
    fn apply_next(&mut self) -> bool {
        match self.next.take() {
            Some((f, max)) => {
                let changed = f != self.framing;
                self.framing = f;
                self.max_datagram = max;
                changed
            }
            None => false,
        }
    }

    /// Bytes held for an incomplete frame.
    pub fn buffered(&self) -> usize {
        self.held
    }

    /// The bytes of memory the decoder holds.
    pub fn capacity(&self) -> usize {
        self.partial.capacity()
    }

    fn frame_len(&self, header: &[u8]) -> Result<usize> {
        let len = match (header.len(), self.framing.big_endian) {
            (2, false) => u16::from_le_bytes([header[0], header[1]]) as usize,
            (2, true) => u16::from_be_bytes([header[0], header[1]]) as usize,
            (_, false) => u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize,
            (_, true) => u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize,
        };
        if len > self.max_datagram {
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!(
                    "peer announced a datagram of {len} bytes; the maximum is {}",
                    self.max_datagram
                ),
            ));
        }
        Ok(len)
    }

    /// Of the datagram being assembled: the payload bytes received and its announced
    /// length, once its header is complete.
    pub fn progress(&self) -> Option<(usize, usize)> {
        let h = self.framing.tcp_header_len();
        let missing = self.missing()?;
        let have = self.held - h;
        Some((have, have + missing))
    }

    /// The bytes still missing from the frame being assembled, once its header is known.
    pub fn missing(&self) -> Option<usize> {
        let h = self.framing.tcp_header_len();
        if h == 0 || self.held < h {
            return None;
        }
        let len = self.frame_len(&self.partial[..h]).ok()?;
        Some(h + len - self.held)
    }

    /// Appends bytes to the incomplete frame, over the room a reused buffer has.
    fn hold(&mut self, bytes: &[u8]) {
        let end = self.held + bytes.len();
        if self.partial.len() >= end {
            self.partial[self.held..end].copy_from_slice(bytes);
        } else {
            self.partial.truncate(self.held);
            self.partial.extend_from_slice(bytes);
        }
        self.held = end;
    }

    /// Reads the rest of a large frame straight into its buffer with `read` (no copy
    /// through a scratch buffer). A buffer from `pool` that holds the whole frame is used
    /// when there is one (it costs no new memory); else the buffer holds at most four times
    /// what has arrived (and at least 64 KiB), so a peer that announces a large datagram
    /// and sends little gets little memory. Returns what `read` returned.
    pub(crate) fn read_into(
        &mut self,
        pool: &BufPool,
        read: impl FnOnce(&mut [u8]) -> std::io::Result<usize>,
    ) -> std::io::Result<usize> {
        let missing = self.missing().unwrap_or(0);
        let have = self.held;
        let frame = have + missing;
        if self.partial.capacity() < frame {
            let grown = pool.take(frame).or_else(|| {
                // Grow to four times what arrived (at least 64 KiB), capped at the frame:
                // a peer that announces much and sends little holds little, and a large
                // frame is moved only a few times on its way in.
                let target = frame.min((4 * have).max(64 * 1024));
                (target > self.partial.capacity()).then(|| vec![0; target])
            });
            if let Some(mut buf) = grown {
                if buf.len() < have {
                    buf.resize(have, 0);
                }
                buf[..have].copy_from_slice(&self.partial[..have]);
                self.partial = buf;
            }
        }
        let room = (self.partial.capacity().min(frame) - have).max(1);
        if self.partial.len() < have + room {
            // Only room never written before is cleared (a reused buffer has none).
            self.partial.resize(have + room, 0);
        }
        let r = read(&mut self.partial[have..have + room]);
        self.held += *r.as_ref().unwrap_or(&0);
        r
    }

    /// The frame assembled by `read_into`, when it is complete: its buffer (header
    /// included, taken without copying) and the payload's offset in it.
    pub fn take_frame(&mut self) -> Option<(Vec<u8>, usize)> {
        if self.missing() != Some(0) {
            return None;
        }
        let h = self.framing.tcp_header_len();
        let mut frame = std::mem::take(&mut self.partial);
        frame.truncate(self.held);
        self.held = 0;
        self.apply_next();
        Some((frame, h))
    }

    /// Empties the incomplete-frame buffer after a frame completed in it.
    fn clear(&mut self) {
        self.held = 0;
        if self.partial.capacity() > KEEP_PARTIAL_CAPACITY {
            self.partial = Vec::new();
        }
    }

    /// Feeds bytes read from the stream; calls `emit` with each complete datagram, in order.
    /// An announced length above the maximum is an error (`TooLarge`): the stream is then
    /// unusable and the connection must be closed.
    pub fn feed(&mut self, input: &[u8], mut emit: impl FnMut(&[u8])) -> Result<()> {
        self.feed_frames(input, |f| match f {
            Frame::Held(d) => emit(d),
            Frame::At(off, len) => emit(&input[off..off + len]),
        })
    }

    /// Like `feed`, but says where each datagram is: one that lies whole in `input` by its
    /// place there (so it can stay in the buffer it was read into), one completed from
    /// bytes held from earlier reads by those bytes.
    pub fn feed_frames(&mut self, input: &[u8], emit: impl FnMut(Frame<'_>)) -> Result<()> {
        self.feed_from(input, 0, emit)
    }

    fn feed_from(
        &mut self,
        input: &[u8],
        mut pos: usize,
        mut emit: impl FnMut(Frame<'_>),
    ) -> Result<()> {
        let h = self.framing.tcp_header_len();
        if h == 0 {
            if pos < input.len() {
                emit(Frame::At(pos, input.len() - pos));
            }
            return Ok(());
        }
        if self.held > 0 {
            if self.held < h {
                let take = (h - self.held).min(input.len() - pos);
                self.hold(&input[pos..pos + take]);
                pos += take;
                if self.held < h {
                    return Ok(());
                }
            }
            let len = self.frame_len(&self.partial[..h])?;
            let take = (h + len - self.held).min(input.len() - pos);
            self.hold(&input[pos..pos + take]);
            pos += take;
            if self.held < h + len {
                return Ok(());
            }
            emit(Frame::Held(&self.partial[h..self.held]));
            self.clear();
            if self.apply_next() {
                // The rest is framed as the reader the connection moved to says.
                return self.feed_from(input, pos, emit);
            }
        }
        while input.len() - pos >= h {
            let len = self.frame_len(&input[pos..pos + h])?;
            if input.len() - pos < h + len {
                break;
            }
            emit(Frame::At(pos + h, len));
            pos += h + len;
        }
        self.hold(&input[pos..]);
        Ok(())
    }
}

/// A datagram found by [`Decoder::feed_frames`].
#[derive(Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    /// Completed from bytes held from earlier input: its bytes.
    Held(&'a [u8]),
    /// Whole in this input: its offset and length there.
    At(usize, usize),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::framing::tests::{PAYLOAD, framed};

    fn decode_all(dec: &mut Decoder, chunks: &[&[u8]]) -> Result<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        for c in chunks {
            dec.feed(c, |d| out.push(d.to_vec()))?;
        }
        Ok(out)
    }

    #[test]
    fn two_frames_in_one_read_and_one_frame_byte_by_byte() {
        let mut wire = framed(2, false);
        wire.extend(framed(2, false));
        let mut dec = Decoder::new(Framing::default(), 65535);
        let got = decode_all(&mut dec, &[&wire]).unwrap();
        assert_eq!(got, vec![PAYLOAD.to_vec(), PAYLOAD.to_vec()]);
        let bytes: Vec<&[u8]> = wire.chunks(1).collect();
        let got = decode_all(&mut dec, &bytes).unwrap();
        assert_eq!(got, vec![PAYLOAD.to_vec(), PAYLOAD.to_vec()]);
        assert_eq!(dec.buffered(), 0);
    }

    #[test]
    fn every_split_of_a_stream_decodes_the_same() {
        let mut wire = Vec::new();
        let f = Framing::panda(4);
        for n in [0usize, 1, 5, 300] {
            f.encode_tcp(&vec![n as u8; n], &mut wire).unwrap();
        }
        let want = decode_all(&mut Decoder::new(f, 1000), &[&wire]).unwrap();
        assert_eq!(want.len(), 4);
        for split in 0..wire.len() {
            for split2 in split..wire.len() {
                let mut dec = Decoder::new(f, 1000);
                let got = decode_all(
                    &mut dec,
                    &[&wire[..split], &wire[split..split2], &wire[split2..]],
                )
                .unwrap();
                assert_eq!(got, want, "split at {split}/{split2}");
            }
        }
    }

    #[test]
    fn oversize_claim_fails_without_reserving() {
        let f = Framing::panda(4);
        let mut dec = Decoder::new(f, 1 << 20);
        // A 2 GiB claim: refused as soon as the header is complete.
        let e = decode_all(&mut dec, &[&[0, 0], &[0, 0x80]]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TooLarge);
        assert!(dec.capacity() < 64);
        // A claim at the limit, with few bytes: only the bytes that arrived are held.
        let mut dec = Decoder::new(f, 1 << 20);
        let mut head = (1u32 << 20).to_le_bytes().to_vec();
        head.extend_from_slice(&[1, 2, 3]);
        assert!(decode_all(&mut dec, &[&head]).unwrap().is_empty());
        assert_eq!(dec.buffered(), 7);
        assert!(dec.capacity() < 4096);
    }

    #[test]
    fn large_frames_are_read_in_place() {
        let pool = BufPool::default();
        let f = Framing::panda(4);
        let mut dec = Decoder::new(f, 1 << 20);
        let payload: Vec<u8> = (0..300_000u32).map(|i| i as u8).collect();
        let mut wire = Vec::new();
        f.encode_tcp(&payload, &mut wire).unwrap();
        // The header and a first chunk go through feed; the rest is read in place.
        dec.feed(&wire[..10], |_| unreachable!()).unwrap();
        assert_eq!(dec.missing(), Some(wire.len() - 10));
        let mut at = 10;
        while dec.take_frame().is_none() {
            let before = dec.capacity();
            let n = dec
                .read_into(&pool, |buf| {
                    let n = buf.len().min(wire.len() - at).min(100_000);
                    buf[..n].copy_from_slice(&wire[at..at + n]);
                    Ok(n)
                })
                .unwrap();
            at += n;
            // Growth follows what arrived, never the announced length at once.
            let _ = before;
            assert!(dec.capacity() <= (4 * at).max(64 * 1024) + 16);
            if at == wire.len() {
                break;
            }
        }
        let (buf, off) = dec.take_frame().unwrap();
        assert_eq!(&buf[off..], &payload[..]);
        assert_eq!(dec.buffered(), 0);
    }

    #[test]
    fn a_switch_waits_for_the_datagram_in_progress() {
        let mut dec = Decoder::new(Framing::default(), 100);
        let mut got = Vec::new();
        dec.feed(&[4, 0, b'A', b'A'], |d| got.push(d.to_vec()))
            .unwrap();
        dec.switch_to(&Decoder::new(Framing::panda(4), 100));
        dec.feed(&[b'A', b'A', 3, 0, 0, 0, b'B'], |d| got.push(d.to_vec()))
            .unwrap();
        dec.feed(b"BB", |d| got.push(d.to_vec())).unwrap();
        assert_eq!(got, vec![b"AAAA".to_vec(), b"BBB".to_vec()]);
        // With nothing in progress the switch is at once.
        dec.switch_to(&Decoder::new(Framing::peng3dnet(), 100));
        got.clear();
        dec.feed(&[0, 0, 0, 1, b'C'], |d| got.push(d.to_vec()))
            .unwrap();
        assert_eq!(got, vec![b"C".to_vec()]);
    }

    #[test]
    fn header_zero_and_raw_pass_reads_through() {
        for f in [
            Framing::panda(0),
            Framing {
                raw: true,
                ..Framing::panda(2)
            },
        ] {
            let mut dec = Decoder::new(f, 10);
            let got = decode_all(&mut dec, &[&[6, 0, 1], &[], &[2; 40]]).unwrap();
            assert_eq!(got, vec![vec![6, 0, 1], vec![2; 40]]);
        }
    }

    #[test]
    fn big_endian_length_is_read_little_endian_as_panda_does() {
        // wire.md: Panda's header-2 reader fed a big-endian length 6 sees 1536.
        let mut dec = Decoder::new(Framing::default(), 65535);
        let mut seen = Vec::new();
        dec.feed(&[0, 6, 1, 2, 3, 4, 5, 6], |d| seen.push(d.len()))
            .unwrap();
        assert!(seen.is_empty());
        assert_eq!(dec.buffered(), 8);
    }

    #[test]
    fn feed_frames_says_where_each_datagram_is() {
        let f = Framing::panda(2);
        let mut wire = Vec::new();
        for n in [3usize, 0, 5] {
            f.encode_tcp(&vec![n as u8; n], &mut wire).unwrap();
        }
        let mut dec = Decoder::new(f, 100);
        let mut seen = Vec::new();
        // The first read ends right after the third frame's header.
        dec.feed_frames(&wire[..9], |fr| seen.push(format!("{fr:?}")))
            .unwrap();
        assert_eq!(seen, ["At(2, 3)", "At(7, 0)"]);
        seen.clear();
        // The next completes it from the held bytes, then a whole frame follows in place.
        let mut next = wire[9..].to_vec();
        f.encode_tcp(b"xy", &mut next).unwrap();
        dec.feed_frames(&next, |fr| seen.push(format!("{fr:?}")))
            .unwrap();
        assert_eq!(seen, ["Held([5, 5, 5, 5, 5])", "At(7, 2)"]);
        assert_eq!(dec.buffered(), 0);
    }
}
