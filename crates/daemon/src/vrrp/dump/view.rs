//! What a data or JSON dump is written from: the engine's snapshot joined
//! with the configuration the runtime runs, and the wall-clock time the
//! engine's instants are converted with.

use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ka_config::model::vrrp::Instance as ModelInstance;
use ka_sys::netlink::AddrScope;
use ka_sys::script::ScriptSpec;
use ka_types::Instant;
use ka_vrrp::{InstanceConfig, InstanceSnapshot, Snapshot, State};

use super::ifaces::IfaceInfo;
use crate::vrrp::notify::Hooks;
use crate::vrrp::plan::{AddressDetail, VrrpPlan};

/// The snapshot, the plan it runs and "now".
#[derive(Clone, Copy, Debug)]
pub struct View<'a> {
    /// The engine's state.
    pub snap: &'a Snapshot,
    /// The configuration the runtime was given.
    pub plan: &'a VrrpPlan,
    /// Wall-clock time matching [`Snapshot::taken_at`].
    pub now: SystemTime,
    /// The namespace's interfaces (data dump only).
    pub ifaces: &'a [IfaceInfo],
}

/// One instance seen from every side.
#[derive(Clone, Copy, Debug)]
pub struct Inst<'a> {
    /// Engine state.
    pub s: &'a InstanceSnapshot,
    /// Engine configuration.
    pub c: &'a InstanceConfig,
    /// The `vrrp_instance` block.
    pub m: Option<&'a ModelInstance>,
    /// Its sync group.
    pub group: Option<&'a str>,
    /// Its notify scripts.
    pub hooks: Option<&'a Hooks>,
}

impl<'a> View<'a> {
    /// Joins `snap` with `plan` at wall-clock time `now`.
    pub fn new(
        snap: &'a Snapshot,
        plan: &'a VrrpPlan,
        now: SystemTime,
    ) -> Self {
        Self {
            snap,
            plan,
            now,
            ifaces: &[],
        }
    }

    /// Every instance the engine runs, in configuration order.
    pub fn instances(&self) -> Vec<Inst<'a>> {
        let (snap, plan) = (self.snap, self.plan);
        snap.instances
            .iter()
            .filter_map(|s| {
                let c =
                    plan.engine.instances.iter().find(|c| c.name == s.name)?;
                let m = plan
                    .config
                    .vrrp
                    .instances
                    .iter()
                    .find(|m| m.name == s.name);
                let group = snap
                    .groups
                    .iter()
                    .find(|g| g.members.contains(&s.name))
                    .map(|g| g.name.as_str());
                let hooks = plan.hooks.get(&(false, s.name.clone()));
                Some(Inst {
                    s,
                    c,
                    m,
                    group,
                    hooks,
                })
            })
            .collect()
    }

    /// The wall-clock time of engine instant `t` as (seconds, µs) since
    /// the epoch; `None` is "now" (keepalived stamps a new instance's
    /// last transition with the time it was allocated).
    pub fn wall(&self, t: Option<Instant>) -> (u64, u32) {
        let back = match (self.snap.taken_at, t) {
            (Some(now), Some(t)) => now.micros().saturating_sub(t.micros()),
            _ => 0,
        };
        let at = self
            .now
            .checked_sub(Duration::from_micros(back))
            .unwrap_or(self.now);
        let d = at.duration_since(UNIX_EPOCH).unwrap_or_default();
        (d.as_secs(), d.subsec_micros())
    }

    /// keepalived's `%ld.%6.6ld (ctime with µs)` of an instant.
    pub fn stamp(&self, t: Option<Instant>) -> String {
        let (secs, us) = self.wall(t);
        let local = i64::try_from(secs)
            .ok()
            .and_then(|s| chrono::DateTime::from_timestamp(s, us * 1000))
            .map(|d| d.with_timezone(&chrono::Local));
        let human = local.map_or_else(
            || "invalid time".to_string(),
            |d| d.format("%a %b %e %H:%M:%S%.6f %Y").to_string(),
        );
        format!("{secs}.{us:06} ({human})")
    }

    /// The address details of `addr` in instance `name`.
    pub fn address(
        &self,
        name: &str,
        addr: IpAddr,
    ) -> Option<&'a AddressDetail> {
        self.plan.addresses.get(&(name.to_string(), addr))
    }
}

/// keepalived's `wantstate`: FAULT while in FAULT (keepalived sets both
/// when an instance faults), else the engine's wanted state.
pub(crate) fn want_state(s: &InstanceSnapshot) -> State {
    if s.state == State::Fault {
        State::Fault
    } else {
        s.want_state
    }
}

/// keepalived's state words (`get_state_str`).
pub(super) fn state_word(s: State) -> &'static str {
    match s {
        State::Init => "INIT",
        State::Backup => "BACKUP",
        State::Master => "MASTER",
        State::Fault => "FAULT",
        State::Stop => "unknown",
    }
}

/// keepalived's state numbers in JSON (`VRRP_STATE_*`).
pub(super) fn state_number(s: State) -> u8 {
    match s {
        State::Init => 0,
        State::Backup => 1,
        State::Master => 2,
        State::Fault => 3,
        State::Stop => 98,
    }
}

/// keepalived `cmd_str`: every word in single quotes, the program by
/// its real path (keepalived resolves it when it checks the script:
/// `PATH` lookup, then symbolic links).
pub(crate) fn cmd_str(argv: &[String]) -> String {
    argv.iter()
        .enumerate()
        .map(|(n, a)| {
            let a = if n == 0 { real_path(a) } else { a.clone() };
            format!("'{a}'")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn real_path(prog: &str) -> String {
    let found = if prog.contains('/') {
        std::fs::canonicalize(prog).ok()
    } else {
        std::env::var_os("PATH").and_then(|path| {
            std::env::split_paths(&path)
                .map(|d| d.join(prog))
                .find(|p| p.is_file())
                .and_then(|p| std::fs::canonicalize(p).ok())
        })
    };
    found.map_or_else(|| prog.to_string(), |p| p.display().to_string())
}

/// `uid:gid` a script runs as (our own ids when not set).
pub(super) fn script_ids(spec: &ScriptSpec) -> (u32, u32) {
    (
        spec.uid.unwrap_or_else(|| nix::unistd::getuid().as_raw()),
        spec.gid.unwrap_or_else(|| nix::unistd::getgid().as_raw()),
    )
}

/// keepalived `format_ipaddress`: how a VIP, eVIP or static address is
/// shown in both dumps.
pub(super) fn address_text(
    addr: IpAddr,
    d: Option<&AddressDetail>,
    set: bool,
) -> String {
    let host_len = if addr.is_ipv4() { 32 } else { 128 };
    let Some(d) = d else {
        return format!("{addr}{}", if set { " set" } else { "" });
    };
    let mut o = addr.to_string();
    if d.prefix_len != host_len {
        o += &format!("/{}", d.prefix_len);
    }
    if let Some(b) = d.broadcast {
        o += &format!(" brd {b}");
    }
    o += &format!(" dev {} scope {}", d.dev, scope_word(d.scope));
    if let Some(l) = &d.label {
        o += &format!(" label {l}");
    }
    if let Some(p) = d.peer {
        o += &format!(" peer {p}/{}", d.prefix_len);
    }
    if d.home {
        o += " home";
    }
    if addr.is_ipv6() && !d.nodad {
        o += " -nodad";
    }
    if d.noprefixroute {
        o += " noprefixroute";
    }
    if d.no_track {
        o += " no_track";
    }
    if addr.is_ipv6() {
        o += &match d.preferred_lft {
            None => " preferred_lft forever".to_string(),
            Some(0) => " deprecated".to_string(),
            Some(n) => format!(" preferred_lft {n}"),
        };
    }
    if set {
        o += " set";
    }
    o
}

fn scope_word(s: AddrScope) -> std::borrow::Cow<'static, str> {
    match s {
        AddrScope::Global => "global".into(),
        AddrScope::Site => "site".into(),
        AddrScope::Link => "link".into(),
        AddrScope::Host => "host".into(),
        AddrScope::Nowhere => "nowhere".into(),
        AddrScope::Other(n) => n.to_string().into(),
    }
}
