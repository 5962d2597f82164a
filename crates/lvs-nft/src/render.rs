//! The table as `nft -f` text. The script first declares and deletes the
//! table, then declares it whole, so `nft` replaces it in one transaction:
//! no packet ever sees the table half written or missing.

use std::fmt::Write;
use std::net::IpAddr;

use ka_types::lvs::{DataPlane, Family, ServiceState, SvcKey};

use crate::plan::{Pick, Plan, Slot, Spread, Target, plan};
use crate::{HASH_SEED, TABLE};

/// How a service is matched in the dispatch chain.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Match {
    /// `meta mark`, per family; IPVS looks fwmark services up first.
    Mark(Family),
    /// Address, protocol and port.
    Port(Family),
    /// Address and protocol (port-0 services: every port).
    AnyPort(Family),
}

/// One service's entry in a dispatch map and its chain.
struct Entry<'a> {
    key: &'a SvcKey,
    state: &'a ServiceState,
    chain: String,
    plan: Plan,
}

/// The whole table as an `nft -f` script. Services that `check` refuses
/// are left out, with a comment saying why.
pub fn render(table: &DataPlane) -> String {
    let mut out = String::new();
    let mut entries = Vec::new();
    let mut refused = Vec::new();
    for (i, (key, state)) in table.services.iter().enumerate() {
        match plan(state) {
            Ok(plan) => entries.push(Entry {
                key,
                state,
                chain: format!("svc{i}"),
                plan,
            }),
            Err(reason) => refused.push(format!("# {key}: refused: {reason}")),
        }
    }
    out.push_str(
        "# keepalived-rs virtual servers (ka-lvs-nft), replaced whole in one \
         transaction.\n",
    );
    for line in &refused {
        out.push_str(line);
        out.push('\n');
    }
    let _ = write!(
        out,
        "table inet {TABLE} {{\n}}\ndelete table inet {TABLE}\n\
         table inet {TABLE} {{\n"
    );
    out.push_str(
        "\tchain prerouting {\n\
         \t\ttype nat hook prerouting priority dstnat; policy accept;\n\
         \t\tjump services\n\t}\n\
         \tchain output {\n\
         \t\ttype nat hook output priority -100; policy accept;\n\
         \t\tjump services\n\t}\n",
    );
    dispatch(&mut out, &entries);
    for e in &entries {
        service_chain(&mut out, e);
    }
    refuse_chains(&mut out, &entries);
    out.push_str("}\n");
    out
}

fn match_of(key: &SvcKey) -> Match {
    match key {
        SvcKey::Fwmark { family, .. } => Match::Mark(*family),
        SvcKey::Addr { addr, .. } if addr.port() == 0 => {
            Match::AnyPort(key.family())
        }
        SvcKey::Addr { .. } => Match::Port(key.family()),
    }
}

/// The `services` chain: one verdict map per kind of match and family.
fn dispatch(out: &mut String, entries: &[Entry<'_>]) {
    out.push_str("\tchain services {\n");
    let mut kinds: Vec<Match> =
        entries.iter().map(|e| match_of(e.key)).collect();
    kinds.sort();
    kinds.dedup();
    for kind in kinds {
        let head = match kind {
            Match::Mark(f) => format!("meta nfproto {} meta mark", nfproto(f)),
            Match::Port(f) => {
                format!("{} daddr . meta l4proto . th dport", ipf(f))
            }
            Match::AnyPort(f) => format!("{} daddr . meta l4proto", ipf(f)),
        };
        let _ = writeln!(out, "\t\t{head} vmap {{");
        for e in entries.iter().filter(|e| match_of(e.key) == kind) {
            let verdict = if e.plan.pick == Pick::Nobody {
                "accept".to_owned()
            } else {
                format!("jump {}", e.chain)
            };
            let _ = writeln!(out, "\t\t\t{} : {verdict},", element(e.key));
        }
        out.push_str("\t\t}\n");
    }
    out.push_str("\t}\n");
}

/// A service's key as a dispatch map element.
fn element(key: &SvcKey) -> String {
    match key {
        SvcKey::Fwmark { mark, .. } => mark.to_string(),
        SvcKey::Addr { proto, addr } if addr.port() == 0 => {
            format!("{} . {}", addr.ip(), proto.as_str())
        }
        SvcKey::Addr { proto, addr } => {
            format!("{} . {} . {}", addr.ip(), proto.as_str(), addr.port())
        }
    }
}

/// A service's chain: its comment, then one `dnat` choosing the target.
fn service_chain(out: &mut String, e: &Entry<'_>) {
    if e.plan.pick == Pick::Nobody {
        return;
    }
    let svc = &e.state.service;
    let _ = write!(
        out,
        "\tchain {} {{\n\t\tcomment \"{} {}{}\"\n\t\t",
        e.chain,
        e.key,
        svc.scheduler,
        if e.plan.persistent { " persistent" } else { "" }
    );
    let fam = ipf(e.key.family());
    let ports = match &e.plan.pick {
        Pick::One(t) => t.port.is_some(),
        Pick::Spread { slots, .. } => slots.iter().any(|s| s.to.port.is_some()),
        Pick::Nobody => false,
    };
    // A port mapping needs a transport protocol match before it.
    match e.key {
        SvcKey::Addr { proto, .. } => {
            let _ = write!(out, "meta l4proto {} ", proto.as_str());
        }
        SvcKey::Fwmark { .. } if ports => {
            out.push_str("meta l4proto { tcp, udp, sctp } ");
        }
        SvcKey::Fwmark { .. } => {}
    }
    match &e.plan.pick {
        Pick::One(t) => {
            let _ = writeln!(out, "dnat {fam} to {}", single(t));
        }
        Pick::Spread { by, modulus, slots } => {
            let _ = writeln!(
                out,
                "dnat {fam} to {} map {{",
                selector(*by, fam, *modulus)
            );
            // nft 1.0.6 refuses a masked hash (`jhash ip saddr & M`) in
            // front of an interval map ("exceeds valid range 0-0"): such
            // maps are written one value per element.
            let masked = matches!(by, Spread::Source { mask: Some(_), .. });
            for s in slots {
                if masked {
                    for v in s.lo..=s.hi {
                        let _ = writeln!(out, "\t\t\t{v} : {},", mapped(&s.to));
                    }
                } else {
                    let _ = writeln!(
                        out,
                        "\t\t\t{} : {},",
                        range(s),
                        mapped(&s.to)
                    );
                }
            }
            out.push_str("\t\t}\n");
        }
        Pick::Nobody => {}
    }
    out.push_str("\t}\n");
}

/// The selector expression of a spread.
fn selector(by: Spread, fam: &str, modulus: u64) -> String {
    match by {
        Spread::Turn => format!("numgen inc mod {modulus}"),
        Spread::Source { mask, port } => {
            let mask = mask.map(|m| format!(" & {m}")).unwrap_or_default();
            let port = if port { " . th sport" } else { "" };
            format!(
                "jhash {fam} saddr{mask}{port} mod {modulus} seed {HASH_SEED:#x}"
            )
        }
        Spread::Dest => {
            format!("jhash {fam} daddr mod {modulus} seed {HASH_SEED:#x}")
        }
    }
}

fn range(s: &Slot) -> String {
    if s.lo == s.hi {
        s.lo.to_string()
    } else {
        format!("{}-{}", s.lo, s.hi)
    }
}

/// A target as a map value: `addr . port` or `addr`.
fn mapped(t: &Target) -> String {
    match t.port {
        Some(p) => format!("{} . {p}", t.ip),
        None => t.ip.to_string(),
    }
}

/// A target as a `dnat to` argument: `192.0.2.1:80`, `[2001:db8::1]:80`.
fn single(t: &Target) -> String {
    match (t.ip, t.port) {
        (IpAddr::V4(a), Some(p)) => format!("{a}:{p}"),
        (IpAddr::V6(a), Some(p)) => format!("[{a}]:{p}"),
        (ip, None) => ip.to_string(),
    }
}

/// Services with no destination to take a new connection refuse it with
/// ICMP port unreachable, as IPVS does (`ip_vs_leave`), for clients
/// routed through (forward), to a local VIP (input) and local (output).
fn refuse_chains(out: &mut String, entries: &[Entry<'_>]) {
    let empty: Vec<&Entry<'_>> = entries
        .iter()
        .filter(|e| e.plan.pick == Pick::Nobody)
        .collect();
    if empty.is_empty() {
        return;
    }
    out.push_str("\tchain refuse {\n");
    for e in empty {
        let m = match e.key {
            SvcKey::Fwmark { mark, family } => {
                format!("meta nfproto {} meta mark {mark}", nfproto(*family))
            }
            SvcKey::Addr { proto, addr } => {
                let port = if addr.port() == 0 {
                    String::new()
                } else {
                    format!(" th dport {}", addr.port())
                };
                format!(
                    "{} daddr {} meta l4proto {}{port}",
                    ipf(e.key.family()),
                    addr.ip(),
                    proto.as_str()
                )
            }
        };
        let _ = writeln!(
            out,
            "\t\t{m} ct state new reject with icmpx type port-unreachable"
        );
    }
    out.push_str("\t}\n");
    for hook in ["input", "forward", "output"] {
        let _ = write!(
            out,
            "\tchain refuse_{hook} {{\n\
             \t\ttype filter hook {hook} priority filter; policy accept;\n\
             \t\tjump refuse\n\t}}\n"
        );
    }
}

fn ipf(f: Family) -> &'static str {
    match f {
        Family::Inet => "ip",
        Family::Inet6 => "ip6",
    }
}

fn nfproto(f: Family) -> &'static str {
    match f {
        Family::Inet => "ipv4",
        Family::Inet6 => "ipv6",
    }
}
