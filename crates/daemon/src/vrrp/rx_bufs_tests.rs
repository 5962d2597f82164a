use std::path::Path;

use ka_config::LoadOptions;
use ka_config::host::FakeHost;
use ka_config::model::global::RxBufsPolicy;
use ka_vrrp::InstanceConfig;

use super::{DEFAULT_MULTIPLIER, advert_len, instance_share};
use crate::vrrp::plan::{UserResolver, vrrp_plan};

struct RootOnly;

impl UserResolver for RootOnly {
    fn uid_gid(&self, user: &str, _: Option<&str>) -> Option<(u32, u32)> {
        (user == "root").then_some((0, 0))
    }
}

fn instance(extra: &str, vips: &str) -> InstanceConfig {
    let text = format!(
        "vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n \
         {extra}\n virtual_ipaddress {{\n{vips}\n }}\n}}\n"
    );
    let path = "/etc/keepalived/keepalived.conf";
    let host = FakeHost::new().with_file(path, &text);
    let loaded =
        ka_config::load(Path::new(path), &host, &LoadOptions::default());
    let p = vrrp_plan(&loaded.config, &RootOnly);
    p.engine.instances.into_iter().next().expect("one instance")
}

#[test]
fn advert_lengths_as_vrrp_adv_len() {
    // v2 IPv4: 8 header + 8 auth + 2×4 addresses + 20 IP header.
    let two = "192.0.2.1\n192.0.2.2";
    assert_eq!(advert_len(&instance("", two)), 44);
    // v3 IPv4: no authentication data.
    assert_eq!(advert_len(&instance("version 3", two)), 36);
    // AH: 24 more.
    let ah = "authentication {\n auth_type AH\n auth_pass secret\n }";
    assert_eq!(advert_len(&instance(ah, two)), 68);
    // IPv6: header and addresses only.
    let v6 = instance("version 3", "2001:db8::1\n2001:db8::2");
    assert_eq!(advert_len(&v6), 8 + 32);
}

#[test]
fn kernel_rx_buf_size_then_size_then_advert_then_mtu() {
    let i = instance("", "192.0.2.1");
    let m = DEFAULT_MULTIPLIER;
    let no_mtu = || -> Option<u32> { panic!("MTU asked") };
    assert_eq!(
        instance_share(&i, Some(5000), Some(RxBufsPolicy::Size(7)), m, no_mtu),
        5000
    );
    assert_eq!(
        instance_share(&i, None, Some(RxBufsPolicy::Size(7000)), m, no_mtu),
        7000
    );
    assert_eq!(
        instance_share(&i, None, Some(RxBufsPolicy::Advert), 4, no_mtu),
        4 * 40
    );
    assert_eq!(
        instance_share(&i, None, Some(RxBufsPolicy::Mtu), m, || Some(1500)),
        4500
    );
    assert_eq!(
        instance_share(&i, None, Some(RxBufsPolicy::Mtu), m, || None),
        0
    );
    assert_eq!(instance_share(&i, None, None, m, no_mtu), 0);
}
