//! Fuzz target: the daemon's real receive path. Raw bytes as the VRRP
//! sockets deliver them (an IPv4 datagram with its header, or an IPv6
//! VRRP message with addresses and hop limit from ancillary data) go
//! into a started VRRP engine whose instances use no authentication,
//! `auth_type PASS` and `auth_type AH`, interleaved with timer ticks.
//!
//! Input: one selector octet (version, unicast, checksum mode, family),
//! then packets, each `[flags, len, bytes…]`. Flag bit 0 re-signs an
//! IPv4 AH packet with the AH instance's key (so the fuzzer reaches what
//! follows the ICV check); bit 1 advances the clock.
//!
//! Must hold: nothing panics, and an AH instance never counts as
//! received an advert the harness did not sign with its key.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use ka_types::Instant;
use ka_vrrp::{
    Auth, Engine, EngineConfig, Event, InstanceConfig, RxPacket, UnicastPeer,
    Version, Vip,
};
use ka_wire::{IPPROTO_AH, ah, ipv4};
use libfuzzer_sys::fuzz_target;

const KEY: [u8; 8] = *b"secret\0\0";
const PASS: [u8; 8] = *b"pass\0\0\0\0";
const ME4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const PEER4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);
const ME6: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
const GROUP6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);

/// Instances for VRIDs 1 (no auth), 2 (PASS) and 3 (AH), plus an IPv6
/// one for VRID 4, shaped by `sel`.
fn config(sel: u8) -> EngineConfig {
    let v3 = sel & 1 != 0;
    let unicast = sel & 2 != 0;
    let mut instances = Vec::new();
    for (vrid, auth) in
        [(1, Auth::None), (2, Auth::Pass(PASS)), (3, Auth::Ah(KEY))]
    {
        let mut c = InstanceConfig::new(&format!("VI_{vrid}"), vrid, 100);
        c.vips =
            vec![Vip::host(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100 + vrid)))];
        c.src_addr = Some(IpAddr::V4(ME4));
        // keepalived refuses authentication with VRRPv3.
        if v3 && !matches!(auth, Auth::Ah(_)) {
            c.version = Version::V3;
        } else {
            c.auth = auth;
        }
        if unicast {
            c.unicast_peers = vec![UnicastPeer::new(IpAddr::V4(PEER4))];
        }
        c.v3_checksum_as_v2 = sel & 4 != 0;
        c.skip_check_adv_addr = sel & 8 != 0;
        instances.push(c);
    }
    let mut c6 = InstanceConfig::new("VI_6", 4, 100);
    c6.version = Version::V3;
    c6.vips = vec![Vip::host(IpAddr::V6(Ipv6Addr::new(
        0x2001, 0xdb8, 0, 0, 0, 0, 0, 1,
    )))];
    instances.push(c6);
    EngineConfig {
        instances,
        ..Default::default()
    }
}

fn ah_received(e: &Engine) -> u64 {
    e.snapshot()
        .instances
        .iter()
        .find(|i| i.name == "VI_3")
        .map_or(0, |i| i.stats.advert_rcvd)
}

/// Re-signs an IPv4 AH datagram with the AH instance's key.
fn sign(bytes: &mut [u8], unicast: bool) -> bool {
    let Ok(p) = ipv4::Packet::new_checked(&bytes[..]) else {
        return false;
    };
    p.protocol() == IPPROTO_AH && ah::sign(bytes, &KEY, unicast)
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, mut rest)) = data.split_first() else {
        return;
    };
    let mut e = Engine::new(config(sel));
    let mut out = Vec::new();
    let mut now = Instant::ZERO;
    for ev in [
        Event::AddressAdded {
            iface: "eth0".into(),
            addr: IpAddr::V4(ME4),
        },
        Event::AddressAdded {
            iface: "eth0".into(),
            addr: IpAddr::V6(ME6),
        },
        Event::Started,
    ] {
        e.handle(now, ev, &mut out);
    }
    let v6 = sel & 16 != 0;
    while let [flags, len, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (bytes, next) = tail.split_at(n);
        rest = next;
        let mut bytes = bytes.to_vec();
        let signed = !v6 && flags & 1 != 0 && sign(&mut bytes, sel & 2 != 0);
        let packet = if v6 {
            let src =
                Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, u16::from(*flags));
            RxPacket::V6 {
                src,
                dst: GROUP6,
                hop_limit: *flags,
                bytes,
            }
        } else {
            RxPacket::V4(bytes)
        };
        let before = ah_received(&e);
        e.handle(
            now,
            Event::PacketReceived {
                iface: "eth0".into(),
                packet,
            },
            &mut out,
        );
        assert!(
            signed || ah_received(&e) == before,
            "an AH instance accepted a packet not signed with its key"
        );
        if flags & 2 != 0 {
            now = now + Duration::from_millis(u64::from(*flags) * 40);
            e.handle_timeout(now, &mut out);
        }
        out.clear();
    }
});
