//! BFD control packets (RFC 5880 §4.1), as keepalived builds them
//! (`bfd.c: bfd_build_packet`) and checks them (`bfd_check_packet`).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Vers |  Diag   |Sta|P|F|C|A|D|M|  Detect Mult  |    Length     |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                       My Discriminator                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                      Your Discriminator                       |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Desired Min TX Interval                    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                   Required Min RX Interval                    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                 Required Min Echo RX Interval                 |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |   Auth Type   |   Auth Len    |    Authentication Data...     |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! The packet is the UDP payload; the UDP and IP headers are the
//! socket's. [`Repr::parse`] applies keepalived's sanity checks in its
//! order; the checks that need the session (TTL against `max_hops`, the
//! A bit with no authentication configured, the discriminator lookup)
//! are the engine's.

mod auth;
mod repr;
mod types;

#[cfg(test)]
mod tests;

pub use auth::{Auth, AuthType, Digest, Password};
pub use repr::{BfdError, Repr};
pub use types::{Diag, State};

/// Length of the mandatory section (RFC 5880 §4.1).
pub const CONTROL_LEN: usize = 24;
/// Smallest packet with the A bit set: the mandatory section plus the
/// authentication type and length octets (RFC 5880 §6.8.6).
pub const MIN_AUTH_LEN: usize = CONTROL_LEN + 2;
/// The only version (RFC 5880 §4.1).
pub const VERSION: u8 = 1;
/// UDP destination port of single-hop control packets (RFC 5881 §4).
pub const PORT_SINGLE_HOP: u16 = 3784;
/// UDP destination port of multihop control packets (RFC 5883 §5).
pub const PORT_MULTIHOP: u16 = 4784;
/// Lowest UDP source port (RFC 5881 §4; keepalived `BFD_MIN_PORT`).
pub const SOURCE_PORT_MIN: u16 = 49152;
/// Highest UDP source port (RFC 5881 §4; keepalived `BFD_MAX_PORT`).
pub const SOURCE_PORT_MAX: u16 = 65535;
/// TTL sent on IPv4 and required by the GTSM check (RFC 5881 §5;
/// keepalived `BFD_CONTROL_TTL`).
pub const TTL_IPV4: u8 = 255;
/// keepalived compat: the default IPv6 hop limit is 64
/// (`BFD_CONTROL_HOPLIMIT`), not RFC 5881's 255.
pub const HOP_LIMIT_IPV6: u8 = 64;

mod field {
    use std::ops::Range;
    pub(super) const VERS_DIAG: usize = 0;
    pub(super) const STA_FLAGS: usize = 1;
    pub(super) const DETECT_MULT: usize = 2;
    pub(super) const LENGTH: usize = 3;
    pub(super) const MY_DISCR: Range<usize> = 4..8;
    pub(super) const YOUR_DISCR: Range<usize> = 8..12;
    pub(super) const MIN_TX: Range<usize> = 12..16;
    pub(super) const MIN_RX: Range<usize> = 16..20;
    pub(super) const MIN_ECHO_RX: Range<usize> = 20..24;
    pub(super) const AUTH_TYPE: usize = 24;
    pub(super) const AUTH_LEN: usize = 25;
}

/// Bits of the second octet (RFC 5880 §4.1).
mod flag {
    pub(super) const POLL: u8 = 0x20;
    pub(super) const FINAL: u8 = 0x10;
    pub(super) const CPI: u8 = 0x08;
    pub(super) const AUTH: u8 = 0x04;
    pub(super) const DEMAND: u8 = 0x02;
    pub(super) const MULTIPOINT: u8 = 0x01;
}

/// A read/write view of a BFD control packet (the UDP payload).
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer after [`Self::check_len`].
    pub fn new_checked(buffer: T) -> Result<Self, BfdError> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks the 24-octet mandatory section is present, so that no
    /// accessor of it panics. The authentication accessors check their
    /// own bounds.
    pub fn check_len(&self) -> Result<(), BfdError> {
        let len = self.b().len();
        if len < CONTROL_LEN {
            return Err(BfdError::TooSmall(len));
        }
        Ok(())
    }

    /// Returns the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// All octets of the buffer.
    pub fn as_bytes(&self) -> &[u8] {
        self.b()
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    fn u32_at(&self, r: std::ops::Range<usize>) -> u32 {
        let d = &self.b()[r];
        u32::from_be_bytes([d[0], d[1], d[2], d[3]])
    }

    /// Version (3 bits).
    pub fn version(&self) -> u8 {
        self.b()[field::VERS_DIAG] >> 5
    }

    /// Diagnostic code (5 bits).
    pub fn diag(&self) -> u8 {
        self.b()[field::VERS_DIAG] & 0x1f
    }

    /// Session state (2 bits).
    pub fn state(&self) -> State {
        State::from_bits(self.b()[field::STA_FLAGS] >> 6)
    }

    fn flag(&self, f: u8) -> bool {
        self.b()[field::STA_FLAGS] & f != 0
    }

    /// Poll (P).
    pub fn poll(&self) -> bool {
        self.flag(flag::POLL)
    }

    /// Final (F).
    pub fn final_(&self) -> bool {
        self.flag(flag::FINAL)
    }

    /// Control Plane Independent (C).
    pub fn cpi(&self) -> bool {
        self.flag(flag::CPI)
    }

    /// Authentication Present (A).
    pub fn auth_present(&self) -> bool {
        self.flag(flag::AUTH)
    }

    /// Demand (D).
    pub fn demand(&self) -> bool {
        self.flag(flag::DEMAND)
    }

    /// Multipoint (M).
    pub fn multipoint(&self) -> bool {
        self.flag(flag::MULTIPOINT)
    }

    /// Detect Mult.
    pub fn detect_mult(&self) -> u8 {
        self.b()[field::DETECT_MULT]
    }

    /// Length field (octets).
    pub fn length(&self) -> u8 {
        self.b()[field::LENGTH]
    }

    /// My Discriminator.
    pub fn my_discr(&self) -> u32 {
        self.u32_at(field::MY_DISCR)
    }

    /// Your Discriminator.
    pub fn your_discr(&self) -> u32 {
        self.u32_at(field::YOUR_DISCR)
    }

    /// Desired Min TX Interval, µs.
    pub fn desired_min_tx(&self) -> u32 {
        self.u32_at(field::MIN_TX)
    }

    /// Required Min RX Interval, µs.
    pub fn required_min_rx(&self) -> u32 {
        self.u32_at(field::MIN_RX)
    }

    /// Required Min Echo RX Interval, µs.
    pub fn required_min_echo_rx(&self) -> u32 {
        self.u32_at(field::MIN_ECHO_RX)
    }

    /// The authentication section's type and length octets, if present.
    pub fn auth_header(&self) -> Option<(u8, u8)> {
        let t = *self.b().get(field::AUTH_TYPE)?;
        let l = *self.b().get(field::AUTH_LEN)?;
        Some((t, l))
    }

    /// The authentication section as its Auth Len says, if the buffer
    /// holds it.
    pub fn auth_section(&self) -> Option<&[u8]> {
        let (_, len) = self.auth_header()?;
        self.b().get(CONTROL_LEN..CONTROL_LEN + usize::from(len))
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    fn bm(&mut self) -> &mut [u8] {
        self.buffer.as_mut()
    }

    fn set_u32_at(&mut self, r: std::ops::Range<usize>, v: u32) {
        self.bm()[r].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the version and diagnostic octet.
    pub fn set_version_diag(&mut self, version: u8, diag: u8) {
        self.bm()[field::VERS_DIAG] = (version << 5) | (diag & 0x1f);
    }

    /// Sets the state and flags octet; `flags` holds P F C A D M in its
    /// low six bits.
    pub fn set_state_flags(&mut self, state: State, flags: u8) {
        self.bm()[field::STA_FLAGS] = (state.bits() << 6) | (flags & 0x3f);
    }

    /// Sets Detect Mult.
    pub fn set_detect_mult(&mut self, v: u8) {
        self.bm()[field::DETECT_MULT] = v;
    }

    /// Sets the Length field.
    pub fn set_length(&mut self, v: u8) {
        self.bm()[field::LENGTH] = v;
    }

    /// Sets My Discriminator.
    pub fn set_my_discr(&mut self, v: u32) {
        self.set_u32_at(field::MY_DISCR, v);
    }

    /// Sets Your Discriminator.
    pub fn set_your_discr(&mut self, v: u32) {
        self.set_u32_at(field::YOUR_DISCR, v);
    }

    /// Sets Desired Min TX Interval (µs).
    pub fn set_desired_min_tx(&mut self, v: u32) {
        self.set_u32_at(field::MIN_TX, v);
    }

    /// Sets Required Min RX Interval (µs).
    pub fn set_required_min_rx(&mut self, v: u32) {
        self.set_u32_at(field::MIN_RX, v);
    }

    /// Sets Required Min Echo RX Interval (µs).
    pub fn set_required_min_echo_rx(&mut self, v: u32) {
        self.set_u32_at(field::MIN_ECHO_RX, v);
    }

    /// The octets after the mandatory section, for the authentication
    /// section.
    pub fn auth_section_mut(&mut self) -> &mut [u8] {
        &mut self.bm()[CONTROL_LEN..]
    }
}
