//! Tests of the reader's block queue.

use super::*;

fn block(conn: u64, items: &[&[u8]]) -> Block {
    let mut b = Block::default();
    b.reset(conn);
    for i in items {
        b.push(i, None);
    }
    b
}

fn drain(q: &mut BlockQueue) -> Vec<(u64, Vec<u8>)> {
    let mut out = Vec::new();
    while let Some((c, _, d)) = q.front() {
        out.push((c, d.to_vec()));
        q.pop_front();
    }
    out
}

#[test]
fn fifo_across_blocks_and_bounded() {
    let mut q = BlockQueue::default();
    assert!(q.push(block(1, &[b"a", b"", b"bc"]), 10).is_none());
    let rest = q.push(block(2, &[b"d", b"e", b"f"]), 4).unwrap();
    assert_eq!(q.len(), 4);
    assert_eq!(rest.len(), 2);
    assert_eq!(rest.bytes_left(), 2);
    assert!(q.push(rest, 100).is_none());
    assert_eq!(
        drain(&mut q),
        vec![
            (1, b"a".to_vec()),
            (1, vec![]),
            (1, b"bc".to_vec()),
            (2, b"d".to_vec()),
            (2, b"e".to_vec()),
            (2, b"f".to_vec())
        ]
    );
    assert!(q.is_empty());
    // Emptied blocks are reused.
    let mut spares = Vec::new();
    q.lend_spares(&mut spares, 8);
    assert!(!spares.is_empty());
}

#[test]
fn a_connection_holds_at_most_its_share_and_the_tally_follows() {
    let mut q = BlockQueue::default();
    let t: Tally = Arc::default();
    let rest = q
        .push_shared(block(1, &[b"a", b"b", b"c"]), 100, 2, &t)
        .unwrap();
    assert_eq!((q.len(), rest.len(), t.get()), (2, 1, 2));
    assert!(!t.park(2), "full: it waits");
    // Another connection is not held back by this one's share.
    assert!(q.push(block(2, &[b"x"]), 100).is_none());
    assert!(
        q.push_shared(rest, 100, 2, &t).is_some(),
        "share still full"
    );
    q.pop_front();
    assert_eq!(t.get(), 1);
    assert!(
        q.take_wake(),
        "fell below the mark: the parked connection is woken"
    );
    assert!(!q.take_wake());
    let rest = q.push_shared(block(1, &[b"c"]), 100, 2, &t);
    assert!(rest.is_none());
    let mut seen = 0;
    q.drain(2, |_, _, _| {
        seen += 1;
        true
    });
    assert_eq!((seen, t.get()), (2, 1));
    assert!(!q.take_wake(), "nobody was parked");
    assert!(q.pop_owned().is_some());
    assert_eq!(t.get(), 0);
    q.push_shared(block(1, &[b"d", b"e"]), 100, 5, &t);
    q.clear();
    assert_eq!(t.get(), 0);
    assert!(t.park(1), "already below the mark: goes on at once");
}

#[test]
fn full_queue_takes_nothing_and_keep_latest_replaces() {
    let mut q = BlockQueue::default();
    assert!(q.push(block(1, &[b"x"]), 1).is_none());
    let rest = q.push(block(1, &[b"y"]), 1).unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(q.push_keep_latest(block(3, &[b"p", b"q"])), 2);
    assert_eq!(drain(&mut q), vec![(3, b"q".to_vec())]);
}

#[test]
fn take_blocks_hands_over_whole_blocks_and_splits_only_the_last() {
    let mut q = BlockQueue::default();
    let t: Tally = Arc::default();
    q.push_shared(block(1, &[b"a", b"b"]), 100, 100, &t);
    q.push(block(2, &[b"c", b"d", b"e"]), 100);
    q.pop_front(); // "a" taken earlier: the batch starts at "b"
    let mut out = Vec::new();
    assert_eq!(q.take_blocks(3, &mut out), 3);
    assert_eq!((q.len(), t.get()), (1, 0));
    let got: Vec<(u64, Vec<u8>)> = out
        .iter()
        .flat_map(|b| b.items().map(move |(_, d)| (b.conn, d.to_vec())))
        .collect();
    assert_eq!(
        got,
        vec![(1, b"b".to_vec()), (2, b"c".to_vec()), (2, b"d".to_vec())]
    );
    assert_eq!(drain(&mut q), vec![(2, b"e".to_vec())]);
    // Given back, the blocks are reused.
    q.give_back(out);
    let mut spares = Vec::new();
    q.lend_spares(&mut spares, 8);
    assert!(spares.len() >= 2);
    assert_eq!(q.take_blocks(5, &mut Vec::new()), 0);
}

#[test]
fn a_block_keeps_each_origin_once_they_differ() {
    let a: SocketAddr = "127.0.0.1:1".parse().unwrap();
    let b: SocketAddr = "127.0.0.1:2".parse().unwrap();
    let mut blk = Block::default();
    blk.reset(7);
    blk.push(b"1", Some(a));
    blk.push(b"2", Some(a));
    blk.push(b"3", Some(b));
    blk.push(b"4", None);
    let got: Vec<_> = blk.items().map(|(f, d)| (f, d.to_vec())).collect();
    assert_eq!(
        got,
        vec![
            (Some(a), b"1".to_vec()),
            (Some(a), b"2".to_vec()),
            (Some(b), b"3".to_vec()),
            (None, b"4".to_vec())
        ]
    );
    let mut q = BlockQueue::default();
    let rest = q.push(blk, 2).unwrap();
    assert_eq!(
        rest.items().next().unwrap().0,
        Some(b),
        "a split keeps the origins"
    );
    assert_eq!(q.pop_owned().unwrap().from, Some(a));
}
