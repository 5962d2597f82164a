//! The table model (`ka_types::lvs`) as IPVS attributes and back, with
//! the values keepalived sends (`keepalived/check/libipvs.c:
//! ipvs_nl_fill_service_attr, ipvs_nl_fill_dest_attr`).

use std::net::SocketAddr;

use ka_types::lvs::{
    Dest, Family, Forward, Proto, Service, SvcKey, Tunnel, svc_flags,
};

use crate::nla::{AF_INET, AF_INET6, DestAttr, InetAddr, SvcAttr};

/// `IP_VS_CONN_F_TUNNEL_TYPE_GUE`.
const TUN_GUE: u8 = 1;
/// `IP_VS_CONN_F_TUNNEL_TYPE_IPIP`.
const TUN_IPIP: u8 = 0;

/// The kernel's number for a family.
pub(crate) fn af(family: Family) -> u16 {
    match family {
        Family::Inet => AF_INET,
        Family::Inet6 => AF_INET6,
    }
}

fn af_of(addr: &SocketAddr) -> u16 {
    if addr.is_ipv4() { AF_INET } else { AF_INET6 }
}

/// The attributes that name a service (all that DEL_SERVICE and the
/// destination commands need).
pub(crate) fn key_attrs(key: &SvcKey) -> Vec<SvcAttr> {
    let mut v = vec![SvcAttr::Af(af(key.family()))];
    match key {
        SvcKey::Fwmark { mark, .. } => v.push(SvcAttr::Fwmark(*mark)),
        SvcKey::Addr { proto, addr } => {
            v.push(SvcAttr::Protocol(u16::from(proto.number())));
            v.push(SvcAttr::Addr(InetAddr::from_ip(addr.ip())));
            v.push(SvcAttr::Port(addr.port()));
        }
    }
    v
}

/// A whole service, as NEW_SERVICE and SET_SERVICE carry it.
pub(crate) fn service_attrs(s: &Service) -> Vec<SvcAttr> {
    let mut v = key_attrs(&s.key);
    v.push(SvcAttr::SchedName(s.scheduler.clone()));
    if let Some(pe) = &s.pe_name {
        v.push(SvcAttr::PeName(pe.clone()));
    }
    // keepalived compat: the mask is ~0, so every flag is set as given.
    v.push(SvcAttr::Flags {
        flags: s.flags & !svc_flags::HASHED,
        mask: !0,
    });
    v.push(SvcAttr::Timeout(s.timeout));
    v.push(SvcAttr::Netmask(netmask_to_kernel(
        s.key.family(),
        s.netmask,
    )));
    v
}

/// `Service::netmask` (an IPv4 mask in host order, or an IPv6 prefix
/// length) as the kernel's `__be32 netmask` field holds it.
fn netmask_to_kernel(family: Family, netmask: u32) -> u32 {
    match family {
        Family::Inet => u32::from_ne_bytes(netmask.to_be_bytes()),
        Family::Inet6 => netmask,
    }
}

fn netmask_from_kernel(family: Family, raw: u32) -> u32 {
    match family {
        Family::Inet => u32::from_be_bytes(raw.to_ne_bytes()),
        Family::Inet6 => raw,
    }
}

/// A destination's attributes. The address family is sent because a
/// tunnelled real server may be of the other family than its service.
pub(crate) fn dest_attrs(d: &Dest) -> Vec<DestAttr> {
    let mut v = vec![
        DestAttr::AddrFamily(af_of(&d.addr)),
        DestAttr::Addr(InetAddr::from_ip(d.addr.ip())),
        DestAttr::Port(d.addr.port()),
        DestAttr::FwdMethod(d.forward.value()),
        DestAttr::Weight(d.weight),
    ];
    if d.forward == Forward::Tunnel {
        // keepalived compat: the type always, the port only for GUE, the
        // checksum flags for every type but IPIP.
        let t = d.tunnel.unwrap_or_default();
        v.push(DestAttr::TunType(t.kind));
        if t.kind == TUN_GUE {
            v.push(DestAttr::TunPort(t.port));
        }
        if t.kind != TUN_IPIP {
            v.push(DestAttr::TunFlags(t.flags));
        }
    }
    v.push(DestAttr::UThresh(d.u_threshold));
    v.push(DestAttr::LThresh(d.l_threshold));
    v
}

/// The attributes naming one destination (DEL_DEST).
pub(crate) fn dest_key_attrs(addr: &SocketAddr) -> Vec<DestAttr> {
    vec![
        DestAttr::AddrFamily(af_of(addr)),
        DestAttr::Addr(InetAddr::from_ip(addr.ip())),
        DestAttr::Port(addr.port()),
    ]
}

/// Why a dumped entry cannot be represented in the table model.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Unrepresentable {
    /// An attribute the kernel always sends is missing.
    Missing(&'static str),
    /// An address family other than IPv4 and IPv6.
    Family(u16),
    /// A protocol other than TCP, UDP and SCTP (AH and ESP services).
    Protocol(u16),
    /// A forwarding method the model has no name for (local node, bypass).
    Forward(u32),
}

/// A dumped service.
pub(crate) fn service_from(
    attrs: &[SvcAttr],
) -> Result<Service, Unrepresentable> {
    let mut af = None;
    let (mut proto, mut addr, mut port, mut mark) = (None, None, None, None);
    let mut s = Service {
        key: SvcKey::Fwmark {
            mark: 0,
            family: Family::Inet,
        },
        scheduler: String::new(),
        flags: 0,
        timeout: 0,
        netmask: 0,
        pe_name: None,
    };
    let mut raw_mask = 0;
    for a in attrs {
        match a {
            SvcAttr::Af(v) => af = Some(*v),
            SvcAttr::Protocol(v) => proto = Some(*v),
            SvcAttr::Addr(v) => addr = Some(*v),
            SvcAttr::Port(v) => port = Some(*v),
            SvcAttr::Fwmark(v) => mark = Some(*v),
            SvcAttr::SchedName(v) => s.scheduler.clone_from(v),
            SvcAttr::Flags { flags, .. } => {
                s.flags = flags & !svc_flags::HASHED
            }
            SvcAttr::Timeout(v) => s.timeout = *v,
            SvcAttr::Netmask(v) => raw_mask = *v,
            SvcAttr::PeName(v) => s.pe_name = Some(v.clone()),
            SvcAttr::Other(_) => {}
        }
    }
    let af = af.ok_or(Unrepresentable::Missing("IPVS_SVC_ATTR_AF"))?;
    let family = family_of(af)?;
    s.key = match mark {
        Some(mark) if mark != 0 => SvcKey::Fwmark { mark, family },
        _ => {
            let p = proto
                .ok_or(Unrepresentable::Missing("IPVS_SVC_ATTR_PROTOCOL"))?;
            let proto = u8::try_from(p)
                .ok()
                .and_then(Proto::from_number)
                .ok_or(Unrepresentable::Protocol(p))?;
            let ip = addr
                .ok_or(Unrepresentable::Missing("IPVS_SVC_ATTR_ADDR"))?
                .to_ip(af)
                .ok_or(Unrepresentable::Family(af))?;
            let port =
                port.ok_or(Unrepresentable::Missing("IPVS_SVC_ATTR_PORT"))?;
            SvcKey::Addr {
                proto,
                addr: SocketAddr::new(ip, port),
            }
        }
    };
    s.netmask = netmask_from_kernel(family, raw_mask);
    Ok(s)
}

fn family_of(af: u16) -> Result<Family, Unrepresentable> {
    match af {
        AF_INET => Ok(Family::Inet),
        AF_INET6 => Ok(Family::Inet6),
        other => Err(Unrepresentable::Family(other)),
    }
}

/// A dumped destination of a service of family `svc_af`.
pub(crate) fn dest_from(
    attrs: &[DestAttr],
    svc_af: u16,
) -> Result<Dest, Unrepresentable> {
    let mut af = svc_af;
    let (mut addr, mut port, mut fwd) = (None, None, None);
    let mut tunnel = Tunnel::default();
    let mut d = Dest {
        addr: SocketAddr::from(([0, 0, 0, 0], 0)),
        forward: Forward::Masq,
        tunnel: None,
        weight: 0,
        u_threshold: 0,
        l_threshold: 0,
    };
    for a in attrs {
        match a {
            DestAttr::Addr(v) => addr = Some(*v),
            DestAttr::Port(v) => port = Some(*v),
            DestAttr::FwdMethod(v) => fwd = Some(*v),
            DestAttr::Weight(v) => d.weight = *v,
            DestAttr::UThresh(v) => d.u_threshold = *v,
            DestAttr::LThresh(v) => d.l_threshold = *v,
            DestAttr::AddrFamily(v) => af = *v,
            DestAttr::TunType(v) => tunnel.kind = *v,
            DestAttr::TunPort(v) => tunnel.port = *v,
            DestAttr::TunFlags(v) => tunnel.flags = *v,
            DestAttr::ActiveConns(_)
            | DestAttr::InactConns(_)
            | DestAttr::PersistConns(_)
            | DestAttr::Other(_) => {}
        }
    }
    let ip = addr
        .ok_or(Unrepresentable::Missing("IPVS_DEST_ATTR_ADDR"))?
        .to_ip(af)
        .ok_or(Unrepresentable::Family(af))?;
    let port = port.ok_or(Unrepresentable::Missing("IPVS_DEST_ATTR_PORT"))?;
    d.addr = SocketAddr::new(ip, port);
    d.forward = match fwd
        .ok_or(Unrepresentable::Missing("IPVS_DEST_ATTR_FWD_METHOD"))?
    {
        0 => Forward::Masq,
        2 => Forward::Tunnel,
        3 => Forward::Route,
        other => return Err(Unrepresentable::Forward(other)),
    };
    if d.forward == Forward::Tunnel {
        d.tunnel = Some(tunnel);
    }
    Ok(d)
}

#[cfg(test)]
#[path = "convert_tests.rs"]
mod tests;
