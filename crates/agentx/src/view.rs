//! A MIB view: the values a subagent serves, answering the read PDUs by
//! lookup (RFC 2741 §7.2.3).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use crate::oid::Oid;
use crate::pdu::{Pdu, SearchRange};
use crate::value::{Value, VarBind};

/// At most this many varbinds answer one GetBulk: §7.2.3.3 lets the
/// subagent stop early, and a request cannot make us build an unbounded
/// answer.
pub const MAX_BULK_VARBINDS: usize = 1024;

/// Instances and their values, in SNMP order, plus the object types
/// (scalars, columns) they are instances of.
#[derive(Clone, Debug, Default)]
pub struct MibView {
    values: BTreeMap<Oid, Value>,
    objects: BTreeSet<Oid>,
}

impl MibView {
    /// An empty view.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares the object type `object` (a scalar's or a column's OID,
    /// without instance), so a Get below it with no instance answers
    /// `noSuchInstance` instead of `noSuchObject`.
    pub fn declare(&mut self, object: Oid) {
        self.objects.insert(object);
    }

    /// Serves `value` at `instance` (declaring its object is the
    /// caller's job).
    pub fn insert(&mut self, instance: Oid, value: Value) {
        self.values.insert(instance, value);
    }

    /// Declares `object` and serves `value` at `object.index`.
    pub fn set(&mut self, object: &Oid, index: &[u32], value: Value) {
        self.objects.insert(object.clone());
        self.values.insert(object.child(index), value);
    }

    /// How many instances are served.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether nothing is served.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Every instance in order.
    pub fn iter(&self) -> impl Iterator<Item = (&Oid, &Value)> {
        self.values.iter()
    }

    /// §7.2.3.1: the value at `oid`, or `noSuchInstance` when `oid` is
    /// below a declared object, else `noSuchObject`.
    pub fn get(&self, oid: &Oid) -> Value {
        if let Some(v) = self.values.get(oid) {
            return v.clone();
        }
        let known = self
            .objects
            .range(..=oid.clone())
            .next_back()
            .is_some_and(|o| oid.starts_with(o));
        if known {
            Value::NoSuchInstance
        } else {
            Value::NoSuchObject
        }
    }

    /// §7.2.3.2: the first instance after `r.start` (or at it, with
    /// `include`) and before `r.end` (when not null); `endOfMibView`
    /// named `r.start` when there is none.
    pub fn get_next(&self, r: &SearchRange) -> VarBind {
        let lower = if r.include {
            Bound::Included(r.start.clone())
        } else {
            Bound::Excluded(r.start.clone())
        };
        let found = self
            .values
            .range((lower, Bound::Unbounded))
            .next()
            .filter(|(k, _)| r.end.is_null() || **k < r.end);
        match found {
            Some((k, v)) => VarBind::new(k.clone(), v.clone()),
            None => VarBind::new(r.start.clone(), Value::EndOfMibView),
        }
    }

    /// §7.2.3.3: the first `non_repeaters` ranges as GetNext, then up to
    /// `max_repetitions` rounds over the rest, each continuing from the
    /// name the previous round returned; a round where every range has
    /// reached `endOfMibView` ends it.
    pub fn get_bulk(
        &self,
        non_repeaters: u16,
        max_repetitions: u16,
        ranges: &[SearchRange],
    ) -> Vec<VarBind> {
        let n = usize::from(non_repeaters).min(ranges.len());
        let (once, repeat) = ranges.split_at(n);
        let mut out: Vec<VarBind> =
            once.iter().map(|r| self.get_next(r)).collect();
        let mut cursors: Vec<SearchRange> = repeat.to_vec();
        for _ in 0..max_repetitions {
            if cursors.is_empty() || out.len() >= MAX_BULK_VARBINDS {
                break;
            }
            let mut all_end = true;
            for c in &mut cursors {
                let vb = self.get_next(c);
                if vb.value != Value::EndOfMibView {
                    all_end = false;
                    c.start = vb.name.clone();
                    c.include = false;
                }
                out.push(vb);
            }
            if all_end {
                break;
            }
        }
        out
    }

    /// The answer to a read PDU (Get, GetNext, GetBulk); `None` for any
    /// other PDU.
    pub fn answer(&self, pdu: &Pdu) -> Option<Vec<VarBind>> {
        Some(match pdu {
            Pdu::Get { ranges } => ranges
                .iter()
                .map(|r| VarBind::new(r.start.clone(), self.get(&r.start)))
                .collect(),
            Pdu::GetNext { ranges } => {
                ranges.iter().map(|r| self.get_next(r)).collect()
            }
            Pdu::GetBulk {
                non_repeaters,
                max_repetitions,
                ranges,
            } => self.get_bulk(*non_repeaters, *max_repetitions, ranges),
            _ => return None,
        })
    }
}
