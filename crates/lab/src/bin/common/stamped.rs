//! Packet sockets for the benchmarks' wire views: a classic BPF filter
//! so the socket wakes only for the packets wanted, kernel timestamps
//! (`SO_TIMESTAMPNS`: when the device sent or handed up the frame, not
//! when the reader got to it) and a large buffer.

// Each benchmark binary uses the opcodes and helpers its filters need.
#![allow(dead_code)]

use std::io::IoSliceMut;
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::Duration;

use nix::sys::socket::{
    AddressFamily, ControlMessageOwned, LinkAddr, MsgFlags, SockFlag,
    SockProtocol, SockType, recvmsg, setsockopt, socket, sockopt,
};
use nix::sys::time::{TimeSpec, TimeVal, TimeValLike};
use socket2::SockFilter;

// Classic BPF opcodes, from linux/filter.h and linux/bpf_common.h; nix
// has no wrapper for SO_ATTACH_FILTER, so programs are written out with
// socket2's `SockFilter`.
pub(crate) const LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
pub(crate) const LD_H_ABS: u16 = 0x28; // BPF_LD | BPF_H | BPF_ABS
pub(crate) const LD_B_ABS: u16 = 0x30; // BPF_LD | BPF_B | BPF_ABS
pub(crate) const LD_H_IND: u16 = 0x48; // BPF_LD | BPF_H | BPF_IND
pub(crate) const LD_B_IND: u16 = 0x50; // BPF_LD | BPF_B | BPF_IND
pub(crate) const LDX_B_MSH: u16 = 0xb1; // BPF_LDX | BPF_B | BPF_MSH: X = 4 * (P[k] & 0xf)
pub(crate) const AND_K: u16 = 0x54; // BPF_ALU | BPF_AND | BPF_K
pub(crate) const JEQ_K: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
pub(crate) const JSET_K: u16 = 0x45; // BPF_JMP | BPF_JSET | BPF_K
pub(crate) const RET_K: u16 = 0x06; // BPF_RET | BPF_K
/// SKF_AD_OFF + SKF_AD_PROTOCOL: the frame's ethertype.
pub(crate) const AD_PROTOCOL: u32 = 0xffff_f000;
/// SKF_AD_OFF + SKF_AD_PKTTYPE: the frame's packet type.
pub(crate) const AD_PKTTYPE: u32 = 0xffff_f004;
/// Ethertype of IPv4.
pub(crate) const ETH_P_IP: u16 = 0x0800;
/// `sll_pkttype` of a frame for this host.
pub(crate) const PACKET_HOST: u8 = 0;
/// `sll_pkttype` of a frame this host sent.
pub(crate) const PACKET_OUTGOING: u8 = 4;

/// A `SOCK_DGRAM` packet socket (frames start at the network header) in
/// the calling thread's namespace, with `filter`, kernel timestamps, a
/// `rcvbuf`-byte buffer and reads that time out after 100 ms.
/// `protocol`: `EthAll` to see the frames this host sends too (only
/// ETH_P_ALL taps get them), `EthIp` for received IPv4 only.
pub(crate) fn open(
    protocol: SockProtocol,
    filter: &[SockFilter],
    rcvbuf: usize,
) -> Result<OwnedFd, String> {
    let fd = socket(
        AddressFamily::Packet,
        SockType::Datagram,
        SockFlag::SOCK_CLOEXEC,
        protocol,
    )
    .map_err(|e| format!("packet socket: {e}"))?;
    let s = socket2::Socket::from(fd);
    s.attach_filter(filter)
        .map_err(|e| format!("SO_ATTACH_FILTER: {e}"))?;
    let fd: OwnedFd = s.into();
    setsockopt(&fd, sockopt::ReceiveTimestampns, &true)
        .map_err(|e| format!("SO_TIMESTAMPNS: {e}"))?;
    setsockopt(&fd, sockopt::RcvBufForce, &rcvbuf)
        .map_err(|e| format!("SO_RCVBUFFORCE: {e}"))?;
    setsockopt(&fd, sockopt::ReceiveTimeout, &TimeVal::milliseconds(100))
        .map_err(|e| format!("SO_RCVTIMEO: {e}"))?;
    Ok(fd)
}

/// One frame read into `buf`: its kernel time (CLOCK_REALTIME, since the
/// epoch), its length and where it came from (packet type, ethertype);
/// `None` on timeout or without a timestamp. `cmsg` comes from
/// `nix::cmsg_space!(TimeSpec)`.
pub(crate) fn recv(
    fd: &OwnedFd,
    buf: &mut [u8],
    cmsg: &mut [u8],
) -> Option<(Duration, usize, LinkAddr)> {
    let mut iov = [IoSliceMut::new(buf)];
    let msg = recvmsg::<LinkAddr>(
        fd.as_raw_fd(),
        &mut iov,
        Some(cmsg),
        MsgFlags::empty(),
    )
    .ok()?;
    let from = msg.address?;
    let at = msg.cmsgs().ok()?.find_map(|c| match c {
        ControlMessageOwned::ScmTimestampns(ts) => Some(since_epoch(ts)),
        _ => None,
    })?;
    Some((at, msg.bytes, from))
}

/// A kernel timestamp as a duration since the epoch (0 if negative).
fn since_epoch(ts: TimeSpec) -> Duration {
    let secs = u64::try_from(ts.tv_sec()).unwrap_or(0);
    let nanos = u32::try_from(ts.tv_nsec()).unwrap_or(0);
    Duration::new(secs, nanos)
}
