//! One peng3dnet packet as a core datagram: `packet_id: u32 BE | flags: u16 BE | body`. The
//! core's peng3dnet framing adds and strips the 4-byte big-endian length before it. The body
//! is msgpack, zlib-compressed (RFC 1950) when flag bit 0 is set; bit 1 (AES) was never
//! implemented by peng3dnet and is refused, as is any other flag.

use std::io::{Read, Write};

use flate2::Compression as Level;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;

use super::msgpack::{self, MsgpackError};

/// The header before the body.
pub const HEADER: usize = 6;
/// Flag bit 0: the body is zlib-compressed.
pub const FLAG_COMPRESSED: u16 = 1;
/// Flag bit 1: AES, never implemented by peng3dnet; refused.
pub const FLAG_AES: u16 = 2;
/// Bodies longer than this are compressed by default (strictly longer: peng3dnet's rule).
pub const DEFAULT_COMPRESS_THRESHOLD: usize = 8192;
/// peng3dnet's default zlib level.
pub const DEFAULT_COMPRESS_LEVEL: u32 = 6;

/// When and how hard to compress what is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compress {
    /// Bodies strictly longer than this are compressed.
    pub threshold: usize,
    /// zlib level, 0 to 9.
    pub level: u32,
}

impl Default for Compress {
    fn default() -> Self {
        Compress {
            threshold: DEFAULT_COMPRESS_THRESHOLD,
            level: DEFAULT_COMPRESS_LEVEL,
        }
    }
}

/// The core datagram for packet `pid` with the msgpack `body` (compressed when `compress`
/// says so).
pub fn encode(pid: u32, body: &[u8], compress: Option<Compress>) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + body.len());
    out.extend_from_slice(&pid.to_be_bytes());
    match compress {
        Some(c) if body.len() > c.threshold => {
            out.extend_from_slice(&FLAG_COMPRESSED.to_be_bytes());
            let mut z = ZlibEncoder::new(out, Level::new(c.level.min(9)));
            // Writing into a Vec cannot fail.
            z.write_all(body).unwrap();
            z.finish().unwrap()
        }
        _ => {
            out.extend_from_slice(&0u16.to_be_bytes());
            out.extend_from_slice(body);
            out
        }
    }
}

/// A received packet: its id and its msgpack body (decompressed, validated).
#[derive(Debug, Clone, PartialEq)]
pub struct Packet {
    pub pid: u32,
    pub flags: u16,
    pub body: Vec<u8>,
}

/// Why a received datagram is not a packet; each closes the connection with
/// [`FrameError::reason`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// Shorter than the 6-byte header.
    Short(usize),
    /// The AES flag.
    Aes,
    /// Flags peng3dnet never defined.
    UnknownFlags(u16),
    /// A compressed body that is not a zlib stream.
    Zlib(String),
    /// A compressed body that inflates past the limit (a zip bomb).
    TooLarge(usize),
    /// The body is not one msgpack value (or has a map key the Python peer refuses).
    Msgpack(MsgpackError),
}

impl FrameError {
    /// The close reason sent to the peer and reported to the engine.
    pub fn reason(&self) -> &'static str {
        match self {
            FrameError::Short(_) => "badframe",
            FrameError::Aes => "aesunsupported",
            FrameError::UnknownFlags(_) => "unknownflags",
            FrameError::Zlib(_) => "badcompression",
            FrameError::TooLarge(_) => "toolarge",
            FrameError::Msgpack(_) => "badmsgpack",
        }
    }
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::Short(n) => write!(f, "a packet of {n} bytes has no 6-byte header"),
            FrameError::Aes => f.write_str("the AES flag: peng3dnet never implemented it"),
            FrameError::UnknownFlags(x) => write!(f, "unknown flags {x:#06x}"),
            FrameError::Zlib(e) => write!(f, "a compressed body that is not zlib: {e}"),
            FrameError::TooLarge(n) => write!(f, "a compressed body inflating past {n} bytes"),
            FrameError::Msgpack(e) => write!(f, "{e}"),
        }
    }
}

/// Reads a core datagram as a packet: the header, the body inflated up to
/// `max_decompressed` bytes, then checked to be one msgpack value (with `str_keys`, map
/// keys str or bytes only).
pub fn decode(
    datagram: &[u8],
    max_decompressed: usize,
    str_keys: bool,
) -> Result<Packet, FrameError> {
    decode_owned(datagram.to_vec(), max_decompressed, str_keys)
}

/// [`decode`] of a datagram the caller gives up: an uncompressed body stays in its buffer.
pub fn decode_owned(
    mut datagram: Vec<u8>,
    max_decompressed: usize,
    str_keys: bool,
) -> Result<Packet, FrameError> {
    if datagram.len() < HEADER {
        return Err(FrameError::Short(datagram.len()));
    }
    let pid = u32::from_be_bytes(datagram[0..4].try_into().unwrap());
    let flags = u16::from_be_bytes(datagram[4..6].try_into().unwrap());
    if flags & FLAG_AES != 0 {
        return Err(FrameError::Aes);
    }
    if flags & !FLAG_COMPRESSED != 0 {
        return Err(FrameError::UnknownFlags(flags));
    }
    let body = if flags & FLAG_COMPRESSED != 0 {
        let mut out = Vec::new();
        // One byte past the limit tells "too large" from "exactly the limit".
        ZlibDecoder::new(&datagram[HEADER..])
            .take(max_decompressed as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| FrameError::Zlib(e.to_string()))?;
        if out.len() > max_decompressed {
            return Err(FrameError::TooLarge(max_decompressed));
        }
        out
    } else {
        datagram.drain(..HEADER);
        datagram
    };
    msgpack::validate(&body, str_keys).map_err(FrameError::Msgpack)?;
    Ok(Packet { pid, flags, body })
}
