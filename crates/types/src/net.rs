//! Addresses the VRRP protocol fixes, defined once for every crate.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// RFC 5798 §5.1.1.2: the IPv4 multicast group of VRRP adverts.
pub const VRRP_GROUP_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);

/// RFC 5798 §5.1.2.2: the IPv6 multicast group of VRRP adverts.
pub const VRRP_GROUP_V6: Ipv6Addr =
    Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);

/// The VRRP multicast group of the family (`v6`): 224.0.0.18 or ff02::12.
pub const fn vrrp_group(v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(VRRP_GROUP_V6)
    } else {
        IpAddr::V4(VRRP_GROUP_V4)
    }
}

/// An IPv6 link-local unicast address (fe80::/10, RFC 4291 §2.5.6).
pub const fn is_link_local_v6(a: &Ipv6Addr) -> bool {
    a.segments()[0] & 0xffc0 == 0xfe80
}

/// [`is_link_local_v6`] for an address of either family (IPv4: false).
pub const fn is_link_local(a: &IpAddr) -> bool {
    match a {
        IpAddr::V6(v6) => is_link_local_v6(v6),
        IpAddr::V4(_) => false,
    }
}

#[cfg(test)]
mod tests;
