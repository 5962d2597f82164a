//! The scenario both daemons are driven through, and what it must show
//! (used by `dbus.rs`).

#![allow(unreachable_pub)]

use std::collections::BTreeMap;
use std::time::Duration;

use ka_lab::{DaemonFiles, Lab};
use nix::sys::signal::Signal;

use crate::bus::{
    self, Client, INSTANCE_IFACE, PrivateBus, Sig, VRRP_IFACE, VRRP_PATH,
};
use crate::common;

/// Election: Master_Down (3.609 s at priority 100) plus a wide margin
/// for a loaded 2-core machine.
pub const ELECTION: Duration = Duration::from_secs(20);
/// Anything else the daemon does at once (a signal, a file, a reload).
pub const PROMPT: Duration = Duration::from_secs(10);

pub const VI_1: &str = "/org/keepalived/Vrrp1/Instance/eth0/71/IPv4";
pub const VI_2: &str = "/org/keepalived/Vrrp1/Instance/eth0/72/IPv6";

pub fn instance(name: &str, vrid: u8, vip: &str) -> String {
    format!(
        "vrrp_instance {name} {{\n    state BACKUP\n    interface eth0\n    \
         virtual_router_id {vrid}\n    priority 100\n    advert_int 1\n    \
         virtual_ipaddress {{\n        {vip}\n    }}\n}}\n"
    )
}

/// The configuration: VI_1, and VI_2 (IPv6) when `two`.
pub fn conf(two: bool) -> String {
    let mut c = "global_defs {\n    enable_dbus\n}\n".to_owned();
    c += &instance("VI_1", 71, "192.0.2.100/24");
    if two {
        c += &instance("VI_2", 72, "2001:db8::100/64");
    }
    c
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Impl {
    /// keepalived 2.2.7.
    Keepalived,
    /// keepalived-rs.
    Rust,
}

/// What a client saw of one daemon.
#[derive(Debug, Default)]
pub struct Seen {
    /// Every signal, in order.
    pub signals: Vec<Sig>,
    /// Introspection summaries: VRRP object, VI_1's object, the root of
    /// the tree (its children).
    pub vrrp_xml: BTreeMap<String, Vec<String>>,
    pub instance_xml: BTreeMap<String, Vec<String>>,
    pub tree: BTreeMap<String, Vec<String>>,
    /// `State`, `Name` and `GetAll` of VI_1 while MASTER, and `State`
    /// after the carrier came back.
    pub state: String,
    pub name: String,
    pub all: Vec<String>,
    /// VI_2's `Name` after the first reload, and the error after the
    /// second.
    pub added: String,
    pub removed: String,
    /// The data dump after `PrintData` mentions VI_1.
    pub data_dump: bool,
    /// `PrintStatsClear` wrote one master transition, the `PrintStats`
    /// after it none.
    pub stats_cleared: bool,
    /// `SendGarp` on VI_1 answered.
    pub garp: Option<Result<(), String>>,
    pub log: String,
}

pub fn status_is(path: &str, n: u32) -> impl Fn(&[Sig]) -> bool + '_ {
    move |s| {
        s.iter().any(|x| {
            x.member == "VrrpStatusChange"
                && x.path == path
                && x.status == Some(n)
        })
    }
}

pub fn has(member: &str) -> impl Fn(&[Sig]) -> bool + '_ {
    move |s| s.iter().any(|x| x.member == member)
}

/// Counts `member` signals.
pub fn count(client: &Client, member: &str) -> usize {
    client
        .signals()
        .iter()
        .filter(|x| x.member == member)
        .count()
}

/// Starts `imp` in host 0 of `lab` with `conf`, on `bus`; dumps go to
/// `tmp`. Returns its pid.
pub fn start(lab: &mut Lab, imp: Impl, bus: &PrivateBus, tmp: &str) -> u32 {
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
            let files = DaemonFiles::write(lab.dir(), "ka", &conf(false))
                .unwrap_or_else(|e| panic!("{e}"));
            lab.start_daemon(0, "ka", "keepalived", &files, &env, &["-P"])
                .expect("start keepalived")
        }
    }
}

/// The scenario, against one implementation; panics (with the daemon's
/// log) where a step does not happen within its bound.
pub fn scenario(imp: Impl) -> Seen {
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
pub fn assert_scenario(imp: Impl, s: &Seen) {
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
pub fn phases(s: &Seen) -> (Vec<String>, Vec<String>) {
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
