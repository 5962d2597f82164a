//! The failover measurements: a silent BFD peer → the VIP leaves the
//! node that tracks the session; and, for comparison, VRRP alone at
//! advert_int 0.01 (a silent master → the VIP appears on the backup).
//!
//! Every run builds a fresh 3-host lab. Host h2 runs nothing: it is
//! partitioned first, so the nftables table and chain of the cut exist
//! beforehand and the cut itself is one `nft add rule` (the first rule
//! drops what the cut-off host sends; the second, what it would receive).
//! The times run from just before that `nft` command starts (so they
//! include its process start, a millisecond or two, alike for both
//! implementations) to the kernel's rtnetlink announcement of the
//! address change, watched from the node's namespace on the same clock.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use ka_lab::Lab;

use super::addrwatch::Watch;
use super::daemons::{self, Daemon, Impl, Timing};
use super::setup::{self, Bfd, VIP};

/// Bounds on bring-up and on the measured change.
const UP_TIMEOUT: Duration = Duration::from_secs(20);
const CHANGE_TIMEOUT: Duration = Duration::from_secs(5);
/// Steady running before the cut.
const SETTLE: Duration = Duration::from_millis(500);

/// What one cell measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Case {
    /// track_bfd on A, BFD peer P cut off: VIP leaves A.
    TrackBfd(Bfd),
    /// VRRPv3 advert_int 0.01, master cut off: VIP appears on the backup.
    VrrpAlone,
}

impl Case {
    pub(crate) fn name(self) -> String {
        match self {
            Self::TrackBfd(t) => format!("track_bfd, {}", t.name()),
            Self::VrrpAlone => "VRRP alone, VRRPv3 advert_int 0.01".into(),
        }
    }

    pub(crate) fn measured(self) -> &'static str {
        match self {
            Self::TrackBfd(_) => "cut of P → VIP off A",
            Self::VrrpAlone => "cut of master → VIP on backup",
        }
    }
}

/// Pre-creates the cut's nftables table and chain (see the module doc).
fn prepare_cut(lab: &mut Lab) -> Result<(), String> {
    lab.partition(2).map_err(|e| e.to_string())
}

/// Cuts host `i` off; returns the instant just before the cut.
fn cut(lab: &mut Lab, i: usize) -> Result<Instant, String> {
    let t0 = Instant::now();
    lab.partition(i).map_err(|e| format!("cut h{i}: {e}"))?;
    Ok(t0)
}

/// One run of `case` for `imp` in a fresh lab.
pub(crate) fn one_run(imp: &Impl, case: Case) -> Result<Duration, String> {
    let mut lab = Lab::new(3).map_err(|e| e.to_string())?;
    prepare_cut(&mut lab)?;
    let r = match case {
        Case::TrackBfd(t) => track_bfd(&mut lab, imp, t),
        Case::VrrpAlone => vrrp_alone(&mut lab, imp),
    };
    drop(lab);
    r
}

/// A tracks session B to P; P is cut off; the VIP must leave A.
fn track_bfd(lab: &mut Lab, imp: &Impl, t: Bfd) -> Result<Duration, String> {
    let (a, p) = (lab.host(0).ipv4, lab.host(1).ipv4);
    let peer_conf = setup::globals("p") + &setup::bfd_instance("B", a, p, t);
    let peer = setup::start(lab, imp, 1, "p", &peer_conf)?;
    let node =
        setup::start(lab, imp, 0, "a", &setup::tracking_config(p, a, t))?;
    let r = measure_track(lab, &node, &peer);
    stop(lab, &[&node, &peer]);
    r
}

fn measure_track(
    lab: &mut Lab,
    node: &Daemon,
    peer: &Daemon,
) -> Result<Duration, String> {
    setup::wait_up(lab, node, 1, UP_TIMEOUT)?;
    setup::wait_up(lab, peer, 1, UP_TIMEOUT)?;
    daemons::wait_holder(lab, IpAddr::V4(VIP), 0, UP_TIMEOUT).map_err(|e| {
        format!("{e}\n{}", setup::tail(&lab.log_of(node.pid), 30))
    })?;
    if !daemons::sleep_unless_interrupted(SETTLE) {
        return Err("interrupted".into());
    }
    if setup::count(lab, node, setup::DOWN_LINE) > 0 {
        return Err("the session went down before the cut".into());
    }
    let watch = Watch::start(&lab.host(0).netns, CHANGE_TIMEOUT * 2)?;
    let t0 = cut(lab, 1)?;
    let off = watch.wait(VIP, false, CHANGE_TIMEOUT).ok_or_else(|| {
        format!(
            "the VIP did not leave A within {CHANGE_TIMEOUT:?}:\n{}",
            setup::tail(&lab.log_of(node.pid), 30)
        )
    })?;
    // The soak counts this line: check both implementations log it.
    let logged = lab.wait_until(Duration::from_secs(1), |l| {
        setup::count(l, node, setup::DOWN_LINE) > 0
    });
    if logged.is_none() {
        eprintln!("warning: A logged no {:?} line", setup::DOWN_LINE);
    }
    Ok(off.saturating_duration_since(t0))
}

/// VRRPv3 at advert_int 0.01: h0 (150) master, h1 (100) backup; h0 is
/// cut off; the VIP must appear on h1.
fn vrrp_alone(lab: &mut Lab, imp: &Impl) -> Result<Duration, String> {
    let timing = Timing {
        version: 3,
        advert_int: "0.01",
    };
    let master =
        daemons::start(lab, imp, 0, "h0", &daemons::config(1, 150, timing))?;
    let r = daemons::wait_holder(lab, IpAddr::V4(VIP), 0, UP_TIMEOUT).and_then(
        |_| daemons::start(lab, imp, 1, "h1", &daemons::config(1, 100, timing)),
    );
    let backup = match r {
        Ok(b) => b,
        Err(e) => {
            stop(lab, &[&master]);
            return Err(e);
        }
    };
    let r = measure_vrrp(lab);
    stop(lab, &[&backup, &master]);
    r
}

fn measure_vrrp(lab: &mut Lab) -> Result<Duration, String> {
    if !daemons::sleep_unless_interrupted(SETTLE) {
        return Err("interrupted".into());
    }
    if lab.holders(IpAddr::V4(VIP)) != [0] {
        return Err(format!(
            "VIP holders before the cut: {:?}",
            lab.holders(IpAddr::V4(VIP))
        ));
    }
    let watch = Watch::start(&lab.host(1).netns, CHANGE_TIMEOUT * 2)?;
    let t0 = cut(lab, 0)?;
    let on = watch.wait(VIP, true, CHANGE_TIMEOUT).ok_or_else(|| {
        format!("the VIP did not reach h1 within {CHANGE_TIMEOUT:?}")
    })?;
    Ok(on.saturating_duration_since(t0))
}

/// Stops the daemons in order.
fn stop(lab: &mut Lab, ds: &[&Daemon]) {
    for d in ds {
        d.stop(lab);
    }
}
