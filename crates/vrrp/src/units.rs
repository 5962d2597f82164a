//! Protocol values with a meaning of their own: the priority and the
//! virtual router id (RFC 5798 §5.2.3, §5.2.4).

use std::fmt;
use std::num::NonZeroU8;

use serde::{Deserialize, Serialize};

/// A VRRP priority (RFC 5798 §5.2.4): 255 is the address owner, 1..=254
/// a backup, 0 a master giving up (`Priority::STOP`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[derive(Serialize, Deserialize)]
#[serde(transparent)]
pub struct Priority(u8);

impl Priority {
    /// RFC 5798 §5.2.4: the router that owns the virtual addresses.
    pub const OWNER: Self = Self(255);
    /// RFC 5798 §5.2.4: the default priority of a backup router.
    pub const DEFAULT: Self = Self(100);
    /// RFC 5798 §5.2.4: the master stops participating in VRRP.
    pub const STOP: Self = Self(0);

    /// The priority `value`.
    pub const fn new(value: u8) -> Self {
        Self(value)
    }

    /// The value on the wire.
    pub const fn get(self) -> u8 {
        self.0
    }

    /// RFC 5798 §5.2.4: priority 255 owns the virtual addresses.
    pub const fn is_owner(self) -> bool {
        self.0 == Self::OWNER.0
    }
}

impl From<u8> for Priority {
    fn from(value: u8) -> Self {
        Self(value)
    }
}

impl From<Priority> for u8 {
    fn from(p: Priority) -> Self {
        p.0
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A virtual router id (RFC 5798 §5.2.3): 1..=255, never 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[derive(Serialize, Deserialize)]
#[serde(transparent)]
pub struct Vrid(NonZeroU8);

impl Vrid {
    /// The lowest VRID, 1.
    pub const MIN: Self = Self(NonZeroU8::MIN);

    /// The VRID `value`; `None` for 0, which RFC 5798 §5.2.3 excludes.
    pub const fn new(value: u8) -> Option<Self> {
        match NonZeroU8::new(value) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }

    /// The value on the wire.
    pub const fn get(self) -> u8 {
        self.0.get()
    }
}

impl TryFrom<u8> for Vrid {
    type Error = ZeroVrid;

    fn try_from(value: u8) -> Result<Self, ZeroVrid> {
        Self::new(value).ok_or(ZeroVrid)
    }
}

impl From<Vrid> for u8 {
    fn from(v: Vrid) -> Self {
        v.get()
    }
}

impl fmt::Display for Vrid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// VRID 0 is not a virtual router id (RFC 5798 §5.2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZeroVrid;

impl fmt::Display for ZeroVrid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("virtual router id 0 is not valid (1..=255)")
    }
}

impl std::error::Error for ZeroVrid {}

#[cfg(test)]
mod tests;
