//! The msgpack reader's tests: the Python peer's bodies, lies and garbage, and the fast
//! validator against the building reader.
use super::*;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn the_python_peers_echo_body_decodes_and_encodes_back_byte_exact() {
    let body = hex(
        "87a568656c6c6fa970656e6733646e6574a16e01a46c69737493010203a166cb3ff8000000000000a162c4020001a174c3a46e6f6e65c0",
    );
    let v = decode(&body, true).unwrap();
    assert_eq!(v.get("hello").and_then(Value::as_str), Some("peng3dnet"));
    assert_eq!(v.get("f"), Some(&Value::F64(1.5)));
    assert_eq!(v.get("b"), Some(&Value::Bin(vec![0, 1])));
    assert_eq!(v.to_bytes(), body);
}

#[test]
fn lies_and_garbage_are_refused_with_where_and_why() {
    for (bytes, why) in [
        (vec![0xdb, 0xff, 0xff, 0xff, 0xff, b'a'], "claimed"),
        (vec![0xdd, 0xff, 0xff, 0xff, 0xff], "claimed"),
        (vec![0x81, 0x01, 0x02], "map key"),
        (vec![0xa2, 0xff, 0xfe], "UTF-8"),
        (vec![0xc1], "reserved"),
        (vec![0xc0, 0xc0], "after the value"),
        (vec![], "claimed"),
    ] {
        let e = validate(&bytes, true).unwrap_err();
        assert!(e.0.contains(why), "{bytes:x?}: {e}");
    }
    let deep: Vec<u8> = std::iter::repeat_n(0x91, MAX_DEPTH + 2)
        .chain([0xc0])
        .collect();
    assert!(validate(&deep, true).unwrap_err().0.contains("deeper"));
    assert!(validate(&[0x81, 0x01, 0x02], false).is_ok());
}

/// The validator (`skip`, used on every body) and the building reader (`value`) accept
/// exactly the same bytes and stop at the same place: every truncation and every one-byte
/// change of bodies with each kind of item.
#[test]
fn the_validator_and_the_reader_agree_on_every_mutation() {
    let samples: Vec<Vec<u8>> = vec![
        Value::map([
            ("i", Value::Str("00000001".into())),
            ("n", Value::Int(-5)),
            ("u", Value::UInt(u64::MAX)),
            ("f", Value::F64(1.5)),
            ("g", Value::F32(0.25)),
            ("b", Value::Bin(vec![0, 1, 2])),
            ("t", Value::Bool(true)),
            ("z", Value::Nil),
            (
                "a",
                Value::Array(vec![Value::Int(1), Value::Array(vec![]), Value::Int(300)]),
            ),
            ("e", Value::Ext(5, vec![1, 2, 3, 4])),
            ("s", Value::Str("é".repeat(20))),
        ])
        .to_bytes(),
        Value::Array(vec![
            Value::Int(70000),
            Value::Int(-70000),
            Value::Str("x".repeat(300)),
        ])
        .to_bytes(),
        vec![0xd4, 1, 2, 0xc7, 1, 3, 9],
    ];
    let check = |b: &[u8], str_keys: bool| {
        let built = {
            let mut r = Reader::new(b, str_keys);
            r.value(0, true).map(|_| r.at)
        };
        let skipped = {
            let mut r = Reader::new(b, str_keys);
            r.skip(0).map(|_| r.at)
        };
        assert_eq!(
            built.is_ok(),
            skipped.is_ok(),
            "{b:02x?}: {built:?} vs {skipped:?}"
        );
        if let (Ok(a), Ok(c)) = (built, skipped) {
            assert_eq!(a, c, "{b:02x?}");
        }
    };
    for sample in &samples {
        for keys in [true, false] {
            for cut in 0..=sample.len() {
                check(&sample[..cut], keys);
            }
            for at in 0..sample.len() {
                for byte in [
                    0x00, 0x01, 0x7f, 0x80, 0x8f, 0x90, 0xa1, 0xc0, 0xc1, 0xc4, 0xc7, 0xca, 0xcc,
                    0xd4, 0xd9, 0xdc, 0xde, 0xdf, 0xe0, 0xff,
                ] {
                    let mut m = sample.clone();
                    m[at] = byte;
                    check(&m, keys);
                }
            }
        }
    }
}
