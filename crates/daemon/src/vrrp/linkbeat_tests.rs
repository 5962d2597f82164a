use std::cell::RefCell;
use std::collections::HashMap;

use ka_sys::netlink::LinkInfo;

use super::*;

const ENODEV: i32 = nix::errno::Errno::ENODEV as i32;
const EOPNOTSUPP: i32 = nix::errno::Errno::EOPNOTSUPP as i32;

/// One NIC as the fake driver answers.
#[derive(Clone, Copy)]
struct Nic {
    /// MII registers (BMCR, BMSR) or no MII support.
    mii: Option<(u16, u16)>,
    /// ETHTOOL_GLINK or no support.
    ethtool: Option<bool>,
    /// SIOCGIFFLAGS: up and running, or an errno.
    flags: Result<bool, i32>,
}

const VETH: Nic = Nic {
    mii: None,
    ethtool: Some(true),
    flags: Ok(true),
};

#[derive(Default)]
struct Fake(RefCell<HashMap<String, Nic>>);

impl Fake {
    fn with(name: &str, nic: Nic) -> Self {
        let f = Self::default();
        f.set(name, nic);
        f
    }
    fn set(&self, name: &str, nic: Nic) {
        self.0.borrow_mut().insert(name.into(), nic);
    }
    fn nic(&self, name: &str) -> io::Result<Nic> {
        self.0
            .borrow()
            .get(name)
            .copied()
            .ok_or_else(|| io::Error::from_raw_os_error(ENODEV))
    }
}

fn unsupported() -> io::Error {
    io::Error::from_raw_os_error(EOPNOTSUPP)
}

impl Probe for Fake {
    fn mii_phy(&self, ifname: &str) -> io::Result<u16> {
        self.nic(ifname)?.mii.map(|_| 1).ok_or_else(unsupported)
    }
    fn mii_read(&self, ifname: &str, _phy: u16, reg: u16) -> io::Result<u16> {
        let (bmcr, bmsr) = self.nic(ifname)?.mii.ok_or_else(unsupported)?;
        Ok(if reg == MII_BMCR { bmcr } else { bmsr })
    }
    fn ethtool_link(&self, ifname: &str) -> io::Result<bool> {
        self.nic(ifname)?.ethtool.ok_or_else(unsupported)
    }
    fn up_and_running(&self, ifname: &str) -> io::Result<bool> {
        self.nic(ifname)?
            .flags
            .map_err(io::Error::from_raw_os_error)
    }
}

#[test]
fn detect_tries_mii_then_ethtool_then_flags() {
    let f = Fake::with(
        "eth0",
        Nic {
            mii: Some((0x1000, BMSR_LSTATUS)),
            ..VETH
        },
    );
    assert_eq!(detect(&f, "eth0", None), (LbType::Mii, true));
    f.set("eth0", VETH);
    assert_eq!(detect(&f, "eth0", None), (LbType::Ethtool, true));
    f.set(
        "eth0",
        Nic {
            ethtool: Some(false),
            ..VETH
        },
    );
    assert_eq!(detect(&f, "eth0", None), (LbType::Ethtool, false));
    f.set(
        "eth0",
        Nic {
            ethtool: None,
            flags: Ok(false),
            ..VETH
        },
    );
    assert_eq!(detect(&f, "eth0", None), (LbType::Ioctl, false));
}

#[test]
fn mii_needs_a_transceiver_and_reads_the_link_bit() {
    // No transceiver: BMCR reads 0xffff or BMSR 0.
    let f = Fake::with(
        "eth0",
        Nic {
            mii: Some((0xffff, BMSR_LSTATUS)),
            ethtool: None,
            flags: Ok(true),
        },
    );
    assert_eq!(mii(&f, "eth0"), None);
    f.set(
        "eth0",
        Nic {
            mii: Some((0x1000, 0)),
            ethtool: None,
            flags: Ok(true),
        },
    );
    assert_eq!(mii(&f, "eth0"), None);
    // A BMSR without the link bit: down.
    f.set(
        "eth0",
        Nic {
            mii: Some((0x1000, 0x7809)),
            ethtool: None,
            flags: Ok(true),
        },
    );
    assert_eq!(mii(&f, "eth0"), Some(false));
    assert_eq!(detect(&f, "eth0", None), (LbType::Mii, false));
}

#[test]
fn configured_type_falls_back_when_unsupported() {
    let f = Fake::with("eth0", VETH);
    // MII configured, no MII: ETHTOOL is found.
    assert_eq!(
        detect(&f, "eth0", Some(LbType::Mii)),
        (LbType::Ethtool, true)
    );
    // IOCTL configured: only the flags are read.
    f.set(
        "eth0",
        Nic {
            ethtool: Some(false),
            ..VETH
        },
    );
    assert_eq!(
        detect(&f, "eth0", Some(LbType::Ioctl)),
        (LbType::Ioctl, true)
    );
    // ETHTOOL configured but failing: MII if it works, else IOCTL.
    f.set(
        "eth0",
        Nic {
            mii: Some((0x1000, 0)),
            ethtool: None,
            flags: Ok(true),
        },
    );
    assert_eq!(
        detect(&f, "eth0", Some(LbType::Ethtool)),
        (LbType::Ioctl, true)
    );
}

#[test]
fn flags_decide_and_only_enodev_reads_down() {
    let f = Fake::with(
        "eth0",
        Nic {
            flags: Ok(false),
            ..VETH
        },
    );
    // ETHTOOL says link, the interface is down: down.
    assert!(!refresh(&f, "eth0", LbType::Ethtool));
    // keepalived compat: a failing probe reads as up, the flags decide;
    // a failing SIOCGIFFLAGS reads as up unless the device is gone.
    f.set(
        "eth0",
        Nic {
            ethtool: None,
            flags: Err(EOPNOTSUPP),
            ..VETH
        },
    );
    assert!(refresh(&f, "eth0", LbType::Ethtool));
    assert!(!refresh(&f, "gone0", LbType::Ioctl));
}

/// Link `index` (2 for the first of [`table`]) as netlink reports it,
/// with the MAC [`table`] gives it.
fn link(index: u32, name: &str, up: bool, running: bool) -> LinkInfo {
    LinkInfo {
        index,
        name: name.into(),
        up,
        running,
        mac: vec![2, 0, 0, 0, 0, (index - 2) as u8],
        link: None,
    }
}

fn table(names: &[(&str, bool)]) -> Ifaces {
    let links: Vec<LinkInfo> = (2..)
        .zip(names)
        .map(|(index, (name, up))| link(index, name, *up, *up))
        .collect();
    Ifaces::from_dump(&links, &[])
}

fn plan_of(names: &[&str]) -> LinkbeatPlan {
    LinkbeatPlan {
        polled: names.iter().map(|n| ((*n).to_owned(), None)).collect(),
        turned_off: Vec::new(),
    }
}

fn lb(
    nics: &[(&str, Nic)],
    p: &LinkbeatPlan,
    t: &mut Ifaces,
) -> Linkbeat<Fake> {
    let mut l = Linkbeat {
        probe: None,
        polled: BTreeMap::new(),
        tick: None,
    };
    let fake = Fake::default();
    for (n, nic) in nics {
        fake.set(n, *nic);
    }
    l.apply(p, t, || Ok(fake), true);
    l
}

#[tokio::test]
async fn polled_links_ignore_netlink_and_report_changes() {
    use ka_sys::netlink::NetEvent;
    // netlink says eth0 is down; the driver says up: the poller wins at
    // start, silently.
    let mut t = table(&[("eth0", false), ("eth1", true)]);
    let mut l = lb(
        &[("eth0", VETH), ("eth1", VETH)],
        &plan_of(&["eth0"]),
        &mut t,
    );
    assert!(t.get("eth0").unwrap().usable);
    assert!(l.poll(&mut t).is_empty());
    // netlink link messages for eth0 change nothing; eth1 is unpolled.
    let down = |name: &str, index| {
        NetEvent::LinkChanged(link(index, name, true, false))
    };
    assert!(t.apply(&down("eth0", 2)).is_empty());
    assert!(t.get("eth0").unwrap().usable);
    assert_eq!(
        t.apply(&down("eth1", 3)),
        vec![Event::LinkDown {
            iface: "eth1".into()
        }]
    );
    // The driver loses the link: LinkDown, then LinkUp when it is back.
    let p = l.probe.as_ref().unwrap();
    p.set(
        "eth0",
        Nic {
            ethtool: Some(false),
            ..VETH
        },
    );
    assert_eq!(
        l.poll(&mut t),
        vec![Event::LinkDown {
            iface: "eth0".into()
        }]
    );
    assert!(l.poll(&mut t).is_empty());
    l.probe.as_ref().unwrap().set("eth0", VETH);
    assert_eq!(
        l.poll(&mut t),
        vec![Event::LinkUp {
            iface: "eth0".into()
        }]
    );
}

#[tokio::test]
async fn nothing_polled_opens_nothing_and_never_ticks() {
    let mut t = table(&[("eth0", true)]);
    let mut l = Linkbeat::<Fake> {
        probe: None,
        polled: BTreeMap::new(),
        tick: None,
    };
    l.apply(&plan_of(&[]), &mut t, || panic!("no socket wanted"), true);
    let waited =
        tokio::time::timeout(Duration::from_millis(20), l.tick()).await;
    assert!(waited.is_err());
}

#[tokio::test]
async fn reload_keeps_found_types_and_stops_polling_dropped_ones() {
    let mut t = table(&[("eth0", true), ("eth1", true)]);
    let mut l = lb(
        &[("eth0", VETH), ("eth1", VETH)],
        &plan_of(&["eth0", "eth1"]),
        &mut t,
    );
    assert_eq!(l.polled["eth0"], (None, Some(LbType::Ethtool)));
    l.apply(&plan_of(&["eth0"]), &mut t, || panic!("socket kept"), false);
    assert_eq!(l.polled.len(), 1);
    assert_eq!(l.polled["eth0"], (None, Some(LbType::Ethtool)));
    // eth1 follows netlink again.
    use ka_sys::netlink::NetEvent;
    let ev = NetEvent::LinkChanged(link(3, "eth1", false, false));
    assert_eq!(
        t.apply(&ev),
        vec![Event::LinkDown {
            iface: "eth1".into()
        }]
    );
}

#[tokio::test]
async fn no_socket_leaves_the_links_to_netlink() {
    let mut t = table(&[("eth0", true)]);
    let mut l = Linkbeat::<Fake> {
        probe: None,
        polled: BTreeMap::new(),
        tick: None,
    };
    let refused = || Err(io::Error::from_raw_os_error(EOPNOTSUPP));
    l.apply(&plan_of(&["eth0"]), &mut t, refused, true);
    assert!(l.polled.is_empty() && l.tick.is_none());
    let ev =
        ka_sys::netlink::NetEvent::LinkChanged(link(2, "eth0", false, false));
    assert_eq!(
        t.apply(&ev),
        vec![Event::LinkDown {
            iface: "eth0".into()
        }]
    );
}
