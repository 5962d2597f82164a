use super::*;

#[test]
fn loopback_is_up_and_running() {
    let s = LinkbeatSocket::open().expect("a datagram socket");
    // Every network namespace has `lo`, up once the namespace is in use.
    assert!(s.up_and_running("lo").expect("SIOCGIFFLAGS on lo"));
}

#[test]
fn unknown_interface_is_enodev() {
    let s = LinkbeatSocket::open().expect("a datagram socket");
    let name = format!("nolb{}", std::process::id() % 100_000);
    let e = s.up_and_running(&name).expect_err("no such interface");
    assert_eq!(e.raw_os_error(), Some(libc::ENODEV));
    let e = s.ethtool_link(&name).expect_err("no such interface");
    assert_eq!(e.raw_os_error(), Some(libc::ENODEV));
}

#[test]
fn bad_names_are_refused_before_the_kernel() {
    let s = LinkbeatSocket::open().expect("a datagram socket");
    for name in ["", "a-name-far-too-long", "a\0b"] {
        let e = s.mii_phy(name).expect_err("bad name");
        assert_eq!(e.raw_os_error(), Some(libc::EINVAL), "{name:?}");
    }
}

#[test]
fn loopback_has_no_mii_phy() {
    let s = LinkbeatSocket::open().expect("a datagram socket");
    // lo's driver has no ndo_eth_ioctl: the kernel refuses SIOCGMIIPHY.
    assert!(s.mii_phy("lo").is_err());
}
