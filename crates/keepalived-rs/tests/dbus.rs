//! The DBus interface (`enable_dbus`) end to end, on a private
//! `dbus-daemon` (its own configuration and socket in the lab directory;
//! the daemons find it through `DBUS_SYSTEM_BUS_ADDRESS`, which GDBus
//! and zbus both read): keepalived-rs in a namespace host is driven
//! through one scenario (start, MASTER, the objects and their
//! introspection, the properties, PrintData, SendGarp, FAULT on carrier
//! loss, a reload adding then removing an instance, SIGTERM), and the
//! same scenario runs against keepalived 2.2.7 on a bus of its own: the
//! signals, the introspection and the property values are compared.
//! Needs root, dbus-daemon and (for the comparison) keepalived; skipped
//! with the reason otherwise.

#[path = "dbus/bus.rs"]
mod bus;
mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use bus::{Client, INSTANCE_IFACE, PrivateBus, Sig, VRRP_IFACE, VRRP_PATH};
use ka_lab::Lab;
use nix::sys::signal::Signal;

/// Election: Master_Down (3.609 s at priority 100) plus a wide margin
/// for a loaded 2-core machine.
const ELECTION: Duration = Duration::from_secs(20);
/// Anything else the daemon does at once (a signal, a file, a reload).
const PROMPT: Duration = Duration::from_secs(10);

const VI_1: &str = "/org/keepalived/Vrrp1/Instance/eth0/71/IPv4";
const VI_2: &str = "/org/keepalived/Vrrp1/Instance/eth0/72/IPv6";

fn instance(name: &str, vrid: u8, vip: &str) -> String {
    format!(
        "vrrp_instance {name} {{\n    state BACKUP\n    interface eth0\n    \
         virtual_router_id {vrid}\n    priority 100\n    advert_int 1\n    \
         virtual_ipaddress {{\n        {vip}\n    }}\n}}\n"
    )
}

/// The configuration: VI_1, and VI_2 (IPv6) when `two`.
fn conf(two: bool) -> String {
    let mut c = "global_defs {\n    enable_dbus\n}\n".to_owned();
    c += &instance("VI_1", 71, "192.0.2.100/24");
    if two {
        c += &instance("VI_2", 72, "2001:db8::100/64");
    }
    c
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Impl {
    Keepalived,
    Rust,
}

/// What a client saw of one daemon.
#[derive(Debug, Default)]
struct Seen {
    /// Every signal, in order.
    signals: Vec<Sig>,
    /// Introspection summaries: VRRP object, VI_1's object, the root of
    /// the tree (its children).
    vrrp_xml: BTreeMap<String, Vec<String>>,
    instance_xml: BTreeMap<String, Vec<String>>,
    tree: BTreeMap<String, Vec<String>>,
    /// `State`, `Name` and `GetAll` of VI_1 while MASTER, and `State`
    /// after the carrier came back.
    state: String,
    name: String,
    all: Vec<String>,
    /// VI_2's `Name` after the first reload, and the error after the
    /// second.
    added: String,
    removed: String,
    /// The data dump after `PrintData` mentions VI_1.
    data_dump: bool,
    /// `PrintStatsClear` wrote one master transition, the `PrintStats`
    /// after it none.
    stats_cleared: bool,
    /// `SendGarp` on VI_1 answered.
    garp: Option<Result<(), String>>,
    log: String,
}

fn status_is(path: &str, n: u32) -> impl Fn(&[Sig]) -> bool + '_ {
    move |s| {
        s.iter().any(|x| {
            x.member == "VrrpStatusChange"
                && x.path == path
                && x.status == Some(n)
        })
    }
}

fn has(member: &str) -> impl Fn(&[Sig]) -> bool + '_ {
    move |s| s.iter().any(|x| x.member == member)
}

/// Counts `member` signals.
fn count(client: &Client, member: &str) -> usize {
    client
        .signals()
        .iter()
        .filter(|x| x.member == member)
        .count()
}

/// Starts `imp` in host 0 of `lab` with `conf`, on `bus`; dumps go to
/// `tmp`. Returns its pid.
fn start(lab: &mut Lab, imp: Impl, bus: &PrivateBus, tmp: &str) -> u32 {
    let env = [bus.env(), format!("TMPDIR={tmp}")];
    let env: Vec<&str> = env.iter().map(String::as_str).collect();
    match imp {
        Impl::Rust => {
            let ctl = lab.dir().join("ctl.sock").display().to_string();
            common::start_keepalived_rs_with(
                lab,
                0,
                "rs",
                &conf(false),
                &env,
                &["--control-socket", &ctl],
            )
        }
        Impl::Keepalived => {
            let dir = lab.dir().to_path_buf();
            let path = dir.join("ka.conf");
            std::fs::write(&path, conf(false)).unwrap();
            let p = |n: &str| dir.join(n).display().to_string();
            let (c, m, v, k) =
                (p("ka.conf"), p("ka.pid"), p("ka-vrrp.pid"), p("ka-chk.pid"));
            let mut args = env.clone();
            args.extend([
                "keepalived",
                "-n",
                "-l",
                "-D",
                "-P",
                "-f",
                &c,
                "-p",
                &m,
                "-r",
                &v,
                "-c",
                &k,
            ]);
            lab.spawn(0, "ka", "env", &args).expect("start keepalived")
        }
    }
}

/// The scenario, against one implementation; panics (with the daemon's
/// log) where a step does not happen within its bound.
fn scenario(imp: Impl) -> Seen {
    let mut lab = Lab::new(1).expect("lab");
    let bus = PrivateBus::start(lab.dir());
    let tmp = lab.dir().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let client = rt
        .block_on(Client::connect(&bus.address))
        .expect("connect to the private bus");
    let pid = start(&mut lab, imp, &bus, &tmp.display().to_string());
    let conf_file = lab.dir().join(if imp == Impl::Rust {
        "rs.conf"
    } else {
        "ka.conf"
    });
    let mut seen = Seen::default();
    let check = |ok: bool, what: &str, lab: &Lab| {
        assert!(ok, "{imp:?}: {what}\n{}", lab.log_of(pid));
    };
    rt.block_on(async {
        let t0 = std::time::Instant::now();
        while !client.service_owned().await && t0.elapsed() < PROMPT {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        check(
            client.service_owned().await,
            "the name is never owned",
            &lab,
        );
        let master = client.wait_for(ELECTION, status_is(VI_1, 2)).await;
        check(master, "no VrrpStatusChange(2) for VI_1", &lab);
        seen.vrrp_xml =
            bus::summary(&client.introspect(VRRP_PATH).await.unwrap());
        seen.instance_xml =
            bus::summary(&client.introspect(VI_1).await.unwrap());
        seen.tree = bus::summary(
            &client.introspect("/org/keepalived/Vrrp1").await.unwrap(),
        );
        seen.state = client.get(VI_1, "State").await.unwrap_or_else(|e| e);
        seen.name = client.get(VI_1, "Name").await.unwrap_or_else(|e| e);
        seen.all = client.get_all(VI_1).await.unwrap_or_else(|e| vec![e]);

        let dump = tmp.join("keepalived.data");
        let printed = client.call(VRRP_PATH, VRRP_IFACE, "PrintData").await;
        check(printed.is_ok(), &format!("PrintData: {printed:?}"), &lab);
        let t0 = std::time::Instant::now();
        while t0.elapsed() < PROMPT
            && !std::fs::read_to_string(&dump).is_ok_and(|d| d.contains("VI_1"))
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        seen.data_dump =
            std::fs::read_to_string(&dump).is_ok_and(|d| d.contains("VI_1"));
        seen.garp = Some(client.call(VI_1, INSTANCE_IFACE, "SendGarp").await);

        // PrintStatsClear writes the counters, then zeroes them: the
        // next PrintStats shows none.
        let stats = tmp.join("keepalived.stats");
        let mut cleared = Vec::new();
        for (method, want) in [
            ("PrintStatsClear", "Became master: 1"),
            ("PrintStats", "Became master: 0"),
        ] {
            let _ = std::fs::remove_file(&stats);
            let r = client.call(VRRP_PATH, VRRP_IFACE, method).await;
            check(r.is_ok(), &format!("{method}: {r:?}"), &lab);
            let t0 = std::time::Instant::now();
            let has = || {
                std::fs::read_to_string(&stats).is_ok_and(|d| d.contains(want))
            };
            while t0.elapsed() < PROMPT && !has() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            cleared.push(has());
        }
        seen.stats_cleared = cleared == [true, true];

        // Carrier loss: FAULT; back: BACKUP, then MASTER again.
        lab.link_down(0).expect("link down");
        check(
            client.wait_for(ELECTION, status_is(VI_1, 3)).await,
            "no FAULT",
            &lab,
        );
        lab.link_up(0).expect("link up");
        let again = |s: &[Sig]| {
            let after: Vec<_> =
                s.iter().skip_while(|x| x.status != Some(3)).collect();
            after.iter().any(|x| x.path == VI_1 && x.status == Some(2))
        };
        check(
            client.wait_for(ELECTION, again).await,
            "no MASTER after FAULT",
            &lab,
        );

        // A reload that adds VI_2, then one that removes it.
        std::fs::write(&conf_file, conf(true)).unwrap();
        check(lab.signal(pid, Signal::SIGHUP), "SIGHUP", &lab);
        check(
            client.wait_for(PROMPT, has("VrrpReloaded")).await,
            "no VrrpReloaded",
            &lab,
        );
        check(
            client.wait_for(ELECTION, status_is(VI_2, 2)).await,
            "VI_2 never MASTER",
            &lab,
        );
        seen.added = client.get(VI_2, "Name").await.unwrap_or_else(|e| e);
        std::fs::write(&conf_file, conf(false)).unwrap();
        check(lab.signal(pid, Signal::SIGHUP), "SIGHUP", &lab);
        let twice = |_: &[Sig]| count(&client, "VrrpReloaded") >= 2;
        check(
            client.wait_for(PROMPT, twice).await,
            "no second VrrpReloaded",
            &lab,
        );
        seen.removed = client.get(VI_2, "Name").await.unwrap_or_else(|e| e);

        check(lab.signal(pid, Signal::SIGTERM), "SIGTERM", &lab);
        check(
            client.wait_for(PROMPT, has("VrrpStopped")).await,
            "no VrrpStopped",
            &lab,
        );
    });
    check(
        lab.wait_exit(pid, PROMPT).is_some(),
        "no exit after SIGTERM",
        &lab,
    );
    seen.signals = client.signals();
    seen.log = lab.log_of(pid);
    seen
}

/// What every run must show, whichever the implementation.
fn assert_scenario(imp: Impl, s: &Seen) {
    let ctx = || format!("{imp:?}: {s:#?}");
    let k = &s.instance_xml[INSTANCE_IFACE];
    assert!(
        k.contains(&"method SendGarp in() out()".to_owned()),
        "{}",
        ctx()
    );
    assert!(
        k.contains(&"signal VrrpStatusChange (u)".to_owned()),
        "{}",
        ctx()
    );
    assert!(
        k.contains(&"property State (us) read".to_owned()),
        "{}",
        ctx()
    );
    let v = &s.vrrp_xml[VRRP_IFACE];
    for m in ["PrintData", "PrintStats", "PrintStatsClear", "ReloadConfig"] {
        assert!(
            v.contains(&format!("method {m} in() out()")),
            "{m}: {}",
            ctx()
        );
    }
    for sig in ["VrrpStarted", "VrrpReloaded", "VrrpStopped"] {
        assert!(v.contains(&format!("signal {sig} ()")), "{sig}: {}", ctx());
    }
    // Debian's build has no --enable-dbus-create-instance.
    assert!(!v.iter().any(|m| m.contains("Instance")), "{}", ctx());
    assert_eq!(s.tree["(children)"], ["Instance", "Vrrp"], "{}", ctx());
    assert_eq!(s.name, "(s) (\"VI_1\",)", "{}", ctx());
    assert_eq!(s.state, "(us) (uint32 2, \"Master\")", "{}", ctx());
    assert_eq!(s.added, "(s) (\"VI_2\",)", "{}", ctx());
    assert!(
        s.removed.starts_with("org.freedesktop.DBus.Error."),
        "{}",
        ctx()
    );
    assert!(s.data_dump, "{}", ctx());
    assert!(s.stats_cleared, "{}", ctx());
    assert_eq!(s.garp, Some(Ok(())), "{}", ctx());
    assert!(
        s.log.contains("Sending garps on VI_1 on DBus request"),
        "{}",
        ctx()
    );
    assert!(
        s.log.contains("Printing VRRP data on DBus request"),
        "{}",
        ctx()
    );
    assert!(
        s.log.contains("Deleted DBus object for instance VI_2"),
        "{}",
        ctx()
    );
    // The signals, in keepalived's order: started, VI_1 BACKUP then
    // MASTER, FAULT, BACKUP, MASTER; the reload: VrrpReloaded, VI_2
    // BACKUP, MASTER; its removal: FAULT (no notify_deleted) before the
    // second VrrpReloaded; SIGTERM: STOP, then VrrpStopped.
    let (start, rest) = phases(s);
    // Start: VrrpStarted and the instance's state when the objects went
    // out; a transition racing the export may be announced twice
    // (keepalived's VRRP thread and DBus thread both send it; here the
    // state is read after the queue is emptied).
    assert!(start.contains(&"vrrp VrrpStarted".to_owned()), "{}", ctx());
    let early = ["vrrp VrrpStarted", "VI_1 0", "VI_1 1"];
    assert!(
        start.iter().all(|x| early.contains(&x.as_str())),
        "{}",
        ctx()
    );
    assert_eq!(
        rest,
        [
            "VI_1 2",
            "VI_1 3",
            "VI_1 1",
            "VI_1 2",
            "vrrp VrrpReloaded",
            "VI_2 1",
            "VI_2 2",
            "VI_2 3",
            "vrrp VrrpReloaded",
            "VI_1 98",
            "vrrp VrrpStopped",
        ],
        "{}",
        ctx()
    );
}

/// The signals as `VI_1 2` or `vrrp VrrpStarted`, split at the first
/// MASTER of VI_1: (start, the rest).
fn phases(s: &Seen) -> (Vec<String>, Vec<String>) {
    let short: Vec<String> = s
        .signals
        .iter()
        .map(|x| {
            let who = if x.path == VI_1 {
                "VI_1"
            } else if x.path == VI_2 {
                "VI_2"
            } else {
                "vrrp"
            };
            match x.status {
                Some(n) => format!("{who} {n}"),
                None => format!("{who} {}", x.member),
            }
        })
        .collect();
    let k = short
        .iter()
        .position(|x| x == "VI_1 2")
        .unwrap_or(short.len());
    (short[..k].to_vec(), short[k..].to_vec())
}

fn skip() -> bool {
    ka_lab::skip() || ka_lab::skip_if(bus::missing())
}

#[test]
fn keepalived_rs_on_the_bus() {
    if skip() {
        return;
    }
    let rs = scenario(Impl::Rust);
    assert_scenario(Impl::Rust, &rs);
    assert!(
        rs.log.contains(
            "Acquired the name org.keepalived.Vrrp1 on the session bus"
        ),
        "{}",
        rs.log
    );
    assert!(rs.log.contains("Released DBus"), "{}", rs.log);
}

fn keepalived_missing() -> Option<String> {
    ka_lab::run("keepalived", &["-v"]).err().map(|e| {
        format!(
            "keepalived is not installed ({e}); CI installs the Debian package"
        )
    })
}

#[test]
fn keepalived_2_2_7_shows_the_same_objects_signals_and_values() {
    if skip() || ka_lab::skip_if(keepalived_missing()) {
        return;
    }
    let (ka, rs) = std::thread::scope(|s| {
        let ka = s.spawn(|| scenario(Impl::Keepalived));
        let rs = s.spawn(|| scenario(Impl::Rust));
        (
            ka.join().expect("keepalived run"),
            rs.join().expect("keepalived-rs run"),
        )
    });
    assert_scenario(Impl::Keepalived, &ka);
    // Every signal after the start (whose first lines race, see
    // assert_scenario), in the same order.
    assert_eq!(phases(&rs).1, phases(&ka).1, "signals");
    assert_eq!(rs.vrrp_xml, ka.vrrp_xml, "the VRRP object's introspection");
    // The tree's children; zbus's intermediate node also answers the
    // standard interfaces (Introspectable, Peer, Properties), GDBus's
    // lists children only.
    assert_eq!(rs.tree["(children)"], ka.tree["(children)"], "the tree");
    assert_eq!(
        (&rs.state, &rs.name, &rs.all),
        (&ka.state, &ka.name, &ka.all),
        "properties"
    );
    // keepalived compat: keepalived declares Name as `s` and answers
    // `(s)`; keepalived-rs answers the same and declares what it sends.
    let mut declared = ka.instance_xml.clone();
    for m in declared.values_mut().flatten() {
        if m == "property Name s read" {
            *m = "property Name (s) read".into();
        }
    }
    for v in declared.values_mut() {
        v.sort();
    }
    assert_eq!(
        rs.instance_xml, declared,
        "the instance object's introspection"
    );
}

/// Waits (at most `bound`) until the log of `pid` holds every line of
/// `want`.
fn wait_log(lab: &Lab, pid: u32, want: &[&str], bound: Duration) -> bool {
    let t0 = std::time::Instant::now();
    loop {
        let log = lab.log_of(pid);
        if want.iter().all(|w| log.contains(w)) {
            return true;
        }
        if t0.elapsed() > bound {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn without_the_bus_or_its_name_vrrp_goes_on_and_a_reload_stops_dbus() {
    if skip() {
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    let bus = PrivateBus::start(lab.dir());
    let ctl = lab.dir().join("ctl.sock").display().to_string();
    let extra = ["--control-socket", ctl.as_str()];
    let lost = "Lost the name org.keepalived.Vrrp1 on the session bus";
    let master = "(VI_1) Entering MASTER STATE";
    let stop = |lab: &mut Lab, pid| {
        assert!(lab.signal(pid, Signal::SIGTERM));
        assert!(lab.wait_exit(pid, PROMPT).is_some(), "{}", lab.log_of(pid));
    };

    // No bus where the address points: logged, VRRP runs.
    let nowhere = lab.dir().join("nobus").display().to_string();
    let env = format!("DBUS_SYSTEM_BUS_ADDRESS=unix:path={nowhere}");
    let pid = common::start_keepalived_rs_with(
        &mut lab,
        0,
        "nobus",
        &conf(false),
        &[&env],
        &extra,
    );
    assert!(
        wait_log(&lab, pid, &[lost, master], ELECTION),
        "{}",
        lab.log_of(pid)
    );
    stop(&mut lab, pid);

    // A bus that accepts and never answers: given up after a while.
    let silent = lab.dir().join("silent");
    let _listener =
        std::os::unix::net::UnixListener::bind(&silent).expect("bind");
    let env = format!("DBUS_SYSTEM_BUS_ADDRESS=unix:path={}", silent.display());
    let pid = common::start_keepalived_rs_with(
        &mut lab,
        0,
        "silent",
        &conf(false),
        &[&env],
        &extra,
    );
    assert!(
        wait_log(&lab, pid, &[lost, master], ELECTION),
        "{}",
        lab.log_of(pid)
    );
    stop(&mut lab, pid);

    // The name taken by another connection: keepalived's two lines, VRRP
    // runs, and the other owner keeps the name.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let client = rt.block_on(Client::connect(&bus.address)).expect("connect");
    rt.block_on(client.conn.request_name(bus::SERVICE))
        .expect("own the name");
    let env = bus.env();
    let pid = common::start_keepalived_rs_with(
        &mut lab,
        0,
        "taken",
        &conf(false),
        &[&env],
        &extra,
    );
    let acquired = "Acquired DBus bus org.keepalived.Vrrp1";
    assert!(
        wait_log(&lab, pid, &[acquired, lost, master], ELECTION),
        "{}",
        lab.log_of(pid)
    );
    stop(&mut lab, pid);
    rt.block_on(client.conn.release_name(bus::SERVICE))
        .expect("release the name");

    // A reload without enable_dbus stops DBus (VrrpStopped, the name
    // released); VRRP goes on.
    let pid = common::start_keepalived_rs_with(
        &mut lab,
        0,
        "off",
        &conf(false),
        &[&env],
        &extra,
    );
    let acquired_name = "Acquired the name org.keepalived.Vrrp1";
    assert!(
        wait_log(&lab, pid, &[acquired_name], PROMPT),
        "{}",
        lab.log_of(pid)
    );
    assert!(rt.block_on(client.service_owned()), "{}", lab.log_of(pid));
    let plain = conf(false).replace("global_defs {\n    enable_dbus\n}\n", "");
    std::fs::write(lab.dir().join("off.conf"), plain).unwrap();
    assert!(lab.signal(pid, Signal::SIGHUP));
    let stopped = rt.block_on(client.wait_for(PROMPT, has("VrrpStopped")));
    assert!(stopped, "{}", lab.log_of(pid));
    assert!(
        wait_log(&lab, pid, &["Released DBus", master], ELECTION),
        "{}",
        lab.log_of(pid)
    );
    assert!(!rt.block_on(client.service_owned()), "{}", lab.log_of(pid));
    stop(&mut lab, pid);
}

/// The environment variable that hands [`policy_client`] the bus.
const POLICY_BUS: &str = "KA_DBUS_POLICY_BUS";

/// Calls on the daemon, one `policy: CALL RESULT` line each; run by
/// [`the_packaged_policy_lets_root_call_and_others_read`] as another
/// user (a test of its own so that it runs from this binary).
#[test]
#[ignore = "a helper: the policy test runs it as another user"]
fn policy_client() {
    let Ok(address) = std::env::var(POLICY_BUS) else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = Client::connect(&address).await.expect("connect");
        let show = |r: Result<String, String>| match r {
            Ok(v) => format!("ok {v}"),
            Err(e) => e,
        };
        println!("policy: State {}", show(client.get(VI_1, "State").await));
        let xml = client.introspect(VI_1).await.map(|_| String::new());
        println!("policy: Introspect {}", show(xml));
        for (path, iface, method) in [
            (VRRP_PATH, VRRP_IFACE, "PrintData"),
            (VRRP_PATH, VRRP_IFACE, "ReloadConfig"),
            (VI_1, INSTANCE_IFACE, "SendGarp"),
        ] {
            let r = client.call(path, iface, method).await;
            println!("policy: {method} {}", show(r.map(|()| String::new())));
        }
    });
}

#[test]
fn the_packaged_policy_lets_root_call_and_others_read() {
    if skip() {
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    let policy = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../packaging/keepalived-rs-dbus.conf");
    let bus = PrivateBus::with_policy(lab.dir(), &policy);
    let ctl = lab.dir().join("ctl.sock").display().to_string();
    let env = bus.env();
    let pid = common::start_keepalived_rs_with(
        &mut lab,
        0,
        "policy",
        &conf(false),
        &[&env],
        &["--control-socket", &ctl],
    );
    let owned = [
        "Acquired the name org.keepalived.Vrrp1",
        "(VI_1) Entering MASTER STATE",
    ];
    assert!(wait_log(&lab, pid, &owned, ELECTION), "{}", lab.log_of(pid));
    // Another user (nobody): the test binary again, as that user.
    use std::os::unix::process::CommandExt;
    let mut child =
        std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "policy_client", "--ignored", "--nocapture"])
            .env(POLICY_BUS, &bus.address)
            .uid(65534)
            .gid(65534)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run the client as nobody");
    // Bounded: five calls, each answered at once or refused by the bus.
    let t0 = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() && t0.elapsed() < ELECTION {
        std::thread::sleep(Duration::from_millis(50));
    }
    if child.try_wait().unwrap().is_none() {
        let _ = child.kill();
    }
    let out = child.wait_with_output().expect("the client's output");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("policy: "))
        .collect();
    let denied = "org.freedesktop.DBus.Error.AccessDenied";
    assert_eq!(
        lines,
        [
            "State ok (us) (uint32 2, \"Master\")",
            "Introspect ok ",
            &format!("PrintData {denied}"),
            &format!("ReloadConfig {denied}"),
            &format!("SendGarp {denied}"),
        ],
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Root may call the methods.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let client = rt.block_on(Client::connect(&bus.address)).expect("connect");
    let sent = rt.block_on(client.call(VI_1, INSTANCE_IFACE, "SendGarp"));
    assert_eq!(sent, Ok(()), "{}", lab.log_of(pid));
    assert!(lab.signal(pid, Signal::SIGTERM));
    assert!(lab.wait_exit(pid, PROMPT).is_some(), "{}", lab.log_of(pid));
}
