//! keepalived 2.2.7's own IPVS requests, captured on an nlmon device in a
//! user-mode Linux guest while it started and stopped with
//! `tests/vectors/keepalived-2.2.7.conf` (see `tests/vectors/README.md`):
//! every request parses, re-emits to the same bytes, and equals what this
//! driver sends for the same table.

use std::net::SocketAddr;

use ka_types::lvs::{
    Dest, Family, Forward, Proto, Service, SvcKey, Tunnel, svc_flags,
};
use netlink_packet_core::{
    Emitable, NLM_F_REQUEST, NetlinkMessage, NetlinkPayload,
};
use netlink_packet_generic::GenlMessage;
use netlink_packet_generic::ctrl::GenlCtrl;
use netlink_packet_generic::ctrl::nlas::GenlCtrlAttrs;

use crate::convert::{
    dest_attrs, dest_from, key_attrs, service_attrs, service_from,
};
use crate::message::{IpvsCmd, IpvsMessage};
use crate::nla::{AF_INET, AF_INET6, CmdAttr, DestAttr, SvcAttr};

const PCAP: &[u8] = include_bytes!("../tests/vectors/keepalived-2.2.7.pcap");
/// `NETLINK_GENERIC`, in the capture's link-layer header.
const GENERIC: u16 = 16;
/// `GENL_ID_CTRL`.
const CTRL: u16 = 0x10;

/// The generic netlink messages of the capture (pcap, LINKTYPE_NETLINK:
/// a 16-byte header whose last two bytes are the netlink protocol).
fn messages() -> Vec<&'static [u8]> {
    let mut out = Vec::new();
    let mut off = 24;
    while off + 16 <= PCAP.len() {
        let len = u32::from_le_bytes(
            PCAP[off + 8..off + 12].try_into().expect("4 bytes"),
        );
        let pkt = &PCAP[off + 16..off + 16 + len as usize];
        off += 16 + len as usize;
        if u16::from_be_bytes([pkt[14], pkt[15]]) == GENERIC {
            out.push(&pkt[16..]);
        }
    }
    out
}

/// The IPVS family id, from the controller's answer.
fn ipvs_family(msgs: &[&[u8]]) -> u16 {
    msgs.iter()
        .filter(|m| u16::from_ne_bytes([m[4], m[5]]) == CTRL)
        .filter_map(|m| {
            NetlinkMessage::<GenlMessage<GenlCtrl>>::deserialize(m).ok()
        })
        .filter_map(|m| match m.payload {
            NetlinkPayload::InnerMessage(g) => Some(g.payload.nlas),
            _ => None,
        })
        .find_map(|nlas| {
            let ipvs = nlas.iter().any(
                |a| matches!(a, GenlCtrlAttrs::FamilyName(n) if n == "IPVS"),
            );
            nlas.iter().find_map(|a| match a {
                GenlCtrlAttrs::FamilyId(id) if ipvs => Some(*id),
                _ => None,
            })
        })
        .expect("the capture holds the IPVS family's id")
}

/// keepalived's table-changing requests, in order, with their bytes.
fn keepalived_requests() -> Vec<(IpvsMessage, &'static [u8])> {
    let msgs = messages();
    let family = ipvs_family(&msgs);
    msgs.into_iter()
        .filter_map(|raw| {
            let m =
                NetlinkMessage::<GenlMessage<IpvsMessage>>::deserialize(raw)
                    .ok()?;
            let request = m.header.flags & NLM_F_REQUEST != 0;
            if !request || m.header.message_type != family {
                return None;
            }
            match m.payload {
                NetlinkPayload::InnerMessage(g) => Some((g.payload, raw)),
                _ => None,
            }
        })
        .filter(|(m, _)| {
            matches!(
                m.cmd,
                IpvsCmd::NewService
                    | IpvsCmd::DelService
                    | IpvsCmd::NewDest
                    | IpvsCmd::DelDest
            )
        })
        .collect()
}

fn sa(s: &str) -> SocketAddr {
    s.parse().expect("address")
}

/// The configuration's table, written by hand from its meaning.
fn expected_services() -> Vec<Service> {
    let base = |key: SvcKey, sched: &str| Service {
        key,
        scheduler: sched.into(),
        flags: 0,
        timeout: 0,
        netmask: if key.family() == Family::Inet {
            u32::MAX
        } else {
            128
        },
        pe_name: None,
    };
    let mut wrr = base(
        SvcKey::Addr {
            proto: Proto::Tcp,
            addr: sa("198.51.100.10:80"),
        },
        "wrr",
    );
    wrr.flags = svc_flags::PERSISTENT;
    wrr.timeout = 300;
    wrr.netmask = 0xffff_ff00;
    wrr.pe_name = Some("sip".into());
    let mut sh = base(
        SvcKey::Fwmark {
            mark: 6,
            family: Family::Inet,
        },
        "sh",
    );
    sh.flags = svc_flags::SCHED1 | svc_flags::SCHED2;
    let mut mh = base(
        SvcKey::Addr {
            proto: Proto::Udp,
            addr: sa("[2001:db8::10]:443"),
        },
        "mh",
    );
    mh.flags = svc_flags::SCHED2 | svc_flags::ONEPACKET;
    vec![wrr, sh, mh]
}

fn expected_dests() -> Vec<Dest> {
    let d = |a: &str, forward, tunnel, weight, u, l| Dest {
        addr: sa(a),
        forward,
        tunnel,
        weight,
        u_threshold: u,
        l_threshold: l,
    };
    let gue = Tunnel {
        kind: 1,
        port: 6080,
        flags: 1,
    };
    let gre = Tunnel {
        kind: 2,
        port: 0,
        flags: 0,
    };
    vec![
        d("203.0.113.21:8080", Forward::Masq, None, 3, 100, 50),
        d("198.51.100.23:80", Forward::Tunnel, Some(gue), 2, 0, 0),
        d("198.51.100.24:80", Forward::Tunnel, Some(gre), 2, 0, 0),
        d("198.51.100.30:0", Forward::Route, None, 1, 0, 0),
        d("[2001:db8::35]:8443", Forward::Masq, None, 4, 0, 0),
    ]
}

fn nested_service(m: &IpvsMessage) -> &[SvcAttr] {
    m.attrs
        .iter()
        .find_map(|a| match a {
            CmdAttr::Service(s) => Some(s.as_slice()),
            _ => None,
        })
        .expect("a service attribute")
}

fn nested_dest(m: &IpvsMessage) -> &[DestAttr] {
    m.attrs
        .iter()
        .find_map(|a| match a {
            CmdAttr::Dest(d) => Some(d.as_slice()),
            _ => None,
        })
        .expect("a destination attribute")
}

#[test]
fn keepalived_s_requests_re_emit_to_the_same_bytes() {
    let reqs = keepalived_requests();
    let cmds: Vec<IpvsCmd> = reqs.iter().map(|(m, _)| m.cmd).collect();
    assert_eq!(
        cmds.iter().filter(|c| **c == IpvsCmd::NewService).count(),
        3
    );
    assert_eq!(cmds.iter().filter(|c| **c == IpvsCmd::NewDest).count(), 5);
    assert_eq!(cmds.iter().filter(|c| **c == IpvsCmd::DelDest).count(), 5);
    assert_eq!(
        cmds.iter().filter(|c| **c == IpvsCmd::DelService).count(),
        3
    );
    for (m, raw) in &reqs {
        // nlmsghdr (16) and genlmsghdr (4), then the attributes.
        let mut buf = vec![0; m.buffer_len()];
        m.emit(&mut buf);
        assert_eq!(buf, raw[20..], "{m:?}");
    }
}

#[test]
fn services_are_sent_exactly_as_keepalived_sends_them() {
    let want = expected_services();
    for (m, _) in keepalived_requests() {
        let attrs = nested_service(&m);
        let key = service_from(attrs).expect("a service").key;
        let expected = want
            .iter()
            .find(|s| s.key == key)
            .expect("a configured service");
        match m.cmd {
            IpvsCmd::NewService | IpvsCmd::DelService => {
                assert_eq!(service_attrs(expected), attrs, "{:?}", m.cmd);
            }
            // keepalived repeats the whole service; this driver sends the
            // attributes that name it, which it sends first.
            _ => assert_eq!(key_attrs(&key), attrs[..key_attrs(&key).len()]),
        }
    }
}

#[test]
fn destinations_are_sent_exactly_as_keepalived_sends_them() {
    let want = expected_dests();
    let mut seen = 0;
    for (m, _) in keepalived_requests() {
        if !matches!(m.cmd, IpvsCmd::NewDest | IpvsCmd::DelDest) {
            continue;
        }
        let svc_af = match nested_service(&m).first() {
            Some(SvcAttr::Af(af)) => *af,
            other => panic!("service without a family first: {other:?}"),
        };
        assert!(svc_af == AF_INET || svc_af == AF_INET6);
        let attrs = nested_dest(&m);
        let got = dest_from(attrs, svc_af).expect("a destination");
        let expected = want
            .iter()
            .find(|d| d.addr == got.addr)
            .expect("a configured server");
        assert_eq!(dest_attrs(expected), attrs, "{:?} {}", m.cmd, got.addr);
        seen += 1;
    }
    assert_eq!(seen, 10);
}
