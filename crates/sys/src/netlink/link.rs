//! Interface queries.

use futures::TryStreamExt;
use netlink_packet_route::link::{LinkAttribute, LinkFlags, LinkMessage};

use super::{Netlink, NlError};

/// What the daemon needs to know about an interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkInfo {
    /// Interface index.
    pub index: u32,
    /// Interface name.
    pub name: String,
    /// Administratively up (`IFF_UP`).
    pub up: bool,
    /// Operationally up: `IFF_RUNNING` (carrier present). keepalived
    /// treats an interface as usable when it is both up and running.
    pub running: bool,
    /// Hardware address (empty for interfaces without one).
    pub mac: Vec<u8>,
    /// Parent interface index (`IFLA_LINK`), e.g. for a macvlan.
    pub link: Option<u32>,
}

impl LinkInfo {
    /// Builds the view from a kernel link message.
    pub fn from_message(m: &LinkMessage) -> Self {
        let mut info = Self {
            index: m.header.index,
            name: String::new(),
            up: m.header.flags.contains(LinkFlags::Up),
            running: m.header.flags.contains(LinkFlags::Running),
            mac: Vec::new(),
            link: None,
        };
        for a in &m.attributes {
            match a {
                LinkAttribute::IfName(n) => info.name.clone_from(n),
                LinkAttribute::Address(mac) => info.mac.clone_from(mac),
                LinkAttribute::Link(l) => info.link = Some(*l),
                _ => {}
            }
        }
        info
    }

    /// Up and running: usable for VRRP.
    pub fn is_usable(&self) -> bool {
        self.up && self.running
    }
}

impl Netlink {
    /// Every interface.
    pub async fn links(&self) -> Result<Vec<LinkInfo>, NlError> {
        let mut out = Vec::new();
        let mut s = self.handle().link().get().execute();
        while let Some(m) = s
            .try_next()
            .await
            .map_err(|e| NlError::new("dump links", e))?
        {
            out.push(LinkInfo::from_message(&m));
        }
        Ok(out)
    }

    /// The interface named `name`, if it exists.
    pub async fn link_by_name(
        &self,
        name: &str,
    ) -> Result<Option<LinkInfo>, NlError> {
        Ok(self.links().await?.into_iter().find(|l| l.name == name))
    }
}
