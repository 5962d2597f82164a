//! Mapping `bfd_instance` blocks loaded through `ka_config::load`.

use std::path::Path;

use ka_config::LoadOptions;
use ka_config::host::FakeHost;

use super::*;

fn plan(text: &str) -> Option<BfdPlan> {
    let host =
        FakeHost::new().with_file("/etc/keepalived/keepalived.conf", text);
    let path = Path::new("/etc/keepalived/keepalived.conf");
    let loaded = ka_config::load(path, &host, &LoadOptions::default());
    bfd_plan(&loaded.config, 42)
}

#[test]
fn no_bfd_instance_no_plan() {
    assert_eq!(plan("global_defs { router_id r }\n"), None);
}

#[test]
fn instances_map_with_keepalived_defaults() {
    let p = plan(
        "bfd_instance A {\n neighbor_ip 192.0.2.2\n source_ip 192.0.2.1\n min_rx 20\n min_tx 30.5\n idle_tx 2000\n multiplier 3\n passive\n max_hops 2\n vrrp\n}\n\
         bfd_instance B {\n neighbour_ip 2001:db8::2\n max_hops -1\n}\n",
    )
    .unwrap();
    assert_eq!(p.engine.seed, 42);
    let a = &p.engine.sessions[0];
    assert_eq!(a.name, "A");
    assert_eq!(a.source, Some("192.0.2.1".parse().unwrap()));
    assert_eq!((a.min_rx, a.min_tx, a.idle_tx), (20_000, 30_500, 2_000_000));
    assert_eq!((a.multiplier, a.passive), (3, true));
    assert_eq!((a.ttl, a.max_hops), (255, Some(2)));
    let b = &p.engine.sessions[1];
    assert_eq!((b.min_rx, b.min_tx, b.idle_tx), (10_000, 10_000, 1_000_000));
    assert_eq!((b.multiplier, b.ttl, b.max_hops), (5, 64, None));
    assert_eq!(
        p.audience["A"],
        Audience {
            vrrp: true,
            checker: false
        }
    );
    assert_eq!(
        p.audience["B"],
        Audience {
            vrrp: true,
            checker: true
        }
    );
}
