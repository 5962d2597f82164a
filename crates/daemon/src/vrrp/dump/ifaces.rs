//! The `------< Interfaces >------` section of `keepalived.data`
//! (keepalived `dump_if`): every interface of the namespace, read when
//! the dump is written ([`read_all`], from sysfs and `getifaddrs`), then
//! formatted without I/O ([`section`]).

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ka_vrrp::TrackKind;

use super::view::View;

/// What the section shows of one interface.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IfaceInfo {
    /// Name.
    pub name: String,
    /// Index.
    pub index: u32,
    /// IPv4 addresses, primary first.
    pub ipv4: Vec<Ipv4Addr>,
    /// IPv6 link-local addresses (keepalived keeps no others).
    pub ipv6_ll: Vec<Ipv6Addr>,
    /// Hardware and broadcast addresses, `aa:bb:…` (none for loopback).
    pub mac: Option<(String, String)>,
    /// `IFF_*` flags.
    pub flags: u32,
    /// MTU.
    pub mtu: u32,
    /// `ARPHRD_*` type.
    pub hw_type: u32,
    /// `net.ipv6.conf.NAME.forwarding`.
    pub ipv6_forwarding: bool,
}

fn sys(name: &str, file: &str) -> Option<String> {
    std::fs::read_to_string(format!("/sys/class/net/{name}/{file}"))
        .ok()
        .map(|s| s.trim().to_string())
}

/// Every interface of the current namespace, in index order.
pub(crate) fn read_all() -> Vec<IfaceInfo> {
    let Ok(dir) = std::fs::read_dir("/sys/class/net") else {
        return Vec::new();
    };
    let mut all: Vec<IfaceInfo> = dir
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let num = |f: &str| sys(&name, f).and_then(|s| s.parse().ok());
            let flags = sys(&name, "flags").and_then(|s| {
                u32::from_str_radix(s.trim_start_matches("0x"), 16).ok()
            })?;
            // Loopback's all-zero address is no address for keepalived.
            let mac = sys(&name, "address").filter(|m| {
                m.chars().any(|c| c.is_ascii_hexdigit() && c != '0')
            });
            let bcast = sys(&name, "broadcast").unwrap_or_default();
            let fwd = std::fs::read_to_string(format!(
                "/proc/sys/net/ipv6/conf/{name}/forwarding"
            ));
            Some(IfaceInfo {
                index: num("ifindex")?,
                mtu: num("mtu").unwrap_or(0),
                hw_type: num("type").unwrap_or(0),
                mac: mac.map(|m| (m, bcast)),
                flags,
                ipv6_forwarding: fwd.is_ok_and(|s| s.trim() == "1"),
                name,
                ..IfaceInfo::default()
            })
        })
        .collect();
    all.sort_by_key(|i| i.index);
    if let Ok(addrs) = nix::ifaddrs::getifaddrs() {
        for a in addrs {
            let Some(i) = all.iter_mut().find(|i| i.name == a.interface_name)
            else {
                continue;
            };
            // sysfs lacks IFF_RUNNING (and the other dynamic flags).
            i.flags |= u32::try_from(a.flags.bits()).unwrap_or(0);
            let Some(sa) = a.address else { continue };
            if let Some(v4) = sa.as_sockaddr_in() {
                i.ipv4.push(v4.ip());
            } else if let Some(v6) = sa
                .as_sockaddr_in6()
                .filter(|v6| v6.ip().is_unicast_link_local())
            {
                i.ipv6_ll.push(v6.ip());
            }
        }
    }
    all
}

const IFF_UP: u32 = 0x1;
const IFF_BROADCAST: u32 = 0x2;
const IFF_LOOPBACK: u32 = 0x8;
const IFF_POINTOPOINT: u32 = 0x10;
const IFF_RUNNING: u32 = 0x40;
const IFF_NOARP: u32 = 0x80;
const IFF_MULTICAST: u32 = 0x1000;

fn state(flags: u32) -> String {
    let not = |f| if flags & f == 0 { "not " } else { "" };
    let mut o = format!("{}UP, {}RUNNING", not(IFF_UP), not(IFF_RUNNING));
    for (bit, set, text) in [
        (IFF_BROADCAST, false, ", no broadcast"),
        (IFF_LOOPBACK, true, ", loopback"),
        (IFF_POINTOPOINT, true, ", point to point"),
        (IFF_NOARP, true, ", no arp"),
        (IFF_MULTICAST, false, ", no multicast"),
    ] {
        if (flags & bit != 0) == set {
            o += text;
        }
    }
    o
}

/// Appends the section for `ifaces`; addresses keepalived-rs added
/// itself (VIPs, eVIPs, static addresses) are not listed, as keepalived
/// does not list its own.
pub(super) fn section(o: &mut String, v: &View<'_>, ifaces: &[IfaceInfo]) {
    if ifaces.is_empty() {
        return;
    }
    let vips = v.plan.addresses.keys().map(|(_, a)| *a);
    let statics = v.plan.statics.addresses.iter().map(|(a, _)| *a);
    let ours: BTreeSet<IpAddr> = vips.chain(statics).collect();
    let mut w = |s: String| {
        o.push_str(&s);
        o.push('\n');
    };
    w("------< Interfaces >------".into());
    for i in ifaces {
        let v4: Vec<_> = i
            .ipv4
            .iter()
            .filter(|a| !ours.contains(&IpAddr::V4(**a)))
            .collect();
        w(format!(" Name = {}", i.name));
        w(format!("   index = {}", i.index));
        let first = |l: &[&Ipv4Addr]| {
            l.first().map_or("(none)".into(), ToString::to_string)
        };
        w(format!("   IPv4 address = {}", first(&v4)));
        if v4.len() > 1 {
            w("   Additional IPv4 addresses :".into());
            v4[1..].iter().for_each(|a| w(format!("     {a}")));
        }
        let v6 = i
            .ipv6_ll
            .first()
            .map_or("(none)".into(), ToString::to_string);
        w(format!("   IPv6 address = {v6}"));
        if i.ipv6_ll.len() > 1 {
            w("   Additional IPv6 addresses :".into());
            i.ipv6_ll[1..].iter().for_each(|a| w(format!("     {a}")));
        }
        if let Some((mac, bcast)) = &i.mac {
            w(format!("   MAC = {mac}"));
            w(format!("   MAC broadcast = {bcast}"));
        }
        w(format!("   State = {}", state(i.flags)));
        w(format!("   Seen up = {}", u8::from(i.flags & IFF_UP != 0)));
        w("   Delayed state change running = false".into());
        w("   Up debounce timer = 0us".into());
        w("   Down debounce timer = 0us".into());
        w(format!("   MTU = {}", i.mtu));
        w(match i.hw_type {
            772 => "   HW Type = LOOPBACK".into(),
            1 => "   HW Type = ETHERNET".into(),
            t => format!("   HW Type = UNKNOWN ({t})"),
        });
        w("   NIC netlink status update".into());
        w("   Reset ARP config counter 0".into());
        w("   Original arp_ignore 0".into());
        w("   Original arp_filter 0".into());
        w("   Original promote_secondaries 0".into());
        w("   Reset promote_secondaries counter 0".into());
        if let Some(t) = gna_check(v, &i.name) {
            let not = if i.ipv6_forwarding { "" } else { "Not " };
            w(format!(
                "   {not}IPv6 forwarding. Last checked {}",
                gna_stamp(v, t)
            ));
        }
        let tracking = tracking(v, &i.name);
        if !tracking.is_empty() {
            w("   Tracking VRRP instances :".into());
            tracking.into_iter().for_each(&mut w);
        }
    }
}

/// keepalived checks IPv6 forwarding when an IPv6 instance on the
/// interface first sends unsolicited NAs, i.e. becomes master.
fn gna_check(v: &View<'_>, ifname: &str) -> Option<Option<ka_types::Instant>> {
    v.instances()
        .iter()
        .filter(|i| i.c.is_ipv6() && i.c.interface.as_deref() == Some(ifname))
        .find(|i| i.s.stats.become_master > 0)
        .map(|i| i.s.last_transition)
}

/// keepalived's odd `%ld.%6.6ld (%.24s.%6.6ld)` stamp for this line.
fn gna_stamp(v: &View<'_>, t: Option<ka_types::Instant>) -> String {
    let (secs, us) = v.wall(t);
    let local = i64::try_from(secs)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map(|d| d.with_timezone(&chrono::Local));
    let human = local.map_or_else(String::new, |d| {
        d.format("%a %b %e %H:%M:%S %Y").to_string()
    });
    format!("{secs}.{us:06} ({human}.{us:06})")
}

/// `     NAME, weight W` for each instance tracking interface `ifname`:
/// its own interface (weight 0), `track_interface`, or its sync group's.
fn tracking(v: &View<'_>, ifname: &str) -> Vec<String> {
    let kind = TrackKind::Interface(ifname.to_string());
    v.instances()
        .iter()
        .filter_map(|i| {
            let own = i.c.interface.as_deref() == Some(ifname)
                && !i.c.dont_track_primary;
            let group = i.group.and_then(|g| {
                v.plan.engine.sync_groups.iter().find(|s| s.name == g)
            });
            let t =
                i.c.track
                    .iter()
                    .chain(group.iter().flat_map(|g| g.track.iter()))
                    .find(|t| t.kind == kind);
            let (weight, rev) = match (own, t) {
                (true, _) => (0, false),
                (false, Some(t)) => (t.weight, t.reverse),
                (false, None) => return None,
            };
            let rev = if rev { " reverse" } else { "" };
            Some(format!("     {}, weight {weight}{rev}", i.s.name))
        })
        .collect()
}
