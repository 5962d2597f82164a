use netlink_packet_core::{
    NLM_F_ACK, NLM_F_REQUEST, NetlinkMessage, NetlinkPayload,
};
use netlink_packet_generic::GenlMessage;

use super::*;
use crate::nla::{AF_INET, SvcAttr};

#[test]
fn commands_are_numbered_as_the_kernel_numbers_them() {
    for (i, cmd) in IpvsCmd::ALL.iter().enumerate() {
        let n = u8::try_from(i + 1).expect("small");
        assert_eq!(cmd.number(), n);
        assert_eq!(IpvsCmd::from_number(n), Some(*cmd));
    }
    assert_eq!(IpvsCmd::NewService.number(), 1);
    assert_eq!(IpvsCmd::NewDest.number(), 5);
    assert_eq!(IpvsCmd::NewDaemon.number(), 9);
    assert_eq!(IpvsCmd::SetConfig.number(), 12);
    assert_eq!(IpvsCmd::Flush.number(), 17);
    assert_eq!(IpvsCmd::from_number(0), None);
    assert_eq!(IpvsCmd::from_number(18), None);
}

/// A whole netlink message: nlmsghdr, genlmsghdr (cmd, version 1), the
/// attributes; and back.
fn wire(cmd: IpvsCmd, attrs: Vec<CmdAttr>) -> Vec<u8> {
    let mut g = GenlMessage::from_payload(IpvsMessage::new(cmd, attrs.clone()));
    g.set_resolved_family_id(0x1234);
    let mut m = NetlinkMessage::new(
        Default::default(),
        NetlinkPayload::InnerMessage(g),
    );
    m.header.flags = NLM_F_REQUEST | NLM_F_ACK;
    m.header.sequence_number = 9;
    m.finalize();
    let mut buf = vec![0; m.buffer_len()];
    m.serialize(&mut buf);
    let back = NetlinkMessage::<GenlMessage<IpvsMessage>>::deserialize(&buf)
        .expect("parses");
    let NetlinkPayload::InnerMessage(g) = back.payload else {
        panic!("not an inner message");
    };
    assert_eq!(g.payload, IpvsMessage::new(cmd, attrs));
    buf
}

#[test]
fn every_command_round_trips_as_a_whole_message() {
    let svc = CmdAttr::Service(vec![SvcAttr::Af(AF_INET), SvcAttr::Fwmark(1)]);
    for cmd in IpvsCmd::ALL {
        let buf = wire(cmd, vec![svc.clone()]);
        // nlmsghdr: length, type (the family id), flags, seq.
        assert_eq!(
            &buf[0..4],
            &u32::try_from(buf.len()).expect("small").to_ne_bytes()
        );
        assert_eq!(&buf[4..6], &0x1234u16.to_ne_bytes());
        assert_eq!(&buf[6..8], &(NLM_F_REQUEST | NLM_F_ACK).to_ne_bytes());
        assert_eq!(&buf[8..12], &9u32.to_ne_bytes());
        // genlmsghdr: cmd, version, reserved.
        assert_eq!(&buf[16..20], &[cmd.number(), 1, 0, 0]);
    }
}

#[test]
fn a_flush_is_headers_only() {
    let buf = wire(IpvsCmd::Flush, vec![]);
    assert_eq!(buf.len(), 16 + 4);
}

#[test]
fn an_unknown_command_is_a_decode_error() {
    let mut buf = wire(IpvsCmd::Flush, vec![]);
    buf[16] = 99;
    assert!(
        NetlinkMessage::<GenlMessage<IpvsMessage>>::deserialize(&buf).is_err()
    );
}
