//! msgpack, as peng3dnet's Python peer speaks it (msgpack-python 1.x defaults: str is
//! UTF-8, bytes are bin, floats are float64, map keys are str or bytes): a [`Value`] tree,
//! its encoder (on `rmp::encode`), and a strict reader that walks exactly one value, never
//! past the end, with a depth limit, so that a malformed body is refused before it reaches
//! the engine.
//!
//! The reader is written over `rmp::Marker` rather than `rmp::decode`'s functions because
//! it must both check every length against the bytes left (a claimed 4 GiB string in a
//! 20-byte body is an error, not an allocation) and skip values without building them.

use rmp::Marker;

/// How deep arrays and maps may nest in a received value. Lower than the Python peer's 1024
/// on purpose: the reader recurses, and a peer must not be able to exhaust the stack of
/// the engine's thread (which may be small) with a deep body.
pub const MAX_DEPTH: usize = 128;

/// A msgpack value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Nil,
    Bool(bool),
    /// Integers that fit an i64 (negative or not).
    Int(i64),
    /// Integers above i64::MAX.
    UInt(u64),
    F32(f32),
    F64(f64),
    Str(String),
    Bin(Vec<u8>),
    Array(Vec<Value>),
    /// Entries in their order on the wire.
    Map(Vec<(Value, Value)>),
    Ext(i8, Vec<u8>),
}

impl Value {
    /// A map from (str key, value) pairs.
    pub fn map<I: IntoIterator<Item = (&'static str, Value)>>(entries: I) -> Value {
        Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (Value::Str(k.to_string()), v))
                .collect(),
        )
    }

    /// The entry of a map under the str key `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| matches!(k, Value::Str(s) if s == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value as a str.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as an integer, if it is one that fits an i64.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::UInt(u) => i64::try_from(*u).ok(),
            _ => None,
        }
    }

    /// The msgpack bytes of this value.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut Vec<u8>) {
        use rmp::encode as e;
        // Writing into a Vec cannot fail.
        match self {
            Value::Nil => e::write_nil(out).unwrap(),
            Value::Bool(b) => e::write_bool(out, *b).unwrap(),
            Value::Int(i) => {
                e::write_sint(out, *i).unwrap();
            }
            Value::UInt(u) => {
                e::write_uint(out, *u).unwrap();
            }
            Value::F32(f) => e::write_f32(out, *f).unwrap(),
            Value::F64(f) => e::write_f64(out, *f).unwrap(),
            Value::Str(s) => e::write_str(out, s).unwrap(),
            Value::Bin(b) => e::write_bin(out, b).unwrap(),
            Value::Array(items) => {
                e::write_array_len(out, items.len() as u32).unwrap();
                for v in items {
                    v.write(out);
                }
            }
            Value::Map(entries) => {
                e::write_map_len(out, entries.len() as u32).unwrap();
                for (k, v) in entries {
                    k.write(out);
                    v.write(out);
                }
            }
            Value::Ext(ty, data) => {
                e::write_ext_meta(out, data.len() as u32, *ty).unwrap();
                out.extend_from_slice(data);
            }
        }
    }
}

/// Why a body is not one well-formed msgpack value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsgpackError(pub String);

impl std::fmt::Display for MsgpackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Sets `key` in a map's entries: replaces the entry of that name, or appends one.
pub fn set_entry(entries: &mut Vec<(Value, Value)>, key: &str, value: Value) {
    match entries.iter_mut().find(|(k, _)| k.as_str() == Some(key)) {
        Some(entry) => entry.1 = value,
        None => entries.push((Value::Str(key.to_string()), value)),
    }
}

/// Checks that `bytes` is exactly one msgpack value (with `str_keys`, every map key a str
/// or bin, as the Python peer requires).
pub fn validate(bytes: &[u8], str_keys: bool) -> Result<(), MsgpackError> {
    let mut r = Reader::new(bytes, str_keys);
    r.skip(0)?;
    r.finish()
}

/// The length of the msgpack value at the start of `bytes` (checked as `validate` checks,
/// without the str-key rule; what follows it is not looked at).
pub fn first_len(bytes: &[u8]) -> Result<usize, MsgpackError> {
    let mut r = Reader::new(bytes, false);
    r.skip(0)?;
    Ok(r.at)
}

/// [`validate`] with nesting limited to `max_depth` (at most [`MAX_DEPTH`]): for a value
/// that will be nested in another (a ping query, which comes back inside the answer).
pub fn validate_nested(bytes: &[u8], str_keys: bool, max_depth: usize) -> Result<(), MsgpackError> {
    let mut r = Reader::new(bytes, str_keys);
    r.max_depth = max_depth.min(MAX_DEPTH);
    r.skip(0)?;
    r.finish()
}

/// Reads `bytes` as exactly one msgpack value.
pub fn decode(bytes: &[u8], str_keys: bool) -> Result<Value, MsgpackError> {
    let mut r = Reader::new(bytes, str_keys);
    let v = r.value(0, true)?;
    r.finish()?;
    Ok(v)
}

struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
    str_keys: bool,
    max_depth: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8], str_keys: bool) -> Self {
        Reader {
            buf,
            at: 0,
            str_keys,
            max_depth: MAX_DEPTH,
        }
    }

    fn err<T>(&self, what: impl std::fmt::Display) -> Result<T, MsgpackError> {
        Err(MsgpackError(format!(
            "malformed msgpack at byte {}: {what}",
            self.at
        )))
    }

    fn finish(&self) -> Result<(), MsgpackError> {
        if self.at != self.buf.len() {
            return self.err(format!(
                "{} bytes after the value",
                self.buf.len() - self.at
            ));
        }
        Ok(())
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], MsgpackError> {
        if self.buf.len() - self.at < n {
            return self.err(format!(
                "{n} bytes claimed, {} left",
                self.buf.len() - self.at
            ));
        }
        let s = &self.buf[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }

    fn be(&mut self, n: usize) -> Result<u64, MsgpackError> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    /// Checks the next value and moves past it, building nothing: what every message body
    /// sent and received goes through, so it stays on the fast path (one match per item,
    /// the rules `value` applies).
    fn skip(&mut self, depth: usize) -> Result<(), MsgpackError> {
        if depth > self.max_depth {
            return self.err(format!("nested deeper than {}", self.max_depth));
        }
        let byte = self.take(1)?[0];
        let n = match byte {
            0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => return Ok(()),
            0xcc | 0xd0 => return self.take(1).map(drop),
            0xcd | 0xd1 => return self.take(2).map(drop),
            0xce | 0xd2 | 0xca => return self.take(4).map(drop),
            0xcf | 0xd3 | 0xcb => return self.take(8).map(drop),
            0xa0..=0xbf => return self.skip_str(usize::from(byte & 0x1f)),
            0xd9 => {
                let n = self.be(1)? as usize;
                return self.skip_str(n);
            }
            0xda => {
                let n = self.be(2)? as usize;
                return self.skip_str(n);
            }
            0xdb => {
                let n = self.be(4)? as usize;
                return self.skip_str(n);
            }
            0xc4 => self.be(1)? as usize,
            0xc5 => self.be(2)? as usize,
            0xc6 => self.be(4)? as usize,
            0xd4 => 2,
            0xd5 => 3,
            0xd6 => 5,
            0xd7 => 9,
            0xd8 => 17,
            0xc7 => self.be(1)? as usize + 1,
            0xc8 => self.be(2)? as usize + 1,
            0xc9 => self.be(4)? as usize + 1,
            0x90..=0x9f => return self.skip_array(usize::from(byte & 0x0f), depth),
            0xdc => {
                let n = self.be(2)? as usize;
                return self.skip_array(n, depth);
            }
            0xdd => {
                let n = self.be(4)? as usize;
                return self.skip_array(n, depth);
            }
            0x80..=0x8f => return self.skip_map(usize::from(byte & 0x0f), depth),
            0xde => {
                let n = self.be(2)? as usize;
                return self.skip_map(n, depth);
            }
            0xdf => {
                let n = self.be(4)? as usize;
                return self.skip_map(n, depth);
            }
            0xc1 => return self.err("the reserved byte 0xc1"),
        };
        self.take(n).map(drop)
    }

    fn skip_str(&mut self, n: usize) -> Result<(), MsgpackError> {
        let data = self.take(n)?;
        if !data.is_ascii() && std::str::from_utf8(data).is_err() {
            return self.err("a str that is not UTF-8");
        }
        Ok(())
    }

    fn skip_array(&mut self, n: usize, depth: usize) -> Result<(), MsgpackError> {
        if n > self.buf.len() - self.at {
            return self.err(format!("an array of {n} claimed"));
        }
        for _ in 0..n {
            self.skip(depth + 1)?;
        }
        Ok(())
    }

    fn skip_map(&mut self, n: usize, depth: usize) -> Result<(), MsgpackError> {
        if n.saturating_mul(2) > self.buf.len() - self.at {
            return self.err(format!("a map of {n} entries claimed"));
        }
        for _ in 0..n {
            let key_at = self.at;
            self.skip(depth + 1)?;
            if self.str_keys && !matches!(self.buf[key_at], 0xa0..=0xbf | 0xd9..=0xdb | 0xc4..=0xc6)
            {
                self.at = key_at;
                return self.err("a map key that is not str or bytes (the Python peer refuses it)");
            }
            self.skip(depth + 1)?;
        }
        Ok(())
    }

    fn value(&mut self, depth: usize, build: bool) -> Result<Value, MsgpackError> {
        if depth > self.max_depth {
            return self.err(format!("nested deeper than {}", self.max_depth));
        }
        let byte = self.take(1)?[0];
        Ok(match Marker::from_u8(byte) {
            Marker::FixPos(n) => Value::Int(i64::from(n)),
            Marker::FixNeg(n) => Value::Int(i64::from(n)),
            Marker::Null => Value::Nil,
            Marker::True => Value::Bool(true),
            Marker::False => Value::Bool(false),
            Marker::U8 => Value::Int(self.be(1)? as i64),
            Marker::U16 => Value::Int(self.be(2)? as i64),
            Marker::U32 => Value::Int(self.be(4)? as i64),
            Marker::U64 => {
                let u = self.be(8)?;
                i64::try_from(u).map_or(Value::UInt(u), Value::Int)
            }
            Marker::I8 => Value::Int(i64::from(self.be(1)? as u8 as i8)),
            Marker::I16 => Value::Int(i64::from(self.be(2)? as u16 as i16)),
            Marker::I32 => Value::Int(i64::from(self.be(4)? as u32 as i32)),
            Marker::I64 => Value::Int(self.be(8)? as i64),
            Marker::F32 => Value::F32(f32::from_bits(self.be(4)? as u32)),
            Marker::F64 => Value::F64(f64::from_bits(self.be(8)?)),
            Marker::FixStr(n) => self.str(usize::from(n), build)?,
            Marker::Str8 => {
                let n = self.be(1)? as usize;
                self.str(n, build)?
            }
            Marker::Str16 => {
                let n = self.be(2)? as usize;
                self.str(n, build)?
            }
            Marker::Str32 => {
                let n = self.be(4)? as usize;
                self.str(n, build)?
            }
            Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => {
                let n = match byte {
                    0xc4 => self.be(1)?,
                    0xc5 => self.be(2)?,
                    _ => self.be(4)?,
                } as usize;
                let data = self.take(n)?;
                if build {
                    Value::Bin(data.to_vec())
                } else {
                    Value::Nil
                }
            }
            Marker::FixArray(n) => self.array(usize::from(n), depth, build)?,
            Marker::Array16 => {
                let n = self.be(2)? as usize;
                self.array(n, depth, build)?
            }
            Marker::Array32 => {
                let n = self.be(4)? as usize;
                self.array(n, depth, build)?
            }
            Marker::FixMap(n) => self.map(usize::from(n), depth, build)?,
            Marker::Map16 => {
                let n = self.be(2)? as usize;
                self.map(n, depth, build)?
            }
            Marker::Map32 => {
                let n = self.be(4)? as usize;
                self.map(n, depth, build)?
            }
            Marker::FixExt1 => self.ext(1, build)?,
            Marker::FixExt2 => self.ext(2, build)?,
            Marker::FixExt4 => self.ext(4, build)?,
            Marker::FixExt8 => self.ext(8, build)?,
            Marker::FixExt16 => self.ext(16, build)?,
            Marker::Ext8 => {
                let n = self.be(1)? as usize;
                self.ext(n, build)?
            }
            Marker::Ext16 => {
                let n = self.be(2)? as usize;
                self.ext(n, build)?
            }
            Marker::Ext32 => {
                let n = self.be(4)? as usize;
                self.ext(n, build)?
            }
            Marker::Reserved => return self.err("the reserved byte 0xc1"),
        })
    }

    fn str(&mut self, n: usize, build: bool) -> Result<Value, MsgpackError> {
        let data = self.take(n)?;
        match std::str::from_utf8(data) {
            Ok(s) if build => Ok(Value::Str(s.to_string())),
            Ok(_) => Ok(Value::Str(String::new())),
            Err(_) => self.err("a str that is not UTF-8"),
        }
    }

    fn array(&mut self, n: usize, depth: usize, build: bool) -> Result<Value, MsgpackError> {
        // Every element takes at least a byte: a count above what is left is a lie, refused
        // before anything is reserved for it.
        if n > self.buf.len() - self.at {
            return self.err(format!("an array of {n} claimed"));
        }
        let mut items = Vec::with_capacity(if build { n } else { 0 });
        for _ in 0..n {
            let v = self.value(depth + 1, build)?;
            if build {
                items.push(v);
            }
        }
        Ok(Value::Array(items))
    }

    fn map(&mut self, n: usize, depth: usize, build: bool) -> Result<Value, MsgpackError> {
        if n.saturating_mul(2) > self.buf.len() - self.at {
            return self.err(format!("a map of {n} entries claimed"));
        }
        let mut entries = Vec::with_capacity(if build { n } else { 0 });
        for _ in 0..n {
            let key_at = self.at;
            let k = self.value(depth + 1, build)?;
            if self.str_keys && !matches!(self.buf[key_at], 0xa0..=0xbf | 0xd9..=0xdb | 0xc4..=0xc6)
            {
                self.at = key_at;
                return self.err("a map key that is not str or bytes (the Python peer refuses it)");
            }
            let v = self.value(depth + 1, build)?;
            if build {
                entries.push((k, v));
            }
        }
        Ok(Value::Map(entries))
    }

    fn ext(&mut self, n: usize, build: bool) -> Result<Value, MsgpackError> {
        let ty = self.take(1)?[0] as i8;
        let data = self.take(n)?;
        Ok(if build {
            Value::Ext(ty, data.to_vec())
        } else {
            Value::Nil
        })
    }
}

#[cfg(test)]
#[path = "msgpack_tests.rs"]
mod tests;
