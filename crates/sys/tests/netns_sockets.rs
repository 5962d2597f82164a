//! Raw VRRP sockets and rtnetlink against a real kernel, inside private
//! network namespaces. Skipped (with the reason printed) when not root.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use ka_sys::netlink::{AddrSpec, Netlink};
use ka_sys::testns::{in_new_netns, ip, skip_reason, sysctl};
use ka_sys::vrrp_socket::{Received, SocketSpec, VrrpSocket};

const GROUP4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
const GROUP6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);

fn skip() -> bool {
    ka_lab::skip_if(skip_reason())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Two ends of a veth pair, `ka0` (192.0.2.1) and `ka1` (192.0.2.2), in the
/// current namespace. Returns their ifindexes.
fn veth_pair() -> (u32, u32) {
    sysctl("net/ipv6/conf/default/accept_dad", "0");
    ip("link add ka0 type veth peer name ka1");
    ip("addr add 192.0.2.1/24 dev ka0");
    ip("addr add 192.0.2.2/24 dev ka1");
    // Both ends live in one namespace, so ka1 sees packets from an address
    // that is local: accept them instead of dropping them as martians.
    sysctl("net/ipv4/conf/ka1/accept_local", "1");
    sysctl("net/ipv4/conf/ka1/rp_filter", "0");
    sysctl("net/ipv4/conf/all/rp_filter", "0");
    ip("link set ka0 up");
    ip("link set ka1 up");
    let idx = |n: &str| nix::net::if_::if_nametoindex(n).unwrap();
    (idx("ka0"), idx("ka1"))
}

fn spec(ifindex: u32, name: &str, group: IpAddr) -> SocketSpec {
    SocketSpec {
        ifindex,
        ifname: name.into(),
        groups: vec![group],
        unicast_hops: None,
        ah: false,
        rcvbuf: None,
    }
}

/// Sends with `send` until `rx` gets a packet: a veth pair gets its
/// carrier asynchronously after `link set up`, so early packets may be
/// lost. At most 50 tries, 100 ms apart.
async fn send_until_received(rx: &VrrpSocket, send: impl Fn()) -> Received {
    for _ in 0..50 {
        send();
        let wait = Duration::from_millis(100);
        if let Ok(r) = tokio::time::timeout(wait, rx.recv()).await {
            return r.unwrap();
        }
    }
    panic!("no packet received within 5 s");
}

/// A minimal IPv4 header (TOS 0xc0, TTL 255, proto 112) around `payload`;
/// the kernel fills the checksum.
fn ipv4_packet(src: Ipv4Addr, dst: Ipv4Addr, payload: &[u8]) -> Vec<u8> {
    let len = (20 + payload.len()) as u16;
    let mut p = vec![0x45, 0xc0];
    p.extend_from_slice(&len.to_be_bytes());
    p.extend_from_slice(&[0, 2, 0, 0, 255, 112, 0, 0]);
    p.extend_from_slice(&src.octets());
    p.extend_from_slice(&dst.octets());
    p.extend_from_slice(payload);
    p
}

#[test]
fn ipv4_multicast_advert_crosses_veth_with_ttl_255() {
    if skip() {
        return;
    }
    in_new_netns(|| {
        let (i0, i1) = veth_pair();
        runtime().block_on(async move {
            let tx =
                VrrpSocket::open_v4(&spec(i0, "ka0", GROUP4.into())).unwrap();
            let rx =
                VrrpSocket::open_v4(&spec(i1, "ka1", GROUP4.into())).unwrap();
            let payload =
                [0x21, 0x33, 0x64, 0x01, 0, 1, 0xf2, 0x10, 192, 0, 2, 100];
            let pkt =
                ipv4_packet(Ipv4Addr::new(192, 0, 2, 1), GROUP4, &payload);
            let got =
                send_until_received(&rx, || tx.send_v4(&pkt, GROUP4).unwrap())
                    .await;
            assert_eq!(got.src, IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)));
            assert_eq!(got.dst, IpAddr::V4(GROUP4));
            assert_eq!(got.ttl, 255);
            assert_eq!(got.ifindex, i1);
            assert_eq!(&got.bytes[20..], &payload);
            // Only the received bytes are kept (issue 8 item 5).
            assert_eq!(got.bytes.capacity(), got.bytes.len());
            assert_eq!(got.bytes[1], 0xc0, "TOS internetwork control");
        });
    });
}

#[test]
fn ipv6_multicast_advert_gets_kernel_checksum_and_hop_limit() {
    if skip() {
        return;
    }
    in_new_netns(|| {
        let (i0, i1) = veth_pair();
        runtime().block_on(async move {
            let nl = Netlink::connect().unwrap();
            // The sender's link-local address, assigned when ka0 came up.
            let mut tries = 0;
            let src = loop {
                tries += 1;
                assert!(tries <= 100, "no link-local address within 5 s");
                let addrs = nl.addresses().await.unwrap();
                let ll = addrs.iter().find_map(|a| match a.addr {
                    IpAddr::V6(v6)
                        if a.ifindex == i0 && v6.segments()[0] == 0xfe80 =>
                    {
                        Some(v6)
                    }
                    _ => None,
                });
                if let Some(ll) = ll {
                    break ll;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            };
            let tx =
                VrrpSocket::open_v6(&spec(i0, "ka0", GROUP6.into())).unwrap();
            let rx =
                VrrpSocket::open_v6(&spec(i1, "ka1", GROUP6.into())).unwrap();
            // VRRPv3, VRID 1, prio 100, one address, checksum left 0 for
            // the kernel.
            let mut msg = vec![0x31, 1, 100, 1, 0, 100, 0, 0];
            msg.extend_from_slice(
                &Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100).octets(),
            );
            let got = send_until_received(&rx, || {
                tx.send_v6(&msg, src, GROUP6, Some(255)).unwrap()
            })
            .await;
            assert_eq!(got.src, IpAddr::V6(src));
            assert_eq!(got.dst, IpAddr::V6(GROUP6));
            assert_eq!(got.ttl, 255);
            assert_ne!(&got.bytes[6..8], &[0, 0], "kernel filled the checksum");
            assert_eq!(&got.bytes[8..], &msg[8..]);
        });
    });
}

#[test]
fn address_add_and_delete_are_idempotent() {
    if skip() {
        return;
    }
    in_new_netns(|| {
        let (i0, _) = veth_pair();
        runtime().block_on(async move {
            let nl = Netlink::connect().unwrap();
            let mut vip = AddrSpec::new(
                i0,
                IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100)),
                24,
            );
            vip.label = Some("ka0:vip".into());
            nl.add_address(&vip).await.unwrap();
            nl.add_address(&vip).await.expect("adding twice is success");
            let has = |addrs: &[ka_sys::netlink::AddrInfo]| {
                addrs.iter().any(|a| a.ifindex == i0 && a.addr == vip.addr)
            };
            assert!(has(&nl.addresses().await.unwrap()));
            nl.del_address(&vip).await.unwrap();
            nl.del_address(&vip)
                .await
                .expect("deleting twice is success");
            assert!(!has(&nl.addresses().await.unwrap()));
        });
    });
}

#[test]
fn packet_socket_transmits_a_whole_ethernet_frame() {
    if skip() {
        return;
    }
    in_new_netns(|| {
        let (i0, i1) = veth_pair();
        // Capture ARP frames on every interface of the namespace: the
        // frame is seen leaving ka0 (and arriving on ka1). Reception in
        // another namespace is covered by the topology tests.
        let rx = socket2::Socket::new(
            socket2::Domain::PACKET,
            socket2::Type::RAW,
            Some(socket2::Protocol::from(i32::from(0x0806u16.to_be()))),
        )
        .unwrap();
        rx.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        // Receive on any interface; the outgoing copy on ka0 counts too.
        let mut frame = vec![0xff; 6];
        frame.extend_from_slice(&[0x02, 0, 0x5e, 0, 1, 51]);
        frame.extend_from_slice(&[0x08, 0x06]);
        frame.extend_from_slice(&[0u8; 28]);
        let tx = ka_sys::packet_socket::PacketSocket::open().unwrap();
        let mut buf = [0u8; 128];
        // A veth pair drops what is sent before its carrier is up: send
        // again every 100 ms, for at most 5 s (as send_until_received).
        let n = (0..50)
            .find_map(|_| {
                tx.send_frame(i0, &frame).unwrap();
                std::io::Read::read(&mut &rx, &mut buf).ok()
            })
            .expect("frame within 5 s");
        assert!(n >= 14);
        assert_eq!(&buf[..14], &frame[..14]);
        let _ = i1;
    });
}

#[test]
fn rcvbuf_is_set_as_so_rcvbuf_and_left_alone_without_one() {
    if skip() {
        return;
    }
    in_new_netns(|| {
        let (i0, _) = veth_pair();
        runtime().block_on(async move {
            let plain =
                VrrpSocket::open_v4(&spec(i0, "ka0", GROUP4.into())).unwrap();
            let default = plain.recv_buffer_size().unwrap();
            let mut sized = spec(i0, "ka0", GROUP4.into());
            sized.rcvbuf = Some(65_536);
            let v4 = VrrpSocket::open_v4(&sized).unwrap();
            // SO_RCVBUF: the kernel doubles what it is given.
            assert_eq!(v4.recv_buffer_size().unwrap(), 131_072);
            sized.groups = vec![GROUP6.into()];
            let v6 = VrrpSocket::open_v6(&sized).unwrap();
            assert_eq!(v6.recv_buffer_size().unwrap(), 131_072);
            assert_ne!(default, 131_072, "the kernel default differs");
        });
    });
}
