//! Virtual servers as kernel services and real servers as destinations:
//! keepalived's `ipvs_set_srule` / `ipvs_set_drule` (ipvswrapper.c) on
//! the validated model, and `virtual_server_group` expansion.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use ka_config::model::lvs::{
    Family as CfgFamily, Forwarding, Granularity, Protocol, TunnelCsum,
    TunnelType, VirtualServer, VirtualServerGroup, VsKey, VsgEntry,
};
use ka_types::lvs::{
    Dest, Family, Forward, Proto, Service, SvcKey, Tunnel, svc_flags,
};

/// A group range is expanded into one service per address; a range
/// larger than this is cut there (and reported by the caller).
pub(crate) const MAX_RANGE: u32 = 65_536;

/// The kernel protocol of a virtual server keyed on addresses (validation
/// has set one: UDP when none was written).
pub(crate) fn proto(vs: &VirtualServer) -> Proto {
    match vs.protocol {
        Some(Protocol::Tcp) => Proto::Tcp,
        Some(Protocol::Sctp) => Proto::Sctp,
        // keepalived compat: the kernel treats protocol 0 as UDP.
        Some(Protocol::Udp) | None => Proto::Udp,
    }
}

/// keepalived's `FMT_VS`: `[192.0.2.1]:tcp:80`, `FWM 5`, or `[GROUP]:0`
/// for a group (its `vs->addr` is empty, so the port printed is 0).
pub fn fmt_vs(vs: &VirtualServer) -> String {
    match &vs.key {
        VsKey::Addr(sa) => {
            format!("[{}]:{}:{}", sa.ip(), proto(vs).as_str(), sa.port())
        }
        VsKey::Fwmark(m) => format!("FWM {m}"),
        VsKey::Group(g) => format!("[{g}]:0"),
    }
}

/// keepalived's `FMT_RS`: the real server's address with the service's
/// protocol (`none` for fwmark services, whose `service_type` is 0).
pub fn fmt_rs(vs: &VirtualServer, addr: SocketAddr) -> String {
    let p = match &vs.key {
        VsKey::Fwmark(_) => "none",
        _ if vs.protocol.is_none() => "none",
        _ => proto(vs).as_str(),
    };
    format!("[{}]:{p}:{}", addr.ip(), addr.port())
}

/// The family of a fwmark service: `ip_family`, else the entry's, else
/// that of the first real server (keepalived's `vs->af`), else IPv4.
fn fwmark_family(vs: &VirtualServer, entry: Option<CfgFamily>) -> Family {
    let f = entry.or(vs.ip_family).or_else(|| {
        vs.real_servers
            .iter()
            .find(|rs| !matches!(rs.forwarding, Some(Forwarding::Tun(_))))
            .map(|rs| CfgFamily::of(rs.addr.ip()))
    });
    match f {
        Some(CfgFamily::Inet6) => Family::Inet6,
        _ => Family::Inet,
    }
}

/// The service for `key`, with the virtual server's scheduler, flags and
/// persistence (`ipvs_set_srule`).
fn service(vs: &VirtualServer, key: SvcKey) -> Service {
    let f = &vs.flags;
    let mut flags = 0;
    if f.ops {
        flags |= svc_flags::ONEPACKET;
    }
    if f.flag_1 || f.sh_fallback || f.mh_fallback {
        flags |= svc_flags::SCHED1;
    }
    if f.flag_2 || f.sh_port || f.mh_port {
        flags |= svc_flags::SCHED2;
    }
    if f.flag_3 {
        flags |= svc_flags::SCHED3;
    }
    let v6 = key.family() == Family::Inet6;
    let mut netmask = if v6 { 128 } else { u32::MAX };
    let mut timeout = 0;
    let mut pe_name = None;
    if let Some(t) = vs.persistence_timeout {
        flags |= svc_flags::PERSISTENT;
        timeout = u32::try_from(t.as_secs()).unwrap_or(u32::MAX);
        match vs.persistence_granularity {
            Some(Granularity::V4(m)) if !v6 => netmask = u32::from(m),
            Some(Granularity::V6(len)) if v6 => netmask = u32::from(len),
            _ => {}
        }
        pe_name.clone_from(&vs.persistence_engine);
    }
    Service {
        key,
        scheduler: vs.scheduler.map_or("wlc", |s| s.as_str()).to_owned(),
        flags,
        timeout,
        netmask,
        pe_name,
    }
}

/// Every kernel service of a virtual server: one, or one per address and
/// fwmark of its group. `notes` gets a line per range cut short.
pub(crate) fn services(
    vs: &VirtualServer,
    group: Option<&VirtualServerGroup>,
    notes: &mut Vec<String>,
) -> Vec<Service> {
    let proto = proto(vs);
    match (&vs.key, group) {
        (VsKey::Addr(sa), _) => {
            vec![service(vs, SvcKey::Addr { proto, addr: *sa })]
        }
        (VsKey::Fwmark(mark), _) => {
            let family = fwmark_family(vs, None);
            vec![service(
                vs,
                SvcKey::Fwmark {
                    mark: *mark,
                    family,
                },
            )]
        }
        (VsKey::Group(_), None) => Vec::new(),
        (VsKey::Group(name), Some(g)) => {
            let mut out = Vec::new();
            for e in &g.entries {
                match *e {
                    VsgEntry::Range { start, end, port } => {
                        let addrs = expand(start, end);
                        if addrs.len() as u32 >= MAX_RANGE {
                            notes.push(format!("virtual_server_group {name}: range {start}-{end} is cut at {MAX_RANGE} addresses"));
                        }
                        out.extend(addrs.into_iter().map(|ip| {
                            let addr = SocketAddr::new(ip, port);
                            service(vs, SvcKey::Addr { proto, addr })
                        }));
                    }
                    VsgEntry::Fwmark { mark, family } => {
                        let family = fwmark_family(vs, family);
                        out.push(service(vs, SvcKey::Fwmark { mark, family }));
                    }
                }
            }
            out
        }
    }
}

/// The addresses of an inclusive range, at most [`MAX_RANGE`].
pub(crate) fn expand(start: IpAddr, end: IpAddr) -> Vec<IpAddr> {
    match (start, end) {
        (IpAddr::V4(s), IpAddr::V4(e)) => {
            let (s, e) = (u32::from(s), u32::from(e));
            (s..=e.max(s))
                .take(MAX_RANGE as usize)
                .map(|n| IpAddr::V4(Ipv4Addr::from(n)))
                .collect()
        }
        (IpAddr::V6(s), IpAddr::V6(e)) => {
            let (s, e) = (u128::from(s), u128::from(e));
            (s..=e.max(s))
                .take(MAX_RANGE as usize)
                .map(|n| IpAddr::V6(Ipv6Addr::from(n)))
                .collect()
        }
        (s, _) => vec![s],
    }
}

/// The forwarding method and tunnel values of a destination.
pub(crate) fn forward(f: Option<Forwarding>) -> (Forward, Option<Tunnel>) {
    match f {
        Some(Forwarding::Dr) => (Forward::Route, None),
        Some(Forwarding::Tun(t)) => {
            let (kind, port) = match t.kind {
                TunnelType::Ipip => (0, 0),
                TunnelType::Gue { port } => (1, port),
                TunnelType::Gre => (2, 0),
            };
            let flags = match t.csum {
                TunnelCsum::NoCsum => 0,
                TunnelCsum::Csum => 1,
                TunnelCsum::RemCsum => 2,
            };
            (Forward::Tunnel, Some(Tunnel { kind, port, flags }))
        }
        Some(Forwarding::Nat) | None => (Forward::Masq, None),
    }
}

/// A destination as `ipvs_set_drule` fills it: the validated address
/// (validation already gave non-NAT servers the service's port, and
/// fwmark ones port 0), the forwarding method, weight and thresholds.
pub(crate) fn dest(
    addr: SocketAddr,
    fwd: Option<Forwarding>,
    weight: u32,
    thresholds: (u32, u32),
) -> Dest {
    let (forward, tunnel) = forward(fwd);
    Dest {
        addr,
        forward,
        tunnel,
        weight,
        u_threshold: thresholds.0,
        l_threshold: thresholds.1,
    }
}

/// The addresses `ha_suspend` watches: the virtual addresses of the
/// service (fwmark services have none; validation clears `ha_suspend`
/// for them).
pub(crate) fn vips(services: &[Service]) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = services
        .iter()
        .filter_map(|s| match s.key {
            SvcKey::Addr { addr, .. } => Some(addr.ip()),
            SvcKey::Fwmark { .. } => None,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}
