//! A line of text that remembers, for every byte, the column it came from
//! in the original physical line, so that words keep exact positions after
//! comments are cut, `@id` prefixes are dropped and definitions expanded.
//!
//! Position approximation: bytes produced by expanding `$NAME` (and every
//! line of a multi-line definition) all carry the column of the `$` that
//! was expanded, on the line where it was used.

/// Text plus the 1-based original column of each byte.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Text {
    /// The text itself.
    pub(crate) s: String,
    /// `cols[i]` is the original column of byte `i` of `s`.
    pub(crate) cols: Vec<u32>,
}

impl Text {
    /// Text whose first byte stands at column `first_col`.
    pub(crate) fn new(s: &str, first_col: u32) -> Self {
        let cols = (0..s.len())
            .map(|i| {
                first_col.saturating_add(u32::try_from(i).unwrap_or(u32::MAX))
            })
            .collect();
        Self {
            s: s.to_string(),
            cols,
        }
    }

    /// Text whose bytes all point at column `col` (expansion output).
    pub(crate) fn at(s: &str, col: u32) -> Self {
        Self {
            s: s.to_string(),
            cols: vec![col; s.len()],
        }
    }

    /// Length in bytes.
    pub(crate) fn len(&self) -> usize {
        self.s.len()
    }

    /// True when empty.
    pub(crate) fn is_empty(&self) -> bool {
        self.s.is_empty()
    }

    /// The bytes of the text.
    pub(crate) fn bytes(&self) -> &[u8] {
        self.s.as_bytes()
    }

    /// The byte at `i`, or 0 past the end (C string semantics).
    pub(crate) fn byte(&self, i: usize) -> u8 {
        self.s.as_bytes().get(i).copied().unwrap_or(0)
    }

    /// The original column of byte `i` (or just past the last byte).
    pub(crate) fn col(&self, i: usize) -> u32 {
        match self.cols.get(i) {
            Some(c) => *c,
            None => self.cols.last().map_or(1, |c| c.saturating_add(1)),
        }
    }

    /// Removes everything.
    pub(crate) fn clear(&mut self) {
        self.s.clear();
        self.cols.clear();
    }

    /// Cuts the text at byte `n` (rounded down to a character boundary).
    pub(crate) fn truncate(&mut self, n: usize) {
        let n = floor_boundary(&self.s, n);
        self.s.truncate(n);
        self.cols.truncate(n);
    }

    /// Removes bytes `start..end` (rounded to character boundaries).
    pub(crate) fn remove(&mut self, start: usize, end: usize) {
        self.replace(start, end, &Self::default());
    }

    /// Replaces bytes `start..end` by `with`.
    pub(crate) fn replace(&mut self, start: usize, end: usize, with: &Self) {
        let start = floor_boundary(&self.s, start);
        let end = ceil_boundary(&self.s, end.max(start));
        self.s.replace_range(start..end, &with.s);
        self.cols.splice(start..end, with.cols.iter().copied());
    }

    /// Appends a byte string, all of it pointing at `col`.
    pub(crate) fn push_str(&mut self, s: &str, col: u32) {
        self.s.push_str(s);
        self.cols.extend(std::iter::repeat_n(col, s.len()));
    }

    /// Appends another text.
    pub(crate) fn push_text(&mut self, t: &Self) {
        self.s.push_str(&t.s);
        self.cols.extend_from_slice(&t.cols);
    }

    /// Bytes `start..end` as a new text.
    pub(crate) fn slice(&self, start: usize, end: usize) -> Self {
        let start = floor_boundary(&self.s, start);
        let end = ceil_boundary(&self.s, end.max(start));
        Self {
            s: self.s[start..end].to_string(),
            cols: self.cols[start..end].to_vec(),
        }
    }

    /// Removes leading bytes found in `set`.
    pub(crate) fn trim_start(&mut self, set: &[u8]) {
        let n = self.bytes().iter().take_while(|b| set.contains(b)).count();
        self.remove(0, n);
    }

    /// Removes trailing bytes found in `set`.
    pub(crate) fn trim_end(&mut self, set: &[u8]) {
        let n = self
            .bytes()
            .iter()
            .rev()
            .take_while(|b| set.contains(b))
            .count();
        self.truncate(self.len() - n);
    }

    /// Index of the first byte at or after `from` that is in `set`.
    pub(crate) fn find_any(&self, from: usize, set: &[u8]) -> Option<usize> {
        let b = self.bytes();
        (from..b.len()).find(|&i| set.contains(&b[i]))
    }
}

/// The largest character boundary not above `i`.
pub(crate) fn floor_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The smallest character boundary not below `i`.
pub(crate) fn ceil_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// keepalived's `isblank()`: space or tab.
pub(crate) const BLANK: &[u8] = b" \t";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_keep_columns() {
        let mut t = Text::new("  ab$X cd", 1);
        t.trim_start(BLANK);
        assert_eq!(t.s, "ab$X cd");
        assert_eq!(t.col(0), 3);
        t.replace(2, 4, &Text::at("value", 5));
        assert_eq!(t.s, "abvalue cd");
        assert_eq!(t.col(2), 5);
        assert_eq!(t.col(8), 8);
        t.truncate(7);
        t.trim_end(BLANK);
        assert_eq!(t.s, "abvalue");
        assert_eq!(t.col(7), 6);
    }

    #[test]
    fn non_ascii_edits_stay_on_boundaries() {
        let mut t = Text::new("é€x", 1);
        t.truncate(1);
        assert_eq!(t.s, "");
        let t = Text::new("é€x", 1);
        assert_eq!(t.slice(1, 3).s, "é€");
    }
}
