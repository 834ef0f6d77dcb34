//! Stream framing: Panda3D's TCP length header (0, 2 or 4 bytes, little-endian, counting
//! the payload) and raw mode, peng3dnet's 4-byte big-endian length (one core datagram is
//! one peng3dnet packet), Panda's UDP checksum header, and an incremental decoder that
//! never blocks and never reserves memory for a length it has only been told about. Golden
//! vectors from the real peers are in `tests/data/`.

use super::error::{Error, ErrorKind, Result};

/// How datagrams are framed on a stream. `header_size` 0 and `raw` both mean "no framing":
/// a reader delivers whatever one read returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Framing {
    /// 0, 2 or 4.
    pub header_size: u8,
    /// Raw mode: no TCP header, no UDP checksum header.
    pub raw: bool,
    /// The length is big-endian (peng3dnet) instead of Panda3D's little-endian.
    pub big_endian: bool,
}

impl Default for Framing {
    /// Panda3D's default: a 2-byte header, not raw.
    fn default() -> Self {
        Framing::panda(2)
    }
}

/// Checks a header size given by a caller.
pub fn check_header_size(size: i32) -> Result<u8> {
    match size {
        0 | 2 | 4 => Ok(size as u8),
        _ => Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("TCP header size {size} is not 0, 2 or 4"),
        )),
    }
}

impl Framing {
    /// Panda3D's framing with a `header_size`-byte little-endian length (0, 2 or 4).
    pub const fn panda(header_size: u8) -> Self {
        Framing {
            header_size,
            raw: false,
            big_endian: false,
        }
    }

    /// peng3dnet's framing: a 4-byte big-endian length before each packet.
    pub const fn peng3dnet() -> Self {
        Framing {
            header_size: 4,
            raw: false,
            big_endian: true,
        }
    }

    /// The TCP header length actually written: 0 in raw mode.
    pub fn tcp_header_len(&self) -> usize {
        if self.raw {
            0
        } else {
            self.header_size as usize
        }
    }

    /// The largest payload one TCP frame can carry.
    pub fn max_tcp_payload(&self) -> u64 {
        match self.tcp_header_len() {
            2 => u16::MAX as u64,
            4 => u32::MAX as u64,
            _ => u64::MAX,
        }
    }

    /// Writes the TCP header for a payload of `len` bytes into `out` and returns its length;
    /// refuses a payload the header cannot describe.
    pub fn tcp_header(&self, len: usize, out: &mut [u8; 4]) -> Result<usize> {
        if len as u64 > self.max_tcp_payload() {
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!(
                    "datagram of {len} bytes does not fit a {}-byte TCP header (at most {})",
                    self.tcp_header_len(),
                    self.max_tcp_payload()
                ),
            ));
        }
        let h = self.tcp_header_len();
        match (h, self.big_endian) {
            (2, false) => out[..2].copy_from_slice(&(len as u16).to_le_bytes()),
            (2, true) => out[..2].copy_from_slice(&(len as u16).to_be_bytes()),
            (4, false) => out.copy_from_slice(&(len as u32).to_le_bytes()),
            (4, true) => out.copy_from_slice(&(len as u32).to_be_bytes()),
            _ => {}
        }
        Ok(h)
    }

    /// Appends one framed TCP datagram to `out`; nothing is appended on error.
    pub fn encode_tcp(&self, payload: &[u8], out: &mut Vec<u8>) -> Result<()> {
        self.encode_tcp_into(&[payload], out)
    }

    /// Appends `payloads` as framed TCP datagrams to `out`, reserving once; nothing is
    /// appended when one of them does not fit the header. The writer frames with this.
    pub fn encode_tcp_into(&self, payloads: &[&[u8]], out: &mut Vec<u8>) -> Result<()> {
        let mut h = [0u8; 4];
        let mut total = 0;
        for p in payloads {
            total += self.tcp_header(p.len(), &mut h)? + p.len();
        }
        out.reserve(total);
        for p in payloads {
            let n = self.tcp_header(p.len(), &mut h)?;
            out.extend_from_slice(&h[..n]);
            out.extend_from_slice(p);
        }
        Ok(())
    }

    /// The UDP header written before a payload: Panda's checksum unless raw.
    pub fn udp_header(&self, payload: &[u8]) -> Option<[u8; 2]> {
        (!self.raw).then(|| udp_checksum(payload).to_le_bytes())
    }

    /// The payload of a received UDP packet, or `None` when its checksum header is missing
    /// or wrong (Panda drops such packets too).
    pub fn decode_udp<'a>(&self, packet: &'a [u8]) -> Option<&'a [u8]> {
        if self.raw {
            return Some(packet);
        }
        if packet.len() < 2 {
            return None;
        }
        let (head, payload) = packet.split_at(2);
        (u16::from_le_bytes([head[0], head[1]]) == udp_checksum(payload)).then_some(payload)
    }
}

/// Panda3D's UDP "checksum": the sum of the payload bytes modulo 65536.
pub fn udp_checksum(payload: &[u8]) -> u16 {
    payload
        .iter()
        .fold(0u16, |acc, &b| acc.wrapping_add(b as u16))
}

/// Splits a TCP byte stream into datagrams, incrementally. Complete frames are parsed
/// straight from the input; only the bytes of an incomplete frame are kept, so an idle
/// connection holds no buffer and a claimed length reserves nothing.
#[derive(Debug)]
pub struct Decoder {
    framing: Framing,
    max_datagram: usize,
    partial: Vec<u8>,
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
            next: None,
        }
    }

    /// Takes the settings of `other` from the next datagram on: at once when no datagram
    /// is in progress, else once it is complete (it finishes with the framing it started).
    pub fn switch_to(&mut self, other: &Decoder) {
        self.next = Some((other.framing, other.max_datagram));
        if self.partial.is_empty() {
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
        self.partial.len()
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
        let have = self.partial.len() - h;
        Some((have, have + missing))
    }

    /// The bytes still missing from the frame being assembled, once its header is known.
    pub fn missing(&self) -> Option<usize> {
        let h = self.framing.tcp_header_len();
        if h == 0 || self.partial.len() < h {
            return None;
        }
        let len = self.frame_len(&self.partial[..h]).ok()?;
        Some(h + len - self.partial.len())
    }

    /// Reads the rest of a large frame straight into its buffer with `read` (no copy
    /// through a scratch buffer). The buffer holds at most four times what has arrived (and
    /// at least 64 KiB), so a peer that announces a large datagram and sends little gets
    /// little memory. Returns what `read` returned.
    pub fn read_into(
        &mut self,
        read: impl FnOnce(&mut [u8]) -> std::io::Result<usize>,
    ) -> std::io::Result<usize> {
        let missing = self.missing().unwrap_or(0);
        let have = self.partial.len();
        if self.partial.capacity() < have + missing {
            // Grow to four times what arrived (at least 64 KiB), capped at the frame: a
            // peer that announces much and sends little holds little, and a large frame
            // is reallocated (copied) only a few times on its way in.
            let target = (have + missing).min((4 * have).max(64 * 1024));
            self.partial
                .reserve_exact(target.saturating_sub(self.partial.len()));
        }
        let grow = missing.min(self.partial.capacity() - have).max(1);
        self.partial.resize(have + grow, 0);
        let r = read(&mut self.partial[have..]);
        let n = *r.as_ref().unwrap_or(&0);
        self.partial.truncate(have + n);
        r
    }

    /// The frame assembled by `read_into`, when it is complete: its buffer (header
    /// included, taken without copying) and the payload's offset in it.
    pub fn take_frame(&mut self) -> Option<(Vec<u8>, usize)> {
        if self.missing() != Some(0) {
            return None;
        }
        let h = self.framing.tcp_header_len();
        let frame = std::mem::take(&mut self.partial);
        self.apply_next();
        Some((frame, h))
    }

    /// Feeds bytes read from the stream; calls `emit` with each complete datagram, in order.
    /// An announced length above the maximum is an error (`TooLarge`): the stream is then
    /// unusable and the connection must be closed.
    pub fn feed(&mut self, mut input: &[u8], mut emit: impl FnMut(&[u8])) -> Result<()> {
        let h = self.framing.tcp_header_len();
        if h == 0 {
            if !input.is_empty() {
                emit(input);
            }
            return Ok(());
        }
        if !self.partial.is_empty() {
            if self.partial.len() < h {
                let take = (h - self.partial.len()).min(input.len());
                self.partial.extend_from_slice(&input[..take]);
                input = &input[take..];
                if self.partial.len() < h {
                    return Ok(());
                }
            }
            let len = self.frame_len(&self.partial[..h])?;
            let take = (h + len - self.partial.len()).min(input.len());
            self.partial.extend_from_slice(&input[..take]);
            input = &input[take..];
            if self.partial.len() < h + len {
                return Ok(());
            }
            emit(&self.partial[h..]);
            self.partial.clear();
            if self.partial.capacity() > KEEP_PARTIAL_CAPACITY {
                self.partial = Vec::new();
            }
            if self.apply_next() {
                // The rest is framed as the reader the connection moved to says.
                return self.feed(input, emit);
            }
        }
        while input.len() >= h {
            let len = self.frame_len(&input[..h])?;
            if input.len() < h + len {
                break;
            }
            emit(&input[h..h + len]);
            input = &input[h + len..];
        }
        self.partial.extend_from_slice(input);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAYLOAD: [u8; 6] = [0x34, 0x12, 0x02, 0x00, 0x68, 0x69];

    fn framed(header_size: u8, raw: bool) -> Vec<u8> {
        let mut out = Vec::new();
        Framing {
            raw,
            ..Framing::panda(header_size)
        }
        .encode_tcp(&PAYLOAD, &mut out)
        .unwrap();
        out
    }

    #[test]
    fn golden_tcp_frames() {
        assert_eq!(framed(2, false), [6, 0, 0x34, 0x12, 2, 0, 0x68, 0x69]);
        assert_eq!(framed(4, false), [6, 0, 0, 0, 0x34, 0x12, 2, 0, 0x68, 0x69]);
        assert_eq!(framed(0, false), PAYLOAD);
        assert_eq!(framed(2, true), PAYLOAD);
    }

    #[test]
    fn golden_udp_header() {
        let f = Framing::default();
        assert_eq!(f.udp_header(&PAYLOAD), Some([0x19, 0x01]));
        assert_eq!(f.udp_header(&[]), Some([0, 0]));
        assert_eq!(Framing { raw: true, ..f }.udp_header(&PAYLOAD), None);
        let mut pkt = vec![0x19, 0x01];
        pkt.extend_from_slice(&PAYLOAD);
        assert_eq!(f.decode_udp(&pkt), Some(&PAYLOAD[..]));
        pkt[0] ^= 1;
        assert_eq!(f.decode_udp(&pkt), None);
        assert_eq!(f.decode_udp(&PAYLOAD[..1]), None);
        assert_eq!(f.decode_udp(&[0, 0]), Some(&[][..]));
    }

    #[test]
    fn too_large_for_header_is_refused() {
        let f = Framing::default();
        let mut out = vec![1];
        let e = f.encode_tcp(&vec![0; 65536], &mut out).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TooLarge);
        assert_eq!(out, [1]);
        f.encode_tcp(&vec![0; 65535], &mut out).unwrap();
        assert_eq!(out.len(), 1 + 2 + 65535);
        assert!(check_header_size(3).is_err());
        assert_eq!(check_header_size(4).unwrap(), 4);
    }

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
                .read_into(|buf| {
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
}
