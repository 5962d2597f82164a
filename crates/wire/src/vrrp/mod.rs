//! VRRP advertisements: VRRPv2 (RFC 3768 §5) and VRRPv3 (RFC 5798 §5,
//! RFC 9568), bit-exact with keepalived's `vrrp_build_vrrp_v2/v3` and
//! validated in `vrrp_check_packet`'s order.
//!
//! VRRPv2 (RFC 3768 §5.1):
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version| Type  | Virtual Rtr ID|   Priority    | Count IP Addrs|
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |   Auth Type   |   Adver Int   |          Checksum             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                         IP Address (1)                        |
//! |                            .........                          |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                     Authentication Data (1)                   |
//! |                     Authentication Data (2)                   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! VRRPv3 (RFC 5798 §5.1):
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |(rsvd) |     Max Adver Int     |          Checksum             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                       IPvX Address(es)                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

mod repr;
mod types;

#[cfg(test)]
mod tests;

pub use repr::{
    ChecksumMode, EmitCtx, Expect, ParseCtx, Repr, expected_len,
    length_acceptable, verify_checksum,
};
pub use types::{
    AddrList, AddressFamily, AdverInt, Auth, Endpoints, Version, key8,
};

use crate::DecodeError;

/// Length of the fixed VRRP header.
pub const HEADER_LEN: usize = 8;
/// Length of the VRRPv2 authentication data (RFC 3768 §5.3.10).
pub const AUTH_DATA_LEN: usize = 8;
/// The only packet type, ADVERTISEMENT (RFC 5798 §5.2.2).
pub const TYPE_ADVERTISEMENT: u8 = 1;

/// VRRPv2 auth type "no authentication" (RFC 3768 §5.3.6).
pub const AUTH_NONE: u8 = 0;
/// VRRPv2 auth type "simple text password" (RFC 2338 §5.3.6).
pub const AUTH_PASS: u8 = 1;
/// VRRPv2 auth type "IP Authentication Header" (RFC 2338 §5.3.6).
pub const AUTH_AH: u8 = 2;

mod field {
    use std::ops::Range;
    pub(super) const VER_TYPE: usize = 0;
    pub(super) const VRID: usize = 1;
    pub(super) const PRIO: usize = 2;
    pub(super) const COUNT: usize = 3;
    /// v2: auth type; v3: reserved nibble + high nibble of the interval.
    pub(super) const AUTH_TYPE: usize = 4;
    /// v2: advert interval in seconds.
    pub(super) const ADVER_V2: usize = 5;
    /// v3: 4 reserved bits + 12-bit max advert interval (centiseconds).
    pub(super) const ADVER_V3: Range<usize> = 4..6;
    pub(super) const CKSUM: Range<usize> = 6..8;

    /// The address list.
    pub(super) const fn addrs(count: u8, addr_len: usize) -> Range<usize> {
        8..8 + count as usize * addr_len
    }

    /// v2 authentication data, after the addresses.
    pub(super) const fn auth_data(count: u8) -> Range<usize> {
        let start = 8 + count as usize * 4;
        start..start + super::AUTH_DATA_LEN
    }
}

/// A read/write view of a VRRP packet (no IP header).
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
    pub fn new_checked(buffer: T) -> Result<Self, DecodeError> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks the fixed 8-octet header is present, so that the fixed
    /// field accessors do not panic. Address and auth accessors check
    /// their own bounds.
    pub fn check_len(&self) -> Result<(), DecodeError> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(DecodeError::Truncated {
                len,
                need: HEADER_LEN,
            });
        }
        Ok(())
    }

    /// Returns the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// All octets of the buffer (padding included).
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// Version nibble (2 or 3 for valid packets).
    pub fn version(&self) -> u8 {
        self.b()[field::VER_TYPE] >> 4
    }

    /// Type nibble (1 = ADVERTISEMENT).
    pub fn kind(&self) -> u8 {
        self.b()[field::VER_TYPE] & 0x0f
    }

    /// Virtual router ID.
    pub fn vrid(&self) -> u8 {
        self.b()[field::VRID]
    }

    /// Priority.
    pub fn priority(&self) -> u8 {
        self.b()[field::PRIO]
    }

    /// Count of addresses.
    pub fn naddr(&self) -> u8 {
        self.b()[field::COUNT]
    }

    /// VRRPv2 auth type.
    pub fn auth_type(&self) -> u8 {
        self.b()[field::AUTH_TYPE]
    }

    /// VRRPv2 advert interval, seconds.
    pub fn adver_int_v2(&self) -> u8 {
        self.b()[field::ADVER_V2]
    }

    /// VRRPv3 max advert interval, centiseconds; the 4 reserved bits are
    /// ignored on receive (RFC 5798 §5.2.5).
    pub fn adver_int_v3(&self) -> u16 {
        let d = &self.b()[field::ADVER_V3];
        u16::from_be_bytes([d[0], d[1]]) & 0x0fff
    }

    /// Checksum field.
    pub fn checksum(&self) -> u16 {
        let d = &self.b()[field::CKSUM];
        u16::from_be_bytes([d[0], d[1]])
    }

    /// The address list octets for `naddr` addresses of `af`, if present.
    pub fn addr_bytes(&self, af: AddressFamily) -> Option<&[u8]> {
        self.b().get(field::addrs(self.naddr(), af.addr_len()))
    }

    /// VRRPv2 (IPv4) authentication data, if present.
    pub fn auth_data(&self) -> Option<[u8; AUTH_DATA_LEN]> {
        let d = self.b().get(field::auth_data(self.naddr()))?;
        let mut out = [0u8; AUTH_DATA_LEN];
        out.copy_from_slice(d);
        Some(out)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    fn bm(&mut self) -> &mut [u8] {
        self.buffer.as_mut()
    }

    /// Sets version and type nibbles.
    pub fn set_version_and_kind(&mut self, version: u8, kind: u8) {
        self.bm()[field::VER_TYPE] = (version << 4) | (kind & 0x0f);
    }

    /// Sets the VRID.
    pub fn set_vrid(&mut self, v: u8) {
        self.bm()[field::VRID] = v;
    }

    /// Sets the priority.
    pub fn set_priority(&mut self, v: u8) {
        self.bm()[field::PRIO] = v;
    }

    /// Sets the address count.
    pub fn set_naddr(&mut self, v: u8) {
        self.bm()[field::COUNT] = v;
    }

    /// Sets the VRRPv2 auth type.
    pub fn set_auth_type(&mut self, v: u8) {
        self.bm()[field::AUTH_TYPE] = v;
    }

    /// Sets the VRRPv2 advert interval (seconds).
    pub fn set_adver_int_v2(&mut self, v: u8) {
        self.bm()[field::ADVER_V2] = v;
    }

    /// Sets the VRRPv3 interval (centiseconds), reserved bits zero.
    pub fn set_adver_int_v3(&mut self, v: u16) {
        self.bm()[field::ADVER_V3].copy_from_slice(&(v & 0x0fff).to_be_bytes());
    }

    /// Sets the checksum field.
    pub fn set_checksum(&mut self, v: u16) {
        self.bm()[field::CKSUM].copy_from_slice(&v.to_be_bytes());
    }
}
