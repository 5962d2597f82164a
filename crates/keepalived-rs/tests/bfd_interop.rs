//! BFD interop in namespace labs (root only; skipped with a reason
//! otherwise): keepalived-rs against FRR's bfdd and against keepalived
//! 2.2.7's own BFD, both directions: sessions come up, a silent peer is
//! detected within the detection time, a peer going AdminDown is
//! reported as such; and a VRRP instance with `track_bfd` goes FAULT and
//! releases its VIP when its BFD peer is cut off.
//!
//! FRR runs as the VRRP interop tests run it (TESTING.md): zebra and
//! bfdd in the lab host's namespace with per-namespace paths, in the
//! foreground so the lab owns their pids; its state is read with
//! `vtysh -N NS -c 'show bfd peers'`.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ka_lab::{DaemonFiles, Lab};
use nix::sys::signal::Signal;

mod common;

const ZEBRA: &str = "/usr/lib/frr/zebra";
const BFDD: &str = "/usr/lib/frr/bfdd";
const KEEPALIVED: &str = "/usr/sbin/keepalived";

/// Why the FRR tests cannot run here.
fn frr_skip_reason() -> Option<String> {
    for p in [ZEBRA, BFDD] {
        if !Path::new(p).exists() {
            return Some(format!(
                "FRR is not installed ({p} is missing; CI installs the Debian package `frr`)"
            ));
        }
    }
    if !ka_lab::run("id", &["-u", "frr"]).is_ok_and(|o| o.status.success()) {
        return Some("there is no `frr` user (Debian package `frr`)".into());
    }
    None
}

fn skip(frr: bool, keepalived: bool) -> bool {
    if ka_lab::skip() {
        return true;
    }
    if frr && ka_lab::skip_if(frr_skip_reason()) {
        return true;
    }
    let missing = (keepalived && !Path::new(KEEPALIVED).exists())
        .then(|| format!("keepalived 2.2.7 is not installed ({KEEPALIVED})"));
    ka_lab::skip_if(missing)
}

/// zebra and bfdd in one lab host with one peer.
struct FrrBfd {
    host: usize,
    ns: String,
    run_dir: PathBuf,
    conf_dir: PathBuf,
    peer: Ipv4Addr,
    local: Ipv4Addr,
}

impl FrrBfd {
    /// Starts zebra and bfdd in `host` with a peer `peer` from `local`
    /// at `ms` × `mult`.
    fn start(
        lab: &mut Lab,
        host: usize,
        peer: Ipv4Addr,
        ms: u32,
        mult: u8,
    ) -> Self {
        let ns = lab.host(host).netns.clone();
        let f = Self {
            host,
            run_dir: PathBuf::from(format!("/var/run/frr/{ns}")),
            conf_dir: lab.dir().join(format!("frr{host}")),
            ns,
            peer,
            local: lab.host(host).ipv4,
        };
        for d in [&f.run_dir, &f.conf_dir] {
            std::fs::create_dir_all(d).unwrap();
        }
        f.write("zebra.conf", &format!("hostname {}\n", f.ns));
        let bfd = format!(
            "log stdout informational\nbfd\n peer {peer} local-address {}\n  receive-interval {ms}\n  transmit-interval {ms}\n  detect-multiplier {mult}\n !\n!\n",
            f.local
        );
        f.write("bfdd.conf", &bfd);
        let (zconf, zpid, api) =
            (f.conf("zebra.conf"), f.run("zebra.pid"), f.run("zserv.api"));
        lab.spawn(
            host,
            "zebra",
            ZEBRA,
            &[
                "-N", &f.ns, "-f", &zconf, "-i", &zpid, "-z", &api, "-P", "0",
            ],
        )
        .unwrap();
        let api_path = f.run_dir.join("zserv.api");
        assert!(
            lab.wait_until(Duration::from_secs(10), |_| api_path.exists())
                .is_some(),
            "zebra did not start"
        );
        let (bconf, bpid) = (f.conf("bfdd.conf"), f.run("bfdd.pid"));
        let ctl = f.run("bfdd.sock");
        lab.spawn(
            host,
            "bfdd",
            BFDD,
            &[
                "-N", &f.ns, "-f", &bconf, "-i", &bpid, "-z", &api, "-P", "0",
                "--bfdctl", &ctl,
            ],
        )
        .unwrap();
        let vty = f.run_dir.join("bfdd.vty");
        assert!(
            lab.wait_until(Duration::from_secs(10), |_| vty.exists())
                .is_some(),
            "bfdd did not start"
        );
        f
    }

    fn conf(&self, file: &str) -> String {
        self.conf_dir.join(file).display().to_string()
    }

    fn run(&self, file: &str) -> String {
        self.run_dir.join(file).display().to_string()
    }

    fn write(&self, file: &str, text: &str) {
        std::fs::write(self.conf_dir.join(file), text).unwrap();
        for d in [&self.run_dir, &self.conf_dir] {
            ka_lab::run_ok(
                "chown",
                &["-R", "frr:frr", &d.display().to_string()],
            )
            .unwrap();
        }
    }

    fn vtysh(&self, cmds: &[&str]) -> String {
        let mut args = vec!["-N", self.ns.as_str()];
        for c in cmds {
            args.extend(["-c", c]);
        }
        ka_lab::run("vtysh", &args)
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    /// The peer's status as `show bfd peers` prints it (`up`, `down`, …).
    fn status(&self) -> String {
        let out = self.vtysh(&["show bfd peers"]);
        out.lines()
            .find_map(|l| l.trim().strip_prefix("Status: "))
            .unwrap_or("")
            .to_string()
    }

    /// `shutdown` (AdminDown) or `no shutdown` of the peer.
    fn shutdown(&self, down: bool) {
        let peer = format!("peer {} local-address {}", self.peer, self.local);
        let cmd = if down { "shutdown" } else { "no shutdown" };
        self.vtysh(&["configure terminal", "bfd", &peer, cmd]);
    }
}

impl Drop for FrrBfd {
    fn drop(&mut self) {
        // The lab kills the daemons; their run directory is ours.
        let _ = std::fs::remove_dir_all(&self.run_dir);
        let _ = self.host;
    }
}

fn bfd_conf(
    name: &str,
    peer: IpAddr,
    local: IpAddr,
    ms: u32,
    mult: u8,
) -> String {
    format!(
        "global_defs {{\n router_id {name}\n}}\nbfd_instance B {{\n neighbor_ip {peer}\n source_ip {local}\n min_rx {ms}\n min_tx {ms}\n multiplier {mult}\n}}\n"
    )
}

/// Waits until `pid`'s log holds `needle` (at most `timeout`); returns
/// how long it took.
fn wait_log(
    lab: &Lab,
    pid: u32,
    needle: &str,
    timeout: Duration,
) -> Option<Duration> {
    lab.wait_until(timeout, |l| l.log_of(pid).contains(needle))
}

fn up_line() -> &'static str {
    "(B) Entering Up state"
}

#[test]
fn frr_bfdd_session_up_silent_peer_and_admin_down() {
    if skip(true, false) {
        return;
    }
    let mut lab = Lab::new(2).unwrap();
    let (ours, frr_ip) = (lab.host(0).ipv4, lab.host(1).ipv4);
    let frr = FrrBfd::start(&mut lab, 1, ours, 100, 3);
    let conf = bfd_conf("r0", frr_ip.into(), ours.into(), 100, 3);
    let tmpdir = format!("TMPDIR={}", lab.dir().display());
    let pid =
        common::start_keepalived_rs(&mut lab, 0, "ka-rs", &conf, &[&tmpdir]);
    // Up both ways.
    let up = wait_log(&lab, pid, up_line(), Duration::from_secs(15));
    assert!(up.is_some(), "keepalived-rs never Up:\n{}", lab.log_of(pid));
    assert!(
        lab.wait_until(Duration::from_secs(5), |_| frr.status() == "up")
            .is_some(),
        "FRR never up: {}",
        frr.vtysh(&["show bfd peers"])
    );
    // Detection time: 3 × 100 ms both ways.
    assert!(
        lab.log_of(pid).contains("Detection time is 300000 us"),
        "{}",
        lab.log_of(pid)
    );
    // A peer going AdminDown: Down with diag 3 (FRR 8.4 sends AdminDown
    // with no diagnostic of its own).
    frr.shutdown(true);
    let admin = "(B) Entering Down state (Local diagnostic - Neighbor Signaled Session Down";
    assert!(
        wait_log(&lab, pid, admin, Duration::from_secs(5)).is_some(),
        "{}",
        lab.log_of(pid)
    );
    assert!(!lab.log_of(pid).contains("Expired"), "{}", lab.log_of(pid));
    // The dump (SIGUSR1) shows the session Down by the peer's signal
    // (the remote state itself returns to Down a detection time later,
    // when the session resets).
    let dump = lab.dir().join("keepalived_bfd.data");
    let _ = std::fs::remove_file(&dump);
    assert!(lab.signal(pid, Signal::SIGUSR1));
    let dumped = lab.wait_until(Duration::from_secs(5), |_| {
        std::fs::read_to_string(&dump).is_ok_and(|t| {
            t.contains("   local state = Down\n")
                && t.contains(
                    "   local diag = Neighbor Signaled Session Down\n",
                )
        })
    });
    assert!(dumped.is_some(), "{:?}", std::fs::read_to_string(&dump));
    frr.shutdown(false);
    let ups = |l: &Lab| l.log_of(pid).matches(up_line()).count();
    assert!(
        lab.wait_until(Duration::from_secs(15), |l| ups(l) >= 2)
            .is_some(),
        "not back Up:\n{}",
        lab.log_of(pid)
    );
    // Silent peer: cut FRR off; we notice within the detection time
    // (plus polling slack).
    lab.partition(1).unwrap();
    let t = Instant::now();
    let took = wait_log(&lab, pid, "(B) Expired after", Duration::from_secs(5));
    let took =
        took.unwrap_or_else(|| panic!("no expiry:\n{}", lab.log_of(pid)));
    assert!(t.elapsed() >= Duration::from_millis(200), "too early");
    assert!(
        took <= Duration::from_millis(300 + 250),
        "detected after {took:?}"
    );
    // FRR notices too.
    assert!(
        lab.wait_until(Duration::from_secs(5), |_| frr.status() == "down")
            .is_some()
    );
    lab.heal().unwrap();
    assert!(
        lab.wait_until(Duration::from_secs(15), |l| ups(l) >= 3)
            .is_some(),
        "not Up after heal:\n{}",
        lab.log_of(pid)
    );
    // A parameter change by reload converges through a Poll Sequence,
    // without a flap: our min_rx 200 ms makes the detection time 600 ms.
    let downs = |l: &Lab| l.log_of(pid).matches("(B) Entering Down").count();
    let before = downs(&lab);
    let conf = bfd_conf("r0", frr_ip.into(), ours.into(), 200, 3);
    std::fs::write(lab.dir().join("ka-rs.conf"), conf).unwrap();
    assert!(lab.signal(pid, Signal::SIGHUP));
    // (The poll sequence that followed the heal may still be running:
    // the previous value is not checked.)
    let changed = "Detection time is 600000 us (was";
    assert!(
        wait_log(&lab, pid, changed, Duration::from_secs(5)).is_some(),
        "{}",
        lab.log_of(pid)
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(downs(&lab), before, "flap on reload:\n{}", lab.log_of(pid));
    assert_eq!(frr.status(), "up");
}

/// Starts keepalived 2.2.7 (its BFD and VRRP processes) in host 1 on
/// `conf`; returns its pid.
fn start_keepalived(lab: &mut Lab, conf: &str) -> u32 {
    let files = DaemonFiles::write(lab.dir(), "ka", conf).unwrap();
    lab.start_daemon(1, "keepalived", KEEPALIVED, &files, &[], &[])
        .unwrap()
}

#[test]
fn keepalived_2_2_7_bfd_over_ipv6() {
    if skip(false, true) {
        return;
    }
    let mut lab = Lab::new(2).unwrap();
    let (a, b) = (lab.host(0).ipv6, lab.host(1).ipv6);
    let ours = common::start_keepalived_rs(
        &mut lab,
        0,
        "ka-rs",
        &bfd_conf("r0", b.into(), a.into(), 50, 3),
        &[],
    );
    let theirs =
        start_keepalived(&mut lab, &bfd_conf("r1", a.into(), b.into(), 50, 3));
    assert!(
        wait_log(&lab, ours, up_line(), Duration::from_secs(15)).is_some(),
        "ours never Up:\n{}",
        lab.log_of(ours)
    );
    assert!(
        wait_log(&lab, theirs, up_line(), Duration::from_secs(15)).is_some(),
        "keepalived never Up:\n{}",
        lab.log_of(theirs)
    );
    // Hop limit 64 both ways (keepalived's IPv6 default), so the GTSM
    // check with max_hops 0 passes and the session stays Up.
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        !lab.log_of(ours).contains("(B) Entering Down"),
        "{}",
        lab.log_of(ours)
    );
    lab.partition(1).unwrap();
    let took =
        wait_log(&lab, ours, "(B) Expired after", Duration::from_secs(5));
    assert!(
        took.is_some_and(|t| t <= Duration::from_millis(150 + 250)),
        "{took:?}\n{}",
        lab.log_of(ours)
    );
}

#[test]
fn keepalived_2_2_7_bfd_session_both_ways() {
    if skip(false, true) {
        return;
    }
    let mut lab = Lab::new(2).unwrap();
    let (a, b) = (lab.host(0).ipv4, lab.host(1).ipv4);
    let ours = common::start_keepalived_rs(
        &mut lab,
        0,
        "ka-rs",
        &bfd_conf("r0", b.into(), a.into(), 50, 3),
        &[],
    );
    let theirs =
        start_keepalived(&mut lab, &bfd_conf("r1", a.into(), b.into(), 50, 3));
    assert!(
        wait_log(&lab, ours, up_line(), Duration::from_secs(15)).is_some(),
        "ours never Up:\n{}",
        lab.log_of(ours)
    );
    assert!(
        wait_log(&lab, theirs, up_line(), Duration::from_secs(15)).is_some(),
        "keepalived never Up:\n{}",
        lab.log_of(theirs)
    );
    // Silent peer both ways: 3 × 50 ms.
    lab.partition(1).unwrap();
    let ours_took =
        wait_log(&lab, ours, "(B) Expired after", Duration::from_secs(5));
    let theirs_took =
        wait_log(&lab, theirs, "(B) Expired after", Duration::from_secs(5));
    assert!(
        ours_took.is_some_and(|t| t <= Duration::from_millis(150 + 250)),
        "ours: {ours_took:?}\n{}",
        lab.log_of(ours)
    );
    assert!(
        theirs_took.is_some(),
        "keepalived never expired:\n{}",
        lab.log_of(theirs)
    );
    lab.heal().unwrap();
    let ups = |l: &Lab, pid| l.log_of(pid).matches(up_line()).count();
    assert!(
        lab.wait_until(Duration::from_secs(15), |l| ups(l, ours) >= 2
            && ups(l, theirs) >= 2)
            .is_some(),
        "not back Up:\n{}\n---\n{}",
        lab.log_of(ours),
        lab.log_of(theirs)
    );
}

#[test]
fn track_bfd_weight_0_goes_fault_and_releases_the_vip() {
    if skip(true, false) {
        return;
    }
    let mut lab = Lab::new(2).unwrap();
    let (ours, frr_ip) = (lab.host(0).ipv4, lab.host(1).ipv4);
    let _frr = FrrBfd::start(&mut lab, 1, ours, 100, 3);
    let vip: IpAddr = "192.0.2.100".parse().unwrap();
    let conf = format!(
        "{}vrrp_instance VI_1 {{\n state MASTER\n interface eth0\n virtual_router_id 51\n priority 150\n advert_int 1\n track_bfd {{\n  B\n }}\n virtual_ipaddress {{\n  {vip}/24\n }}\n}}\n",
        bfd_conf("r0", frr_ip.into(), ours.into(), 100, 3)
    );
    let pid = common::start_keepalived_rs(&mut lab, 0, "ka-rs", &conf, &[]);
    assert!(
        wait_log(&lab, pid, up_line(), Duration::from_secs(15)).is_some(),
        "{}",
        lab.log_of(pid)
    );
    assert!(
        lab.wait_until(Duration::from_secs(10), |l| l.holders(vip) == [0])
            .is_some(),
        "VIP never held:\n{}",
        lab.log_of(pid)
    );
    lab.partition(1).unwrap();
    let gone =
        lab.wait_until(Duration::from_secs(5), |l| l.holders(vip).is_empty());
    assert!(
        gone.is_some_and(|t| t <= Duration::from_millis(300 + 500)),
        "VIP still held after {gone:?}:\n{}",
        lab.log_of(pid)
    );
    assert!(
        lab.log_of(pid).contains("(VI_1) Entering FAULT STATE"),
        "{}",
        lab.log_of(pid)
    );
    lab.heal().unwrap();
    assert!(
        lab.wait_until(Duration::from_secs(15), |l| l.holders(vip) == [0])
            .is_some(),
        "VIP not back:\n{}",
        lab.log_of(pid)
    );
}

/// Soak (not run by default: `-- --ignored bfd_soak`): two keepalived-rs
/// at 10 ms × 3 for `KA_BFD_SOAK_SECS` (default 60) seconds; no session
/// may go down.
#[test]
#[ignore = "a soak of a minute or more; run with --ignored"]
fn bfd_soak_10ms_x3_no_false_down() {
    if skip(false, false) {
        return;
    }
    let secs: u64 = std::env::var("KA_BFD_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    // KA_BFD_SOAK_KEEPALIVED=1: the same with keepalived 2.2.7 on both
    // sides, for comparison.
    let reference = std::env::var_os("KA_BFD_SOAK_KEEPALIVED").is_some();
    let mut lab = Lab::new(2).unwrap();
    let (a, b) = (lab.host(0).ipv4, lab.host(1).ipv4);
    let confs = [
        bfd_conf("r0", b.into(), a.into(), 10, 3),
        bfd_conf("r1", a.into(), b.into(), 10, 3),
    ];
    let mut pids = Vec::new();
    for (i, conf) in confs.iter().enumerate() {
        let name = format!("d{i}");
        let pid = if reference {
            let dir = lab.dir().to_path_buf();
            let c = dir.join(format!("{name}.conf"));
            std::fs::write(&c, conf).unwrap();
            let p =
                |f: &str| dir.join(format!("{name}-{f}")).display().to_string();
            let c = c.display().to_string();
            let args = [
                "-n",
                "-l",
                "-f",
                &c,
                "-p",
                &p("p"),
                "-r",
                &p("r"),
                "-c",
                &p("c"),
                "-b",
                &p("b"),
            ];
            lab.spawn(i, &name, KEEPALIVED, &args).unwrap()
        } else {
            common::start_keepalived_rs(&mut lab, i, &name, conf, &[])
        };
        pids.push(pid);
    }
    for &p in &pids {
        assert!(
            wait_log(&lab, p, up_line(), Duration::from_secs(15)).is_some(),
            "{}",
            lab.log_of(p)
        );
    }
    std::thread::sleep(Duration::from_secs(secs));
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let downs: Vec<usize> = pids
        .iter()
        .map(|&p| lab.log_of(p).matches("Entering Down").count())
        .collect();
    println!(
        "{} {secs} s at 10 ms x 3: downs {downs:?}, load {load}",
        if reference {
            "keepalived"
        } else {
            "keepalived-rs"
        }
    );
    for &p in &pids {
        let log = lab.log_of(p);
        assert_eq!(log.matches("Entering Down").count(), 0, "{log}");
        assert_eq!(log.matches(up_line()).count(), 1, "{log}");
    }
}
