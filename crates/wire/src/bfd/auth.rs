//! The optional authentication section (RFC 5880 §4.2–§4.4). keepalived
//! implements no authentication and drops packets with the A bit set; the
//! section is parsed so that the drop can say what was received.

use serde::{Deserialize, Serialize};

use super::repr::BfdError;

/// Authentication types (RFC 5880 §4.1 "Auth Type").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub enum AuthType {
    /// 1 -- Simple Password (§4.2).
    SimplePassword,
    /// 2 -- Keyed MD5 (§4.3).
    KeyedMd5,
    /// 3 -- Meticulous Keyed MD5 (§4.3).
    MeticulousKeyedMd5,
    /// 4 -- Keyed SHA1 (§4.4).
    KeyedSha1,
    /// 5 -- Meticulous Keyed SHA1 (§4.4).
    MeticulousKeyedSha1,
}

impl AuthType {
    /// The type of wire value `v` (0 and 6..=255 are reserved).
    pub const fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            1 => Self::SimplePassword,
            2 => Self::KeyedMd5,
            3 => Self::MeticulousKeyedMd5,
            4 => Self::KeyedSha1,
            5 => Self::MeticulousKeyedSha1,
            _ => return None,
        })
    }

    /// Its wire value.
    pub const fn as_u8(self) -> u8 {
        match self {
            Self::SimplePassword => 1,
            Self::KeyedMd5 => 2,
            Self::MeticulousKeyedMd5 => 3,
            Self::KeyedSha1 => 4,
            Self::MeticulousKeyedSha1 => 5,
        }
    }

    /// Length of the digest / hash of a keyed type (§4.3, §4.4); `None`
    /// for Simple Password.
    pub const fn digest_len(self) -> Option<usize> {
        match self {
            Self::SimplePassword => None,
            Self::KeyedMd5 | Self::MeticulousKeyedMd5 => Some(16),
            Self::KeyedSha1 | Self::MeticulousKeyedSha1 => Some(20),
        }
    }
}

/// A Simple Password of 1 to 16 octets (RFC 5880 §4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub struct Password {
    len: u8,
    bytes: [u8; 16],
}

impl Password {
    /// A password, `None` unless 1..=16 octets long.
    pub fn new(p: &[u8]) -> Option<Self> {
        if p.is_empty() || p.len() > 16 {
            return None;
        }
        let mut bytes = [0u8; 16];
        bytes[..p.len()].copy_from_slice(p);
        Some(Self {
            len: u8::try_from(p.len()).ok()?,
            bytes,
        })
    }

    /// Its octets.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// A 16-octet MD5 digest or 20-octet SHA1 hash (RFC 5880 §4.3, §4.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub struct Digest {
    len: u8,
    bytes: [u8; 20],
}

impl Digest {
    /// A digest, `None` unless 16 or 20 octets long.
    pub fn new(d: &[u8]) -> Option<Self> {
        if d.len() != 16 && d.len() != 20 {
            return None;
        }
        let mut bytes = [0u8; 20];
        bytes[..d.len()].copy_from_slice(d);
        Some(Self {
            len: u8::try_from(d.len()).ok()?,
            bytes,
        })
    }

    /// Its octets.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// A parsed authentication section.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub enum Auth {
    /// Simple Password (RFC 5880 §4.2).
    SimplePassword {
        /// Auth Key ID.
        key_id: u8,
        /// The password.
        password: Password,
    },
    /// Keyed or Meticulous Keyed MD5 / SHA1 (RFC 5880 §4.3, §4.4).
    Keyed {
        /// Meticulous (types 3 and 5) rather than plain keyed (2, 4).
        meticulous: bool,
        /// Auth Key ID.
        key_id: u8,
        /// Sequence Number.
        seq: u32,
        /// Auth Key/Digest (16 octets: MD5) or Auth Key/Hash (20: SHA1).
        digest: Digest,
    },
}

impl Auth {
    /// Its Auth Type.
    pub fn auth_type(&self) -> AuthType {
        match self {
            Self::SimplePassword { .. } => AuthType::SimplePassword,
            Self::Keyed {
                meticulous, digest, ..
            } => match (digest.len == 16, *meticulous) {
                (true, false) => AuthType::KeyedMd5,
                (true, true) => AuthType::MeticulousKeyedMd5,
                (false, false) => AuthType::KeyedSha1,
                (false, true) => AuthType::MeticulousKeyedSha1,
            },
        }
    }

    /// Its Auth Len: the octets of the whole section.
    pub fn len(&self) -> usize {
        match self {
            // Type, Len, Key ID, password (§4.2).
            Self::SimplePassword { password, .. } => {
                3 + password.as_bytes().len()
            }
            // Type, Len, Key ID, Reserved, Sequence, digest (§4.3/§4.4).
            Self::Keyed { digest, .. } => 8 + digest.as_bytes().len(),
        }
    }

    /// Never: a section holds at least its type and length octets.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Parses a section of exactly Auth Len octets (`s[1]` is Auth Len
    /// and equals `s.len()`).
    pub(super) fn parse(s: &[u8]) -> Result<Self, BfdError> {
        let (&t, rest) = s.split_first().ok_or(BfdError::AuthTruncated)?;
        let kind = AuthType::from_u8(t).ok_or(BfdError::AuthType(t))?;
        let bad_len = BfdError::AuthLen {
            auth_type: t,
            len: s.len(),
        };
        match kind.digest_len() {
            None => {
                // RFC 5880 §4.2: Auth Len is the password length + 3.
                let key_id = *rest.get(1).ok_or(bad_len)?;
                let pw = rest.get(2..).unwrap_or_default();
                let password = Password::new(pw).ok_or(bad_len)?;
                Ok(Self::SimplePassword { key_id, password })
            }
            Some(n) => {
                // RFC 5880 §4.3: Auth Len is 24 (MD5); §4.4: 28 (SHA1).
                if s.len() != 8 + n {
                    return Err(bad_len);
                }
                let seq = u32::from_be_bytes([s[4], s[5], s[6], s[7]]);
                let digest = Digest::new(&s[8..]).ok_or(bad_len)?;
                Ok(Self::Keyed {
                    meticulous: matches!(
                        kind,
                        AuthType::MeticulousKeyedMd5
                            | AuthType::MeticulousKeyedSha1
                    ),
                    key_id: s[2],
                    seq,
                    digest,
                })
            }
        }
    }

    /// Writes the section into `buf`, which must hold [`Self::len`]
    /// octets; the Reserved octet is zero (RFC 5880 §4.3).
    pub(super) fn emit(&self, buf: &mut [u8]) {
        let len = self.len();
        let buf = &mut buf[..len];
        buf[0] = self.auth_type().as_u8();
        // At most 8 + 20 octets.
        buf[1] = u8::try_from(len).unwrap_or(u8::MAX);
        match self {
            Self::SimplePassword { key_id, password } => {
                buf[2] = *key_id;
                buf[3..].copy_from_slice(password.as_bytes());
            }
            Self::Keyed {
                key_id,
                seq,
                digest,
                ..
            } => {
                buf[2] = *key_id;
                buf[3] = 0;
                buf[4..8].copy_from_slice(&seq.to_be_bytes());
                buf[8..].copy_from_slice(digest.as_bytes());
            }
        }
    }
}
