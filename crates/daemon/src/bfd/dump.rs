//! `keepalived_bfd.data` (SIGUSR1): the BFD topology as keepalived's
//! `dump_bfd` writes it. Lines about keepalived's threads and file
//! descriptors have no counterpart and are left out, as is the global
//! section keepalived repeats from `keepalived.data`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Local};
use ka_bfd::{SessionSnapshot, Snapshot};

use super::plan::BfdPlan;

/// [`default_path`] with `tag` in the name ([`crate::core::dump_names`]).
pub fn path(tag: Option<&str>) -> PathBuf {
    let name = crate::core::dump_names::file_name("keepalived_bfd.data", tag);
    default_path().with_file_name(name)
}

/// Where keepalived writes it: `$TMPDIR` (when a directory) or /tmp.
pub fn default_path() -> PathBuf {
    let dir = std::env::var_os("TMPDIR")
        .map(PathBuf::from)
        .filter(|d| d.is_dir())
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    dir.join("keepalived_bfd.data")
}

/// Writes the dump to `path` (private, never through a symlink).
pub fn write(
    snap: &Snapshot,
    plan: &BfdPlan,
    path: &std::path::Path,
) -> std::io::Result<()> {
    let text = text(snap, plan, SystemTime::now());
    ka_sys::files::write_private(path, text.as_bytes())
}

/// The dump's text, the snapshot taken at `now`.
pub fn text(snap: &Snapshot, plan: &BfdPlan, now: SystemTime) -> String {
    let mut o = String::new();
    if snap.sessions.is_empty() {
        return o;
    }
    o.push_str("------< BFD Topology >------\n");
    for s in &snap.sessions {
        session(&mut o, s, plan, now);
    }
    o
}

/// keepalived `conf_write_sands`: seconds.micros (ctime's first 19
/// characters.micros), or `[disabled]`.
fn sands(o: &mut String, what: &str, at: Option<SystemTime>) {
    let Some(t) = at else {
        let _ = writeln!(o, "   {what} = [disabled]");
        return;
    };
    let since = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let local: DateTime<Local> = t.into();
    let _ = writeln!(
        o,
        "   {what} = {}.{:06} ({}.{:06})",
        since.as_secs(),
        since.subsec_micros(),
        local.format("%a %b %e %H:%M:%S"),
        since.subsec_micros()
    );
}

fn session(
    o: &mut String,
    s: &SessionSnapshot,
    plan: &BfdPlan,
    now: SystemTime,
) {
    let cfg = plan.engine.sessions.iter().find(|c| c.name == s.name);
    let aud = plan.audience.get(&s.name);
    let yes = |b: bool| if b { "Yes" } else { "No" };
    let _ = writeln!(o, " BFD Instance = {}", s.name);
    let _ = writeln!(o, "   Neighbor IP = {}", s.neighbor);
    if let Some(src) = s.source {
        let _ = writeln!(o, "   Source IP = {src}");
    }
    if let Some(c) = cfg {
        let _ = writeln!(o, "   Required min RX interval = {} us", c.min_rx);
        let _ = writeln!(o, "   Desired min TX interval = {} us", c.min_tx);
        let _ = writeln!(o, "   Desired idle TX interval = {} us", c.idle_tx);
        let _ = writeln!(o, "   Detection multiplier = {}", c.multiplier);
        let ttl = if c.neighbor.is_ipv4() {
            "TTL"
        } else {
            "hoplimit"
        };
        let _ = writeln!(o, "   {ttl} = {}", c.ttl);
        let _ = writeln!(o, "   max_hops = {}", c.max_hops.unwrap_or(u8::MAX));
        let _ = writeln!(o, "   passive = {}", c.passive);
    }
    if let Some(a) = aud {
        let _ = writeln!(o, "   send event to VRRP process = {}", yes(a.vrrp));
        let _ = writeln!(
            o,
            "   send event to checker process = {}",
            yes(a.checker)
        );
    }
    let after = |d: Option<Duration>| d.map(|d| now + d);
    sands(o, "sands_out", after(s.next_tx));
    sands(o, "sands_exp", after(s.expires_in));
    sands(o, "sands_rst", after(s.reset_in));
    let _ = writeln!(o, "   local state = {}", s.local_state);
    let _ = writeln!(o, "   remote state = {}", s.remote_state);
    let _ = writeln!(o, "   local discriminator = 0x{:x}", s.local_discr);
    let _ = writeln!(o, "   remote discriminator = 0x{:x}", s.remote_discr);
    let _ = writeln!(o, "   local diag = {}", s.local_diag);
    let _ = writeln!(o, "   remote diag = {}", s.remote_diag);
    let _ = writeln!(o, "   remote min tx intv = {} us", s.remote_min_tx);
    let _ = writeln!(o, "   remote min rx intv = {} us", s.remote_min_rx);
    let _ = writeln!(o, "   local demand = 0");
    let _ = writeln!(o, "   remote demand = {}", u8::from(s.remote_demand));
    let _ =
        writeln!(o, "   remote detect multiplier = {}", s.remote_detect_mult);
    let bang = |b: bool| if b { "" } else { "!" };
    let _ = writeln!(o, "   {}poll, {}final", bang(s.poll), bang(s.final_));
    let _ = writeln!(o, "   local tx intv = {} us", s.local_tx_intv);
    let _ = writeln!(o, "   remote tx intv = {} us", s.remote_tx_intv);
    let _ = writeln!(o, "   local detection time = {} us", s.local_detect_time);
    let _ =
        writeln!(o, "   remote detection time = {} us", s.remote_detect_time);
    match s.last_seen {
        None => {
            let _ = writeln!(o, "   last_seen = [never]");
        }
        Some(ago) => sands(o, "last seen", Some(now - ago)),
    }
}

#[cfg(test)]
#[path = "dump_tests.rs"]
mod tests;
