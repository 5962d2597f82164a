//! BFD configuration: `bfd_instance` blocks (keepalived `bfd_parser.c`,
//! defaults from `bfd.h`).

use std::net::IpAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::model::vrrp::Loc;
use crate::print::Printer;

/// Every `bfd_instance`.
#[derive(Clone, Debug, Default, PartialEq)]
#[derive(Serialize, Deserialize)]
pub struct BfdSection {
    /// The instances, in file order.
    pub instances: Vec<BfdInstance>,
}

/// One `bfd_instance NAME { … }` session.
#[derive(Clone, Debug, PartialEq)]
#[derive(Serialize, Deserialize)]
pub struct BfdInstance {
    /// Name (< 32 bytes) used by `track_bfd` and `BFD_CHECK`.
    pub name: String,
    /// Where the block starts.
    pub loc: Loc,
    /// `neighbor_ip` / `neighbour_ip` (required).
    pub neighbor: Option<IpAddr>,
    /// `source_ip`.
    pub source: Option<IpAddr>,
    /// `min_rx`, default 10 ms (`BFD_MINRX_DEFAULT`).
    pub min_rx: Duration,
    /// `min_tx`, default 10 ms (`BFD_MINTX_DEFAULT`).
    pub min_tx: Duration,
    /// `idle_tx`, default 1000 ms (`BFD_IDLETX_DEFAULT`).
    pub idle_tx: Duration,
    /// `multiplier`, default 5 (`BFD_MULTIPLIER_DEFAULT`).
    pub multiplier: u8,
    /// `passive`.
    pub passive: bool,
    /// `ttl`/`hoplimit`; default 255 (IPv4) or 64 (IPv6) resolved by
    /// validation.
    pub ttl: Option<u8>,
    /// `max_hops` (-1..=255), default 0.
    pub max_hops: i16,
    /// `weight` for `track_bfd` (-253..=253), default 0.
    pub weight: i32,
    /// `weight … reverse`.
    pub reverse: bool,
    /// `vrrp` given (only VRRP is told of state changes).
    pub vrrp: bool,
    /// `checker` given (only the checker is told).
    pub checker: bool,
}

impl BfdInstance {
    /// A session with keepalived's defaults.
    pub fn new(name: impl Into<String>, loc: Loc) -> Self {
        Self {
            name: name.into(),
            loc,
            neighbor: None,
            source: None,
            min_rx: Duration::from_millis(10),
            min_tx: Duration::from_millis(10),
            idle_tx: Duration::from_millis(1000),
            multiplier: 5,
            passive: false,
            ttl: None,
            max_hops: 0,
            weight: 0,
            reverse: false,
            vrrp: false,
            checker: false,
        }
    }
}

impl BfdSection {
    /// The instance called `name`.
    pub fn instance(&self, name: &str) -> Option<&BfdInstance> {
        self.instances.iter().find(|i| i.name == name)
    }

    /// Prints every `bfd_instance`.
    pub fn print(&self, p: &mut Printer) {
        for b in &self.instances {
            p.block("bfd_instance", [&b.name], |p| {
                p.opt("neighbor_ip", b.neighbor);
                p.opt("source_ip", b.source);
                p.kv("min_rx", ms(b.min_rx));
                p.kv("min_tx", ms(b.min_tx));
                p.kv("idle_tx", ms(b.idle_tx));
                p.kv("multiplier", b.multiplier);
                if b.passive {
                    p.flag("passive");
                }
                p.opt("ttl", b.ttl);
                p.kv("max_hops", b.max_hops);
                if b.reverse {
                    p.line("weight", [b.weight.to_string(), "reverse".into()]);
                } else {
                    p.kv("weight", b.weight);
                }
                if b.vrrp {
                    p.flag("vrrp");
                }
                if b.checker {
                    p.flag("checker");
                }
            });
        }
    }
}

/// Milliseconds with up to three decimals (keepalived reads BFD timers in
/// ms with µs resolution).
fn ms(d: Duration) -> String {
    let us = d.as_micros();
    if us.is_multiple_of(1000) {
        (us / 1000).to_string()
    } else {
        let s = format!("{}.{:03}", us / 1000, us % 1000);
        s.trim_end_matches('0').to_string()
    }
}
