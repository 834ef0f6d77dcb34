//! Large TCP datagrams (a 4-byte header) through readers with and without threads: every
//! one arrives whole, whatever the sizes around the read size and the reuse of buffers.

mod common;

use std::io::Write;
use std::time::Duration;

use common::{raw_peer, rendezvous, wait_until};
use gamenet::{Listener, Manager, Reader};

/// Datagram `i` of the test: its size and its bytes.
fn datagram(i: usize) -> Vec<u8> {
    // Sizes around and above the 64 KiB read size, where a read's buffer is handed to
    // its block and a buffer of another size (a large datagram's, reused) comes back.
    let sizes = [
        65_540,
        100_000,
        70_000,
        131_000,
        370_000,
        64 * 1024,
        200_000,
        5,
    ];
    let n = sizes[i % sizes.len()];
    (0..n).map(|k| (k * 7 + i) as u8).collect()
}

#[test]
fn large_datagrams_all_arrive_whole_with_and_without_reader_threads() {
    const COUNT: usize = 120;
    for threads in [1, 0] {
        let m = Manager::new();
        let listener = Listener::new(&m, 0).unwrap();
        let reader = Reader::new(&m, threads).unwrap();
        reader.set_tcp_header_size(4).unwrap();
        reader.set_max_datagram_size(1 << 20);
        let (r, at) = rendezvous(&m);
        listener.add_connection(r).unwrap();
        let (mut peer, conn) = raw_peer(&listener, at);
        reader.add_connection(conn).unwrap();
        // The peer writes everything with blocking writes, as fast as the reader takes it.
        let writer = std::thread::spawn(move || {
            for i in 0..COUNT {
                let d = datagram(i);
                peer.write_all(&(d.len() as u32).to_le_bytes()).unwrap();
                peer.write_all(&d).unwrap();
            }
            peer
        });
        let mut got = 0;
        wait_until(
            Duration::from_secs(60),
            &format!("{COUNT} datagrams ({threads} reader threads)"),
            || {
                // Copied out: the emptied blocks, large buffers included, go back to the
                // reader's pool and become its next read buffers.
                while let Some(d) = reader.get_data() {
                    assert_eq!(d.data, datagram(got), "datagram {got}");
                    got += 1;
                }
                reader.poll(Some(Duration::from_millis(5)));
                got == COUNT
            },
        );
        drop(writer.join().unwrap());
    }
}

/// Found by testing from outside: a large datagram written partly straight from the
/// caller's memory and partly later from the queue counted only the later part in the
/// connection's `bytes_out`.
#[test]
fn bytes_out_counts_every_byte_of_large_datagrams() {
    use gamenet::Writer;
    use std::io::Read;
    const COUNT: usize = 30;
    const SIZE: usize = 1_000_000;
    for threads in [0, 1] {
        let m = Manager::new();
        let listener = Listener::new(&m, 0).unwrap();
        let writer = Writer::new(&m, threads).unwrap();
        writer.set_tcp_header_size(4).unwrap();
        let (r, at) = rendezvous(&m);
        listener.add_connection(r).unwrap();
        let (mut peer, conn) = raw_peer(&listener, at);
        let total = COUNT * (SIZE + 4);
        let reading = std::thread::spawn(move || {
            let mut buf = vec![0u8; 1 << 16];
            let mut got = 0;
            while got < total {
                let n = peer.read(&mut buf).unwrap();
                assert!(n > 0, "the stream ended after {got} bytes");
                got += n;
            }
            got
        });
        let payload = vec![9u8; SIZE];
        for _ in 0..COUNT {
            writer.send(conn, &payload, true).unwrap();
        }
        // An immediate writer's last send may leave its tail queued: wait until it left.
        writer.flush_wait(Duration::from_secs(60)).unwrap();
        assert_eq!(reading.join().unwrap(), total);
        let c = m.connection(conn).unwrap();
        wait_until(Duration::from_secs(10), "bytes_out to count all", || {
            let s = c.stats();
            s.bytes_out == total as u64 && s.datagrams_out == COUNT as u64
        });
    }
}
