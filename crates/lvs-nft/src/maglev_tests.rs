use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use super::*;

fn target(i: u8) -> Target {
    Target {
        ip: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10 + i)),
        port: Some(80),
    }
}

/// The target of every table entry, in order.
fn table(weights: &[u64], ids: &[u8]) -> Vec<Target> {
    let targets: Vec<Target> = ids.iter().map(|i| target(*i)).collect();
    let slots = slots(weights, &targets);
    let mut out = Vec::new();
    let mut next = 0;
    for s in slots {
        assert_eq!(s.lo, next, "ranges are contiguous");
        assert!(s.hi >= s.lo);
        for _ in s.lo..=s.hi {
            out.push(s.to);
        }
        next = s.hi + 1;
    }
    assert_eq!(next, TABLE_SIZE, "the table is full");
    out
}

fn shares(t: &[Target]) -> BTreeMap<IpAddr, usize> {
    let mut m = BTreeMap::new();
    for x in t {
        *m.entry(x.ip).or_insert(0) += 1;
    }
    m
}

#[test]
fn entries_follow_the_weights() {
    let even = shares(&table(&[1, 1, 1], &[0, 1, 2]));
    assert!(even.values().all(|n| n.abs_diff(84) <= 1), "{even:?}");
    let weighted = shares(&table(&[200, 100], &[0, 1]));
    assert!(weighted[&target(0).ip].abs_diff(167) <= 2, "{weighted:?}");
    // Weights too fine for one round still leave everyone entries.
    let wide = shares(&table(&[1000, 1, 1], &[0, 1, 2]));
    assert_eq!(wide.len(), 3, "{wide:?}");
}

#[test]
fn removing_or_adding_a_server_moves_few_other_entries() {
    let four = table(&[1, 1, 1, 1], &[0, 1, 2, 3]);
    let three = table(&[1, 1, 1], &[0, 1, 2]);
    // Entries of the servers that stay: almost all keep their server.
    let kept: Vec<usize> =
        (0..four.len()).filter(|&c| four[c] != target(3)).collect();
    let moved = kept.iter().filter(|&&c| three[c] != four[c]).count();
    assert!(moved * 10 <= kept.len(), "{moved} of {} moved", kept.len());
    // Adding a fifth takes about a fifth, mostly from the others evenly.
    let five = table(&[1, 1, 1, 1, 1], &[0, 1, 2, 3, 4]);
    let changed = (0..four.len()).filter(|&c| four[c] != five[c]).count();
    assert!(changed <= 251 / 5 + 25, "{changed} entries moved");
}

#[test]
fn the_table_is_deterministic_and_servers_hash_apart() {
    assert_eq!(table(&[1, 2], &[0, 1]), table(&[1, 2], &[0, 1]));
    assert_ne!(hashes(&target(0)), hashes(&target(1)));
}
