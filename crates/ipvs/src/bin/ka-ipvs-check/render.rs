//! What `ipvsadm-save -n` and `ipvsadm -Ln --thresholds` print for a
//! table (ipvsadm 1.31's format, checked against its output under UML).

use std::net::SocketAddr;

use ka_types::lvs::{
    DataPlane, Dest, Family, Forward, Proto, Service, SvcKey, svc_flags,
};

fn addr(a: &SocketAddr) -> String {
    match a {
        SocketAddr::V4(v4) => v4.to_string(),
        SocketAddr::V6(v6) => format!("[{}]:{}", v6.ip(), v6.port()),
    }
}

fn key(k: &SvcKey) -> String {
    match k {
        SvcKey::Addr { proto, addr: a } => {
            let opt = match proto {
                Proto::Tcp => "-t",
                Proto::Udp => "-u",
                Proto::Sctp => "--sctp-service",
            };
            format!("{opt} {}", addr(a))
        }
        SvcKey::Fwmark {
            mark,
            family: Family::Inet,
        } => format!("-f {mark}"),
        SvcKey::Fwmark {
            mark,
            family: Family::Inet6,
        } => format!("-f {mark} -6"),
    }
}

fn sched_flags(s: &Service) -> Vec<&'static str> {
    let names: [&str; 3] = match s.scheduler.as_str() {
        "sh" => ["sh-fallback", "sh-port", "flag-3"],
        "mh" => ["mh-fallback", "mh-port", "flag-3"],
        _ => ["flag-1", "flag-2", "flag-3"],
    };
    [svc_flags::SCHED1, svc_flags::SCHED2, svc_flags::SCHED3]
        .iter()
        .zip(names)
        .filter(|(bit, _)| s.flags & **bit != 0)
        .map(|(_, n)| n)
        .collect()
}

fn service_line(s: &Service) -> String {
    let mut l = format!("-A {} -s {}", key(&s.key), s.scheduler);
    if s.flags & svc_flags::PERSISTENT != 0 {
        l += &format!(" -p {}", s.timeout);
        match s.key.family() {
            Family::Inet if s.netmask != u32::MAX => {
                l += &format!(" -M {}", std::net::Ipv4Addr::from(s.netmask));
            }
            Family::Inet6 if s.netmask != 128 => {
                l += &format!(" -M {}", s.netmask)
            }
            _ => {}
        }
    }
    if let Some(pe) = &s.pe_name {
        l += &format!(" --pe {pe}");
    }
    if s.flags & svc_flags::ONEPACKET != 0 {
        l += " -o";
    }
    let f = sched_flags(s);
    if !f.is_empty() {
        l += &format!(" -b {}", f.join(","));
    }
    l
}

fn dest_line(k: &SvcKey, d: &Dest) -> String {
    let fwd = match d.forward {
        Forward::Masq => "-m",
        Forward::Route => "-g",
        Forward::Tunnel => "-i",
    };
    let mut l =
        format!("-a {} -r {} {fwd} -w {}", key(k), addr(&d.addr), d.weight);
    if d.forward == Forward::Tunnel {
        let t = d.tunnel.unwrap_or_default();
        let csum = match t.flags {
            1 => "--tun-csum",
            2 => "--tun-remcsum",
            _ => "--tun-nocsum",
        };
        match t.kind {
            1 => l += &format!(" --tun-type gue --tun-port {} {csum}", t.port),
            2 => l += &format!(" --tun-type gre {csum}"),
            _ => l += " --tun-type ipip",
        }
    }
    l
}

/// `ipvsadm-save -n`'s lines, sorted (the kernel's order is its hash's).
pub(crate) fn save_lines(p: &DataPlane) -> Vec<String> {
    let mut v = Vec::new();
    for (k, s) in &p.services {
        v.push(service_line(&s.service));
        v.extend(s.dests.values().map(|d| dest_line(k, d)));
    }
    v.sort();
    v
}

/// `-> ADDR U L` for every destination of `ipvsadm -Ln --thresholds`,
/// sorted.
pub(crate) fn threshold_lines(p: &DataPlane) -> Vec<String> {
    let mut v: Vec<String> = p
        .services
        .values()
        .flat_map(|s| s.dests.values())
        .map(|d| {
            format!("-> {} {} {}", addr(&d.addr), d.u_threshold, d.l_threshold)
        })
        .collect();
    v.sort();
    v
}

/// The same lines read from ipvsadm's output.
pub(crate) fn parse_thresholds(out: &str) -> Vec<String> {
    let mut v: Vec<String> = out
        .lines()
        .filter_map(|l| {
            let t: Vec<&str> = l.split_whitespace().collect();
            (t.first() == Some(&"->")
                && t.len() >= 4
                && t[1] != "RemoteAddress:Port")
                .then(|| format!("-> {} {} {}", t[1], t[2], t[3]))
        })
        .collect();
    v.sort();
    v
}
