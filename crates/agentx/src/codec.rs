//! The §5 encodings: integers in the PDU's byte order, OIDs with the
//! internet-prefix compression, padded octet strings, search ranges.

use crate::error::DecodeError;
use crate::oid::Oid;

/// RFC 2578 §3.5: at most 128 sub-identifiers.
const MAX_SUBIDS: u8 = 128;

/// `1.3.6.1`, the prefix §5.1 compresses.
const INTERNET: [u32; 4] = [1, 3, 6, 1];

/// Reads fields from a PDU body in the byte order its header names.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    big_endian: bool,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8], big_endian: bool) -> Self {
        Self { buf, big_endian }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len()
    }

    pub(crate) fn bytes(
        &mut self,
        n: usize,
        what: &'static str,
    ) -> Result<&'a [u8], DecodeError> {
        if self.buf.len() < n {
            return Err(DecodeError::Truncated(what));
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        Ok(self.bytes(1, what)?[0])
    }

    pub(crate) fn u16(
        &mut self,
        what: &'static str,
    ) -> Result<u16, DecodeError> {
        let b: [u8; 2] = self.array(what)?;
        Ok(if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    pub(crate) fn u32(
        &mut self,
        what: &'static str,
    ) -> Result<u32, DecodeError> {
        let b: [u8; 4] = self.array(what)?;
        Ok(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    /// §5.3: a Counter64 is two 32-bit halves, the high one first in
    /// network byte order; in host (little-endian) order the whole 64-bit
    /// value is little-endian.
    pub(crate) fn u64(
        &mut self,
        what: &'static str,
    ) -> Result<u64, DecodeError> {
        let b: [u8; 8] = self.array(what)?;
        Ok(if self.big_endian {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        })
    }

    fn array<const N: usize>(
        &mut self,
        what: &'static str,
    ) -> Result<[u8; N], DecodeError> {
        let s = self.bytes(N, what)?;
        let mut a = [0; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    /// §5.1: an OID and its `include` byte.
    pub(crate) fn oid(&mut self) -> Result<(Oid, bool), DecodeError> {
        let n = self.u8("OID n_subid")?;
        let prefix = self.u8("OID prefix")?;
        let include = self.u8("OID include")? != 0;
        self.u8("OID reserved")?;
        if n > MAX_SUBIDS {
            return Err(DecodeError::OidTooLong(n));
        }
        let mut parts = Vec::with_capacity(usize::from(n) + 5);
        if prefix != 0 {
            parts.extend_from_slice(&INTERNET);
            parts.push(u32::from(prefix));
        }
        for _ in 0..n {
            parts.push(self.u32("OID sub-identifier")?);
        }
        Ok((Oid(parts), include))
    }

    /// §5.3: a length, the bytes, padding to a multiple of 4.
    pub(crate) fn octets(&mut self) -> Result<Vec<u8>, DecodeError> {
        let len = self.u32("octet string length")?;
        let padded = usize::try_from(len)
            .ok()
            .and_then(|l| l.checked_add(3))
            .map(|l| l & !3)
            .filter(|&l| l <= self.remaining())
            .ok_or(DecodeError::OctetString(len))?;
        let data = self.bytes(padded, "octet string")?;
        Ok(data[..len as usize].to_vec())
    }

    /// §5.2: a search range (start with its include flag, end).
    pub(crate) fn range(&mut self) -> Result<(Oid, bool, Oid), DecodeError> {
        let (start, include) = self.oid()?;
        let (end, _) = self.oid()?;
        Ok((start, include, end))
    }
}

/// Writes fields in network byte order (every PDU we send carries
/// `NETWORK_BYTE_ORDER`, §6.1).
#[derive(Default)]
pub(crate) struct Writer {
    pub(crate) buf: Vec<u8>,
}

impl Writer {
    pub(crate) fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    pub(crate) fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// §5.1: `1.3.6.1.X.…` with 0 < X < 256 is sent as prefix X and the
    /// rest; anything else uncompressed. More than 128 sub-identifiers
    /// cannot be encoded: they are cut at 128 (never built here).
    pub(crate) fn oid(&mut self, oid: &Oid, include: bool) {
        let p = oid.parts();
        let (prefix, rest) = match p {
            [1, 3, 6, 1, x, rest @ ..] if (1..=255).contains(x) => {
                (*x as u8, rest)
            }
            _ => (0, p),
        };
        let rest = &rest[..rest.len().min(usize::from(MAX_SUBIDS))];
        self.u8(rest.len() as u8);
        self.u8(prefix);
        self.u8(u8::from(include));
        self.u8(0);
        for s in rest {
            self.u32(*s);
        }
    }

    /// §5.3: length, bytes, zero padding to 4.
    pub(crate) fn octets(&mut self, data: &[u8]) {
        self.u32(u32::try_from(data.len()).unwrap_or(u32::MAX));
        self.buf.extend_from_slice(data);
        let pad = (4 - data.len() % 4) % 4;
        self.buf.extend(std::iter::repeat_n(0, pad));
    }
}
