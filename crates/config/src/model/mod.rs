//! The typed configuration model: every block and keyword of keepalived
//! 2.2.7's configuration language, with keepalived's defaults applied.
//!
//! The model is plain data (serde) so that `--dump-config` can print it as
//! JSON and tests can compare it. Engines consume it after validation.

pub mod bfd;
pub mod global;
pub mod lvs;
pub mod vrrp;

use serde::{Deserialize, Serialize};

/// A whole keepalived.conf.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// `global_defs` and the root-level process settings.
    pub global: global::GlobalDefs,
    /// VRRP: instances, sync groups, trackers, static addresses/routes/rules.
    pub vrrp: vrrp::VrrpSection,
    /// BFD instances.
    pub bfd: bfd::BfdSection,
    /// Load balancing: virtual servers, groups, real servers and checkers.
    pub lvs: lvs::LvsSection,
}
