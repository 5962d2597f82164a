//! Address add, delete and dump.

use std::net::{IpAddr, Ipv4Addr};

use futures::TryStreamExt;
use netlink_packet_route::address::{
    AddressAttribute, AddressFlags, AddressMessage, AddressScope, CacheInfo,
};

use super::{Netlink, NlError};

/// EEXIST: the address is already there.
const EEXIST: i32 = 17;
/// EADDRNOTAVAIL: the address to delete is not there.
const EADDRNOTAVAIL: i32 = 99;
/// ENODEV: the interface went away; deleting from it is moot.
const ENODEV: i32 = 19;

/// Address scope, as `ip addr add … scope` names it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AddrScope {
    /// `global` (the default).
    #[default]
    Global,
    /// `site`.
    Site,
    /// `link`.
    Link,
    /// `host`.
    Host,
    /// `nowhere`.
    Nowhere,
    /// Any other number (`/etc/iproute2/rt_scopes`).
    Other(u8),
}

/// An address to add or delete, with everything `ip addr add` can say that
/// keepalived's address syntax carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddrSpec {
    /// Interface index.
    pub ifindex: u32,
    /// The address.
    pub addr: IpAddr,
    /// Prefix length.
    pub prefix_len: u8,
    /// IPv4 broadcast address.
    pub broadcast: Option<Ipv4Addr>,
    /// Scope.
    pub scope: AddrScope,
    /// IPv4 label (`eth0:1`).
    pub label: Option<String>,
    /// Point-to-point peer.
    pub peer: Option<IpAddr>,
    /// `-nodad` (IPv6).
    pub nodad: bool,
    /// `noprefixroute`.
    pub noprefixroute: bool,
    /// `home` (IPv6 mobility).
    pub home: bool,
    /// `mngtmpaddr` (IFA_F_MANAGETEMPADDR).
    pub mngtmpaddr: bool,
    /// `autojoin` (IFA_F_MCAUTOJOIN).
    pub autojoin: bool,
    /// Preferred lifetime in seconds; `Some(0)` marks the address
    /// deprecated so it is never picked as a source.
    pub preferred_lft: Option<u32>,
}

impl AddrSpec {
    /// A plain address with defaults for everything else.
    pub fn new(ifindex: u32, addr: IpAddr, prefix_len: u8) -> Self {
        Self {
            ifindex,
            addr,
            prefix_len,
            broadcast: None,
            scope: AddrScope::Global,
            label: None,
            peer: None,
            nodad: false,
            noprefixroute: false,
            home: false,
            mngtmpaddr: false,
            autojoin: false,
            preferred_lft: None,
        }
    }

    fn fill(&self, m: &mut AddressMessage) {
        m.header.scope = match self.scope {
            AddrScope::Global => AddressScope::Universe,
            AddrScope::Site => AddressScope::Site,
            AddrScope::Link => AddressScope::Link,
            AddrScope::Host => AddressScope::Host,
            AddrScope::Nowhere => AddressScope::Nowhere,
            AddrScope::Other(n) => AddressScope::Other(n),
        };
        if let Some(peer) = self.peer {
            // With a peer, IFA_LOCAL is ours and IFA_ADDRESS the peer's.
            m.attributes
                .retain(|a| !matches!(a, AddressAttribute::Address(_)));
            m.attributes.push(AddressAttribute::Address(peer));
        }
        // keepalived compat: IFA_BROADCAST only when configured (`brd`).
        // rtnetlink's add request derives one for every IPv4 prefix
        // shorter than /31, which keepalived never sends.
        m.attributes
            .retain(|a| !matches!(a, AddressAttribute::Broadcast(_)));
        if let Some(b) = self.broadcast {
            m.attributes.push(AddressAttribute::Broadcast(b));
        }
        if let Some(l) = &self.label {
            m.attributes.push(AddressAttribute::Label(l.clone()));
        }
        let mut flags = AddressFlags::empty();
        flags.set(AddressFlags::Nodad, self.nodad);
        flags.set(AddressFlags::Noprefixroute, self.noprefixroute);
        flags.set(AddressFlags::Homeaddress, self.home);
        flags.set(AddressFlags::Managetempaddr, self.mngtmpaddr);
        flags.set(AddressFlags::Mcautojoin, self.autojoin);
        if !flags.is_empty() {
            m.attributes.push(AddressAttribute::Flags(flags));
        }
        if let Some(p) = self.preferred_lft {
            let mut ci = CacheInfo::default();
            ci.ifa_preferred = p;
            ci.ifa_valid = u32::MAX;
            m.attributes.push(AddressAttribute::CacheInfo(ci));
        }
    }

    fn describe(&self, verb: &str) -> String {
        format!(
            "{verb} {}/{} on ifindex {}",
            self.addr, self.prefix_len, self.ifindex
        )
    }
}

/// An address as the kernel reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddrInfo {
    /// Interface index.
    pub ifindex: u32,
    /// The local address.
    pub addr: IpAddr,
    /// Prefix length.
    pub prefix_len: u8,
}

impl AddrInfo {
    /// Builds the view from a kernel address message.
    pub fn from_message(m: &AddressMessage) -> Option<Self> {
        // IFA_LOCAL is the local address when present (point-to-point);
        // otherwise IFA_ADDRESS is.
        let mut local = None;
        let mut address = None;
        for a in &m.attributes {
            match a {
                AddressAttribute::Local(ip) => local = Some(*ip),
                AddressAttribute::Address(ip) => address = Some(*ip),
                _ => {}
            }
        }
        Some(Self {
            ifindex: m.header.index,
            addr: local.or(address)?,
            prefix_len: m.header.prefix_len,
        })
    }
}

impl Netlink {
    /// Adds an address; already present is success.
    pub async fn add_address(&self, spec: &AddrSpec) -> Result<(), NlError> {
        let mut req = self.handle().address().add(
            spec.ifindex,
            spec.addr,
            spec.prefix_len,
        );
        spec.fill(req.message_mut());
        match req.execute().await {
            Err(e) => {
                let e = NlError::new(spec.describe("add"), e);
                if e.errno == Some(EEXIST) {
                    Ok(())
                } else {
                    Err(e)
                }
            }
            Ok(()) => Ok(()),
        }
    }

    /// Deletes an address; already absent is success.
    pub async fn del_address(&self, spec: &AddrSpec) -> Result<(), NlError> {
        let mut m = AddressMessage::default();
        m.header.family = match spec.addr {
            IpAddr::V4(_) => netlink_packet_route::AddressFamily::Inet,
            IpAddr::V6(_) => netlink_packet_route::AddressFamily::Inet6,
        };
        m.header.index = spec.ifindex;
        m.header.prefix_len = spec.prefix_len;
        m.attributes.push(AddressAttribute::Local(spec.addr));
        if spec.peer.is_none() {
            m.attributes.push(AddressAttribute::Address(spec.addr));
        }
        match self.handle().address().del(m).execute().await {
            Err(e) => {
                let e = NlError::new(spec.describe("delete"), e);
                match e.errno {
                    Some(EADDRNOTAVAIL | ENODEV) => Ok(()),
                    _ => Err(e),
                }
            }
            Ok(()) => Ok(()),
        }
    }

    /// Every address on every interface.
    pub async fn addresses(&self) -> Result<Vec<AddrInfo>, NlError> {
        let mut out = Vec::new();
        let mut s = self.handle().address().get().execute();
        while let Some(m) = s
            .try_next()
            .await
            .map_err(|e| NlError::new("dump addresses", e))?
        {
            out.extend(AddrInfo::from_message(&m));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn broadcasts(m: &AddressMessage) -> Vec<Ipv4Addr> {
        m.attributes
            .iter()
            .filter_map(|a| match a {
                AddressAttribute::Broadcast(b) => Some(*b),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn broadcast_is_sent_only_when_configured() {
        let derived = Ipv4Addr::new(192, 0, 2, 255);
        let mut m = AddressMessage::default();
        // What rtnetlink's add request puts in for a /24 on its own.
        m.attributes.push(AddressAttribute::Broadcast(derived));
        let mut spec =
            AddrSpec::new(2, Ipv4Addr::new(192, 0, 2, 100).into(), 24);
        spec.fill(&mut m);
        assert!(broadcasts(&m).is_empty());
        let mut m = AddressMessage::default();
        m.attributes.push(AddressAttribute::Broadcast(derived));
        spec.broadcast = Some(Ipv4Addr::new(192, 0, 2, 127));
        spec.fill(&mut m);
        assert_eq!(broadcasts(&m), [Ipv4Addr::new(192, 0, 2, 127)]);
    }
}
