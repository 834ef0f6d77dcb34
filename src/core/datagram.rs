//! Panda3D's `Datagram` and `DatagramIterator`, byte-exact (see the golden tests below and
//! `tests/data/panda3d-tcp-and-datagram.json`). No type tags; little-endian unless the
//! method says `be`. Unlike Panda3D, every failing call returns an error and changes
//! nothing: a string too long for its prefix is not appended, an over-read does not move
//! the iterator and never reads out of bounds.

use super::error::{Error, ErrorKind, Result};

/// A growable buffer of Panda3D-encoded values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Datagram {
    data: Vec<u8>,
}

fn too_large(what: &str, len: usize, max: u64) -> Error {
    Error::new(
        ErrorKind::TooLarge,
        format!("{what} of {len} bytes does not fit its length prefix (at most {max})"),
    )
}

macro_rules! numeric_adders {
    ($($(#[$m:meta])* $name:ident, $be_name:ident: $t:ty;)*) => {
        $(
            $(#[$m])*
            pub fn $name(&mut self, value: $t) {
                self.data.extend_from_slice(&value.to_le_bytes());
            }
            /// Big-endian form.
            pub fn $be_name(&mut self, value: $t) {
                self.data.extend_from_slice(&value.to_be_bytes());
            }
        )*
    };
}

impl Datagram {
    /// An empty datagram.
    pub fn new() -> Self {
        Datagram { data: Vec::new() }
    }

    /// A datagram holding a copy of `bytes`.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Datagram {
            data: bytes.to_vec(),
        }
    }

    /// The encoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// The encoded bytes, by value.
    pub fn into_bytes(self) -> Vec<u8> {
        self.data
    }

    /// The number of bytes.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the datagram is empty.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Empties the datagram, keeping its allocation.
    pub fn clear(&mut self) {
        self.data.clear();
    }

    /// `01` for true, `00` for false.
    pub fn add_bool(&mut self, value: bool) {
        self.data.push(value as u8);
    }

    /// One byte, two's complement.
    pub fn add_int8(&mut self, value: i8) {
        self.data.push(value as u8);
    }

    /// One byte.
    pub fn add_uint8(&mut self, value: u8) {
        self.data.push(value);
    }

    numeric_adders! {
        /// Two bytes.
        add_int16, add_be_int16: i16;
        /// Four bytes.
        add_int32, add_be_int32: i32;
        /// Eight bytes.
        add_int64, add_be_int64: i64;
        /// Two bytes.
        add_uint16, add_be_uint16: u16;
        /// Four bytes.
        add_uint32, add_be_uint32: u32;
        /// Eight bytes.
        add_uint64, add_be_uint64: u64;
        /// IEEE 754 single (also Panda's `add_stdfloat` in its default build).
        add_float32, add_be_float32: f32;
        /// IEEE 754 double.
        add_float64, add_be_float64: f64;
    }

    /// A uint16 length, then the bytes (Panda's `add_string`; text is UTF-8).
    pub fn add_string(&mut self, bytes: &[u8]) -> Result<()> {
        let len = u16::try_from(bytes.len())
            .map_err(|_| too_large("string", bytes.len(), u16::MAX as u64))?;
        self.add_uint16(len);
        self.data.extend_from_slice(bytes);
        Ok(())
    }

    /// A uint32 length, then the bytes.
    pub fn add_string32(&mut self, bytes: &[u8]) -> Result<()> {
        let len = u32::try_from(bytes.len())
            .map_err(|_| too_large("string", bytes.len(), u32::MAX as u64))?;
        self.add_uint32(len);
        self.data.extend_from_slice(bytes);
        Ok(())
    }

    /// The bytes, then a zero byte. Panda3D silently cuts the string at an embedded zero;
    /// gamenet refuses it instead, so nothing is lost unseen.
    pub fn add_z_string(&mut self, bytes: &[u8]) -> Result<()> {
        if let Some(pos) = bytes.iter().position(|&b| b == 0) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("z-string holds a zero byte at offset {pos}; it would be cut there"),
            ));
        }
        self.data.extend_from_slice(bytes);
        self.data.push(0);
        Ok(())
    }

    /// Exactly `size` bytes: the string cut to `size`, or padded with zero bytes. A size
    /// the memory cannot hold is an error (nothing appended), not an abort.
    pub fn add_fixed_string(&mut self, bytes: &[u8], size: usize) -> Result<()> {
        self.reserve(size)?;
        let n = bytes.len().min(size);
        self.data.extend_from_slice(&bytes[..n]);
        self.data.resize(self.data.len() + (size - n), 0);
        Ok(())
    }

    /// Makes room for `n` more bytes, or says it cannot.
    fn reserve(&mut self, n: usize) -> Result<()> {
        self.data.try_reserve(n).map_err(|_| {
            Error::new(
                ErrorKind::TooLarge,
                format!("cannot grow the datagram by {n} bytes"),
            )
        })
    }

    /// A uint32 count of UTF-16 code units, then each unit little-endian.
    pub fn add_wstring(&mut self, text: &str) -> Result<()> {
        let units: Vec<u16> = text.encode_utf16().collect();
        self.add_wstring_units(&units)
    }

    /// As [`Datagram::add_wstring`], from UTF-16 code units.
    pub fn add_wstring_units(&mut self, units: &[u16]) -> Result<()> {
        let len = u32::try_from(units.len())
            .map_err(|_| too_large("wstring", units.len(), u32::MAX as u64))?;
        self.add_uint32(len);
        self.data.reserve(units.len() * 2);
        for u in units {
            self.data.extend_from_slice(&u.to_le_bytes());
        }
        Ok(())
    }

    /// A uint16 length, then the bytes.
    pub fn add_blob(&mut self, bytes: &[u8]) -> Result<()> {
        self.add_string(bytes)
    }

    /// A uint32 length, then the bytes.
    pub fn add_blob32(&mut self, bytes: &[u8]) -> Result<()> {
        self.add_string32(bytes)
    }

    /// `n` zero bytes (an error, nothing appended, when memory cannot hold them).
    pub fn pad_bytes(&mut self, n: usize) -> Result<()> {
        self.reserve(n)?;
        self.data.resize(self.data.len() + n, 0);
        Ok(())
    }

    /// The bytes as they are, with no prefix.
    pub fn append_data(&mut self, bytes: &[u8]) {
        self.data.extend_from_slice(bytes);
    }
}

pub use super::datagram_iterator::DatagramIterator;

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn encode(f: impl FnOnce(&mut Datagram)) -> String {
        let mut d = Datagram::new();
        f(&mut d);
        hex(d.as_bytes())
    }

    #[test]
    fn every_adder_round_trips() {
        let mut d = Datagram::new();
        d.add_bool(true);
        d.add_int8(-2);
        d.add_uint8(200);
        d.add_int16(-300);
        d.add_be_int16(-300);
        d.add_int32(-70000);
        d.add_be_int32(-70000);
        d.add_int64(-1 << 40);
        d.add_be_int64(-1 << 40);
        d.add_uint16(0xfffe);
        d.add_be_uint16(0xfffe);
        d.add_uint32(0xdead_beef);
        d.add_be_uint32(0xdead_beef);
        d.add_uint64(u64::MAX - 1);
        d.add_be_uint64(u64::MAX - 1);
        d.add_float32(-0.25);
        d.add_be_float32(-0.25);
        d.add_float64(1e300);
        d.add_be_float64(1e300);
        d.add_string(b"hi").unwrap();
        d.add_string32(b"there").unwrap();
        d.add_z_string(b"z").unwrap();
        d.add_fixed_string(b"abc", 5).unwrap();
        d.add_wstring("h\u{e9}\u{1F600}").unwrap();
        d.add_blob(&[0, 255]).unwrap();
        d.add_blob32(&[1]).unwrap();
        d.pad_bytes(3).unwrap();
        d.append_data(b"!");

        let mut it = DatagramIterator::new(d.as_bytes());
        assert!(it.get_bool().unwrap());
        assert_eq!(it.get_int8().unwrap(), -2);
        assert_eq!(it.get_uint8().unwrap(), 200);
        assert_eq!(it.get_int16().unwrap(), -300);
        assert_eq!(it.get_be_int16().unwrap(), -300);
        assert_eq!(it.get_int32().unwrap(), -70000);
        assert_eq!(it.get_be_int32().unwrap(), -70000);
        assert_eq!(it.get_int64().unwrap(), -1 << 40);
        assert_eq!(it.get_be_int64().unwrap(), -1 << 40);
        assert_eq!(it.get_uint16().unwrap(), 0xfffe);
        assert_eq!(it.get_be_uint16().unwrap(), 0xfffe);
        assert_eq!(it.get_uint32().unwrap(), 0xdead_beef);
        assert_eq!(it.get_be_uint32().unwrap(), 0xdead_beef);
        assert_eq!(it.get_uint64().unwrap(), u64::MAX - 1);
        assert_eq!(it.get_be_uint64().unwrap(), u64::MAX - 1);
        assert_eq!(it.get_float32().unwrap(), -0.25);
        assert_eq!(it.get_be_float32().unwrap(), -0.25);
        assert_eq!(it.get_float64().unwrap(), 1e300);
        assert_eq!(it.get_be_float64().unwrap(), 1e300);
        assert_eq!(it.get_string().unwrap(), b"hi");
        assert_eq!(it.get_string32().unwrap(), b"there");
        assert_eq!(it.get_z_string().unwrap(), b"z");
        assert_eq!(it.get_fixed_string(5).unwrap(), b"abc");
        assert_eq!(it.get_wstring().unwrap(), "h\u{e9}\u{1F600}");
        assert_eq!(it.get_blob().unwrap(), &[0, 255]);
        assert_eq!(it.get_blob32().unwrap(), &[1]);
        it.skip_bytes(3).unwrap();
        assert_eq!(it.remaining_bytes(), b"!");
        assert_eq!(it.extract_bytes(1).unwrap(), b"!");
        assert_eq!(it.remaining_size(), 0);
        assert_eq!(it.current_index(), d.len());
    }

    #[test]
    fn over_reads_fail_and_change_nothing() {
        let bytes = [0x05, 0x01, b'a', b'b'];
        let mut it = DatagramIterator::new(&bytes);
        assert_eq!(it.get_string().unwrap_err().kind(), ErrorKind::Overread);
        assert_eq!(it.current_index(), 0);
        assert_eq!(it.get_uint64().unwrap_err().kind(), ErrorKind::Overread);
        assert_eq!(it.get_string32().unwrap_err().kind(), ErrorKind::Overread);
        assert_eq!(it.get_wstring().unwrap_err().kind(), ErrorKind::Overread);
        assert_eq!(it.get_z_string().unwrap_err().kind(), ErrorKind::Overread);
        assert_eq!(
            it.get_fixed_string(5).unwrap_err().kind(),
            ErrorKind::Overread
        );
        assert_eq!(it.skip_bytes(5).unwrap_err().kind(), ErrorKind::Overread);
        assert_eq!(it.current_index(), 0);
        assert_eq!(it.get_uint32().unwrap(), 0x6261_0105);
        assert_eq!(it.get_bool().unwrap_err().kind(), ErrorKind::Overread);
        // A huge wstring count does not overflow or allocate.
        let huge = [0xff, 0xff, 0xff, 0xff];
        let mut it = DatagramIterator::new(&huge);
        assert_eq!(
            it.get_wstring_units().unwrap_err().kind(),
            ErrorKind::Overread
        );
        assert_eq!(it.current_index(), 0);
    }

    #[test]
    fn too_long_strings_append_nothing() {
        let mut d = Datagram::new();
        d.add_uint8(9);
        let long = vec![b'x'; 70_000];
        assert_eq!(d.add_string(&long).unwrap_err().kind(), ErrorKind::TooLarge);
        assert_eq!(d.add_blob(&long).unwrap_err().kind(), ErrorKind::TooLarge);
        assert_eq!(
            d.add_z_string(b"a\0b").unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        assert_eq!(d.as_bytes(), &[9]);
        d.add_string(&long[..65535]).unwrap();
        assert_eq!(d.len(), 1 + 2 + 65535);
        // Sizes no memory can hold are errors, not aborts.
        assert_eq!(
            d.pad_bytes(usize::MAX / 2).unwrap_err().kind(),
            ErrorKind::TooLarge
        );
        assert_eq!(
            d.add_fixed_string(b"x", usize::MAX / 2).unwrap_err().kind(),
            ErrorKind::TooLarge
        );
        assert_eq!(d.len(), 1 + 2 + 65535);
    }

    #[test]
    fn bad_wstring_is_refused_without_moving() {
        let mut d = Datagram::new();
        d.add_wstring_units(&[0xd800]).unwrap();
        let mut it = DatagramIterator::new(d.as_bytes());
        assert_eq!(
            it.get_wstring().unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        assert_eq!(it.current_index(), 0);
        assert_eq!(it.get_wstring_units().unwrap(), vec![0xd800]);
    }

    /// The encodings of `tests/data/panda3d-tcp-and-datagram.json`, measured on Panda3D.
    #[test]
    fn golden_encodings() {
        assert_eq!(encode(|d| d.add_int8(-2)), "fe");
        assert_eq!(encode(|d| d.add_uint16(0x1234)), "34 12");
        assert_eq!(encode(|d| d.add_be_uint16(0x1234)), "12 34");
        assert_eq!(encode(|d| d.add_int32(-2)), "fe ff ff ff");
        assert_eq!(encode(|d| d.add_uint32(0x12345678)), "78 56 34 12");
        assert_eq!(encode(|d| d.add_be_uint32(0x12345678)), "12 34 56 78");
        assert_eq!(
            encode(|d| d.add_uint64(0x0102030405060708)),
            "08 07 06 05 04 03 02 01"
        );
        assert_eq!(
            encode(|d| d.add_be_uint64(0x0102030405060708)),
            "01 02 03 04 05 06 07 08"
        );
        assert_eq!(encode(|d| d.add_float32(1.5)), "00 00 c0 3f");
        assert_eq!(encode(|d| d.add_be_float32(1.5)), "3f c0 00 00");
        assert_eq!(encode(|d| d.add_float64(1.5)), "00 00 00 00 00 00 f8 3f");
        assert_eq!(encode(|d| d.add_bool(true)), "01");
        assert_eq!(encode(|d| d.add_string(b"hi").unwrap()), "02 00 68 69");
        assert_eq!(
            encode(|d| d.add_string32(b"hi").unwrap()),
            "02 00 00 00 68 69"
        );
        assert_eq!(encode(|d| d.add_z_string(b"hi").unwrap()), "68 69 00");
        assert_eq!(
            encode(|d| d.add_fixed_string(b"hi", 4).unwrap()),
            "68 69 00 00"
        );
        assert_eq!(
            encode(|d| d.add_fixed_string(b"hello", 3).unwrap()),
            "68 65 6c"
        );
        assert_eq!(
            encode(|d| d.add_wstring("hi").unwrap()),
            "02 00 00 00 68 00 69 00"
        );
        assert_eq!(
            encode(|d| d.add_wstring("\u{e9}").unwrap()),
            "01 00 00 00 e9 00"
        );
        assert_eq!(
            encode(|d| d.add_string("\u{e9}".as_bytes()).unwrap()),
            "02 00 c3 a9"
        );
        assert_eq!(encode(|d| d.add_blob(&[0, 0xff]).unwrap()), "02 00 00 ff");
        assert_eq!(
            encode(|d| d.add_blob32(&[0, 0xff]).unwrap()),
            "02 00 00 00 00 ff"
        );
        // The payload of the framing vectors: add_uint16(0x1234) + add_string("hi").
        assert_eq!(
            encode(|d| {
                d.add_uint16(0x1234);
                d.add_string(b"hi").unwrap();
            }),
            "34 12 02 00 68 69"
        );
    }
}
