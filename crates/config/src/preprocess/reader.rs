//! The line reader: keepalived's `read_line()` as an explicit state
//! machine (see the module documentation of [`super`] for the order of
//! operations).

use crate::diag::Diagnostics;
use crate::host::Host;
use crate::lexer;
use crate::source::{FileId, SourceMap, Span};

use super::comments::decomment;
use super::defs::{Ctx, Cursor, Defs};
use super::files::{Entry, MAXBUF};
use super::include::{include_check_set, is_include};
use super::seq::{Seq, add_lst, add_seq};
use super::text::{BLANK, Text};
use super::{Cols, Line, Options, conditional};

/// Steps (lines taken from any source) allowed for one configuration.
/// keepalived's manual shows a 65 024-instance example (about a million
/// lines); this leaves room for it while bounding runaway sequences.
pub(crate) const MAX_STEPS: usize = 4_000_000;
/// Lines the preprocessor may produce: room for the manual's 65,024
/// instance example (1.04 million lines) while keeping the syntax tree of
/// a runaway expansion to a few hundred megabytes.
pub(crate) const MAX_LINES: usize = 1_200_000;
/// Nested `~SEQ`/`~LST` blocks active at once.
const MAX_SEQS: usize = 1024;
/// Rounds of "expand again" for one line.
const MAX_RECHECKS: usize = 10_000;

/// A line being worked on, with where it came from.
#[derive(Clone, Debug)]
pub(crate) struct Cur {
    pub(crate) t: Text,
    pub(crate) file: FileId,
    pub(crate) line: u32,
}

impl Cur {
    fn span(&self) -> Span {
        Span::new(self.file, self.line, self.t.col(0))
    }
}

/// The preprocessor state (keepalived keeps it in `static` variables).
pub(crate) struct Reader<'a> {
    pub(crate) host: &'a dyn Host,
    pub(crate) sources: &'a mut SourceMap,
    pub(crate) diags: &'a mut Diagnostics,
    config_id: String,
    /// Files being read; the last is the current one.
    pub(crate) stack: Vec<Entry>,
    /// The `include_check` setting in force.
    pub(crate) include_check: u8,
    defs: Defs,
    seqs: Vec<Seq>,
    next_ptr: Option<Cursor>,
    residue: Option<Cur>,
    /// The multi-line definition being collected.
    collecting: Option<usize>,
    /// keepalived's `block_depth`: `{` minus `}` seen so far.
    depth: usize,
    /// The keyword of the current top-level block.
    top_keyword: String,
    steps: usize,
    produced: usize,
    /// Set once a budget ran out; reading stops.
    pub(crate) stopped: bool,
}

impl<'a> Reader<'a> {
    /// A reader with keepalived's built-in definitions.
    pub(crate) fn new(
        host: &'a dyn Host,
        opts: &Options,
        sources: &'a mut SourceMap,
        diags: &'a mut Diagnostics,
    ) -> Self {
        let config_id = match &opts.config_id {
            Some(id) => id.clone(),
            None => conditional::default_id(&host.hostname()),
        };
        Self {
            host,
            sources,
            diags,
            config_id,
            stack: Vec::new(),
            include_check: if opts.check_all_includes {
                super::include::INCLUDE_ALL
            } else {
                0
            },
            defs: Defs::new(host.random_seed()),
            seqs: Vec::new(),
            next_ptr: None,
            residue: None,
            collecting: None,
            depth: 0,
            top_keyword: String::new(),
            steps: 0,
            produced: 0,
            stopped: false,
        }
    }

    /// Reads every line.
    pub(crate) fn run(self) -> Vec<Line> {
        let mut out = Vec::new();
        self.run_each(|line| out.push(line));
        out
    }

    /// Reads every line, handing each to `each`.
    pub(crate) fn run_each(mut self, mut each: impl FnMut(Line)) {
        while let Some(line) = self.next_line() {
            self.produced += 1;
            if self.produced > MAX_LINES {
                self.stop(format!("configuration expands to more than {MAX_LINES} lines; the rest is ignored"));
                break;
            }
            each(line);
        }
        if self.depth > 0 {
            self.diags.error(
                None,
                format!(
                    "There are {} missing '}}'s or extra '{{'s",
                    self.depth
                ),
            );
        }
    }

    /// Reports a budget overrun and stops reading.
    pub(crate) fn stop(&mut self, msg: String) {
        if !self.stopped {
            self.diags.error(None, msg);
        }
        self.stopped = true;
    }

    /// The next logical line, brace-split, or `None` at the end.
    fn next_line(&mut self) -> Option<Line> {
        let mut cur = self.read_line()?;
        self.split_braces(&mut cur);
        let text = cur.t.s.clone();
        if text == "{" {
            self.depth += 1;
        } else if text == "}" {
            if self.depth == 0 {
                self.diags.error(cur.span(), "Extra '}' found");
            } else {
                self.depth -= 1;
            }
        } else {
            self.watch_keyword(&cur);
        }
        Some(Line {
            text,
            span: cur.span(),
            cols: Cols::from_per_byte(&cur.t.cols),
        })
    }

    /// Applies `include_check` inside `global_defs` as soon as it is read,
    /// as keepalived's keyword handler does before the next line is read.
    fn watch_keyword(&mut self, cur: &Cur) {
        let line = Line {
            text: cur.t.s.clone(),
            span: cur.span(),
            cols: Cols::from_per_byte(&cur.t.cols),
        };
        let mut scratch = Diagnostics::new();
        let words = lexer::tokenize(&line, &mut scratch);
        let Some(first) = words.first() else { return };
        if self.depth == 0 {
            self.top_keyword = first.text.clone();
        } else if self.depth == 1
            && self.top_keyword == "global_defs"
            && first.text == "include_check"
        {
            let args: Vec<String> =
                words[1..].iter().map(|w| w.text.clone()).collect();
            self.include_check = include_check_set(
                &args,
                self.include_check,
                first.span,
                self.diags,
            );
        }
    }

    /// keepalived's brace split: a `{` or `}` outside quotes ends the line;
    /// it and what follows are read next.
    fn split_braces(&mut self, cur: &mut Cur) {
        let t = &cur.t;
        let p = if matches!(t.byte(0), b'{' | b'}') {
            Some(0)
        } else {
            let mut i = 0;
            loop {
                match t.find_any(i, b"{}\"") {
                    Some(q) if t.byte(q) == b'"' => {
                        match t.find_any(q + 1, b"\"") {
                            Some(close) => i = close + 1,
                            None => break None,
                        }
                    }
                    other => break other,
                }
            }
        };
        if let Some(p) = p {
            let skip = if p == 0 {
                1 + t.bytes()[1..]
                    .iter()
                    .take_while(|c| BLANK.contains(c))
                    .count()
            } else {
                0
            };
            if p + skip < t.len() {
                let mut rest = t.slice(p + skip, t.len());
                rest.trim_end(BLANK);
                self.residue = Some(Cur {
                    t: rest,
                    file: cur.file,
                    line: cur.line,
                });
                cur.t.truncate(p + skip);
            }
        }
        cur.t.trim_end(BLANK);
    }

    /// keepalived's `read_line()` up to the brace split.
    fn read_line(&mut self) -> Option<Cur> {
        loop {
            self.steps += 1;
            if self.steps > MAX_STEPS {
                self.stop(format!("configuration expansion takes more than {MAX_STEPS} steps (runaway ~SEQ or definition?); the rest is ignored"));
            }
            if self.stopped {
                return None;
            }
            let mut cur = if let Some(r) = self.residue.take() {
                r
            } else if !self.seqs.is_empty()
                && self.seqs.len() > self.defs.ml_seq_depth
            {
                self.seq_round()
            } else if let Some(c) = self.next_ptr.as_mut() {
                let (t, last) = c.next_line();
                let (file, line) = (c.file, c.line);
                if last {
                    self.pop_multiline();
                }
                Cur { t, file, line }
            } else {
                self.file_line()?
            };
            if self.collect_definition(&cur) || cur.t.is_empty() {
                continue;
            }
            self.expand(&mut cur);
            if cur.t.is_empty() || self.check_include(&cur) {
                continue;
            }
            return Some(cur);
        }
    }

    /// The next round of the innermost `~SEQ`/`~LST`.
    fn seq_round(&mut self) -> Cur {
        let Some(seq) = self.seqs.last_mut() else {
            return Cur {
                t: Text::default(),
                file: FileId(0),
                line: 0,
            };
        };
        let (t, done) = seq.next_round(&mut self.defs);
        let cur = Cur {
            t,
            file: seq.file,
            line: seq.line,
        };
        if done {
            self.seqs.pop();
        }
        cur
    }

    /// Ends a multi-line expansion, resuming the one it interrupted.
    fn pop_multiline(&mut self) {
        match self.defs.stack.pop() {
            Some((c, depth)) => {
                self.next_ptr = Some(c);
                self.defs.ml_seq_depth = depth;
            }
            None => {
                self.next_ptr = None;
                self.defs.ml_seq_depth = 0;
            }
        }
    }

    /// The next non-empty file line, comments removed.
    fn file_line(&mut self) -> Option<Cur> {
        loop {
            if self.stopped {
                return None;
            }
            let entry = self.stack.last_mut()?;
            let Some(file) = entry.file.as_mut() else {
                self.next_file();
                continue;
            };
            let id = file.id;
            let Some(chunk) = file.next_chunk() else {
                self.next_file();
                continue;
            };
            if chunk.text.is_empty() {
                // keepalived compat: an empty line ends a multi-line
                // definition (a comment-only line does not).
                if let Some(idx) = self.collecting.take() {
                    self.end_definition(idx);
                }
                continue;
            }
            let mut t = Text::new(&chunk.text, chunk.col);
            if let Some(q) = decomment(&mut t) {
                self.diags.error(
                    Span::new(id, chunk.line, chunk.col),
                    format!("Unterminated quote '{q}'"),
                );
            }
            if !t.is_empty() {
                return Some(Cur {
                    t,
                    file: id,
                    line: chunk.line,
                });
            }
        }
    }

    fn end_definition(&mut self, idx: usize) {
        if let Some(d) = self.defs.get_mut(idx)
            && d.value.is_empty()
        {
            d.multiline = false;
        }
    }

    /// Adds a line to the multi-line definition being collected; true when
    /// the line was taken.
    fn collect_definition(&mut self, cur: &Cur) -> bool {
        let Some(idx) = self.collecting else {
            return false;
        };
        let s = &cur.t.s;
        let piece = match s.strip_suffix('\\') {
            Some(base) => format!("{}\n", base.trim_end_matches([' ', '\t'])),
            None => {
                self.collecting = None;
                self.end_definition(idx);
                s.clone()
            }
        };
        // keepalived compat: lines holding only `\` add nothing.
        let keep = piece.len() >= 2
            || (!piece.is_empty() && self.collecting.is_none());
        if keep && let Some(d) = self.defs.get_mut(idx) {
            d.value.push_str(&piece);
        }
        true
    }

    /// Conditionals, definitions, sequences and expansion, repeated while
    /// an expansion produced `@` or `$` (keepalived's `recheck` loop).
    fn expand(&mut self, cur: &mut Cur) {
        for _ in 0..MAX_RECHECKS {
            conditional::apply(&mut cur.t, &self.config_id);
            if cur.t.is_empty() {
                return;
            }
            if cur.t.byte(0) == b'$'
                && let Some(idx) = self.defs.check_definition(&cur.t)
            {
                if self.defs.get_mut(idx).is_some_and(|d| d.multiline) {
                    self.collecting = Some(idx);
                }
                cur.t.clear();
                return;
            }
            if cur.t.s.starts_with("~SEQ") || cur.t.s.starts_with("~LST") {
                self.add_block(cur);
                cur.t.clear();
                return;
            }
            if cur.t.byte(0) == b'~' || !cur.t.s.contains('$') {
                return;
            }
            let pwd = self.pwd();
            let span = cur.span();
            let mut cx = Ctx {
                pwd: &pwd,
                instance: &self.config_id,
                seq_count: self.seqs.len(),
                span,
                diags: self.diags,
            };
            if !self.defs.replace(
                &mut cur.t,
                MAXBUF,
                &mut self.next_ptr,
                &mut cx,
            ) {
                return;
            }
            if let Some(q) = decomment(&mut cur.t) {
                self.diags.error(span, format!("Unterminated quote '{q}'"));
            }
            if cur.t.byte(0) != b'@' && !cur.t.s.contains('$') {
                return;
            }
        }
        self.diags.error(
            cur.span(),
            "definitions keep expanding into new definitions; line dropped",
        );
        cur.t.clear();
    }

    /// Starts a `~SEQ` or `~LST` block from `cur`.
    fn add_block(&mut self, cur: &Cur) {
        let pwd = self.pwd();
        let mut cx = Ctx {
            pwd: &pwd,
            instance: &self.config_id,
            seq_count: self.seqs.len(),
            span: cur.span(),
            diags: self.diags,
        };
        let is_seq = cur.t.byte(1) == b'S';
        let res = if is_seq {
            add_seq(&cur.t, &mut self.defs, &mut cx)
        } else {
            add_lst(&cur.t, &cx)
        };
        match res {
            Ok(seq) if self.seqs.len() < MAX_SEQS => self.seqs.push(seq),
            Ok(_) => self.diags.error(
                cur.span(),
                "~SEQ/~LST blocks nested too deeply; block ignored",
            ),
            Err(detail) => {
                if let Some(d) = detail {
                    self.diags.error(cur.span(), d);
                }
                let what = if is_seq { "~SEQ" } else { "~LST" };
                self.diags.error(
                    cur.span(),
                    format!("Invalid {what} specification '{}'", cur.t.s),
                );
            }
        }
    }

    /// `${_PWD}`: the directory of the file being read.
    fn pwd(&self) -> String {
        self.stack
            .iter()
            .rev()
            .find_map(|e| e.file.as_ref())
            .map_or_else(String::new, |f| f.pwd.clone())
    }

    /// Opens the files of an include line; true when `cur` was one.
    fn check_include(&mut self, cur: &Cur) -> bool {
        let Some((flags, pattern)) = is_include(&cur.t.s) else {
            return false;
        };
        let pattern = pattern.to_string();
        self.open_glob(&pattern, flags, Some(cur.span()));
        true
    }
}
