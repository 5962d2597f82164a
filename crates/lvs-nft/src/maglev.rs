//! Maglev consistent hashing (Eisenbud et al., "Maglev: A Fast and
//! Reliable Software Network Load Balancer", NSDI 2016, §3.4), the method
//! of IPVS's `mh` scheduler, computed here and written into the table as a
//! `jhash ... mod M` map. Each real server fills the lookup table along
//! its own permutation, in turns proportional to its weight, so adding or
//! removing one server moves only about 1/N of the sources. The
//! permutations come from our own hash of each server's address and port,
//! so which source lands where differs from IPVS's; the consistency
//! property is the same.

use crate::plan::{Slot, Target};

/// The lookup table size: a prime, as Maglev requires (one of the sizes
/// IPVS offers for `mh`). Weights are honoured to about 1/M of the table.
pub(crate) const TABLE_SIZE: u64 = 251;

/// The lookup table for `targets` of `weights` (all positive), as slot
/// ranges over `0..TABLE_SIZE` (neighbouring entries of one target merged).
pub(crate) fn slots(weights: &[u64], targets: &[Target]) -> Vec<Slot> {
    let m = TABLE_SIZE;
    let turns = turns(weights);
    let perms: Vec<(u64, u64)> = targets
        .iter()
        .map(|t| {
            let (h1, h2) = hashes(t);
            (h1 % m, h2 % (m - 1) + 1)
        })
        .collect();
    let mut next = vec![0u64; targets.len()];
    let mut entry: Vec<Option<usize>> = vec![None; m as usize];
    let mut filled = 0u64;
    'fill: loop {
        for (i, &(offset, skip)) in perms.iter().enumerate() {
            for _ in 0..turns[i] {
                // Every permutation visits each entry once within m steps,
                // and the table is not full, so this ends.
                let mut c = (offset + next[i] * skip) % m;
                while entry[c as usize].is_some() {
                    next[i] += 1;
                    c = (offset + next[i] * skip) % m;
                }
                entry[c as usize] = Some(i);
                next[i] += 1;
                filled += 1;
                if filled == m {
                    break 'fill;
                }
            }
        }
    }
    let mut out: Vec<Slot> = Vec::new();
    for (c, i) in entry.iter().enumerate() {
        let (c, to) = (c as u64, targets[i.unwrap_or(0)]);
        match out.last_mut() {
            Some(last) if last.to == to && last.hi + 1 == c => last.hi = c,
            _ => out.push(Slot { lo: c, hi: c, to }),
        }
    }
    out
}

/// Turns per round: the weights reduced by their greatest common divisor,
/// then scaled down (each kept at 1 or more) so one round fits in the
/// table and every server gets entries.
fn turns(weights: &[u64]) -> Vec<u64> {
    let g = weights.iter().copied().fold(0, gcd).max(1);
    let reduced: Vec<u64> = weights.iter().map(|w| w / g).collect();
    let sum: u64 = reduced.iter().sum();
    let room = TABLE_SIZE / 2;
    if sum <= room {
        return reduced;
    }
    reduced.iter().map(|w| (w * room / sum).max(1)).collect()
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Two independent hashes of a target (FNV-1a, two offset bases).
fn hashes(t: &Target) -> (u64, u64) {
    let mut bytes = match t.ip {
        std::net::IpAddr::V4(a) => a.octets().to_vec(),
        std::net::IpAddr::V6(a) => a.octets().to_vec(),
    };
    bytes.extend_from_slice(&t.port.unwrap_or(0).to_be_bytes());
    let fnv = |basis: u64| {
        bytes.iter().fold(basis, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    (fnv(0xcbf2_9ce4_8422_2325), fnv(0x6c62_272e_07bb_0142))
}

#[cfg(test)]
#[path = "maglev_tests.rs"]
mod tests;
