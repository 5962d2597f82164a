//! Tracker weights an instance cannot use: keepalived's
//! `vrrp_complete_instance()` for address owners and sync-group members,
//! and its removal of a `track_interface` naming the instance's own
//! interface.

use crate::diag::Diagnostics;
use crate::model::vrrp::Instance;

/// Why weights are ignored.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum NoWeights {
    /// Priority 255: weighted trackers are removed.
    Owner,
    /// A member of a sync group without `sync_group_tracking_weight`:
    /// interface weights become 0, other weighted trackers are removed.
    SyncGroup,
}

/// keepalived compat: each ignored tracker is a configuration error
/// ("ignoring tracked script chk with weights due to SYNC group"), not a
/// warning; `track_process` weights are left alone, as keepalived does.
pub(super) fn drop_weights(
    i: &mut Instance,
    why: NoWeights,
    d: &mut Diagnostics,
) {
    let at = i.loc.0;
    let name = i.name.clone();
    let (sync, reason) = match why {
        NoWeights::Owner => (false, "address_owner"),
        NoWeights::SyncGroup => (true, "SYNC group"),
    };
    let t = &mut i.track;
    t.interfaces.retain_mut(|r| {
        if r.weight == 0 {
            return true;
        }
        if sync {
            d.error(at, format!("({name}) ignoring {} tracked interface weight due to SYNC group", r.name));
            r.weight = 0;
            return true;
        }
        d.error(at, format!("({name}) ignoring {} tracked interface due to address owner", r.name));
        false
    });
    t.scripts.retain(|r| {
        if r.weight != 0 {
            d.error(at, format!("({name}) ignoring tracked script {} with weights due to {reason}", r.name));
        }
        r.weight == 0
    });
    t.files.retain_mut(|r| match r.weight {
        0 => true,
        // keepalived compat: 1 is track_file's default weight.
        1 => {
            d.error(at, format!("({name}) ignoring weight from tracked file {} due to {reason}. specify weight 0", r.name));
            r.weight = 0;
            true
        }
        w => {
            d.error(at, format!("({name}) ignoring tracked file {} with weight {w} due to {reason}", r.name));
            false
        }
    });
    t.bfds.retain(|r| {
        if r.weight != 0 {
            d.error(at, format!("({name}) ignoring tracked bfd {} with weight {} due to {reason}", r.name, r.weight));
        }
        r.weight == 0
    });
}

/// keepalived compat: tracking the instance's own interface is reported
/// and the tracker removed ("Ignoring track_interface eth0 since own
/// interface").
pub(super) fn own_interface(i: &mut Instance, d: &mut Diagnostics) {
    let Some(own) = i.interface.clone() else {
        return;
    };
    let (at, name) = (i.loc.0, i.name.clone());
    i.track.interfaces.retain(|r| {
        let mine = r.name == own;
        if mine {
            d.error(at, format!("({name}) Ignoring track_interface {own} since own interface"));
        }
        !mine
    });
}
