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
use crate::ipvs::{daemon_attrs, stop_attrs, timeouts_attrs};
use crate::message::{IpvsCmd, IpvsMessage};
use crate::nla::{AF_INET, AF_INET6, CmdAttr, DaemonAttr, DestAttr, SvcAttr};
use crate::{SyncDaemon, SyncState, Timeouts};

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

/// keepalived's IPVS requests that change something, in order, with
/// their bytes (its socket's port id tells them from ipvsadm-save's).
fn keepalived_requests() -> Vec<(IpvsMessage, &'static [u8])> {
    let msgs = messages();
    let family = ipvs_family(&msgs);
    let reqs: Vec<_> = msgs
        .into_iter()
        .filter_map(|raw| {
            let m =
                NetlinkMessage::<GenlMessage<IpvsMessage>>::deserialize(raw)
                    .ok()?;
            let request = m.header.flags & NLM_F_REQUEST != 0;
            if !request || m.header.message_type != family {
                return None;
            }
            match m.payload {
                NetlinkPayload::InnerMessage(g) => {
                    Some((m.header.port_number, g.payload, raw))
                }
                _ => None,
            }
        })
        .collect();
    let keepalived = reqs
        .iter()
        .find(|(_, m, _)| m.cmd == IpvsCmd::NewService)
        .map(|(port, _, _)| *port)
        .expect("keepalived added a service");
    reqs.into_iter()
        .filter(|(port, m, _)| {
            *port == keepalived
                && !matches!(
                    m.cmd,
                    IpvsCmd::GetInfo | IpvsCmd::GetConfig | IpvsCmd::GetService
                )
        })
        .map(|(_, m, raw)| (m, raw))
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
    assert_eq!(cmds.iter().filter(|c| **c == IpvsCmd::SetConfig).count(), 2);
    assert_eq!(cmds.iter().filter(|c| **c == IpvsCmd::NewDaemon).count(), 2);
    assert_eq!(cmds.iter().filter(|c| **c == IpvsCmd::DelDaemon).count(), 4);
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
        if !matches!(
            m.cmd,
            IpvsCmd::NewService
                | IpvsCmd::DelService
                | IpvsCmd::NewDest
                | IpvsCmd::DelDest
        ) {
            continue;
        }
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

#[test]
fn timeouts_and_sync_daemons_are_sent_as_keepalived_sends_them() {
    let reqs = keepalived_requests();
    let of = |cmd| {
        reqs.iter()
            .filter(move |(m, _)| m.cmd == cmd)
            .map(|(m, _)| &m.attrs)
    };
    // `lvs_timeouts tcp 1000 tcpfin 100 udp 200`, then the kernel's
    // defaults restored at stop.
    let set: Vec<_> = of(IpvsCmd::SetConfig).collect();
    let ours =
        |tcp, tcp_fin, udp| timeouts_attrs(Timeouts { tcp, tcp_fin, udp });
    assert_eq!(*set[0], ours(1000, 100, 200));
    assert_eq!(*set[1], ours(900, 120, 300));
    // `lvs_sync_daemon kad0 id 7 maxlen 1400 port 8849 ttl 3 group
    // 239.1.2.3`: a master and a backup daemon, same options.
    let started: Vec<_> = of(IpvsCmd::NewDaemon).collect();
    assert_eq!(started.len(), 2);
    for (attrs, state) in
        started.iter().zip([SyncState::Master, SyncState::Backup])
    {
        let d = SyncDaemon {
            state,
            ifname: "kad0".into(),
            sync_id: 7,
            max_len: Some(1400),
            group: Some(std::net::IpAddr::from([239, 1, 2, 3])),
            port: Some(8849),
            ttl: Some(3),
        };
        assert_eq!(**attrs, vec![CmdAttr::Daemon(daemon_attrs(&d))]);
    }
    // keepalived stops both daemons before starting them and at stop,
    // naming the state and the sync id; the kernel reads only the state,
    // which is all this driver sends.
    for attrs in of(IpvsCmd::DelDaemon) {
        let [CmdAttr::Daemon(theirs)] = attrs.as_slice() else {
            panic!("{attrs:?}");
        };
        let state = match theirs.first() {
            Some(DaemonAttr::State(1)) => SyncState::Master,
            Some(DaemonAttr::State(2)) => SyncState::Backup,
            other => panic!("{other:?}"),
        };
        let mine = stop_attrs(state);
        let [CmdAttr::Daemon(mine)] = mine.as_slice() else {
            panic!("{mine:?}");
        };
        assert_eq!(theirs[..mine.len()], mine[..]);
        // The sync id: 0 in the stops before the start, 7 at the end.
        assert!(
            matches!(theirs[1..], [DaemonAttr::SyncId(0 | 7)]),
            "{theirs:?}"
        );
    }
}
