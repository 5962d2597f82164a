//! Link changes for VMACs: create a private-mode macvlan with a given name
//! and MAC on a parent (or an L2 ipvlan, for `use_ipvlan`), stop IPv6
//! address autoconfiguration on it, bring it up, and delete it.
//!
//! Like the address requests, these are idempotent where the daemon needs
//! it: deleting a link that is already gone is success.

use futures::TryStreamExt;
use netlink_packet_route::link::{
    AfSpecInet6, AfSpecUnspec, In6AddrGenMode, InfoData, InfoIpVlan, InfoKind,
    InfoMacVlan, IpVlanFlags, IpVlanMode, LinkAttribute,
    LinkInfo as NlLinkInfo, LinkMessage, MacVlanMode,
};
use rtnetlink::{LinkIpVlan, LinkMacVlan, LinkUnspec};

use super::{Netlink, NlError};

/// ENODEV: the link to delete is already gone.
const ENODEV: i32 = 19;

/// What kind of link an interface is, as far as VMACs care.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// A macvlan; `private` when its mode is `private` (keepalived's).
    MacVlan {
        /// Mode `private`.
        private: bool,
    },
    /// An ipvlan: its mode is L2 and its flags (`IPVLAN_F_*`) are `flags`.
    IpVlan {
        /// Mode L2 (keepalived's only mode).
        l2: bool,
        /// `IFLA_IPVLAN_FLAGS`: 0 bridge, 1 private, 2 vepa.
        flags: u16,
    },
    /// Anything else (physical, veth, bridge, …), with its kind if any.
    Other(Option<String>),
}

impl LinkKind {
    /// Reads the kind from a kernel link message.
    pub fn from_message(m: &LinkMessage) -> Self {
        let infos = m.attributes.iter().find_map(|a| match a {
            LinkAttribute::LinkInfo(v) => Some(v),
            _ => None,
        });
        let Some(infos) = infos else {
            return Self::Other(None);
        };
        let mut kind = None;
        let mut private = false;
        let (mut l2, mut flags) = (false, 0);
        for i in infos {
            match i {
                NlLinkInfo::Kind(k) => kind = Some(k.clone()),
                NlLinkInfo::Data(InfoData::MacVlan(d)) => {
                    private = d.iter().any(|x| {
                        matches!(x, InfoMacVlan::Mode(MacVlanMode::Private))
                    });
                }
                NlLinkInfo::Data(InfoData::IpVlan(d)) => {
                    for x in d {
                        match x {
                            InfoIpVlan::Mode(m) => l2 = *m == IpVlanMode::L2,
                            InfoIpVlan::Flags(f) => flags = f.bits(),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        match kind {
            Some(InfoKind::MacVlan) => Self::MacVlan { private },
            Some(InfoKind::IpVlan) => Self::IpVlan { l2, flags },
            Some(k) => Self::Other(Some(k.to_string())),
            None => Self::Other(None),
        }
    }
}

impl Netlink {
    /// The kernel's message for link `index` (`None`: no such link).
    async fn link_message(
        &self,
        index: u32,
    ) -> Result<Option<LinkMessage>, NlError> {
        let mut s = self.handle().link().get().match_index(index).execute();
        match s.try_next().await {
            Ok(m) => Ok(m),
            Err(e) => {
                let e = NlError::new(format!("get link {index}"), e);
                if e.errno == Some(ENODEV) {
                    Ok(None)
                } else {
                    Err(e)
                }
            }
        }
    }

    /// The kind of the link with index `index` (`None`: no such link).
    pub async fn link_kind(
        &self,
        index: u32,
    ) -> Result<Option<LinkKind>, NlError> {
        let m = self.link_message(index).await?;
        Ok(m.as_ref().map(LinkKind::from_message))
    }

    /// The VRF that link `index` is enslaved to: its `IFLA_MASTER` when
    /// that is a `vrf` link (`None` for no master, another kind of master
    /// such as a bridge, or no such link).
    pub async fn vrf_master(&self, index: u32) -> Result<Option<u32>, NlError> {
        let m = self.link_message(index).await?;
        let master =
            m.iter().flat_map(|m| &m.attributes).find_map(|a| match a {
                LinkAttribute::Controller(c) => Some(*c),
                _ => None,
            });
        let Some(master) = master else {
            return Ok(None);
        };
        let is_vrf = matches!(
            self.link_kind(master).await?,
            Some(LinkKind::Other(Some(k))) if k == InfoKind::Vrf.to_string()
        );
        Ok(is_vrf.then_some(master))
    }

    /// Creates macvlan `name` in mode private on `parent` with hardware
    /// address `mac`, left down, enslaved to `master` (a VRF) if given;
    /// returns its index.
    pub async fn add_macvlan(
        &self,
        parent: u32,
        name: &str,
        mac: [u8; 6],
        master: Option<u32>,
    ) -> Result<u32, NlError> {
        let what = || format!("create macvlan {name} on ifindex {parent}");
        let mut b = LinkMacVlan::new(name, parent, MacVlanMode::Private)
            .address(mac.to_vec());
        if let Some(m) = master {
            b = b.controller(m);
        }
        self.add_link(b.build(), name, what).await
    }

    /// Sends `msg` creating link `name`; returns the new link's index.
    async fn add_link(
        &self,
        msg: LinkMessage,
        name: &str,
        what: impl Fn() -> String,
    ) -> Result<u32, NlError> {
        self.handle()
            .link()
            .add(msg)
            .execute()
            .await
            .map_err(|e| NlError::new(what(), e))?;
        let link = self.link_by_name(name).await?;
        link.map(|l| l.index).ok_or_else(|| NlError {
            context: what(),
            errno: None,
            source: super::NlCause::NotFoundAfterCreate,
        })
    }

    /// Creates ipvlan `name` in mode L2 with `IFLA_IPVLAN_FLAGS` `flags`
    /// (0 bridge, 1 private, 2 vepa) on `parent`, up, enslaved to
    /// `master` (a VRF) if given; returns its index.
    pub async fn add_ipvlan(
        &self,
        parent: u32,
        name: &str,
        flags: u16,
        master: Option<u32>,
    ) -> Result<u32, NlError> {
        let what = || format!("create ipvlan {name} on ifindex {parent}");
        let mut b = LinkIpVlan::new(name, parent, IpVlanMode::L2)
            .flag(IpVlanFlags::from_bits_retain(flags))
            .up();
        if let Some(m) = master {
            b = b.controller(m);
        }
        self.add_link(b.build(), name, what).await
    }

    /// Sets the IPv6 address generation mode of `index` to none, so the
    /// kernel adds no EUI-64 link-local address when it comes up.
    pub async fn set_addr_gen_mode_none(
        &self,
        index: u32,
    ) -> Result<(), NlError> {
        let spec = AfSpecUnspec::Inet6(vec![AfSpecInet6::AddrGenMode(
            In6AddrGenMode::None,
        )]);
        let msg = LinkUnspec::new_with_index(index)
            .append_extra_attribute(LinkAttribute::AfSpecUnspec(vec![spec]))
            .build();
        self.handle().link().set(msg).execute().await.map_err(|e| {
            NlError::new(format!("set addrgenmode none on ifindex {index}"), e)
        })
    }

    /// Brings `index` administratively up.
    pub async fn set_link_up(&self, index: u32) -> Result<(), NlError> {
        let msg = LinkUnspec::new_with_index(index).up().build();
        self.handle()
            .link()
            .set(msg)
            .execute()
            .await
            .map_err(|e| NlError::new(format!("set ifindex {index} up"), e))
    }

    /// Deletes link `index`; already gone is success.
    pub async fn del_link(&self, index: u32) -> Result<(), NlError> {
        match self.handle().link().del(index).execute().await {
            Ok(()) => Ok(()),
            Err(e) => {
                let e = NlError::new(format!("delete ifindex {index}"), e);
                if e.errno == Some(ENODEV) {
                    Ok(())
                } else {
                    Err(e)
                }
            }
        }
    }
}
