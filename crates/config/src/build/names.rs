//! Where each named block already built sits in its list, so duplicate
//! checks and references are lookups rather than scans. keepalived's
//! manual shows a 65,024-instance configuration with as many
//! `track_file`s; scanning for each made loading it quadratic.

use std::collections::HashMap;

/// The kinds of named blocks that are looked up by name while building.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Instance,
    Script,
    TrackFile,
    TrackProcess,
}

/// Positions by kind and name. The first definition of a name wins, as a
/// scan from the front would find it.
#[derive(Debug, Default)]
pub(crate) struct Names(HashMap<Kind, HashMap<String, usize>>);

impl Names {
    /// Records that the block `name` of `kind` is at `at` in its list.
    pub(crate) fn add(&mut self, kind: Kind, name: &str, at: usize) {
        let by_name = self.0.entry(kind).or_default();
        if !by_name.contains_key(name) {
            by_name.insert(name.to_owned(), at);
        }
    }

    /// Where the block `name` of `kind` is, if built.
    pub(crate) fn get(&self, kind: Kind, name: &str) -> Option<usize> {
        self.0.get(&kind)?.get(name).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_definition_wins_and_kinds_are_apart() {
        let mut n = Names::default();
        n.add(Kind::Script, "chk", 0);
        n.add(Kind::Script, "chk", 3);
        n.add(Kind::TrackFile, "chk", 1);
        assert_eq!(n.get(Kind::Script, "chk"), Some(0));
        assert_eq!(n.get(Kind::TrackFile, "chk"), Some(1));
        assert_eq!(n.get(Kind::Instance, "chk"), None);
    }
}
