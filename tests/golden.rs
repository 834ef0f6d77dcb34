//! The Datagram encodings captured from real Panda3D (`tests/data/`, copied from the shared
//! wire vectors), checked byte for byte against gamenet's encoder.

use gamenet::Datagram;
use serde_json::Value;

fn vectors() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/panda3d-tcp-and-datagram.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

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
fn every_captured_encoding_matches() {
    let v = vectors();
    let enc = v["encodings"].as_object().unwrap();
    type Case = (&'static str, Box<dyn Fn(&mut Datagram)>);
    let cases: Vec<Case> = vec![
        ("add_int8(-2)", Box::new(|d| d.add_int8(-2))),
        ("add_uint16(0x1234)", Box::new(|d| d.add_uint16(0x1234))),
        (
            "add_be_uint16(0x1234)",
            Box::new(|d| d.add_be_uint16(0x1234)),
        ),
        ("add_int32(-2)", Box::new(|d| d.add_int32(-2))),
        (
            "add_uint32(0x12345678)",
            Box::new(|d| d.add_uint32(0x12345678)),
        ),
        (
            "add_be_uint32(0x12345678)",
            Box::new(|d| d.add_be_uint32(0x12345678)),
        ),
        (
            "add_uint64(0x0102030405060708)",
            Box::new(|d| d.add_uint64(0x0102030405060708)),
        ),
        (
            "add_be_uint64(0x0102030405060708)",
            Box::new(|d| d.add_be_uint64(0x0102030405060708)),
        ),
        ("add_float32(1.5)", Box::new(|d| d.add_float32(1.5))),
        ("add_be_float32(1.5)", Box::new(|d| d.add_be_float32(1.5))),
        ("add_float64(1.5)", Box::new(|d| d.add_float64(1.5))),
        ("add_stdfloat(1.5)", Box::new(|d| d.add_float32(1.5))),
        ("add_bool(True)", Box::new(|d| d.add_bool(true))),
        (
            "add_string('hi')",
            Box::new(|d| d.add_string(b"hi").unwrap()),
        ),
        (
            "add_string32('hi')",
            Box::new(|d| d.add_string32(b"hi").unwrap()),
        ),
        (
            "add_z_string('hi')",
            Box::new(|d| d.add_z_string(b"hi").unwrap()),
        ),
        (
            "add_fixed_string('hi',4)",
            Box::new(|d| d.add_fixed_string(b"hi", 4).unwrap()),
        ),
        (
            "add_fixed_string('hello',3)",
            Box::new(|d| d.add_fixed_string(b"hello", 3).unwrap()),
        ),
        (
            "add_wstring('hi')",
            Box::new(|d| d.add_wstring("hi").unwrap()),
        ),
        (
            "add_wstring('\\u00e9')",
            Box::new(|d| d.add_wstring("\u{e9}").unwrap()),
        ),
        (
            "add_string('\\u00e9') (py str->utf8)",
            Box::new(|d| d.add_string("\u{e9}".as_bytes()).unwrap()),
        ),
        (
            "add_blob(b'\\x00\\xff')",
            Box::new(|d| d.add_blob(&[0, 0xff]).unwrap()),
        ),
        (
            "add_blob32(b'\\x00\\xff')",
            Box::new(|d| d.add_blob32(&[0, 0xff]).unwrap()),
        ),
    ];
    // Every captured encoding has a case, and every case matches its capture.
    assert_eq!(cases.len(), enc.len(), "captured keys: {:?}", enc.keys());
    for (key, f) in &cases {
        let want = enc
            .get(*key)
            .unwrap_or_else(|| panic!("no capture named {key}"))
            .as_str()
            .unwrap();
        assert_eq!(encode(f), want, "{key}");
    }
}

#[test]
fn framing_payload_matches_capture() {
    let v = vectors();
    let payload = encode(|d| {
        d.add_uint16(0x1234);
        d.add_string(b"hi").unwrap();
    });
    for key in [
        "tcp_header2",
        "tcp_header4",
        "tcp_header0",
        "tcp_header2_raw",
    ] {
        assert_eq!(v[key]["payload_hex"].as_str().unwrap(), payload, "{key}");
    }
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// peng3dnet frames captured between the real server and client: the 4-byte big-endian
/// framing splits the captured stream into exactly the captured packets, and re-frames
/// each packet byte for byte.
#[test]
fn peng3dnet_frames_split_and_reframe_exactly() {
    use gamenet::core::framing::Decoder;
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/peng3dnet-protocol2.json"
    ))
    .unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let frames: Vec<Vec<u8>> = v["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| unhex(f["frame_hex"].as_str().unwrap()))
        .collect();
    assert!(frames.len() >= 10, "{} frames", frames.len());
    let f = gamenet::Framing::peng3dnet();
    let stream: Vec<u8> = frames.concat();
    for chunk in [1, 3, 7, 64, stream.len()] {
        let mut dec = Decoder::new(f, 16 << 20);
        let mut got = Vec::new();
        for part in stream.chunks(chunk) {
            dec.feed(part, |d| got.push(d.to_vec())).unwrap();
        }
        assert_eq!(got.len(), frames.len(), "chunks of {chunk}");
        for (g, frame) in got.iter().zip(&frames) {
            assert_eq!(&g[..], &frame[4..]);
            let mut again = Vec::new();
            f.encode_tcp(g, &mut again).unwrap();
            assert_eq!(hex(&again), hex(frame));
        }
    }
    // Panda3D's little-endian 4-byte reader would take the same bytes for a huge length.
    let mut panda = Decoder::new(gamenet::Framing::panda(4), 1 << 20);
    let e = panda.feed(&frames[0], |_| {}).unwrap_err();
    assert_eq!(e.kind(), gamenet::ErrorKind::TooLarge);
}
