//! Panda3D's `DatagramIterator`: reads values back from a datagram in order. An over-read
//! is an error that does not move the iterator and never reads out of bounds. Tests are
//! with `Datagram`'s, in `datagram.rs`.

use super::error::{Error, ErrorKind, Result};

macro_rules! numeric_getters {
    ($($(#[$m:meta])* $name:ident, $be_name:ident: $t:ty;)*) => {
        $(
            $(#[$m])*
            pub fn $name(&mut self) -> Result<$t> {
                Ok(<$t>::from_le_bytes(self.take_array()?))
            }
            /// Big-endian form.
            pub fn $be_name(&mut self) -> Result<$t> {
                Ok(<$t>::from_be_bytes(self.take_array()?))
            }
        )*
    };
}

/// Reads values back from a byte slice, in order.
#[derive(Debug, Clone)]
pub struct DatagramIterator<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> DatagramIterator<'a> {
    /// An iterator at the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        DatagramIterator { data, pos: 0 }
    }

    /// An iterator at byte `pos` of `data` (at most its length).
    pub fn at(data: &'a [u8], pos: usize) -> Self {
        DatagramIterator {
            data,
            pos: pos.min(data.len()),
        }
    }

    /// The offset of the next byte to read.
    pub fn current_index(&self) -> usize {
        self.pos
    }

    /// How many bytes are left.
    pub fn remaining_size(&self) -> usize {
        self.data.len() - self.pos
    }

    /// The bytes left, without consuming them.
    pub fn remaining_bytes(&self) -> &'a [u8] {
        &self.data[self.pos..]
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining_size() {
            return Err(Error::new(
                ErrorKind::Overread,
                format!(
                    "datagram over-read: {n} bytes wanted at offset {}, {} left",
                    self.pos,
                    self.remaining_size()
                ),
            ));
        }
        let out = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    fn take_array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let bytes = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// Reads with `f`, restoring the position if it fails, so a failed call changes nothing.
    fn atomic<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let start = self.pos;
        let out = f(self);
        if out.is_err() {
            self.pos = start;
        }
        out
    }

    /// One byte; any nonzero value is true.
    pub fn get_bool(&mut self) -> Result<bool> {
        Ok(self.take(1)?[0] != 0)
    }

    /// One byte, two's complement.
    pub fn get_int8(&mut self) -> Result<i8> {
        Ok(self.take(1)?[0] as i8)
    }

    /// One byte.
    pub fn get_uint8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    numeric_getters! {
        /// Two bytes.
        get_int16, get_be_int16: i16;
        /// Four bytes.
        get_int32, get_be_int32: i32;
        /// Eight bytes.
        get_int64, get_be_int64: i64;
        /// Two bytes.
        get_uint16, get_be_uint16: u16;
        /// Four bytes.
        get_uint32, get_be_uint32: u32;
        /// Eight bytes.
        get_uint64, get_be_uint64: u64;
        /// IEEE 754 single.
        get_float32, get_be_float32: f32;
        /// IEEE 754 double.
        get_float64, get_be_float64: f64;
    }

    /// A uint16-prefixed string's bytes.
    pub fn get_string(&mut self) -> Result<&'a [u8]> {
        self.atomic(|it| {
            let n = it.get_uint16()? as usize;
            it.take(n)
        })
    }

    /// A uint32-prefixed string's bytes.
    pub fn get_string32(&mut self) -> Result<&'a [u8]> {
        self.atomic(|it| {
            let n = it.get_uint32()? as usize;
            it.take(n)
        })
    }

    /// The bytes up to a zero byte (consumed, not returned). No zero byte is an over-read.
    pub fn get_z_string(&mut self) -> Result<&'a [u8]> {
        let rest = self.remaining_bytes();
        match rest.iter().position(|&b| b == 0) {
            Some(n) => {
                self.pos += n + 1;
                Ok(&rest[..n])
            }
            None => Err(Error::new(
                ErrorKind::Overread,
                format!(
                    "datagram over-read: z-string at offset {} has no terminating zero",
                    self.pos
                ),
            )),
        }
    }

    /// `size` bytes, returned up to the first zero byte (as Panda3D does).
    pub fn get_fixed_string(&mut self, size: usize) -> Result<&'a [u8]> {
        let bytes = self.take(size)?;
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
        Ok(&bytes[..end])
    }

    /// A uint32-counted run of UTF-16 little-endian code units.
    pub fn get_wstring_units(&mut self) -> Result<Vec<u16>> {
        self.atomic(|it| {
            let n = it.get_uint32()? as usize;
            let bytes = it.take(n.checked_mul(2).ok_or_else(|| {
                Error::new(ErrorKind::Overread, "datagram over-read: wstring too long")
            })?)?;
            Ok(bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect())
        })
    }

    /// A wstring as text; unpaired surrogates are an error (nothing consumed).
    pub fn get_wstring(&mut self) -> Result<String> {
        self.atomic(|it| {
            let units = it.get_wstring_units()?;
            String::from_utf16(&units).map_err(|_| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    "wstring holds an unpaired UTF-16 surrogate",
                )
            })
        })
    }

    /// A uint16-prefixed blob.
    pub fn get_blob(&mut self) -> Result<&'a [u8]> {
        self.get_string()
    }

    /// A uint32-prefixed blob.
    pub fn get_blob32(&mut self) -> Result<&'a [u8]> {
        self.get_string32()
    }

    /// `n` raw bytes.
    pub fn extract_bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        self.take(n)
    }

    /// Skips `n` bytes.
    pub fn skip_bytes(&mut self, n: usize) -> Result<()> {
        self.take(n).map(|_| ())
    }
}
