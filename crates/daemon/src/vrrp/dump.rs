//! The files keepalived writes on signals, in its formats, because
//! exporters and scripts parse them: `keepalived.stats` (SIGUSR2),
//! `keepalived.json` (SIGRTMIN+2) and `keepalived.data` (SIGUSR1).
//!
//! They go to `$TMPDIR` or `/tmp` unless the configuration names a path,
//! and are always created afresh, mode 0600, never through a symlink
//! (`ka_sys::files::write_private`; keepalived's CVE-2018-19044/5/6).

use std::fmt::Write as _;
use std::path::PathBuf;

use ka_vrrp::{InstanceSnapshot, Snapshot, State};
use serde_json::json;

/// Which dump a signal asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DumpKind {
    /// SIGUSR1: `keepalived.data`.
    Data,
    /// SIGUSR2: `keepalived.stats`.
    Stats,
    /// SIGRTMIN+2: `keepalived.json`.
    Json,
}

impl DumpKind {
    /// The default file: `$TMPDIR/keepalived.{data,stats,json}` (or /tmp).
    pub fn default_path(self) -> PathBuf {
        let dir = std::env::var_os("TMPDIR")
            .map(PathBuf::from)
            .filter(|d| d.is_dir())
            .unwrap_or_else(|| PathBuf::from("/tmp"));
        dir.join(match self {
            Self::Data => "keepalived.data",
            Self::Stats => "keepalived.stats",
            Self::Json => "keepalived.json",
        })
    }
}

/// keepalived's state numbers in JSON (`VRRP_STATE_*`).
fn state_number(s: State) -> u8 {
    match s {
        State::Init => 0,
        State::Backup => 1,
        State::Master => 2,
        State::Fault => 3,
        State::Stop => 98,
    }
}

fn state_word(s: State) -> &'static str {
    match s {
        State::Init => "INIT",
        State::Backup => "BACKUP",
        State::Master => "MASTER",
        State::Fault => "FAULT",
        State::Stop => "STOP",
    }
}

/// `keepalived.stats`, byte for byte as keepalived 2.2.7 writes it.
pub fn stats_text(s: &Snapshot) -> String {
    let mut o = String::new();
    for i in &s.instances {
        let t = &i.stats;
        let _ = write!(
            o,
            "VRRP Instance: {}\n  Advertisements:\n    Received: {}\n    Sent: {}\n  \
             Became master: {}\n  Released master: {}\n  Packet Errors:\n    Length: {}\n    \
             TTL: {}\n    Invalid Type: {}\n    Advertisement Interval: {}\n    Address List: {}\n  \
             Authentication Errors:\n    Invalid Type: {}\n    Type Mismatch: {}\n    Failure: {}\n  \
             Priority Zero:\n    Received: {}\n    Sent: {}\n",
            i.name,
            t.advert_rcvd,
            t.advert_sent,
            t.become_master,
            t.release_master,
            t.packet_len_err,
            t.ip_ttl_err,
            t.invalid_type_rcvd,
            t.advert_interval_err,
            t.addr_list_err,
            t.invalid_authtype,
            t.authtype_mismatch,
            t.auth_failure,
            t.pri_zero_rcvd,
            t.pri_zero_sent,
        );
    }
    o
}

/// `keepalived.json` (json_version 1): one object per instance with
/// keepalived's `data` and `stats` keys, for the fields the engine knows.
pub fn json_text(s: &Snapshot) -> String {
    let arr: Vec<_> = s.instances.iter().map(instance_json).collect();
    serde_json::to_string(&arr).unwrap_or_else(|_| "[]".into())
}

fn instance_json(i: &InstanceSnapshot) -> serde_json::Value {
    let t = &i.stats;
    json!({
        "data": {
            "iname": i.name,
            "vrid": i.vrid,
            "base_priority": i.base_priority,
            "effective_priority": i.effective_priority,
            "master_priority": i.master_priority,
            "vipset": i.vips_set,
            "state": state_number(i.state),
            "wantstate": state_number(i.want_state),
            "master_adver_int": i.master_adver_int_us as f64 / 1e6,
        },
        "stats": {
            "advert_rcvd": t.advert_rcvd,
            "advert_sent": t.advert_sent,
            "become_master": t.become_master,
            "release_master": t.release_master,
            "packet_len_err": t.packet_len_err,
            "advert_interval_err": t.advert_interval_err,
            "ip_ttl_err": t.ip_ttl_err,
            "invalid_type_rcvd": t.invalid_type_rcvd,
            "addr_list_err": t.addr_list_err,
            "invalid_authtype": t.invalid_authtype,
            "authtype_mismatch": t.authtype_mismatch,
            "auth_failure": t.auth_failure,
            "pri_zero_rcvd": t.pri_zero_rcvd,
            "pri_zero_sent": t.pri_zero_sent,
        }
    })
}

/// `keepalived.data`: the running state in keepalived's layout of
/// headings (the full configuration echo keepalived adds is not written).
pub fn data_text(s: &Snapshot) -> String {
    let mut o = String::from("------< VRRP Topology >------\n");
    for i in &s.instances {
        let _ = write!(
            o,
            " VRRP Instance = {}\n   State = {}\n   Wanted State = {}\n   Virtual Router ID = {}\n   \
             Base priority = {}\n   Effective priority = {}\n   Master priority = {}\n",
            i.name,
            state_word(i.state),
            state_word(i.want_state),
            i.vrid,
            i.base_priority,
            i.effective_priority,
            i.master_priority,
        );
        if let Some(m) = i.master_addr {
            let _ = writeln!(o, "   Master router = {m}");
        }
        let _ = writeln!(
            o,
            "   VIPs set = {}",
            if i.vips_set { "yes" } else { "no" }
        );
    }
    if !s.groups.is_empty() {
        o.push_str("------< VRRP Sync groups >------\n");
        for g in &s.groups {
            let _ = writeln!(
                o,
                " VRRP Sync Group = {}, {}",
                g.name,
                state_word(g.state)
            );
            for m in &g.members {
                let _ = writeln!(o, "   monitor = {m}");
            }
        }
    }
    o
}

/// Writes a dump for `kind` from `snapshot` to `path`.
pub fn write(
    kind: DumpKind,
    snapshot: &Snapshot,
    path: &std::path::Path,
) -> std::io::Result<()> {
    let text = match kind {
        DumpKind::Data => data_text(snapshot),
        DumpKind::Stats => stats_text(snapshot),
        DumpKind::Json => json_text(snapshot),
    };
    ka_sys::files::write_private(path, text.as_bytes())
}
