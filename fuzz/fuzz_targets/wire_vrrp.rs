//! Fuzz the VRRP decoders: whole IPv4 adverts (IPv4 + optional AH +
//! VRRP) and raw VRRP messages under every checksum mode. Parsing must
//! never panic, and anything that parses must re-encode and parse again
//! to the same repr.
#![no_main]

use std::net::{Ipv4Addr, Ipv6Addr};

use ka_wire::advert::{Ipv4Advert, Ipv4EmitCtx, Ipv4ParseCtx};
use ka_wire::ipv4::HeaderChecksum;
use ka_wire::vrrp::{self, Auth, ChecksumMode, EmitCtx, Endpoints, ParseCtx};
use libfuzzer_sys::fuzz_target;

const KEY: [u8; 8] = *b"secret12";

fuzz_target!(|data: &[u8]| {
    let Some((&sel, bytes)) = data.split_first() else {
        return;
    };
    let mode = match sel & 3 {
        0 => ChecksumMode::Standard,
        1 => ChecksumMode::V3AsV2,
        2 => ChecksumMode::OldUnicast {
            group: Ipv4Addr::new(224, 0, 0, 18),
        },
        _ => ChecksumMode::KernelVerified,
    };
    let mut cx = Ipv4ParseCtx {
        ip_checksum: HeaderChecksum::Trust,
        checksum: mode,
        check_ttl: sel & 4 != 0,
        unicast: sel & 8 != 0,
        ..Default::default()
    };
    if sel & 16 != 0 {
        cx.ah_key = Some(KEY);
        cx.expect.auth = Some(Auth::Ah);
    }
    if let Ok(a) = Ipv4Advert::parse(bytes, &cx) {
        let ecx = Ipv4EmitCtx {
            checksum: mode,
            ah_key: cx.ah_key,
            unicast: cx.unicast,
        };
        let mut out = vec![0u8; a.buffer_len()];
        a.emit(&mut out, &ecx);
        let again =
            Ipv4Advert::parse(&out, &cx).expect("re-encoded advert parses");
        assert_eq!(again.vrrp, a.vrrp);
    }

    let ep = if sel & 32 != 0 {
        Endpoints::V6 {
            src: Ipv6Addr::LOCALHOST,
            dst: "ff02::12".parse().unwrap(),
        }
    } else {
        Endpoints::V4 {
            src: Ipv4Addr::new(192, 0, 2, 1),
            dst: Ipv4Addr::new(224, 0, 0, 18),
        }
    };
    let mut vcx = ParseCtx::new(ep, Some(255));
    vcx.checksum = mode;
    let p = vrrp::Packet::new_unchecked(bytes);
    if let Ok(r) = vrrp::Repr::parse(&p, &vcx) {
        let mut out = vec![0u8; r.buffer_len()];
        r.emit(
            &mut vrrp::Packet::new_unchecked(&mut out[..]),
            &EmitCtx {
                endpoints: ep,
                checksum: mode,
            },
        );
        let again =
            vrrp::Repr::parse(&vrrp::Packet::new_unchecked(&out[..]), &vcx)
                .expect("re-encoded vrrp parses");
        assert_eq!(again, r);
    }
});
