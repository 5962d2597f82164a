//! Byte-level comparison of one advert from each implementation for the
//! same configuration.
//!
//! Three runs per configuration, one daemon at a time, each captured by
//! tcpdump on the other host: keepalived on host 0, keepalived-rs on host
//! 0, keepalived-rs on host 1. The first two share every address, so the
//! frames may differ only in the IPv4 identification (a per-sender
//! counter) and, because of it, the IPv4 header checksum. The third comes
//! from other addresses: keepalived's frame re-addressed (MACs, IP
//! addresses, identification) with both checksums recomputed must equal
//! it byte for byte; the VRRP checksum changes with the addresses for
//! VRRPv3 (pseudo-header) and not for VRRPv2 (message only).

use std::net::IpAddr;
use std::time::{Duration, Instant};

use ka_lab::Lab;

use crate::conf::{Cell, Family, NodeConf};
use crate::support::{self, Impl};
use crate::wire::{self, adverts, diff, frames};

const PRIO: u8 = 150;

/// Fields that may differ between two senders on the same host.
const SAME_HOST_ALLOWED: [&str; 2] =
    ["IPv4 identification", "IPv4 header checksum"];

/// Compares the adverts of both implementations for `cell`; `Ok` holds a
/// report of what differs and why.
pub fn compare(cell: Cell) -> Result<String, String> {
    let mut lab = Lab::new(2).map_err(|e| e.to_string())?;
    for h in 0..2 {
        let path = lab.dir().join(format!("h{h}.pcap"));
        wire::start_capture(&mut lab, h, &path)?;
    }
    let ka0 = capture_one(&mut lab, cell, Impl::Keepalived, 0)?;
    let rs0 = capture_one(&mut lab, cell, Impl::Rust, 0)?;
    let rs1 = capture_one(&mut lab, cell, Impl::Rust, 1)?;
    judge(cell, &ka0, &rs0, &rs1)
}

/// Runs `imp` alone on `sender` and returns its first advert at
/// priority 150 as seen by the other host.
fn capture_one(
    lab: &mut Lab,
    cell: Cell,
    imp: Impl,
    sender: usize,
) -> Result<Vec<u8>, String> {
    let observer = 1 - sender;
    let pcap = lab.dir().join(format!("h{observer}.pcap"));
    let before = adverts(&frames(&pcap)).len();
    let addr = |h: usize| -> IpAddr {
        let host = lab.host(h);
        if cell.family == Family::V4 {
            host.ipv4.into()
        } else {
            host.ipv6.into()
        }
    };
    let conf = NodeConf {
        cell,
        own: addr(sender),
        peer: addr(observer),
        prio: PRIO,
        nopreempt: false,
        track: None,
        sync: false,
    };
    let label = format!("{}-h{sender}", imp.label());
    let node = support::start(lab, sender, imp, &conf.render(), &label)?;
    let bound = cell.master_down(PRIO) + Duration::from_secs(5);
    let start = Instant::now();
    let mut found = None;
    while found.is_none() && start.elapsed() < bound {
        std::thread::sleep(Duration::from_millis(50));
        found = adverts(&frames(&pcap))
            .into_iter()
            .skip(before)
            .find(|a| wire::priority(a) == PRIO);
    }
    let log = lab.log_of(node.pid);
    support::stop(lab, &node)?;
    found.ok_or_else(|| {
        format!(
            "{}: no advert at priority {PRIO} from {label} within {:.1} s\n{}\n--- wire\n{}",
            cell.name(),
            bound.as_secs_f64(),
            support::tail(&log, 20),
            wire::summary(&pcap, 20)
        )
    })
}

/// Checks the three adverts against each other and explains the result.
fn judge(
    cell: Cell,
    ka0: &[u8],
    rs0: &[u8],
    rs1: &[u8],
) -> Result<String, String> {
    let name = cell.name();
    let dump = || {
        format!(
            "  keepalived    {}\n  keepalived-rs {}\n  keepalived-rs from host 1 {}",
            hex(ka0),
            hex(rs0),
            hex(rs1)
        )
    };
    // Our checksum code must agree with keepalived before it judges us.
    let ip = &ka0[14..];
    let off = wire::vrrp_offset(ip);
    let carried = u16::from_be_bytes([ip[off + 6], ip[off + 7]]);
    if carried != wire::vrrp_checksum(ip) {
        return Err(format!(
            "{name}: keepalived's VRRP checksum {carried:04x} is not what this test computes ({:04x})\n{}",
            wire::vrrp_checksum(ip),
            dump()
        ));
    }
    let same = diff(ka0, rs0);
    let bad: Vec<_> = same
        .iter()
        .filter(|(f, _)| !SAME_HOST_ALLOWED.contains(f))
        .collect();
    if !bad.is_empty() {
        return Err(format!(
            "{name}: same host, unexpected differences {bad:?}\n{}",
            dump()
        ));
    }
    let expected = wire::readdressed(ka0, rs1);
    let left = diff(&expected, rs1);
    if !left.is_empty() {
        return Err(format!(
            "{name}: keepalived's advert re-addressed to host 1 still differs from keepalived-rs's: {left:?}\n{}",
            dump()
        ));
    }
    let other = diff(ka0, rs1);
    let same_text = if same.is_empty() {
        "identical byte for byte".to_string()
    } else {
        format!("differ only in {}", fields(&same))
    };
    Ok(format!(
        "{name}: {} bytes of IP packet\n  same host: {same_text}\n  keepalived-rs on host 1: differs in {}\n  \
         keepalived's advert re-addressed to host 1 with recomputed checksums equals keepalived-rs's byte for byte; {}",
        ka0.len() - 14,
        fields(&other),
        checksum_note(cell, &other)
    ))
}

/// Why the VRRP checksum did or did not change with the addresses.
fn checksum_note(cell: Cell, other: &[(&str, String)]) -> &'static str {
    let changed = other.iter().any(|(f, _)| *f == "VRRP checksum");
    match (cell.version, changed) {
        (2, _) => {
            "the VRRP checksum is unchanged: VRRPv2 sums the VRRP message only, never the addresses"
        }
        (_, true) => {
            "the VRRP checksum changed: VRRPv3 sums the pseudo-header (source, destination) too"
        }
        (_, false) => {
            "the VRRP checksum is unchanged although VRRPv3 sums the pseudo-header: source and destination \
             swapped places, and the one's-complement sum does not depend on their order"
        }
    }
}

fn fields(d: &[(&str, String)]) -> String {
    if d.is_empty() {
        return "nothing".into();
    }
    d.iter()
        .map(|(f, v)| format!("{f} ({v})"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn hex(f: &[u8]) -> String {
    f.iter().map(|b| format!("{b:02x}")).collect()
}
