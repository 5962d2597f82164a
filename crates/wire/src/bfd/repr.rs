//! The control packet as values, parsed with keepalived's checks.

use serde::{Deserialize, Serialize};

use super::auth::Auth;
use super::types::{Diag, State};
use super::{CONTROL_LEN, MIN_AUTH_LEN, Packet, VERSION, flag};

/// Why a control packet was refused. The text is keepalived's
/// (`bfd.c: bfd_check_packet`) where keepalived has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[derive(Serialize, Deserialize)]
pub enum BfdError {
    /// Fewer than 24 octets (RFC 5880 §6.8.6).
    #[error("Packet is too small: {0} bytes")]
    TooSmall(usize),
    /// The Length field is not the datagram's length. keepalived compat:
    /// keepalived wants equality where RFC 5880 §6.8.6 only refuses a
    /// Length beyond the payload.
    #[error(
        "Packet size mismatch: length field: {field} bytes, buffer size: {len} bytes"
    )]
    LengthMismatch {
        /// The Length field.
        field: u8,
        /// Octets received.
        len: usize,
    },
    /// Version not 1 (RFC 5880 §6.8.6).
    #[error("Packet is of unsupported version: {0}")]
    Version(u8),
    /// Detect Mult zero (RFC 5880 §6.8.6).
    #[error("Packet 'detection multiplier' field is zero")]
    DetectMultZero,
    /// M bit set (RFC 5880 §6.8.6).
    #[error("Packet has 'multipoint' flag")]
    Multipoint,
    /// My Discriminator zero (RFC 5880 §6.8.6).
    #[error("Packet 'my discriminator' field is zero")]
    MyDiscrZero,
    /// Your Discriminator zero in state Init or Up (RFC 5880 §6.8.6).
    #[error(
        "Packet 'your discriminator' field is zero and 'state' field is not Down or AdminDown"
    )]
    YourDiscrZero,
    /// P and F both set (RFC 5880 §6.5: "MUST NOT"; keepalived drops).
    #[error("Packet has both poll and final  flags set")]
    PollAndFinal,
    /// A reserved diagnostic code (keepalived `BFD_VALID_DIAG`).
    #[error("Packet has invalid 'diag' field: {0}")]
    Diag(u8),
    /// A bit set but no room for the section header (RFC 5880 §6.8.6:
    /// Length below 26).
    #[error("Packet has the auth bit set but no authentication section")]
    AuthTruncated,
    /// Reserved Auth Type.
    #[error("Packet has unknown authentication type {0}")]
    AuthType(u8),
    /// Auth Len wrong for its type, or past the packet.
    #[error("Packet has authentication type {auth_type} of bad length {len}")]
    AuthLen {
        /// Auth Type.
        auth_type: u8,
        /// Auth Len.
        len: usize,
    },
}

/// A BFD control packet as values. `emit(parse(x)) == x` for packets
/// whose reserved octet of a keyed authentication section is zero and
/// whose Length is 24 when the A bit is clear. keepalived compat: with
/// the A bit clear, a longer Length (equal to the datagram's) is
/// accepted and the octets after the 24th ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub struct Repr {
    /// Diag.
    pub diag: Diag,
    /// Sta.
    pub state: State,
    /// P: Poll.
    pub poll: bool,
    /// F: Final.
    pub final_: bool,
    /// C: Control Plane Independent.
    pub cpi: bool,
    /// D: Demand.
    pub demand: bool,
    /// Detect Mult.
    pub detect_mult: u8,
    /// My Discriminator.
    pub my_discr: u32,
    /// Your Discriminator.
    pub your_discr: u32,
    /// Desired Min TX Interval, µs.
    pub desired_min_tx: u32,
    /// Required Min RX Interval, µs.
    pub required_min_rx: u32,
    /// Required Min Echo RX Interval, µs (keepalived sends 0: no echo).
    pub required_min_echo_rx: u32,
    /// The authentication section; `Some` iff the A bit is set.
    pub auth: Option<Auth>,
}

impl Repr {
    /// Parses a control packet (the whole UDP payload), checking it as
    /// keepalived's `bfd_check_packet` does and in its order, then the
    /// authentication section if the A bit is set. The M bit is refused,
    /// so a parsed packet never has it.
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Result<Self, BfdError> {
        packet.check_len()?;
        let len = packet.as_bytes().len();
        if usize::from(packet.length()) != len {
            return Err(BfdError::LengthMismatch {
                field: packet.length(),
                len,
            });
        }
        if packet.version() != VERSION {
            return Err(BfdError::Version(packet.version()));
        }
        if packet.detect_mult() == 0 {
            return Err(BfdError::DetectMultZero);
        }
        if packet.multipoint() {
            return Err(BfdError::Multipoint);
        }
        if packet.my_discr() == 0 {
            return Err(BfdError::MyDiscrZero);
        }
        let state = packet.state();
        if packet.your_discr() == 0
            && !matches!(state, State::Down | State::AdminDown)
        {
            return Err(BfdError::YourDiscrZero);
        }
        if packet.poll() && packet.final_() {
            return Err(BfdError::PollAndFinal);
        }
        let diag = Diag::from_u8(packet.diag())
            .ok_or(BfdError::Diag(packet.diag()))?;
        let auth = if packet.auth_present() {
            Some(parse_auth(packet)?)
        } else {
            None
        };
        Ok(Self {
            diag,
            state,
            poll: packet.poll(),
            final_: packet.final_(),
            cpi: packet.cpi(),
            demand: packet.demand(),
            detect_mult: packet.detect_mult(),
            my_discr: packet.my_discr(),
            your_discr: packet.your_discr(),
            desired_min_tx: packet.desired_min_tx(),
            required_min_rx: packet.required_min_rx(),
            required_min_echo_rx: packet.required_min_echo_rx(),
            auth,
        })
    }

    /// Parses `bytes` (see [`Self::parse`]).
    pub fn parse_bytes(bytes: &[u8]) -> Result<Self, BfdError> {
        Self::parse(&Packet::new_checked(bytes)?)
    }

    /// Octets [`Self::emit`] writes: 24, plus the authentication section.
    pub fn buffer_len(&self) -> usize {
        CONTROL_LEN + self.auth.as_ref().map_or(0, Auth::len)
    }

    /// Writes the packet into `packet`, which must hold at least
    /// [`Self::buffer_len`] octets; the Length field says
    /// [`Self::buffer_len`] and the M bit is clear.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Packet<T>) {
        let len = self.buffer_len();
        packet.set_version_diag(VERSION, self.diag.as_u8());
        let mut flags = 0;
        for (on, f) in [
            (self.poll, flag::POLL),
            (self.final_, flag::FINAL),
            (self.cpi, flag::CPI),
            (self.auth.is_some(), flag::AUTH),
            (self.demand, flag::DEMAND),
        ] {
            if on {
                flags |= f;
            }
        }
        packet.set_state_flags(self.state, flags);
        packet.set_detect_mult(self.detect_mult);
        // At most 24 + 28 octets.
        packet.set_length(u8::try_from(len).unwrap_or(u8::MAX));
        packet.set_my_discr(self.my_discr);
        packet.set_your_discr(self.your_discr);
        packet.set_desired_min_tx(self.desired_min_tx);
        packet.set_required_min_rx(self.required_min_rx);
        packet.set_required_min_echo_rx(self.required_min_echo_rx);
        if let Some(a) = &self.auth {
            a.emit(packet.auth_section_mut());
        }
    }

    /// The packet's octets.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut buf = vec![0u8; self.buffer_len()];
        self.emit(&mut Packet::new_unchecked(&mut buf[..]));
        buf
    }
}

/// RFC 5880 §6.8.6: with the A bit set, Length below 26 is refused; the
/// section must fill the rest of the packet exactly.
fn parse_auth<T: AsRef<[u8]>>(packet: &Packet<T>) -> Result<Auth, BfdError> {
    let len = packet.as_bytes().len();
    if len < MIN_AUTH_LEN {
        return Err(BfdError::AuthTruncated);
    }
    let (t, alen) = packet.auth_header().ok_or(BfdError::AuthTruncated)?;
    if CONTROL_LEN + usize::from(alen) != len {
        return Err(BfdError::AuthLen {
            auth_type: t,
            len: usize::from(alen),
        });
    }
    let section = packet.auth_section().ok_or(BfdError::AuthTruncated)?;
    Auth::parse(section)
}
