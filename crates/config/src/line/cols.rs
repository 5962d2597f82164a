//! Where each byte of a preprocessed line stood in the original line,
//! kept compactly.
//!
//! The preprocessor tracks a column per byte while it rewrites a line
//! (expansions move text about). A finished [`Line`](super::Line) keeps
//! the same information as runs: a stretch of bytes copied from the file
//! advances one column per byte, and text produced by an expansion stays
//! on the column of the `$` or `~` that produced it. A line is nearly
//! always one to three runs, so a million-line configuration costs a few
//! bytes per line here instead of four per byte.

/// The original column of every byte of a line, as runs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cols {
    runs: Box<[Run]>,
    len: u32,
}

/// Bytes from `at` up to the next run's start: byte `at + k` is at
/// column `col + k * step`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Run {
    at: u32,
    col: u32,
    step: u32,
}

impl Run {
    fn col_of(self, i: u32) -> u32 {
        self.col
            .saturating_add((i - self.at).saturating_mul(self.step))
    }
}

impl Cols {
    /// Compresses a column per byte.
    pub fn from_per_byte(cols: &[u32]) -> Self {
        let mut runs: Vec<Run> = Vec::new();
        let mut i = 0;
        while i < cols.len() {
            let col = cols[i];
            let step = match cols.get(i + 1) {
                Some(&next) if next == col => 0,
                _ => 1,
            };
            let at = to_u32(i);
            let run = Run { at, col, step };
            i += 1;
            while i < cols.len() && cols[i] == run.col_of(to_u32(i)) {
                i += 1;
            }
            runs.push(run);
        }
        Self {
            runs: runs.into_boxed_slice(),
            len: to_u32(cols.len()),
        }
    }

    /// Columns `start`, `start + 1`, … for `len` bytes copied as they
    /// stood.
    pub fn contiguous(start: u32, len: usize) -> Self {
        let runs = if len == 0 {
            Box::default()
        } else {
            Box::new([Run {
                at: 0,
                col: start,
                step: 1,
            }]) as Box<[Run]>
        };
        Self {
            runs,
            len: to_u32(len),
        }
    }

    /// The column of byte `i`, if the line has that many bytes.
    pub fn get(&self, i: usize) -> Option<u32> {
        let i = u32::try_from(i).ok().filter(|&i| i < self.len)?;
        let k = self.runs.partition_point(|r| r.at <= i).checked_sub(1)?;
        Some(self.runs[k].col_of(i))
    }

    /// The column of the last byte.
    pub fn last(&self) -> Option<u32> {
        self.get(self.len().checked_sub(1)?)
    }

    /// Number of bytes described.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// True for an empty line.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Line lengths are bounded well below `u32::MAX` by the preprocessor's
/// line limit; saturate rather than wrap if that ever changed.
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(per_byte: &[u32]) -> Cols {
        let c = Cols::from_per_byte(per_byte);
        assert_eq!(c.len(), per_byte.len());
        for (i, &col) in per_byte.iter().enumerate() {
            assert_eq!(c.get(i), Some(col), "byte {i} of {per_byte:?}");
        }
        assert_eq!(c.get(per_byte.len()), None);
        assert_eq!(c.last(), per_byte.last().copied());
        c
    }

    #[test]
    fn plain_text_is_one_run() {
        let c = round_trip(&[5, 6, 7, 8, 9]);
        assert_eq!(c.runs.len(), 1);
        assert_eq!(c, Cols::contiguous(5, 5));
    }

    #[test]
    fn expansions_are_flat_runs_between_copied_ones() {
        // `a ${X} b` with X = `long`: `a ` copied, `long` at the `$`,
        // ` b` copied after the `}`.
        let c = round_trip(&[1, 2, 3, 3, 3, 3, 7, 8]);
        assert_eq!(c.runs.len(), 3);
    }

    #[test]
    fn arbitrary_columns_survive() {
        round_trip(&[]);
        round_trip(&[9]);
        round_trip(&[4, 4]);
        round_trip(&[3, 1, 2, 2, 2, 9, 10, 1, 1]);
        round_trip(&[u32::MAX, u32::MAX, 0]);
    }
}
