//! Per-instance counters (keepalived `vrrp_stats`, RFC 6527 statistics).

use ka_wire::DecodeError;
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
    /// State changes by target state and reason (ours: the metrics).
    #[serde(default)]
    pub transitions: crate::transitions::Transitions,
}

impl Stats {
    /// Count a wire error under keepalived's counter for it
    /// (`vrrp_check_packet`; one `DecodeError` variant per counter).
    pub(crate) fn count_decode_error(&mut self, e: &DecodeError) {
        let counter = match e {
            DecodeError::Truncated { .. } | DecodeError::Length { .. } => {
                &mut self.packet_len_err
            }
            DecodeError::Ttl(_) => &mut self.ip_ttl_err,
            DecodeError::Version(_) => &mut self.vers_err,
            DecodeError::Type(_) => &mut self.invalid_type_rcvd,
            DecodeError::AuthType(_) => &mut self.invalid_authtype,
            DecodeError::AuthTypeMismatch { .. } => &mut self.authtype_mismatch,
            DecodeError::AuthFailure => &mut self.auth_failure,
            // keepalived returns DROP without counting; the counter is
            // ours (RFC 2787 `vrrpStatsAdvertisementIntervalErrors`).
            DecodeError::AdverInt { .. } => &mut self.advert_interval_err,
            DecodeError::AddrList { .. } => &mut self.addr_list_err,
            DecodeError::Checksum { .. } => &mut self.chk_err,
            // Raised only by the IPv4/AH layer (`ka_wire::advert`), which
            // the driver runs before the engine: nothing to count here.
            DecodeError::IpHeader
            | DecodeError::Protocol(_)
            | DecodeError::AhNextHeader(_) => return,
        };
        *counter += 1;
    }
}
