//! Variable bindings (RFC 2741 §5.4).

use crate::codec::{Reader, Writer};
use crate::error::DecodeError;
use crate::oid::Oid;

/// A varbind's value, with the §5.4 type it is sent as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// Integer (2): INTEGER / Integer32, enumerations, TruthValue.
    Integer(i32),
    /// Octet String (4): DisplayString, InetAddress, MAC addresses.
    OctetString(Vec<u8>),
    /// Null (5).
    Null,
    /// Object Identifier (6).
    ObjectIdentifier(Oid),
    /// IpAddress (64): four bytes, sent as an octet string (§5.4).
    IpAddress([u8; 4]),
    /// Counter32 (65).
    Counter32(u32),
    /// Gauge32 / Unsigned32 (66).
    Gauge32(u32),
    /// TimeTicks (67): hundredths of a second.
    TimeTicks(u32),
    /// Opaque (68).
    Opaque(Vec<u8>),
    /// Counter64 (70).
    Counter64(u64),
    /// noSuchObject (128).
    NoSuchObject,
    /// noSuchInstance (129).
    NoSuchInstance,
    /// endOfMibView (130).
    EndOfMibView,
}

impl Value {
    /// The §5.4 type code.
    pub fn type_code(&self) -> u16 {
        match self {
            Self::Integer(_) => 2,
            Self::OctetString(_) => 4,
            Self::Null => 5,
            Self::ObjectIdentifier(_) => 6,
            Self::IpAddress(_) => 64,
            Self::Counter32(_) => 65,
            Self::Gauge32(_) => 66,
            Self::TimeTicks(_) => 67,
            Self::Opaque(_) => 68,
            Self::Counter64(_) => 70,
            Self::NoSuchObject => 128,
            Self::NoSuchInstance => 129,
            Self::EndOfMibView => 130,
        }
    }

    /// An octet string from text.
    pub fn string(s: &str) -> Self {
        Self::OctetString(s.as_bytes().to_vec())
    }

    /// SNMPv2-TC TruthValue: true(1), false(2).
    pub fn truth(b: bool) -> Self {
        Self::Integer(if b { 1 } else { 2 })
    }
}

/// One variable binding: a name and its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarBind {
    /// The variable's OID.
    pub name: Oid,
    /// Its value (or an exception).
    pub value: Value,
}

impl VarBind {
    /// A binding of `name` to `value`.
    pub fn new(name: Oid, value: Value) -> Self {
        Self { name, value }
    }

    pub(crate) fn encode(&self, w: &mut Writer) {
        w.u16(self.value.type_code());
        w.u16(0);
        w.oid(&self.name, false);
        match &self.value {
            Value::Integer(v) => w.u32(*v as u32),
            Value::OctetString(b) | Value::Opaque(b) => w.octets(b),
            Value::IpAddress(a) => w.octets(a),
            Value::ObjectIdentifier(o) => w.oid(o, false),
            Value::Counter32(v) | Value::Gauge32(v) | Value::TimeTicks(v) => {
                w.u32(*v)
            }
            Value::Counter64(v) => w.u64(*v),
            Value::Null
            | Value::NoSuchObject
            | Value::NoSuchInstance
            | Value::EndOfMibView => {}
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let ty = r.u16("varbind type")?;
        r.u16("varbind reserved")?;
        let (name, _) = r.oid()?;
        let value = match ty {
            2 => Value::Integer(r.u32("Integer")? as i32),
            4 => Value::OctetString(r.octets()?),
            5 => Value::Null,
            6 => Value::ObjectIdentifier(r.oid()?.0),
            64 => {
                let b = r.octets()?;
                // §5.4: an IpAddress is an octet string of length 4.
                let a: [u8; 4] = b
                    .as_slice()
                    .try_into()
                    .map_err(|_| DecodeError::OctetString(b.len() as u32))?;
                Value::IpAddress(a)
            }
            65 => Value::Counter32(r.u32("Counter32")?),
            66 => Value::Gauge32(r.u32("Gauge32")?),
            67 => Value::TimeTicks(r.u32("TimeTicks")?),
            68 => Value::Opaque(r.octets()?),
            70 => Value::Counter64(r.u64("Counter64")?),
            128 => Value::NoSuchObject,
            129 => Value::NoSuchInstance,
            130 => Value::EndOfMibView,
            t => return Err(DecodeError::UnknownValueType(t)),
        };
        Ok(Self { name, value })
    }
}
