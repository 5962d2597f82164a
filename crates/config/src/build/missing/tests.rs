//! A keyword missing its parameter stops loading with status 2.

use std::path::Path;

use crate::host::FakeHost;
use crate::{Category, LoadOptions, Loaded};

fn load(text: &str) -> Loaded {
    let path = "/etc/keepalived/keepalived.conf";
    let h = FakeHost::new().with_file(path, text);
    crate::load(Path::new(path), &h, &LoadOptions::default())
}

fn vi(line: &str) -> String {
    format!(
        "vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n \
         {line}\n virtual_ipaddress {{\n  192.0.2.10\n }}\n}}\n"
    )
}

#[test]
fn state_without_a_value_stops_with_status_2() {
    let l = load(&vi("state"));
    assert_eq!(l.diagnostics.config_test_status(), 2);
    let stop: Vec<_> = l
        .diagnostics
        .iter()
        .filter(|d| d.category == Category::MissingParameter)
        .collect();
    assert_eq!(stop.len(), 1);
    assert!(
        stop[0].message.contains(
            "Configuration line starting `state` is missing a parameter"
        ),
        "{}",
        stop[0].message
    );
    assert!(l.config.vrrp.instances.is_empty(), "nothing is built");
}

#[test]
fn a_value_that_is_only_a_comment_is_missing() {
    assert_eq!(
        load(&vi("priority # 100")).diagnostics.config_test_status(),
        2
    );
}

#[test]
fn a_block_keyword_without_its_name_is_missing() {
    let l = load("vrrp_script {\n script /bin/true\n}\n");
    assert_eq!(l.diagnostics.config_test_status(), 2);
}

#[test]
fn the_stop_outranks_earlier_errors() {
    let text = format!(
        "global_defs {{\n no_such_keyword 1\n}}\n{}",
        vi("advert_int")
    );
    assert_eq!(load(&text).diagnostics.config_test_status(), 2);
}

#[test]
fn keywords_keepalived_checks_itself_are_ordinary_errors() {
    // keepalived counts the words of these: no stop.
    for line in ["notify_deleted", "track_src_ip", "smtp_alert"] {
        let s = load(&vi(line)).diagnostics.config_test_status();
        assert_ne!(s, 2, "{line}");
    }
    assert_eq!(
        load(&vi("priority 100")).diagnostics.config_test_status(),
        0
    );
}

#[test]
fn checker_keywords_stop_inside_their_checker_only() {
    let vs = |body: &str| {
        format!(
            "virtual_server 192.0.2.1 80 {{\n lb_algo rr\n lb_kind NAT\n protocol TCP\n \
             real_server 192.0.2.2 80 {{\n {body}\n }}\n}}\n"
        )
    };
    let s = |t: &str| load(t).diagnostics.config_test_status();
    assert_eq!(s(&vs("TCP_CHECK {\n connect_port\n }")), 2);
    assert_eq!(s(&vs("DNS_CHECK {\n name\n }")), 2);
    assert_eq!(s(&vs("MISC_CHECK {\n misc_timeout\n }")), 2);
}

#[test]
fn an_unmatched_quote_is_not_a_missing_parameter() {
    // keepalived 2.2.7 -t: "Unmatched quote", exit 5, not 2.
    let l = load(&vi("notify \"/bin/true unterminated"));
    assert_eq!(l.diagnostics.config_test_status(), 5);
}
