//! The receive buffer a VRRP socket asks for (`SO_RCVBUF`): the sum over
//! the instances on it of `kernel_rx_buf_size`, else what
//! `vrrp_rx_bufs_policy` gives.
//!
//! keepalived compat (`vrrp_scheduler.c: vrrp_create_sockpool`, 2.2.7):
//! per instance, `kernel_rx_buf_size` wins, then `vrrp_rx_bufs_policy
//! SIZE`, then `ADVERT` (multiplier × the advert's length with its IPv4
//! header), then `MTU` (multiplier × the interface MTU); the multiplier
//! defaults to 3. Nothing configured: 0, the kernel's default.

use ka_config::model::global::RxBufsPolicy;
use ka_vrrp::{Auth, InstanceConfig, Version};

/// keepalived's default `vrrp_rx_bufs_multiplier`.
pub(crate) const DEFAULT_MULTIPLIER: u32 = 3;

/// The share of one instance; `mtu` is asked only for the MTU policy.
pub(crate) fn instance_share(
    i: &InstanceConfig,
    kernel_rx_buf_size: Option<u32>,
    policy: Option<RxBufsPolicy>,
    multiplier: u32,
    mtu: impl FnOnce() -> Option<u32>,
) -> usize {
    if let Some(n) = kernel_rx_buf_size.filter(|&n| n > 0) {
        return n as usize;
    }
    let m = multiplier as usize;
    match policy {
        Some(RxBufsPolicy::Size(n)) => n as usize,
        Some(RxBufsPolicy::Advert) => m * advert_len(i),
        Some(RxBufsPolicy::Mtu) => mtu().map_or(0, |v| m * v as usize),
        None => 0,
    }
}

/// keepalived's `vrrp_adv_len`: the VRRP header, the VRRPv2 IPv4
/// authentication data, the addresses, and for IPv4 the IP header (and
/// the AH header with `auth_type AH`).
pub(crate) fn advert_len(i: &InstanceConfig) -> usize {
    // RFC 3768 §5.1 / RFC 5798 §5.1: an 8-byte VRRP header.
    let mut len = 8;
    if i.is_ipv6() {
        return len + 16 * i.vips.len();
    }
    if i.version == Version::V2 {
        // RFC 3768 §5.3.10: 8 bytes of authentication data.
        len += 8;
    }
    len += 4 * i.vips.len() + 20;
    if matches!(i.auth, Auth::Ah(_)) {
        // keepalived's `ipsec_ah_t`: 12 bytes of header, 12 of ICV.
        len += 24;
    }
    len
}

#[cfg(test)]
#[path = "rx_bufs_tests.rs"]
mod tests;
