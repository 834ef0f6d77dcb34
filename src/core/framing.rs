//! Stream framing: Panda3D's TCP length header (0, 2 or 4 bytes, little-endian, counting
//! the payload) and raw mode, peng3dnet's 4-byte big-endian length (one core datagram is
//! one peng3dnet packet), Panda's UDP checksum header, and an incremental decoder that
//! never blocks and never reserves memory for a length it has only been told about. Golden
//! vectors from the real peers are in `tests/data/`.

pub use super::decoder::Decoder;
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const PAYLOAD: [u8; 6] = [0x34, 0x12, 0x02, 0x00, 0x68, 0x69];

    /// `PAYLOAD` framed as a stream with `header_size` (or raw).
    pub(crate) fn framed(header_size: u8, raw: bool) -> Vec<u8> {
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
}
