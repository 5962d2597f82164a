//! Property: for random configurations (valid values, out-of-range values,
//! unknown and misspelt keywords, nested blocks), printing the validated
//! model and loading the printed text gives the same model.

use std::path::Path;

use ka_config::LoadOptions;
use ka_config::host::FakeHost;
use proptest::prelude::*;

/// One keyword line of a `vrrp_instance`, with a value drawn from valid
/// and invalid ones.
fn instance_line() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..300).prop_map(|p| format!("priority {p}")),
        (0u32..260).prop_map(|v| format!("virtual_router_id {v}")),
        prop::sample::select(vec!["0.01", "0.5", "1", "2.5", "41", "300", "x"])
            .prop_map(|a| format!("advert_int {a}")),
        prop::sample::select(vec!["MASTER", "BACKUP", "EQUAL"]).prop_map(|s| format!("state {s}")),
        prop::sample::select(vec!["2", "3", "4"]).prop_map(|v| format!("version {v}")),
        Just("nopreempt".to_string()),
        (0u32..2000).prop_map(|d| format!("preempt_delay {d}")),
        Just("accept".to_string()),
        Just("no_accept".to_string()),
        Just("dont_track_primary".to_string()),
        prop::sample::select(vec!["eth0", "eth1", "eth9"]).prop_map(|i| format!("interface {i}")),
        (1u32..6).prop_map(|n| format!("garp_master_repeat {n}")),
        Just("unicast_src_ip 192.0.2.10".to_string()),
        Just("unicast_peer {\n192.0.2.11\n198.51.100.7 min_ttl 10 max_ttl 200\n}".to_string()),
        Just("authentication {\nauth_type PASS\nauth_pass secret1234\n}".to_string()),
        Just("virtual_ipaddress {\n192.0.2.100/24 dev eth0 label eth0:vip\n2001:db8::100/64\n}".to_string()),
        Just("virtual_ipaddress_excluded {\n203.0.113.9\n}".to_string()),
        Just("virtual_routes {\n198.51.100.0/24 via 192.0.2.1 dev eth0\n}".to_string()),
        Just("track_interface {\neth1 weight -20\n}".to_string()),
        Just("notify_master \"/usr/bin/true master\"".to_string()),
        Just("priorty 100".to_string()),
        Just("bogus_block {\nx 1\n}".to_string()),
    ]
}

fn config() -> impl Strategy<Value = String> {
    let instances = prop::collection::vec(
        prop::collection::vec(instance_line(), 0..12),
        1..4,
    );
    let globals = prop::collection::vec(
        prop_oneof![
            Just("router_id lb1".to_string()),
            Just("vrrp_strict".to_string()),
            Just("enable_script_security".to_string()),
            (0u32..10).prop_map(|n| format!("vrrp_garp_master_delay {n}")),
            prop::sample::select(vec!["2", "3"])
                .prop_map(|v| format!("vrrp_version {v}")),
            Just("vrrp_skip_check_adv_addr".to_string()),
        ],
        0..5,
    );
    (globals, instances).prop_map(|(g, insts)| {
        let mut text = format!("global_defs {{\n{}\n}}\n", g.join("\n"));
        for (n, lines) in insts.iter().enumerate() {
            text.push_str(&format!(
                "vrrp_instance VI_{n} {{\n{}\n}}\n",
                lines.join("\n")
            ));
        }
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn print_then_load_is_the_identity_on_models(text in config()) {
        let opts = LoadOptions::default();
        let host = FakeHost::new().with_file("/etc/keepalived/keepalived.conf", text.clone());
        let first = ka_config::load(Path::new("/etc/keepalived/keepalived.conf"), &host, &opts);
        let printed = ka_config::print(&first.config);
        let host = host.with_file("/etc/keepalived/printed.conf", printed.clone());
        let again = ka_config::load(Path::new("/etc/keepalived/printed.conf"), &host, &opts);
        prop_assert_eq!(&again.config, &first.config, "input:\n{}\nprinted:\n{}", text, printed);
    }
}
