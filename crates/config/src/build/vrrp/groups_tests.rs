//! Tests of `garp_group` and `vrrp_track_process`, each checked against
//! keepalived 2.2.7 (`keepalived -t`; exit 5 where an error is expected).

use std::time::Duration;

use crate::build::{Cx, build, testutil::items};
use crate::diag::{Diagnostics, Severity};
use crate::model::Config;
use crate::model::vrrp::ParamMatch;

fn load(text: &str) -> (Config, Diagnostics) {
    let mut cx = Cx::new();
    let c = build(&items(text), &mut cx);
    (c, cx.diags)
}

fn errors(d: &Diagnostics) -> usize {
    d.iter().filter(|x| x.severity == Severity::Error).count()
}

#[test]
fn garp_group_needs_a_delay() {
    // keepalived: "garp group 0 does not have any delay set - removing".
    let (c, d) = load("garp_group {\n interface eth0\n}\n");
    assert!(c.vrrp.garp_groups.is_empty());
    assert_eq!(errors(&d), 1);
}

#[test]
fn garp_group_interfaces_block() {
    // keepalived: exit 0.
    let (c, d) = load(
        "garp_group {\n gna_interval 0.5\n interfaces {\n  eth0 eth1\n }\n}\n",
    );
    assert_eq!(errors(&d), 0);
    let g = &c.vrrp.garp_groups[0];
    assert_eq!(g.gna_interval, Some(Duration::from_millis(500)));
    assert_eq!(g.interfaces, ["eth0", "eth1"]);
    // keepalived: "Warning - empty garp_group interfaces block", exit 5.
    let (_, d) = load("garp_group {\n garp_interval 1\n interfaces {\n }\n}\n");
    assert_eq!(errors(&d), 1);
}

#[test]
fn track_process_options() {
    // keepalived: exit 0.
    let (c, d) = load(
        "vrrp_track_process tp {\n process haproxy -f /etc/h.cfg\n \
         param_match initial\n quorum 2\n quorum_max 3\n \
         weight 10 reverse\n delay 0.5\n}\n",
    );
    assert_eq!(errors(&d), 0, "{d:?}");
    let p = &c.vrrp.track_processes[0];
    assert_eq!(p.process, ["haproxy", "-f", "/etc/h.cfg"]);
    assert_eq!(p.param_match, Some(ParamMatch::Initial));
    assert_eq!((p.quorum, p.quorum_max), (2, Some(3)));
    assert_eq!((p.weight, p.reverse), (10, true));
    assert_eq!(p.fork_delay, Duration::from_millis(500));
    assert_eq!(p.terminate_delay, Duration::from_millis(500));
    assert!(p.full_command);
}

#[test]
fn track_process_errors() {
    // Each is a configuration error in keepalived (exit 5).
    for text in [
        "vrrp_track_process tp {\n process haproxy\n quorum 3\n quorum_max 2\n}\n",
        "vrrp_track_process tp {\n quorum 1\n}\n",
        "vrrp_track_process tp {\n process haproxy\n weight 255\n}\n",
    ] {
        let (_, d) = load(text);
        assert!(errors(&d) >= 1, "{text}: {d:?}");
    }
}
