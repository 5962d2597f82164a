//! Per-instance counters (keepalived `vrrp_stats`, RFC 6527 statistics).

use serde::{Deserialize, Serialize};

/// Counters of one instance, named after keepalived's `vrrp_stats`
/// fields; the RFC 6527 `vrrpv3Statistics*` object is in each comment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct Stats {
    /// Valid adverts received (`vrrpv3StatisticsRcvdAdvertisements`).
    pub advert_rcvd: u64,
    /// Adverts sent (one per transmission, not per unicast peer).
    pub advert_sent: u64,
    /// Transitions to MASTER (`vrrpv3StatisticsMasterTransitions`).
    pub become_master: u64,
    /// Transitions out of MASTER.
    pub release_master: u64,
    /// Wrong message length (`vrrpv3StatisticsPacketLengthErrors`).
    pub packet_len_err: u64,
    /// v2 interval mismatch (`vrrpv3StatisticsAdvIntervalErrors`).
    pub advert_interval_err: u64,
    /// TTL / hop limit not 255 (`vrrpv3StatisticsIpTtlErrors`).
    pub ip_ttl_err: u64,
    /// Type not ADVERTISEMENT (`vrrpv3StatisticsRcvdInvalidTypePackets`).
    pub invalid_type_rcvd: u64,
    /// Address list mismatch (`vrrpv3StatisticsAddressListErrors`).
    pub addr_list_err: u64,
    /// Unknown v2 auth type (RFC 2787 `vrrpStatsInvalidAuthType`).
    pub invalid_authtype: u64,
    /// Auth type differs from ours (`vrrpStatsAuthTypeMismatch`).
    pub authtype_mismatch: u64,
    /// Wrong password (`vrrpStatsAuthFailures`).
    pub auth_failure: u64,
    /// Priority-0 adverts received (`vrrpv3StatisticsRcvdPriZeroPackets`).
    pub pri_zero_rcvd: u64,
    /// Priority-0 adverts sent (`vrrpv3StatisticsSentPriZeroPackets`).
    pub pri_zero_sent: u64,
    /// Bad checksum (`vrrpv3RouterChecksumErrors`, per instance here).
    pub chk_err: u64,
    /// Wrong version (`vrrpv3RouterVersionErrors`, per instance here).
    pub vers_err: u64,
    /// Unicast source not a configured peer (keepalived logs only).
    pub unicast_src_err: u64,
}
