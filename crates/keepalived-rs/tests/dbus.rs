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
#[path = "dbus/scenario.rs"]
mod scenario;

use std::time::Duration;

use bus::{Client, INSTANCE_IFACE, PrivateBus, VRRP_IFACE, VRRP_PATH};
use ka_lab::Lab;
use nix::sys::signal::Signal;
use scenario::{
    ELECTION, Impl, PROMPT, VI_1, assert_scenario, conf, has, phases, scenario,
};

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
