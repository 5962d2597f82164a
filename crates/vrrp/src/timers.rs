//! VRRP timer units and formulas (Skew_Time, Master_Down_Interval).
//!
//! Every value is in microseconds, as keepalived keeps them (`TIMER_HZ` is
//! 1 000 000). Each RFC formula is one `const fn`, computed exactly as
//! keepalived's macros in `keepalived/include/vrrp.h` (2.2.7):
//!
//! ```text
//! VRRP_TIMER_SKEW_CALC(svr, p) = v3 ? ((p * (master_adver_int / 10000) * 625) / 16)
//!                                   : (p * 1000000 / 256)
//! VRRP_TIMER_SKEW(svr)     = SKEW_CALC(svr, 256 - effective_priority)
//! VRRP_TIMER_SKEW_MIN(svr) = SKEW_CALC(svr, 1)
//! VRRP_MS_DOWN_TIMER(svr)  = down_timer_adverts * master_adver_int + SKEW
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

/// Microseconds per second (keepalived `TIMER_HZ`).
pub(crate) const MICROS_PER_SEC: u64 = 1_000_000;
/// Microseconds per centisecond (keepalived `TIMER_CENTI_HZ`).
pub(crate) const MICROS_PER_CENTI: u64 = 10_000;
/// Default `down_timer_adverts` (keepalived `VRRP_DOWN_TIMER_ADVERTS`,
/// RFC 5798 §6.1 "3 * Master_Adver_Interval").
pub const DOWN_TIMER_ADVERTS: u32 = 3;

/// The VRRP protocol version an instance speaks: the wire crate's type
/// (one definition of the version nibble, `Version::as_u8`).
pub use ka_wire::vrrp::Version;

/// An advertisement interval, stored in centiseconds (the v3 unit; v2
/// intervals are whole seconds, i.e. multiples of 100).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[derive(Serialize, Deserialize)]
pub struct AdverInt {
    centis: u16,
}

impl AdverInt {
    /// keepalived's default `advert_int 1` (`VRRP_ADVER_DFL`).
    pub const DEFAULT: Self = Self { centis: 100 };

    /// An interval of `centis` centiseconds (v3 wire unit, 12 bits).
    pub const fn from_centis(centis: u16) -> Self {
        Self { centis }
    }

    /// An interval of `secs` whole seconds (v2 wire unit).
    pub const fn from_secs(secs: u8) -> Self {
        Self {
            centis: secs as u16 * 100,
        }
    }

    /// The interval in centiseconds.
    pub const fn centis(self) -> u16 {
        self.centis
    }

    /// The interval in whole seconds, truncated (the v2 wire field).
    pub const fn secs(self) -> u8 {
        let s = self.centis / 100;
        if s > 255 { 255 } else { s as u8 }
    }

    /// The interval in microseconds.
    pub const fn micros(self) -> u64 {
        self.centis as u64 * MICROS_PER_CENTI
    }
}

impl fmt::Display for AdverInt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ms", u64::from(self.centis) * 10)
    }
}

/// Skew_Time in µs for `priority` and the (learned) Master_Adver_Interval.
///
/// RFC 5798 §6.1: "Skew_Time: Time to skew Master_Down_Interval in
/// centiseconds. Calculated as: (((256 - priority) * Master_Adver_Interval)
/// / 256)". RFC 3768 §6.1 (v2): "Skew_Time: Time to skew
/// Master_Down_Interval in seconds. Calculated as: ((256 - Priority) /
/// 256)". keepalived compat: v3 is computed as `p * cs * 625 / 16` µs,
/// i.e. never truncated to whole centiseconds; v2 ignores the interval.
pub const fn skew_time(
    version: Version,
    priority: u8,
    master_adver_int_us: u64,
) -> u64 {
    skew_calc(version, 256 - priority as u64, master_adver_int_us)
}

/// keepalived `VRRP_TIMER_SKEW_MIN`: the skew of priority 255 (one step).
///
/// Used when a sync group holds an instance that wants MASTER in BACKUP
/// (`vrrp_init_state`: `master_adver_int + SKEW_MIN`).
pub const fn skew_min(version: Version, master_adver_int_us: u64) -> u64 {
    skew_calc(version, 1, master_adver_int_us)
}

/// keepalived `VRRP_TIMER_SKEW_CALC` for a priority distance `p`.
const fn skew_calc(version: Version, p: u64, master_adver_int_us: u64) -> u64 {
    match version {
        Version::V3 => p * (master_adver_int_us / MICROS_PER_CENTI) * 625 / 16,
        Version::V2 => p * MICROS_PER_SEC / 256,
    }
}

/// Master_Down_Interval in µs (keepalived `VRRP_MS_DOWN_TIMER`).
///
/// RFC 5798 §6.1: "Master_Down_Interval: Time interval for Backup to
/// declare Master down (centiseconds). Calculated as: (3 *
/// Master_Adver_Interval) + Skew_time". keepalived compat: the factor 3 is
/// `down_timer_adverts` (1..100, default 3).
pub const fn master_down_interval(
    version: Version,
    down_timer_adverts: u32,
    priority: u8,
    master_adver_int_us: u64,
) -> u64 {
    down_timer_adverts as u64 * master_adver_int_us
        + skew_time(version, priority, master_adver_int_us)
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 5798 §6.1 with Priority 100 and Master_Adver_Interval 100 cs:
    // Skew_Time = ((256 - 100) * 100) / 256 = 60.9375 cs = 609 375 µs.
    #[test]
    fn skew_v3_from_rfc5798_text() {
        let one_sec = AdverInt::from_centis(100).micros();
        assert_eq!(skew_time(Version::V3, 100, one_sec), 609_375);
        // Priority 254: (2 * 100) / 256 cs = 7 812.5 µs, keepalived
        // truncates only the final µs.
        assert_eq!(skew_time(Version::V3, 254, one_sec), 7_812);
        // 10 ms adverts: one priority step is 39 µs (issue #2389).
        let ten_ms = AdverInt::from_centis(1).micros();
        assert_eq!(skew_time(Version::V3, 100, ten_ms), 6_093);
        assert_eq!(
            skew_time(Version::V3, 99, ten_ms)
                - skew_time(Version::V3, 100, ten_ms),
            39
        );
    }

    // RFC 3768 §6.1: Skew_Time = (256 - Priority) / 256 seconds.
    #[test]
    fn skew_v2_from_rfc3768_text() {
        assert_eq!(skew_time(Version::V2, 100, 2_000_000), 609_375);
        assert_eq!(skew_time(Version::V2, 254, 1_000_000), 7_812);
        assert_eq!(skew_time(Version::V2, 1, 1_000_000), 996_093);
        assert_eq!(skew_min(Version::V2, 1_000_000), 3_906);
        assert_eq!(skew_min(Version::V3, 1_000_000), 3_906);
    }

    // RFC 5798 §6.1: Master_Down_Interval = 3 * Master_Adver_Interval +
    // Skew_time; KEEPALIVED.md §8 "prio 100 ⇒ 3.609 s; prio 254 ⇒ 3.008 s".
    #[test]
    fn master_down_interval_from_rfc_text() {
        let one_sec = AdverInt::DEFAULT.micros();
        assert_eq!(
            master_down_interval(Version::V3, 3, 100, one_sec),
            3_609_375
        );
        assert_eq!(
            master_down_interval(Version::V2, 3, 254, one_sec),
            3_007_812
        );
        // v3, 10 ms adverts, priority 100: 30 ms + 6.093 ms.
        assert_eq!(master_down_interval(Version::V3, 3, 100, 10_000), 36_093);
        // down_timer_adverts 1 (non-RFC speed-up).
        assert_eq!(
            master_down_interval(Version::V2, 1, 100, 2_000_000),
            2_609_375
        );
    }

    #[test]
    fn adver_int_units() {
        assert_eq!(AdverInt::from_secs(3).centis(), 300);
        assert_eq!(AdverInt::from_centis(150).secs(), 1);
        assert_eq!(AdverInt::from_centis(5).micros(), 50_000);
        assert_eq!(AdverInt::DEFAULT.to_string(), "1000ms");
    }
}
