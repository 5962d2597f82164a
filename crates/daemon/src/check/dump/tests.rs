//! The dump against keepalived 2.2.7's own: `keepalived-2.2.7.data` is
//! the file keepalived wrote on SIGUSR1 under user-mode Linux for
//! `keepalived-2.2.7.conf` (a TCP_CHECK server up, an HTTP_GET server
//! whose second url fails, a MISC_CHECK on a fwmark service), 8 s after
//! start. The engine is driven to the same state here.
//!
//! To take the file again: boot `linux.uml` (as `ka_lab::uml::Guest`
//! does) with a body that loads `ip_vs ip_vs_rr ip_vs_wlc dummy`, puts
//! 192.0.2.1, .11, .12, .13/24 on a dummy link, serves HTTP on
//! 192.0.2.11:80 and 192.0.2.12:80 (`python3 -m http.server`), runs
//! `keepalived -n -l -D -C -f keepalived-2.2.7.conf` (with `misc_path
//! "/bin/true"`, which keepalived prints resolved), sleeps 8 s, sends
//! SIGUSR1 to the checker child and copies /tmp/keepalived_check.data.

use std::path::Path;
use std::time::Duration;

use ka_check::{Action, Engine, Event, ProbeResult};
use ka_config::LoadOptions;
use ka_config::host::FakeHost;
use ka_types::Instant;

use super::checkers::ranges_for_test;
use super::{decimal, text};
use crate::check::plan::{CheckPlan, check_plan};
use crate::vrrp::plan::UserResolver;

const CONF: &str = include_str!("keepalived-2.2.7.conf");
const KEEPALIVED: &str = include_str!("keepalived-2.2.7.data");

struct Users;

impl UserResolver for Users {
    fn uid_gid(&self, user: &str, _: Option<&str>) -> Option<(u32, u32)> {
        (user == "root").then_some((0, 0))
    }
}

fn plan(conf: &str) -> CheckPlan {
    let path = "/etc/keepalived/keepalived.conf";
    let host = FakeHost::new()
        .with_file(path, conf)
        .with_programs(&["/usr/bin/true"]);
    let loaded =
        ka_config::load(Path::new(path), &host, &LoadOptions::default());
    check_plan(&loaded.config, &Users)
}

/// Runs the engine for `secs`, every probe answered at once: up, except
/// url 1 of real server 1 of virtual server 0.
fn run(plan: &CheckPlan, secs: u64) -> ka_check::Snapshot {
    let mut e = Engine::new(plan.engine.clone(), Instant::ZERO, 1);
    let end = Instant::from_secs(secs);
    for _ in 0..10_000 {
        let Some(at) = e.poll_timeout().filter(|t| *t <= end) else {
            break;
        };
        let mut out = Vec::new();
        e.handle_timeout(at, &mut out);
        while !out.is_empty() {
            let mut next = Vec::new();
            for a in out.drain(..) {
                let Action::StartProbe { id, token, url } = a else {
                    continue;
                };
                let bad = id.rs.vs == 0 && id.rs.rs == 1 && url == 1;
                let result = if bad {
                    ProbeResult::Down("HTTP status code error".into())
                } else {
                    ProbeResult::Up
                };
                let ev = Event::ProbeDone {
                    id,
                    token,
                    result,
                    latency: Duration::ZERO,
                };
                e.handle(at, ev, &mut next);
            }
            out = next;
        }
    }
    e.snapshot(end)
}

/// From the LVS topology on, without what keepalived-rs does not keep
/// (a MISC_CHECK's last run).
fn topology(text: &str) -> Vec<&str> {
    text.lines()
        .skip_while(|l| *l != "------< LVS Topology >------")
        .filter(|l| {
            !l.starts_with("   Last ran = ") && !l.starts_with("   Last status")
        })
        .collect()
}

#[test]
fn topology_and_checkers_match_keepalived_line_for_line() {
    let p = plan(CONF);
    assert!(p.not_implemented.is_empty(), "{:?}", p.not_implemented);
    let snap = run(&p, 8);
    let ours = text(&snap, &p);
    let want = topology(KEEPALIVED);
    let got = topology(&ours);
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "line {i} differs:\n{ours}");
    }
    assert_eq!(got.len(), want.len(), "{ours}");
}

#[test]
fn the_global_section_comes_first() {
    let p = plan(CONF);
    let t = text(&run(&p, 0), &p);
    assert!(t.starts_with("------< Global definitions >------\n"));
    assert!(t.contains("\n Router ID = chkdump\n"));
}

#[test]
fn status_codes_print_as_merged_runs() {
    assert_eq!(ranges_for_test(&[]), vec![(200, 299)]);
    assert_eq!(
        ranges_for_test(&[(404, 404), (200, 204), (205, 210), (300, 300)]),
        vec![(200, 210), (300, 300), (404, 404)]
    );
    assert_eq!(decimal(Duration::from_millis(1500)), "1.500000");
}

#[test]
fn a_server_still_walking_its_urls_has_no_failed_url() {
    let p = plan(CONF);
    // At 2 s only url 0 has been checked (warmup spreads the first checks
    // over delay_loop, then the next url waits a delay_loop).
    let t = text(&run(&p, 2), &p);
    assert!(!t.contains("Failed URL"), "{t}");
    let t = text(&run(&p, 10), &p);
    assert!(t.contains("   Failed URL = /missing\n"), "{t}");
}
