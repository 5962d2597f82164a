//! Records the golden replay scenarios from real runs: two keepalived-rs
//! daemons in network-namespace hosts (ka-lab), each started with
//! `--record-events`, driven through election, preemption, priority-0
//! handover, a sync group and a tracker FAULT. The recordings become
//! `crates/testkit/tests/golden/<case>/recording.jsonl`, replayed by
//! `crates/testkit/tests/golden.rs`.
//!
//! Regenerate every golden (root, about a minute):
//!
//! ```text
//! cargo test --release -p keepalived-rs --test golden_record -- --ignored regenerate
//! ```
//!
//! `KA_GOLDEN_SCENARIOS=handover,sync` limits it to those scenarios
//! (names in [`SCENARIOS`]). Scenarios with a keepalived 2.2.7 peer are
//! skipped, with the reason, where keepalived is not installed.
//!
//! The ordinary test run records one scenario afresh and replays it, so
//! the recorder and the runtime hook are checked end to end. Needs root;
//! skipped with the reason otherwise.

mod common;
#[path = "interop/support.rs"]
#[allow(dead_code, unreachable_pub)]
mod support;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ka_lab::Lab;
use ka_testkit::golden::{self, Input};
use ka_vrrp::Event;
use nix::sys::signal::Signal;

/// Election or failover on a loaded 2-core machine: Master_Down (about
/// 3.6 s) plus a wide margin.
const ELECTION: Duration = Duration::from_secs(12);

/// How long a settled state is kept, so that the recording holds a few
/// adverts of it (advert_int 1).
const SETTLE: Duration = Duration::from_millis(2500);

/// How long a daemon may take to stop after SIGTERM.
const STOP_WAIT: Duration = Duration::from_secs(10);

/// One golden produced by a scenario: the recording of one host.
struct Golden {
    /// Directory name under `tests/golden` (`<area><n>`, holo style).
    case: &'static str,
    /// Which lab host's recording it is.
    host: usize,
    /// What the recording shows, for `description.txt`.
    about: &'static str,
}

/// A scripted run of the lab and the goldens it yields.
struct Scenario {
    name: &'static str,
    /// Lab hosts.
    hosts: usize,
    goldens: &'static [Golden],
    run: fn(&mut Run),
}

/// A lab with one recording keepalived-rs per started host, and maybe a
/// keepalived 2.2.7 peer.
struct Run {
    lab: Lab,
    pids: Vec<Option<u32>>,
    keepalived: Option<support::Node>,
    /// A scenario that does not go as scripted fails the run (when
    /// recording goldens); otherwise it is only reported.
    strict: bool,
}

fn vip(n: u8) -> IpAddr {
    IpAddr::from([192, 0, 2, 100 + n])
}

/// `VI_<n>` (VRID 50+n, VIP 192.0.2.(100+n)) with `extra` in its body.
fn instance(n: u8, prio: u8, extra: &str) -> String {
    format!(
        "vrrp_instance VI_{n} {{\n    state BACKUP\n    interface eth0\n    \
         virtual_router_id {}\n    priority {prio}\n    advert_int 1\n{extra}    \
         virtual_ipaddress {{\n        {}/24\n    }}\n}}\n",
        50 + u16::from(n),
        vip(n)
    )
}

/// A VRRPv3 IPv6 instance `VI_6` (VRID 56, VIP 2001:db8::100).
fn instance6(prio: u8) -> String {
    format!(
        "vrrp_instance VI_6 {{\n    state BACKUP\n    interface eth0\n    version 3\n    \
         virtual_router_id 56\n    priority {prio}\n    advert_int 1\n    \
         virtual_ipaddress {{\n        {}/64\n    }}\n}}\n",
        vip6()
    )
}

fn vip6() -> IpAddr {
    "2001:db8::100".parse().expect("an IPv6 address")
}

/// A weight-0 `track_file` named `name` on `path`, initially 0 (up).
fn track_file(name: &str, path: &Path) -> String {
    format!(
        "track_file {name} {{\n    file \"{}\"\n    weight 0\n    init_file 0\n}}\n",
        path.display()
    )
}

// ===== impl Run =====

impl Run {
    fn new(hosts: usize, strict: bool) -> Self {
        Self {
            strict,
            lab: Lab::new(hosts).expect("lab"),
            pids: vec![None; hosts],
            keepalived: None,
        }
    }

    fn recording(&self, host: usize) -> PathBuf {
        self.lab.dir().join(format!("h{host}.jsonl"))
    }

    /// Starts a recording daemon with `conf` in `host`.
    fn start(&mut self, host: usize, conf: &str) {
        let rec = self.recording(host);
        let opt = format!("--record-events={}", rec.display());
        let name = format!("h{host}");
        let pid = common::start_keepalived_rs_with(
            &mut self.lab,
            host,
            &name,
            conf,
            &[],
            &[&opt],
        );
        self.pids[host] = Some(pid);
    }

    /// SIGTERM to `host`'s daemon; waits until it exited.
    fn stop(&mut self, host: usize) {
        let pid = self.pids[host].take().expect("started");
        assert!(self.lab.signal(pid, Signal::SIGTERM));
        let st = self.lab.wait_exit(pid, STOP_WAIT);
        assert!(
            st.is_some(),
            "h{host} did not stop:\n{}",
            self.lab.log_of(pid)
        );
    }

    /// Waits until exactly `want` hold `vip`; panics with the logs if
    /// not.
    fn expect_holders(&self, vip: IpAddr, want: &[usize], what: &str) {
        if self
            .lab
            .wait_until(ELECTION, |l| l.holders(vip) == want)
            .is_some()
        {
            return;
        }
        let logs: String = self
            .pids
            .iter()
            .flatten()
            .map(|p| format!("--- pid {p}:\n{}\n", self.lab.log_of(*p)))
            .collect();
        let msg = format!(
            "{what}: expected VIP {vip} on {want:?}, holders are {:?}\n{logs}",
            self.lab.holders(vip)
        );
        assert!(!self.strict, "{msg}");
        eprintln!("not as scripted (the recording must replay anyway): {msg}");
    }

    /// Starts keepalived 2.2.7 (`-P`) with `conf` in `host`.
    fn start_keepalived(&mut self, host: usize, conf: &str) {
        let node = support::start(
            &mut self.lab,
            host,
            support::Impl::Keepalived,
            conf,
            "keepalived",
        );
        self.keepalived = Some(node.expect("start keepalived"));
    }

    /// SIGTERM to keepalived (its master resigns with priority 0).
    fn stop_keepalived(&mut self) {
        let node = self.keepalived.take().expect("started");
        support::stop(&mut self.lab, &node).expect("stop keepalived");
    }

    fn settle(&self) {
        std::thread::sleep(SETTLE);
    }
}

// ===== scenarios =====

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "election",
        hosts: 2,
        goldens: &[
            Golden {
                case: "election1",
                host: 0,
                about: "priority 150, started with a priority-100 peer: wins the \
                        election (BACKUP, Master_Down expires, MASTER, VIP, GARPs), \
                        then stops last (priority-0 advert, VIP removed)",
            },
            Golden {
                case: "election2",
                host: 1,
                about: "priority 100, started with a priority-150 peer: stays BACKUP \
                        on the peer's adverts, then stops first (STOP notify, no advert)",
            },
        ],
        run: election,
    },
    Scenario {
        name: "preempt",
        hosts: 2,
        goldens: &[
            Golden {
                case: "preempt1",
                host: 1,
                about: "priority 100 alone: becomes MASTER; a priority-150 peer starts \
                        and preempts: a higher-priority advert sends it back to BACKUP",
            },
            Golden {
                case: "preempt2",
                host: 0,
                about: "priority 150 started beside a priority-100 MASTER: ignores the \
                        lower-priority adverts (preempt), becomes MASTER when \
                        Master_Down expires",
            },
        ],
        run: preempt,
    },
    Scenario {
        name: "handover",
        hosts: 2,
        goldens: &[
            Golden {
                case: "handover1",
                host: 0,
                about: "priority 150 MASTER, SIGTERM: STOP notify, priority-0 advert, \
                        VIP removed",
            },
            Golden {
                case: "handover2",
                host: 1,
                about: "priority 100 BACKUP: the MASTER's priority-0 advert makes it \
                        MASTER after Skew_Time, not Master_Down_Interval",
            },
        ],
        run: handover,
    },
    Scenario {
        name: "sync",
        hosts: 2,
        goldens: &[
            Golden {
                case: "sync1",
                host: 0,
                about: "sync group G1 {VI_1, VI_2}, priority 150, MASTER for both; \
                        VI_2's weight-0 track_file goes non-zero: VI_2 FAULT drags VI_1 \
                        into FAULT (GROUP FAULT notify); the file returns to 0: both \
                        leave FAULT and preempt back to MASTER",
            },
            Golden {
                case: "sync2",
                host: 1,
                about: "sync group G1 {VI_1, VI_2}, priority 100: BACKUP for both, \
                        MASTER for both when the peer's group faults, BACKUP again when \
                        the peer preempts",
            },
        ],
        run: sync_group,
    },
    Scenario {
        name: "interop-v2",
        hosts: 2,
        goldens: &[Golden {
            case: "interop1",
            host: 1,
            about: "VRRPv2 IPv4, priority 100 beside keepalived 2.2.7 at priority 150: \
                    BACKUP on keepalived's adverts; keepalived's priority-0 advert on \
                    SIGTERM makes it MASTER after Skew_Time",
        }],
        run: interop_v2,
    },
    Scenario {
        name: "interop-v3-ipv6",
        hosts: 2,
        goldens: &[Golden {
            case: "interop2",
            host: 1,
            about: "VRRPv3 IPv6, priority 100 beside keepalived 2.2.7 at priority 150: \
                    BACKUP on keepalived's adverts (link-local source, hop limit 255); \
                    keepalived's priority-0 advert on SIGTERM makes it MASTER after \
                    Skew_Time (unsolicited NAs instead of GARPs)",
        }],
        run: interop_v3_ipv6,
    },
    Scenario {
        name: "tracker",
        hosts: 1,
        goldens: &[Golden {
            case: "tracker1",
            host: 0,
            about: "single host, priority 100, weight-0 track_file: MASTER; the value \
                    becomes 1: FAULT (VIP removed, FAULT notify); back to 0: BACKUP, \
                    then MASTER after Master_Down",
        }],
        run: tracker_fault,
    },
];

fn election(r: &mut Run) {
    r.start(0, &instance(1, 150, ""));
    r.start(1, &instance(1, 100, ""));
    r.expect_holders(vip(1), &[0], "election");
    r.settle();
    r.stop(1);
    r.stop(0);
}

fn preempt(r: &mut Run) {
    r.start(1, &instance(1, 100, ""));
    r.expect_holders(vip(1), &[1], "lone backup takes over");
    r.settle();
    r.start(0, &instance(1, 150, ""));
    r.expect_holders(vip(1), &[0], "preemption");
    r.settle();
    r.stop(1);
    r.stop(0);
}

fn handover(r: &mut Run) {
    r.start(0, &instance(1, 150, ""));
    r.start(1, &instance(1, 100, ""));
    r.expect_holders(vip(1), &[0], "election");
    r.settle();
    r.stop(0);
    r.expect_holders(vip(1), &[1], "handover on priority 0");
    r.settle();
    r.stop(1);
}

fn sync_group(r: &mut Run) {
    let flag = r.lab.dir().join("vi2.flag");
    let group = "vrrp_sync_group G1 {\n    group {\n        VI_1\n        VI_2\n    }\n}\n";
    let tracked = "    track_file {\n        VI2_OK\n    }\n";
    let a = format!(
        "{}{group}{}{}",
        track_file("VI2_OK", &flag),
        instance(1, 150, ""),
        instance(2, 150, tracked)
    );
    let b = format!("{group}{}{}", instance(1, 100, ""), instance(2, 100, ""));
    r.start(0, &a);
    r.start(1, &b);
    r.expect_holders(vip(1), &[0], "group election, VI_1");
    r.expect_holders(vip(2), &[0], "group election, VI_2");
    r.settle();
    std::fs::write(&flag, "1\n").unwrap();
    r.expect_holders(vip(1), &[1], "VI_2 fault drags VI_1");
    r.expect_holders(vip(2), &[1], "VI_2 fault");
    r.settle();
    std::fs::write(&flag, "0\n").unwrap();
    r.expect_holders(vip(1), &[0], "group back, VI_1");
    r.expect_holders(vip(2), &[0], "group back, VI_2");
    r.settle();
    r.stop(1);
    r.stop(0);
}

fn tracker_fault(r: &mut Run) {
    let flag = r.lab.dir().join("ok.flag");
    let conf = format!(
        "{}{}",
        track_file("OK", &flag),
        instance(1, 100, "    track_file {\n        OK\n    }\n")
    );
    r.start(0, &conf);
    r.expect_holders(vip(1), &[0], "lone master");
    r.settle();
    std::fs::write(&flag, "1\n").unwrap();
    r.expect_holders(vip(1), &[], "FAULT");
    r.settle();
    std::fs::write(&flag, "0\n").unwrap();
    r.expect_holders(vip(1), &[0], "master again");
    r.settle();
    r.stop(0);
}

fn interop_v2(r: &mut Run) {
    r.start_keepalived(0, &instance(1, 150, ""));
    r.start(1, &instance(1, 100, ""));
    r.expect_holders(vip(1), &[0], "keepalived wins");
    r.settle();
    r.stop_keepalived();
    r.expect_holders(vip(1), &[1], "handover from keepalived");
    r.settle();
    r.stop(1);
}

fn interop_v3_ipv6(r: &mut Run) {
    r.start_keepalived(0, &instance6(150));
    r.start(1, &instance6(100));
    r.expect_holders(vip6(), &[0], "keepalived wins");
    r.settle();
    r.stop_keepalived();
    r.expect_holders(vip6(), &[1], "handover from keepalived");
    r.settle();
    r.stop(1);
}

/// Scenarios with a keepalived peer cannot run without keepalived.
fn needs_keepalived(sc: &Scenario) -> bool {
    sc.name.starts_with("interop")
}

// ===== running =====

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testkit/tests/golden")
}

/// Runs `sc` in a fresh lab; returns each golden with its recording.
/// `strict`: fail unless the run went as scripted.
fn record(sc: &Scenario, strict: bool) -> Vec<(&'static Golden, String)> {
    let mut r = Run::new(sc.hosts, strict);
    (sc.run)(&mut r);
    sc.goldens
        .iter()
        .map(|g| {
            let path = r.recording(g.host);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (g, text)
        })
        .collect()
}

/// Parses a fresh recording and replays it; panics on a divergence.
fn check(case: &str, text: &str) -> golden::VrrpRecording {
    let rec = golden::VrrpRecording::parse(text, golden::EngineKind::Vrrp)
        .unwrap_or_else(|e| panic!("{case}: {e}"));
    if let Err(d) = golden::replay::<ka_vrrp::Engine>(&rec) {
        panic!("{case}: a fresh recording does not replay:\n{d}");
    }
    rec
}

/// A fresh daemon recording replays into a fresh engine with the same
/// actions (the recorder, the runtime hook and the engine's determinism,
/// end to end). Whatever the run did (a loaded machine may delay adverts
/// and make it flap), its recording must replay.
#[test]
fn a_fresh_daemon_recording_replays() {
    if ka_lab::skip() {
        return;
    }
    let sc = SCENARIOS.iter().find(|s| s.name == "handover").unwrap();
    let mut received = 0;
    for (g, text) in record(sc, false) {
        let rec = check(g.case, &text);
        // Not vacuous: each daemon started and ran timers, and the
        // backup heard the master.
        let count = |f: fn(&Input<Event, _>) -> bool| {
            rec.steps.iter().filter(|s| f(&s.input)).count()
        };
        assert_eq!(count(|i| matches!(i, Input::Event(Event::Started))), 1);
        assert!(count(|i| matches!(i, Input::Timeout)) > 0, "{}", g.case);
        received +=
            count(|i| matches!(i, Input::Event(Event::PacketReceived { .. })));
    }
    assert!(received > 0, "no advert was received");
}

/// Re-records every golden under `crates/testkit/tests/golden`.
#[test]
#[ignore = "rewrites the goldens; run with --ignored regenerate (root)"]
fn regenerate() {
    if ka_lab::skip() {
        return;
    }
    let no_keepalived = support::skip_reason();
    let only = std::env::var("KA_GOLDEN_SCENARIOS").unwrap_or_default();
    let only: Vec<&str> = only.split(',').filter(|s| !s.is_empty()).collect();
    for sc in SCENARIOS {
        if !only.is_empty() && !only.contains(&sc.name) {
            continue;
        }
        if let Some(why) =
            no_keepalived.as_ref().filter(|_| needs_keepalived(sc))
        {
            eprintln!("skipped {}: {why}", sc.name);
            continue;
        }
        for (g, text) in record(sc, true) {
            check(g.case, &text);
            let dir = golden_dir().join(g.case);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("recording.jsonl"), &text).unwrap();
            let about = format!(
                "{}\n\nRecorded from lab host h{} of the `{}` scenario \
                 (crates/keepalived-rs/tests/golden_record.rs): keepalived-rs \
                 with --record-events; hosts 192.0.2.(10+i)/24 and \
                 2001:db8::(10+i)/64 on eth0, advert_int 1, VRRPv2 unless \
                 the case says otherwise.\n",
                g.about, g.host, sc.name
            );
            std::fs::write(dir.join("description.txt"), about).unwrap();
            eprintln!("wrote {}", dir.display());
        }
    }
}
