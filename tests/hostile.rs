//! Hostile input from the network: random byte streams and packets never crash or hang a
//! reader, every datagram delivered respects the size limit, and every connection that
//! breaks the framing is closed and reported exactly once. Deterministic (a fixed seed).

mod common;

use std::collections::HashSet;
use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use common::rendezvous;
use gamenet::{CloseReason, DatagramIterator, Listener, Manager, Reader};

/// xorshift64*: a small deterministic generator for test input.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[test]
fn random_tcp_streams_are_closed_once_and_never_overflow_the_limit() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for header in [2, 4] {
        let m = Manager::new();
        let listener = Listener::new(&m, 1).unwrap();
        let reader = Reader::new(&m, 1).unwrap();
        reader.set_tcp_header_size(header).unwrap();
        reader.set_max_datagram_size(1000);
        listener.set_reader(Some(reader.clone())).unwrap();
        let (r, at) = rendezvous(&m);
        listener.add_connection(r).unwrap();
        let peers = 100;
        for _ in 0..peers {
            let mut p = TcpStream::connect(at).unwrap();
            let n = (rng.next() % 8192) as usize;
            let _ = p.write_all(&rng.bytes(n));
            // Dropped: the peer closes after its garbage.
        }
        let start = Instant::now();
        let mut closed = HashSet::new();
        let mut reasons = Vec::new();
        while closed.len() < peers {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "{} of {peers} closed",
                closed.len()
            );
            while let Some(d) = reader.get_data() {
                assert!(
                    d.data.len() <= 1000,
                    "a datagram of {} bytes passed the limit",
                    d.data.len()
                );
            }
            while let Some(ev) = m.get_reset_connection() {
                assert!(
                    closed.insert(ev.conn),
                    "connection {} reported twice",
                    ev.conn
                );
                reasons.push(ev.reason);
            }
            reader.poll(Some(Duration::from_millis(10)));
        }
        // Most random streams announce a datagram above 1000 bytes.
        assert!(reasons.contains(&CloseReason::TooLarge), "{reasons:?}");
        assert!(reasons.iter().all(|r| matches!(
            r,
            CloseReason::TooLarge | CloseReason::PeerClosed | CloseReason::Reset
        )));
        std::thread::sleep(Duration::from_millis(50));
        assert!(m.get_reset_connection().is_none());
    }
}

#[test]
fn random_udp_packets_are_counted_not_crashing() {
    let mut rng = Rng(42);
    let m = Manager::new();
    let reader = Reader::new(&m, 1).unwrap();
    reader.set_max_datagram_size(500);
    let u = m.open_udp(Some("127.0.0.1"), 0, false).unwrap();
    reader.add_connection(u).unwrap();
    let to = m.connection(u).unwrap().local_address();
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let sent = 2000u64;
    let mut empty = 0;
    let mut delivered = 0u64;
    let start = Instant::now();
    // Rounds of 50, each accounted for before the next, so the kernel's buffer never
    // overflows (its drops would be invisible to the test).
    for round in 0..sent / 50 {
        for _ in 0..50 {
            let n = (rng.next() % 1400) as usize;
            empty += (n == 0) as u64;
            tx.send_to(&rng.bytes(n), to).unwrap();
        }
        loop {
            while let Some(d) = reader.get_data() {
                assert!(d.data.len() <= 500);
                delivered += 1;
            }
            let s = reader.stats();
            // Every packet is delivered, or dropped and counted (empty ones are ignored).
            if delivered + s.dropped_checksum + s.dropped_too_large + empty >= (round + 1) * 50 {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "{s:?}, delivered {delivered}"
            );
            reader.poll(Some(Duration::from_millis(10)));
        }
    }
    assert!(reader.stats().dropped_checksum > 1000);
    assert!(m.connection(u).is_ok());
}

#[test]
fn random_bytes_through_every_getter_never_panic() {
    let mut rng = Rng(7);
    for _ in 0..5000 {
        let n = (rng.next() % 40) as usize;
        let data = rng.bytes(n);
        let mut it = DatagramIterator::new(&data);
        for _ in 0..20 {
            let before = it.current_index();
            let r = match rng.next() % 12 {
                0 => it.get_string().map(|_| ()),
                1 => it.get_string32().map(|_| ()),
                2 => it.get_z_string().map(|_| ()),
                3 => it.get_wstring().map(|_| ()),
                4 => it.get_blob32().map(|_| ()),
                5 => it.get_fixed_string((rng.next() % 50) as usize).map(|_| ()),
                6 => it.get_uint64().map(|_| ()),
                7 => it.get_be_float64().map(|_| ()),
                8 => it.skip_bytes((rng.next() % 50) as usize),
                9 => it.get_int16().map(|_| ()),
                10 => it.extract_bytes((rng.next() % 50) as usize).map(|_| ()),
                _ => it.get_bool().map(|_| ()),
            };
            if r.is_err() {
                assert_eq!(
                    it.current_index(),
                    before,
                    "a failed read moved the iterator"
                );
            }
            assert!(it.current_index() <= data.len());
        }
    }
}
