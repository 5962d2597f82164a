//! Matrix cells and the keepalived configuration both implementations
//! read for them, plus the protocol's timers for the bounds.
//!
//! Every node of a cell reads the same configuration language; only the
//! priority, `nopreempt`, the unicast source/peer and the tracked
//! interface differ between the two nodes.

use std::fmt::Write as _;
use std::net::IpAddr;
use std::time::Duration;

/// Address family of a cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// IPv4.
    V4,
    /// IPv6 (VRRPv3 only).
    V6,
}

/// VRRPv2 authentication of a cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// No authentication.
    None,
    /// Cleartext password in the advert.
    Pass,
    /// IPsec-AH (HMAC-MD5-96), IPv4 only.
    Ah,
}

/// One cell of the interop matrix.
#[derive(Clone, Copy, Debug)]
pub struct Cell {
    /// VRRP version, 2 or 3.
    pub version: u8,
    /// Address family.
    pub family: Family,
    /// Unicast peers instead of multicast.
    pub unicast: bool,
    /// Authentication (VRRPv2).
    pub auth: Auth,
    /// Virtual router id of the first instance (the second uses +1).
    pub vrid: u8,
}

impl Cell {
    /// A name such as `v2-ipv4-unicast-pass`.
    pub fn name(&self) -> String {
        let fam = if self.family == Family::V4 {
            "ipv4"
        } else {
            "ipv6"
        };
        let cast = if self.unicast { "unicast" } else { "mcast" };
        let auth = match self.auth {
            Auth::None => "",
            Auth::Pass => "-pass",
            Auth::Ah => "-ah",
        };
        format!("v{}-{fam}-{cast}{auth}", self.version)
    }

    /// The advert interval: 1 s for VRRPv2 (it has whole seconds only),
    /// 0.5 s for VRRPv3.
    pub fn advert(&self) -> Duration {
        if self.version == 2 {
            Duration::from_secs(1)
        } else {
            Duration::from_millis(500)
        }
    }

    /// The `n`th VIP (0 or 1) of the cell.
    pub fn vip(&self, n: u8) -> IpAddr {
        match self.family {
            Family::V4 => IpAddr::from([192, 0, 2, 100 + n]),
            Family::V6 => IpAddr::from([
                0x2001,
                0xdb8,
                0,
                0,
                0,
                0,
                0,
                0x100 + u16::from(n),
            ]),
        }
    }

    /// Skew_Time of a backup with priority `prio` (RFC 3768 / RFC 5798).
    pub fn skew(&self, prio: u8) -> Duration {
        let p = 256 - u32::from(prio);
        if self.version == 2 {
            Duration::from_secs(1) * p / 256
        } else {
            self.advert() * p / 256
        }
    }

    /// Master_Down_Interval of a backup with priority `prio`.
    pub fn master_down(&self, prio: u8) -> Duration {
        self.advert() * 3 + self.skew(prio)
    }
}

/// One node's part of a cell.
#[derive(Clone, Debug)]
pub struct NodeConf {
    /// The cell.
    pub cell: Cell,
    /// This node's own address (unicast source).
    pub own: IpAddr,
    /// The other node's address (unicast peer).
    pub peer: IpAddr,
    /// Priority of every instance.
    pub prio: u8,
    /// `nopreempt` on every instance.
    pub nopreempt: bool,
    /// `track_interface` of the first instance (sync configurations).
    pub track: Option<String>,
    /// Two instances in one `vrrp_sync_group` instead of one instance.
    pub sync: bool,
}

impl NodeConf {
    /// The configuration text.
    pub fn render(&self) -> String {
        let mut s = String::new();
        if self.sync {
            s.push_str(
                "vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n}\n",
            );
            self.instance(&mut s, 0, self.track.as_deref());
            self.instance(&mut s, 1, None);
        } else {
            self.instance(&mut s, 0, None);
        }
        s
    }

    fn instance(&self, s: &mut String, n: u8, track: Option<&str>) {
        let c = &self.cell;
        let adv = c.advert().as_secs_f64();
        let _ = write!(
            s,
            "vrrp_instance VI_{} {{\n  state BACKUP\n  interface eth0\n  virtual_router_id {}\n  \
             version {}\n  priority {}\n  advert_int {adv}\n",
            n + 1,
            c.vrid + n,
            c.version,
            self.prio
        );
        if self.nopreempt {
            s.push_str("  nopreempt\n");
        }
        match c.auth {
            Auth::None => {}
            Auth::Pass => s.push_str("  authentication {\n    auth_type PASS\n    auth_pass secret12\n  }\n"),
            Auth::Ah => s.push_str("  authentication {\n    auth_type AH\n    auth_pass secret12\n  }\n"),
        }
        if c.unicast {
            let _ = write!(
                s,
                "  unicast_src_ip {}\n  unicast_peer {{\n    {}\n  }}\n",
                self.own, self.peer
            );
        }
        if let Some(t) = track {
            let _ = write!(s, "  track_interface {{\n    {t}\n  }}\n");
        }
        let len = if c.family == Family::V4 { 24 } else { 64 };
        let _ = write!(
            s,
            "  virtual_ipaddress {{\n    {}/{len}\n  }}\n}}\n",
            c.vip(n)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timers_match_the_rfcs() {
        let v2 = Cell {
            version: 2,
            family: Family::V4,
            unicast: false,
            auth: Auth::None,
            vrid: 1,
        };
        assert_eq!(v2.master_down(100), Duration::from_micros(3_609_375));
        let v3 = Cell { version: 3, ..v2 };
        assert_eq!(v3.master_down(100), Duration::from_nanos(1_804_687_500));
    }
}
