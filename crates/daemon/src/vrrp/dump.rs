//! The files keepalived writes on signals, in its formats, because
//! exporters and scripts parse them: `keepalived.stats` (SIGUSR2),
//! `keepalived.json` (SIGRTMIN+2) and `keepalived.data` (SIGUSR1).
//!
//! `.stats` is byte for byte keepalived's. `.data` and `.json` have
//! keepalived 2.2.7's lines and keys for the VRRP parts, built from the
//! engine's [`Snapshot`] and the configuration ([`View`]); what differs
//! is listed in docs/compat.md.
//!
//! They go to `$TMPDIR` or `/tmp` unless the configuration names a path,
//! and are always created afresh, mode 0600, never through a symlink
//! (`ka_sys::files::write_private`; keepalived's CVE-2018-19044/5/6).

mod data;
mod globals;
mod ifaces;
mod instance;
mod json;
mod route;
#[cfg(test)]
mod tests;
mod view;

// The checker dump (`check::dump`) shares these with keepalived.data.
pub(crate) use globals::defs as global_defs;
pub(crate) use view::cmd_str;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::SystemTime;

use ka_vrrp::Snapshot;

use crate::vrrp::plan::VrrpPlan;
pub use data::text as data_text;
pub use ifaces::IfaceInfo;
pub use json::text as json_text;
pub use view::View;
// The SNMP MIB reads instances as the dumps do.
pub(crate) use ifaces::read_all as read_interfaces;
pub(crate) use view::want_state;

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
    /// The default file: `$TMPDIR/keepalived.{data,stats,json}` (or /tmp);
    /// `tag` goes into the data file's name only
    /// ([`crate::core::dump_names`]).
    pub fn path(self, tag: Option<&str>) -> PathBuf {
        let p = self.default_path();
        if self != Self::Data {
            return p;
        }
        let name = crate::core::dump_names::file_name("keepalived.data", tag);
        p.with_file_name(name)
    }

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

/// Writes a dump for `kind` from `snapshot` to `path`.
pub fn write(
    kind: DumpKind,
    snapshot: &Snapshot,
    plan: &VrrpPlan,
    path: &std::path::Path,
) -> std::io::Result<()> {
    let text = text(kind, snapshot, plan);
    ka_sys::files::write_private(path, text.as_bytes())
}

/// The text of a dump for `kind` (`-d` logs the data dump).
pub fn text(kind: DumpKind, snapshot: &Snapshot, plan: &VrrpPlan) -> String {
    let ifaces = if kind == DumpKind::Data {
        ifaces::read_all()
    } else {
        Vec::new()
    };
    let view = View {
        ifaces: &ifaces,
        ..View::new(snapshot, plan, SystemTime::now())
    };
    match kind {
        DumpKind::Data => data::text(&view),
        DumpKind::Stats => stats_text(snapshot),
        DumpKind::Json => json::text(&view),
    }
}
