//! End-to-end benchmarks of the threaded core, each beside a raw-socket baseline measured in
//! the same run (the ratio is what counts on a shared machine):
//!
//! - `tcp_one_way/{gamenet,raw_batched}/{64,1024}`: writer (1 thread) -> loopback TCP ->
//!   reader (1 thread) -> drained by the caller in batches; criterion's throughput is
//!   datagrams per second. The raw baseline writes header-2 frames in 64 KiB writes and
//!   parses them on the other side.
//! - `ping_pong/{gamenet_threaded,gamenet_polling,raw}`: one 32-byte datagram there and
//!   back; criterion reports the time per round trip. Before criterion runs, the median
//!   and 99th percentile of 20,000 round trips of each are printed.
//!
//! Run: `cargo bench --bench core` (add `-- --quick` for a short run).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gamenet::{Framing, Listener, Manager, Reader, Writer, address};

const BATCH: u64 = 20_000;

struct Pair {
    _m: Manager,
    reader: Reader,
    writer: Writer,
    client: u64,
    server: u64,
}

fn pair(reader_threads: usize, writer_threads: usize) -> Pair {
    let m = Manager::new();
    let listener = Listener::new(&m, 0).unwrap();
    let reader = Reader::new(&m, reader_threads).unwrap();
    let writer = Writer::new(&m, writer_threads).unwrap();
    listener.set_reader(Some(reader.clone())).unwrap();
    let r = m
        .open_tcp_server_rendezvous(Some("127.0.0.1"), 0, 8)
        .unwrap();
    listener.add_connection(r).unwrap();
    let port = m.connection(r).unwrap().local_address().port();
    let client = m
        .open_tcp_client(
            &[address::localhost(port, false)],
            Some(Duration::from_secs(5)),
        )
        .unwrap();
    assert!(listener.poll(Some(Duration::from_secs(5))));
    let server = listener.get_new_connection().unwrap().conn;
    reader.add_connection(client).unwrap();
    Pair {
        _m: m,
        reader,
        writer,
        client,
        server,
    }
}

/// Sends `n` datagrams of `size` bytes from client to server and drains them; the time.
fn gamenet_one_way(p: &Pair, size: usize, n: u64) -> Duration {
    let payload = vec![0xabu8; size];
    let writer = p.writer.clone();
    let client = p.client;
    let start = Instant::now();
    let sender = std::thread::spawn(move || {
        let mut left = n;
        while left > 0 {
            let k = left.min(256) as usize;
            let sent = writer
                .send_batch(client, std::iter::repeat_n(&payload[..], k), true)
                .unwrap();
            left -= sent as u64;
        }
    });
    let mut got = 0u64;
    let mut sink = vec![0u8; 1 << 20];
    while got < n {
        // The batch call of the C API: copy into one buffer, no allocation.
        let mut at = 0usize;
        let k = p.reader.drain_with(4096, |_, _, d| {
            if at + d.len() > sink.len() {
                return false;
            }
            sink[at..at + d.len()].copy_from_slice(d);
            at += d.len();
            true
        });
        if k == 0 {
            p.reader.poll(Some(Duration::from_millis(10)));
        }
        got += k as u64;
    }
    sender.join().unwrap();
    start.elapsed()
}

/// The same transfer with plain sockets: frames packed into 64 KiB writes, parsed by a
/// reader thread.
fn raw_one_way(size: usize, n: u64) -> Duration {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut tx = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (mut rx, _) = l.accept().unwrap();
    tx.set_nodelay(true).unwrap();
    let mut frame = Vec::new();
    Framing::default()
        .encode_tcp(&vec![0xab; size], &mut frame)
        .unwrap();
    let per_write = (65536 / frame.len()).max(1);
    let chunk: Vec<u8> = frame.repeat(per_write);
    let start = Instant::now();
    let sender = std::thread::spawn(move || {
        let mut left = n;
        while left > 0 {
            let k = left.min(per_write as u64) as usize;
            tx.write_all(&chunk[..k * frame.len()]).unwrap();
            left -= k as u64;
        }
    });
    let mut buf = vec![0u8; 256 * 1024];
    let (mut have, mut got) = (0usize, 0u64);
    while got < n {
        let r = rx.read(&mut buf[have..]).unwrap();
        have += r;
        let mut at = 0;
        while have - at >= 2 {
            let len = u16::from_le_bytes([buf[at], buf[at + 1]]) as usize;
            if have - at < 2 + len {
                break;
            }
            at += 2 + len;
            got += 1;
        }
        buf.copy_within(at..have, 0);
        have -= at;
    }
    sender.join().unwrap();
    start.elapsed()
}

/// A gamenet echo peer on its own thread; returns the client side and a stop flag.
fn echo_pair(reader_threads: usize) -> (Pair, std::sync::Arc<std::sync::atomic::AtomicBool>) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let p = pair(0, 0);
    // The server side reads with its own reader so the client's stays free.
    let m = p._m.clone();
    let server_reader = Reader::new(&m, reader_threads).unwrap();
    p.reader.remove_connection(p.client).ok();
    let client_reader = Reader::new(&m, reader_threads).unwrap();
    client_reader.add_connection(p.client).unwrap();
    // The listener already put the server side on `p.reader`; move it.
    p.reader.remove_connection(p.server).ok();
    server_reader.add_connection(p.server).unwrap();
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let w = Writer::new(&m, 0).unwrap();
    std::thread::spawn(move || {
        while !s.load(Ordering::Relaxed) {
            if server_reader.poll(Some(Duration::from_millis(50))) {
                while let Some(d) = server_reader.get_data() {
                    w.send(d.conn, &d.data, true).unwrap();
                }
            }
        }
    });
    (
        Pair {
            reader: client_reader,
            ..p
        },
        stop,
    )
}

fn gamenet_round_trip(p: &Pair, payload: &[u8]) -> Duration {
    let t = Instant::now();
    p.writer.send(p.client, payload, true).unwrap();
    loop {
        if let Some(_d) = p.reader.get_data() {
            return t.elapsed();
        }
        p.reader.poll(Some(Duration::from_secs(1)));
    }
}

fn raw_echo() -> TcpStream {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (mut s, _) = l.accept().unwrap();
    c.set_nodelay(true).unwrap();
    s.set_nodelay(true).unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 34];
        while s.read_exact(&mut buf).is_ok() {
            if s.write_all(&buf).is_err() {
                break;
            }
        }
    });
    c
}

fn raw_round_trip(c: &mut TcpStream) -> Duration {
    let mut buf = [7u8; 34];
    buf[0] = 32;
    buf[1] = 0;
    let t = Instant::now();
    c.write_all(&buf).unwrap();
    c.read_exact(&mut buf).unwrap();
    t.elapsed()
}

fn percentiles(name: &str, mut f: impl FnMut() -> Duration) {
    for _ in 0..1000 {
        f();
    }
    let mut v: Vec<Duration> = (0..20_000).map(|_| f()).collect();
    v.sort();
    println!(
        "ping_pong {name}: median {:.1} us, p99 {:.1} us (20,000 round trips)",
        v[v.len() / 2].as_secs_f64() * 1e6,
        v[v.len() * 99 / 100].as_secs_f64() * 1e6
    );
}

fn one_way(c: &mut Criterion) {
    let mut g = c.benchmark_group("tcp_one_way");
    g.throughput(Throughput::Elements(BATCH));
    g.sample_size(20);
    for size in [64usize, 1024] {
        let p = pair(1, 1);
        g.bench_with_input(BenchmarkId::new("gamenet", size), &size, |b, &size| {
            b.iter_custom(|iters| gamenet_one_way(&p, size, iters * BATCH))
        });
        g.bench_with_input(BenchmarkId::new("raw_batched", size), &size, |b, &size| {
            b.iter_custom(|iters| raw_one_way(size, iters * BATCH))
        });
    }
    g.finish();
}

fn ping_pong(c: &mut Criterion) {
    let payload = [7u8; 32];
    let (threaded, stop_t) = echo_pair(1);
    let (polling, stop_p) = echo_pair(0);
    let mut raw = raw_echo();
    percentiles("gamenet_threaded", || {
        gamenet_round_trip(&threaded, &payload)
    });
    percentiles("gamenet_polling", || gamenet_round_trip(&polling, &payload));
    percentiles("raw", || raw_round_trip(&mut raw));
    let mut g = c.benchmark_group("ping_pong");
    g.bench_function("gamenet_threaded", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| gamenet_round_trip(&threaded, &payload))
                .sum()
        })
    });
    g.bench_function("gamenet_polling", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| gamenet_round_trip(&polling, &payload))
                .sum()
        })
    });
    g.bench_function("raw", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| raw_round_trip(&mut raw)).sum())
    });
    g.finish();
    stop_t.store(true, std::sync::atomic::Ordering::Relaxed);
    stop_p.store(true, std::sync::atomic::Ordering::Relaxed);
}

criterion_group!(benches, one_way, ping_pong);
criterion_main!(benches);
