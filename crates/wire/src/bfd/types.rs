//! Session states and diagnostic codes (RFC 5880 §4.1), named as
//! keepalived logs them (`bfd.h: BFD_STATE_STR`, `BFD_DIAG_STR`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A session state (RFC 5880 §4.1 "Sta").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[derive(Serialize, Deserialize)]
pub enum State {
    /// 0: AdminDown.
    AdminDown,
    /// 1: Down.
    Down,
    /// 2: Init.
    Init,
    /// 3: Up.
    Up,
}

impl State {
    /// The state of the two low bits of `bits`.
    pub const fn from_bits(bits: u8) -> Self {
        match bits & 0x3 {
            0 => Self::AdminDown,
            1 => Self::Down,
            2 => Self::Init,
            _ => Self::Up,
        }
    }

    /// Its wire value.
    pub const fn bits(self) -> u8 {
        match self {
            Self::AdminDown => 0,
            Self::Down => 1,
            Self::Init => 2,
            Self::Up => 3,
        }
    }

    /// keepalived's name (`BFD_STATE_STR`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AdminDown => "AdminDown",
            Self::Down => "Down",
            Self::Init => "Init",
            Self::Up => "Up",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A diagnostic code (RFC 5880 §4.1 "Diag"); 9..=31 are reserved and
/// keepalived refuses them (`BFD_VALID_DIAG`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[derive(Serialize, Deserialize)]
pub enum Diag {
    /// 0 -- No Diagnostic.
    NoDiagnostic,
    /// 1 -- Control Detection Time Expired.
    DetectionTimeExpired,
    /// 2 -- Echo Function Failed.
    EchoFailed,
    /// 3 -- Neighbor Signaled Session Down.
    NeighborSignaledDown,
    /// 4 -- Forwarding Plane Reset.
    ForwardingPlaneReset,
    /// 5 -- Path Down.
    PathDown,
    /// 6 -- Concatenated Path Down.
    ConcatenatedPathDown,
    /// 7 -- Administratively Down.
    AdminDown,
    /// 8 -- Reverse Concatenated Path Down.
    ReverseConcatenatedPathDown,
}

impl Diag {
    /// The diagnostic of wire value `v`, `None` for reserved values.
    pub const fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            0 => Self::NoDiagnostic,
            1 => Self::DetectionTimeExpired,
            2 => Self::EchoFailed,
            3 => Self::NeighborSignaledDown,
            4 => Self::ForwardingPlaneReset,
            5 => Self::PathDown,
            6 => Self::ConcatenatedPathDown,
            7 => Self::AdminDown,
            8 => Self::ReverseConcatenatedPathDown,
            _ => return None,
        })
    }

    /// Its wire value.
    pub const fn as_u8(self) -> u8 {
        self as u8
    }

    /// keepalived's text (`BFD_DIAG_STR`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NoDiagnostic => "No Diagnostic",
            Self::DetectionTimeExpired => "Control Detection Time Expired",
            Self::EchoFailed => "Echo Function Failed",
            Self::NeighborSignaledDown => "Neighbor Signaled Session Down",
            Self::ForwardingPlaneReset => "Forwarding Plane Reset",
            Self::PathDown => "Path Down",
            Self::ConcatenatedPathDown => "Concatenated Path Down",
            Self::AdminDown => "Administratively Down",
            Self::ReverseConcatenatedPathDown => {
                "Reverse Concatenated Path Down"
            }
        }
    }
}

impl fmt::Display for Diag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
