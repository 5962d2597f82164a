//! VRRP metrics: per instance state, priorities, transitions, adverts and
//! every counter of keepalived's `.stats` dump (RFC 6527 statistics);
//! per sync group state; per tracker (scripts, files, processes,
//! interfaces) state.

use std::collections::BTreeSet;
use std::fmt;

use ka_vrrp::{InstanceSnapshot, Snapshot, State, Stats, TrackKind};

use super::{Labels, Writer, flag, seconds_us};
use crate::vrrp::plan::VrrpPlan;

/// Every state a `state` label takes, in keepalived's words.
const STATES: [State; 5] = [
    State::Init,
    State::Backup,
    State::Master,
    State::Fault,
    State::Stop,
];

/// A counter of [`Stats`]: metric name (without `_total`), help, value.
type StatCounter = (&'static str, &'static str, fn(&Stats) -> u64);

/// The counters keepalived's `.stats` dump prints, plus ours.
const COUNTERS: [StatCounter; 17] = [
    (
        "keepalived_vrrp_adverts_received",
        "Valid adverts received (Advertisements Received; vrrpv3StatisticsRcvdAdvertisements).",
        |s| s.advert_rcvd,
    ),
    (
        "keepalived_vrrp_adverts_sent",
        "Adverts sent (Advertisements Sent).",
        |s| s.advert_sent,
    ),
    (
        "keepalived_vrrp_become_master",
        "Transitions to MASTER (Became master; vrrpv3StatisticsMasterTransitions).",
        |s| s.become_master,
    ),
    (
        "keepalived_vrrp_release_master",
        "Transitions out of MASTER (Released master).",
        |s| s.release_master,
    ),
    (
        "keepalived_vrrp_packet_length_errors",
        "Adverts of a wrong length (Packet Errors Length; vrrpv3StatisticsPacketLengthErrors).",
        |s| s.packet_len_err,
    ),
    (
        "keepalived_vrrp_ip_ttl_errors",
        "Adverts with TTL or hop limit not 255 (Packet Errors TTL; vrrpv3StatisticsIpTtlErrors).",
        |s| s.ip_ttl_err,
    ),
    (
        "keepalived_vrrp_invalid_type_received",
        "Packets of a type other than ADVERTISEMENT (Packet Errors Invalid Type; vrrpv3StatisticsRcvdInvalidTypePackets).",
        |s| s.invalid_type_rcvd,
    ),
    (
        "keepalived_vrrp_advert_interval_errors",
        "VRRPv2 adverts with another interval (Packet Errors Advertisement Interval; vrrpv3StatisticsAdvIntervalErrors).",
        |s| s.advert_interval_err,
    ),
    (
        "keepalived_vrrp_address_list_errors",
        "Adverts whose address list differs (Packet Errors Address List; vrrpv3StatisticsAddressListErrors).",
        |s| s.addr_list_err,
    ),
    (
        "keepalived_vrrp_invalid_auth_type",
        "Adverts with an unknown authentication type (Authentication Errors Invalid Type; vrrpStatsInvalidAuthType).",
        |s| s.invalid_authtype,
    ),
    (
        "keepalived_vrrp_auth_type_mismatch",
        "Adverts with another authentication type (Authentication Errors Type Mismatch; vrrpStatsAuthTypeMismatch).",
        |s| s.authtype_mismatch,
    ),
    (
        "keepalived_vrrp_auth_failures",
        "Adverts with a wrong password (Authentication Errors Failure; vrrpStatsAuthFailures).",
        |s| s.auth_failure,
    ),
    (
        "keepalived_vrrp_priority_zero_received",
        "Priority 0 adverts received (Priority Zero Received; vrrpv3StatisticsRcvdPriZeroPackets).",
        |s| s.pri_zero_rcvd,
    ),
    (
        "keepalived_vrrp_priority_zero_sent",
        "Priority 0 adverts sent (Priority Zero Sent; vrrpv3StatisticsSentPriZeroPackets).",
        |s| s.pri_zero_sent,
    ),
    (
        "keepalived_vrrp_checksum_errors",
        "Adverts with a bad checksum (vrrpv3RouterChecksumErrors, per instance).",
        |s| s.chk_err,
    ),
    (
        "keepalived_vrrp_version_errors",
        "Adverts of another VRRP version (vrrpv3RouterVersionErrors, per instance).",
        |s| s.vers_err,
    ),
    (
        "keepalived_vrrp_unicast_source_errors",
        "Unicast adverts from an address that is not a unicast_peer.",
        |s| s.unicast_src_err,
    ),
];

/// `instance`, `interface`, `vrid` of one instance.
fn labels(i: &InstanceSnapshot, plan: Option<&VrrpPlan>) -> Labels {
    let interface = plan
        .and_then(|p| p.engine.instances.iter().find(|c| c.name == i.name))
        .and_then(|c| c.interface.clone())
        .unwrap_or_default();
    vec![
        ("vrrp_instance", i.name.clone()),
        ("interface", interface),
        ("vrid", i.vrid.to_string()),
    ]
}

fn with(mut l: Labels, extra: &[(&'static str, &str)]) -> Labels {
    l.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    l
}

/// Writes the VRRP families; `plan` gives interface names.
pub(super) fn write(
    w: &mut Writer<'_>,
    s: &Snapshot,
    plan: Option<&VrrpPlan>,
) -> fmt::Result {
    let inst: Vec<(Labels, &InstanceSnapshot)> =
        s.instances.iter().map(|i| (labels(i, plan), i)).collect();
    let per = |f: &dyn Fn(&InstanceSnapshot) -> i64| {
        inst.iter()
            .map(|(l, i)| (l.clone(), f(i)))
            .collect::<Vec<_>>()
    };
    w.gauge(
        "keepalived_vrrp_state",
        "1 for the instance's current state, 0 for the others.",
        inst.iter()
            .flat_map(|(l, i)| {
                STATES.iter().map(move |st| {
                    (
                        with(l.clone(), &[("state", st.as_str())]),
                        flag(i.state == *st),
                    )
                })
            })
            .collect(),
    )?;
    w.gauge(
        "keepalived_vrrp_priority",
        "Configured priority (base_priority).",
        per(&|i| i64::from(i.base_priority)),
    )?;
    w.gauge(
        "keepalived_vrrp_effective_priority",
        "Priority carried in adverts, trackers' weights applied.",
        per(&|i| i64::from(i.effective_priority)),
    )?;
    w.gauge(
        "keepalived_vrrp_master_priority",
        "Priority of the master last heard (ours when MASTER).",
        per(&|i| i64::from(i.master_priority)),
    )?;
    w.gauge(
        "keepalived_vrrp_master_advert_interval_seconds",
        "Master_Adver_Interval (RFC 5798 §6.1).",
        inst.iter()
            .map(|(l, i)| (l.clone(), seconds_us(i.master_adver_int_us)))
            .collect(),
    )?;
    w.counter(
        "keepalived_vrrp_transitions",
        "State changes, by the state entered and why.",
        inst.iter()
            .flat_map(|(l, i)| {
                i.stats.transitions.iter().map(move |(to, why, n)| {
                    let extra = [("to", to.as_str()), ("reason", why.as_str())];
                    (with(l.clone(), &extra), n)
                })
            })
            .collect(),
    )?;
    for (name, help, get) in COUNTERS {
        let series = inst.iter().map(|(l, i)| (l.clone(), get(&i.stats)));
        w.counter(name, help, series.collect())?;
    }
    w.counter(
        "keepalived_vrrp_vrid_errors",
        "Packets for a VRID no instance serves (vrrpv3RouterVrIdErrors).",
        vec![(Vec::new(), s.vrid_errors)],
    )?;
    write_groups(w, s)?;
    write_trackers(w, s, plan)
}

fn write_groups(w: &mut Writer<'_>, s: &Snapshot) -> fmt::Result {
    w.gauge(
        "keepalived_vrrp_sync_group_state",
        "1 for the sync group's current state, 0 for the others.",
        s.groups
            .iter()
            .flat_map(|g| {
                STATES.iter().map(move |st| {
                    let l = vec![
                        ("sync_group", g.name.clone()),
                        ("state", st.as_str().to_owned()),
                    ];
                    (l, flag(g.state == *st))
                })
            })
            .collect(),
    )
}

fn write_trackers(
    w: &mut Writer<'_>,
    s: &Snapshot,
    plan: Option<&VrrpPlan>,
) -> fmt::Result {
    w.gauge(
        "keepalived_vrrp_script_up",
        "1 when the vrrp_script's result has reached rise (OK), 0 when \
         failed or not run yet.",
        s.scripts
            .iter()
            .map(|c| {
                let ok = !c.init && c.result >= c.rise;
                (vec![("script", c.name.clone())], flag(ok))
            })
            .collect(),
    )?;
    w.gauge(
        "keepalived_vrrp_track_file_value",
        "The value last read from the track_file.",
        s.files
            .iter()
            .map(|(name, v)| (vec![("file", name.clone())], *v))
            .collect(),
    )?;
    w.gauge(
        "keepalived_vrrp_track_process_count",
        "Processes the vrrp_track_process counts.",
        s.processes
            .iter()
            .map(|p| (vec![("process", p.name.clone())], i64::from(p.count)))
            .collect(),
    )?;
    w.gauge(
        "keepalived_vrrp_track_process_up",
        "1 when the vrrp_track_process count is within its quorum.",
        s.processes
            .iter()
            .map(|p| (vec![("process", p.name.clone())], flag(p.have_quorum)))
            .collect(),
    )?;
    // Every interface an instance runs on or tracks.
    let mut ifaces = BTreeSet::new();
    for c in plan.map_or(&[][..], |p| &p.engine.instances) {
        ifaces.extend(c.interface.clone());
        ifaces.extend(c.track.iter().filter_map(|t| match &t.kind {
            TrackKind::Interface(n) => Some(n.clone()),
            _ => None,
        }));
    }
    w.gauge(
        "keepalived_vrrp_interface_up",
        "1 when an interface the instances run on or track is up.",
        ifaces
            .into_iter()
            .map(|n| {
                let up = !s.links_down.contains(&n);
                (vec![("interface", n)], flag(up))
            })
            .collect(),
    )
}
