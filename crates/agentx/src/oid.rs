//! Object identifiers, ordered as SNMP orders them.

use std::fmt;
use std::str::FromStr;

/// An object identifier. `Ord` is SNMP's lexicographic order: compare
/// sub-identifier by sub-identifier, a prefix sorts first (RFC 2741
/// §7.2.3.2 "lexicographically").
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Oid(pub Vec<u32>);

impl Oid {
    /// The OID of `parts`.
    pub fn new(parts: &[u32]) -> Self {
        Self(parts.to_vec())
    }

    /// The null OID (no sub-identifiers, §5.1).
    pub fn is_null(&self) -> bool {
        self.0.is_empty()
    }

    /// This OID followed by `more`.
    pub fn child(&self, more: &[u32]) -> Self {
        let mut v = self.0.clone();
        v.extend_from_slice(more);
        Self(v)
    }

    /// Whether `self` starts with `prefix` (or equals it).
    pub fn starts_with(&self, prefix: &Self) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// The sub-identifiers.
    pub fn parts(&self) -> &[u32] {
        &self.0
    }
}

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Oid({self})")
    }
}

/// A dotted OID that does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not an OID: {0:?}")]
pub struct ParseOidError(pub String);

impl FromStr for Oid {
    type Err = ParseOidError;

    /// Parses `1.3.6.1` (a leading dot is allowed, as snmpwalk prints).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.strip_prefix('.').unwrap_or(s);
        if t.is_empty() {
            return Ok(Self::default());
        }
        t.split('.')
            .map(|p| p.parse::<u32>())
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
            .map_err(|_| ParseOidError(s.to_string()))
    }
}
