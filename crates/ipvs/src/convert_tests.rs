use ka_types::lvs::{
    Dest, Family, Forward, Proto, Service, SvcKey, Tunnel, svc_flags,
};

use super::*;
use crate::nla::{AF_INET, AF_INET6, DestAttr, InetAddr, SvcAttr};

fn svc(key: SvcKey) -> Service {
    Service {
        key,
        scheduler: "sh".into(),
        flags: svc_flags::PERSISTENT | svc_flags::SCHED2,
        timeout: 300,
        netmask: 0xffff_ff00,
        pe_name: Some("sip".into()),
    }
}

fn tcp(a: &str) -> SvcKey {
    SvcKey::Addr {
        proto: Proto::Tcp,
        addr: a.parse().expect("address"),
    }
}

fn dest(a: &str, forward: Forward, tunnel: Option<Tunnel>) -> Dest {
    Dest {
        addr: a.parse().expect("address"),
        forward,
        tunnel,
        weight: 3,
        u_threshold: 10,
        l_threshold: 5,
    }
}

#[test]
fn a_service_is_sent_with_keepalived_s_attributes_in_its_order() {
    let s = svc(tcp("192.0.2.1:80"));
    let mut addr = [0u8; 16];
    addr[..4].copy_from_slice(&[192, 0, 2, 1]);
    assert_eq!(
        service_attrs(&s),
        vec![
            SvcAttr::Af(AF_INET),
            SvcAttr::Protocol(6),
            SvcAttr::Addr(InetAddr(addr)),
            SvcAttr::Port(80),
            SvcAttr::SchedName("sh".into()),
            SvcAttr::PeName("sip".into()),
            SvcAttr::Flags {
                flags: svc_flags::PERSISTENT | svc_flags::SCHED2,
                mask: u32::MAX
            },
            SvcAttr::Timeout(300),
            // The IPv4 mask's bytes in network order, as the __be32 field.
            SvcAttr::Netmask(u32::from_ne_bytes([255, 255, 255, 0])),
        ]
    );
}

#[test]
fn fwmark_and_ipv6_services_name_themselves_by_mark_and_prefix_length() {
    let mut s = svc(SvcKey::Fwmark {
        mark: 9,
        family: Family::Inet6,
    });
    s.netmask = 64;
    s.pe_name = None;
    let attrs = service_attrs(&s);
    assert_eq!(attrs[..2], [SvcAttr::Af(AF_INET6), SvcAttr::Fwmark(9)]);
    assert!(
        !attrs
            .iter()
            .any(|a| matches!(a, SvcAttr::PeName(_) | SvcAttr::Port(_)))
    );
    assert_eq!(attrs.last(), Some(&SvcAttr::Netmask(64)));
    assert_eq!(key_attrs(&s.key), attrs[..2]);
}

#[test]
fn services_read_back_as_they_were_sent() {
    let keys = [
        tcp("192.0.2.1:80"),
        tcp("[2001:db8::1]:443"),
        SvcKey::Addr {
            proto: Proto::Sctp,
            addr: "198.51.100.1:9".parse().expect("address"),
        },
        SvcKey::Fwmark {
            mark: 1,
            family: Family::Inet,
        },
        SvcKey::Fwmark {
            mark: 2,
            family: Family::Inet6,
        },
    ];
    for key in keys {
        let mut s = svc(key);
        if key.family() == Family::Inet6 {
            s.netmask = 48;
        }
        assert_eq!(service_from(&service_attrs(&s)), Ok(s.clone()));
    }
}

#[test]
fn a_dumped_service_loses_the_kernel_s_hashed_flag_and_statistics() {
    let s = svc(tcp("192.0.2.1:80"));
    let mut attrs = service_attrs(&s);
    for a in &mut attrs {
        if let SvcAttr::Flags { flags, .. } = a {
            *flags |= svc_flags::HASHED;
        }
    }
    attrs.push(SvcAttr::Other(netlink_packet_core::DefaultNla::new(
        10,
        vec![],
    )));
    assert_eq!(service_from(&attrs), Ok(s));
}

#[test]
fn services_the_model_cannot_hold_are_reported() {
    let mut attrs = key_attrs(&tcp("192.0.2.1:80"));
    attrs[1] = SvcAttr::Protocol(50); // ESP
    assert_eq!(service_from(&attrs), Err(Unrepresentable::Protocol(50)));
    assert_eq!(
        service_from(&[SvcAttr::Fwmark(1)]),
        Err(Unrepresentable::Missing("IPVS_SVC_ATTR_AF"))
    );
    assert_eq!(
        service_from(&[SvcAttr::Af(7), SvcAttr::Fwmark(1)]),
        Err(Unrepresentable::Family(7))
    );
}

#[test]
fn tunnel_options_are_sent_as_keepalived_sends_them() {
    let kinds = |d: &Dest| -> Vec<u16> {
        use netlink_packet_core::Nla;
        dest_attrs(d).iter().map(Nla::kind).collect()
    };
    // family, addr, port, fwd, weight, [tun type, port, flags], u, l
    let nat = dest("192.0.2.9:80", Forward::Masq, None);
    assert_eq!(kinds(&nat), [11, 1, 2, 3, 4, 5, 6]);
    let ipip = dest("192.0.2.9:80", Forward::Tunnel, Some(Tunnel::default()));
    assert_eq!(kinds(&ipip), [11, 1, 2, 3, 4, 13, 5, 6]);
    let gue = Tunnel {
        kind: 1,
        port: 6080,
        flags: 1,
    };
    let gue = dest("192.0.2.9:80", Forward::Tunnel, Some(gue));
    assert_eq!(kinds(&gue), [11, 1, 2, 3, 4, 13, 14, 15, 5, 6]);
    let gre = Tunnel {
        kind: 2,
        port: 0,
        flags: 2,
    };
    let gre = dest("192.0.2.9:80", Forward::Tunnel, Some(gre));
    assert_eq!(kinds(&gre), [11, 1, 2, 3, 4, 13, 15, 5, 6]);
    assert!(dest_attrs(&gre).contains(&DestAttr::TunFlags(2)));
    assert!(dest_attrs(&gue).contains(&DestAttr::TunPort(6080)));
}

#[test]
fn destinations_read_back_as_they_were_sent() {
    let gue = Tunnel {
        kind: 1,
        port: 6080,
        flags: 1,
    };
    let ds = [
        dest("192.0.2.9:8080", Forward::Masq, None),
        dest("192.0.2.9:80", Forward::Route, None),
        dest("192.0.2.9:80", Forward::Tunnel, Some(gue)),
        // A tunnelled IPv6 server in an IPv4 service.
        dest("[2001:db8::9]:80", Forward::Tunnel, Some(Tunnel::default())),
    ];
    for d in ds {
        assert_eq!(dest_from(&dest_attrs(&d), AF_INET), Ok(d));
    }
}

#[test]
fn a_dumped_destination_keeps_only_the_tunnel_of_a_tunnel() {
    // The kernel reports the tunnel attributes of every destination.
    let mut attrs = dest_attrs(&dest("192.0.2.9:80", Forward::Route, None));
    attrs.extend([
        DestAttr::TunType(0),
        DestAttr::TunPort(0),
        DestAttr::TunFlags(0),
    ]);
    attrs.push(DestAttr::ActiveConns(4));
    let d = dest_from(&attrs, AF_INET).expect("a destination");
    assert_eq!(d.tunnel, None);
    // Without the family attribute the service's family is used.
    let no_family: Vec<_> = attrs
        .into_iter()
        .filter(|a| !matches!(a, DestAttr::AddrFamily(_)))
        .collect();
    assert_eq!(dest_from(&no_family, AF_INET), Ok(d));
    let mut local = dest_attrs(&d);
    local[3] = DestAttr::FwdMethod(1);
    assert_eq!(dest_from(&local, AF_INET), Err(Unrepresentable::Forward(1)));
}
