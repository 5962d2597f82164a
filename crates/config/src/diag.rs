//! Diagnostics: what is wrong with a configuration, where, and how
//! keepalived would react.
//!
//! keepalived reports problems through `report_config_error()`; any such
//! report makes `keepalived -t` exit with status 5, and a script security
//! violation makes it exit with 6. Problems keepalived only logs are
//! warnings here. Under `--strict-config` every warning counts as an error.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::source::{SourceMap, Span};

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// keepalived logs it and carries on; `-t` still exits 0.
    Warning,
    /// keepalived reports a configuration error (`-t` exits 5), usually
    /// after applying a fallback and carrying on.
    Error,
}

/// What a diagnostic is about; decides the `-t` exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// The text or a value in it.
    Config,
    /// Script security (`-t` exits 6, as keepalived's
    /// `KEEPALIVED_EXIT_CONFIG_TEST_SECURITY`).
    Security,
    /// Valid keepalived configuration that keepalived-rs parses but does
    /// not act on yet.
    Unsupported,
    /// keepalived cannot run what is configured (`CONFIG_FATAL`,
    /// `CONFIG_BAD_IF`): `-t` exits 4, keepalived's
    /// `KEEPALIVED_CHK_EXIT_CONFIG`, unless another error outranks it.
    Fatal,
    /// keepalived stops reading the configuration (a failed checked
    /// include): `-t` exits 6, keepalived's `KEEPALIVED_EXIT_NO_CONFIG`,
    /// which has the same number as a security violation.
    NoConfig,
    /// A keyword whose handler reads a parameter the line does not have:
    /// keepalived stops at once with `KEEPALIVED_EXIT_CONFIG` (2), even
    /// under `-t`.
    MissingParameter,
}

/// One finding about a configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Config, security or unsupported.
    pub category: Category,
    /// Where; `None` for findings about the configuration as a whole.
    pub span: Option<Span>,
    /// Lower-case phrase saying what is wrong (and the fallback applied).
    pub message: String,
    /// An optional hint, such as "did you mean `priority`?".
    pub help: Option<String>,
}

impl Diagnostic {
    /// A configuration error at `span`.
    pub fn error(
        span: impl Into<Option<Span>>,
        message: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Error, Category::Config, span, message)
    }

    /// A configuration warning at `span`.
    pub fn warning(
        span: impl Into<Option<Span>>,
        message: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Warning, Category::Config, span, message)
    }

    /// A diagnostic with every field given.
    pub fn new(
        severity: Severity,
        category: Category,
        span: impl Into<Option<Span>>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity,
            category,
            span: span.into(),
            message: message.into(),
            help: None,
        }
    }

    /// Adds a hint.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Renders the diagnostic the way compilers do:
    /// `keepalived.conf:42:5: error: priority 300 out of range 1..=255`,
    /// followed by the include chain and the hint, one per line.
    pub fn render(&self, sources: &SourceMap) -> String {
        let mut out = String::new();
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match self.span {
            Some(span) => {
                let _ = write!(
                    out,
                    "{}: {level}: {}",
                    sources.display(span),
                    self.message
                );
                for inc in sources.include_chain(span.file) {
                    let _ = write!(
                        out,
                        "\n  note: included from {}",
                        sources.display(inc)
                    );
                }
            }
            None => {
                let _ = write!(out, "{level}: {}", self.message);
            }
        }
        if let Some(help) = &self.help {
            let _ = write!(out, "\n  help: {help}");
        }
        out
    }
}

/// How many diagnostics are kept with their text. A configuration that
/// expands to millions of bad lines would otherwise hold a message for
/// each (hundreds of megabytes); past this, findings are only counted,
/// by severity and category, so the exit status stays right.
pub const MAX_KEPT: usize = 10_000;

/// The diagnostics collected while loading one configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    /// Findings past [`MAX_KEPT`], counted but not kept.
    #[serde(default)]
    suppressed: Suppressed,
}

/// What is known of the diagnostics that were not kept.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppressed {
    /// How many.
    pub count: usize,
    /// How many of them are errors.
    pub errors: usize,
    /// How many of those errors are [`Category::Fatal`].
    #[serde(default)]
    pub fatal: usize,
    /// The categories seen among them.
    pub categories: Vec<Category>,
}

impl Diagnostics {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a diagnostic (or, past [`MAX_KEPT`], counts it).
    pub fn push(&mut self, d: Diagnostic) {
        if self.items.len() < MAX_KEPT {
            self.items.push(d);
            return;
        }
        let s = &mut self.suppressed;
        s.count += 1;
        s.errors += usize::from(d.severity == Severity::Error);
        s.fatal += usize::from(
            d.severity == Severity::Error && d.category == Category::Fatal,
        );
        if !s.categories.contains(&d.category) {
            s.categories.push(d.category);
        }
    }

    /// Moves `other`'s findings after these (still capped).
    pub fn append(&mut self, other: Self) {
        for d in other.items {
            self.push(d);
        }
        let s = &mut self.suppressed;
        s.count += other.suppressed.count;
        s.errors += other.suppressed.errors;
        s.fatal += other.suppressed.fatal;
        for c in other.suppressed.categories {
            if !s.categories.contains(&c) {
                s.categories.push(c);
            }
        }
    }

    /// The diagnostics counted but not kept.
    pub fn suppressed(&self) -> &Suppressed {
        &self.suppressed
    }

    /// Records a configuration error.
    pub fn error(
        &mut self,
        span: impl Into<Option<Span>>,
        message: impl Into<String>,
    ) {
        self.push(Diagnostic::error(span, message));
    }

    /// Records a configuration warning.
    pub fn warning(
        &mut self,
        span: impl Into<Option<Span>>,
        message: impl Into<String>,
    ) {
        self.push(Diagnostic::warning(span, message));
    }

    /// Records something keepalived cannot run (`CONFIG_FATAL`).
    pub fn fatal(
        &mut self,
        span: impl Into<Option<Span>>,
        message: impl Into<String>,
    ) {
        self.push(Diagnostic::new(
            Severity::Error,
            Category::Fatal,
            span,
            message,
        ));
    }

    /// Records that a keyword is accepted but not acted on yet.
    pub fn unsupported(&mut self, span: Span, what: impl Into<String>) {
        self.push(Diagnostic::new(
            Severity::Warning,
            Category::Unsupported,
            span,
            format!(
                "{} is accepted but not implemented by keepalived-rs yet",
                what.into()
            ),
        ));
    }

    /// The kept diagnostics, in the order they were found.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    /// Number of kept diagnostics.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// True when any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.suppressed.errors > 0
            || self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// True when any diagnostic is a script security violation.
    pub fn has_security_violation(&self) -> bool {
        self.has_category(Category::Security)
    }

    /// True when any diagnostic is in `category`.
    pub fn has_category(&self, category: Category) -> bool {
        self.suppressed.categories.contains(&category)
            || self.items.iter().any(|d| d.category == category)
    }

    /// The status `keepalived -t` exits with for these findings: 2 when a
    /// keyword misses its parameter (keepalived stops reading); 6 for a
    /// script security violation or a configuration that stops keepalived
    /// reading (`KEEPALIVED_EXIT_CONFIG_TEST_SECURITY` and
    /// `KEEPALIVED_EXIT_NO_CONFIG` are both 6), 5 for any other error
    /// (`KEEPALIVED_EXIT_CONFIG_TEST`), 4 when the only errors are ones
    /// keepalived cannot run (`KEEPALIVED_CHK_EXIT_CONFIG`), else 0.
    ///
    /// keepalived compat: it keeps the highest `config_err_t` reported, and
    /// in that enum the "cannot run" errors rank below every other error.
    pub fn config_test_status(&self) -> i32 {
        // keepalived compat: `null_strvec()` exits 2 on the spot.
        if self.has_category(Category::MissingParameter) {
            return 2;
        }
        let general = self.suppressed.errors > self.suppressed.fatal
            || self.items.iter().any(|d| {
                d.severity == Severity::Error && d.category != Category::Fatal
            });
        if self.has_security_violation()
            || self.has_category(Category::NoConfig)
        {
            6
        } else if general {
            5
        } else if self.has_errors() {
            4
        } else {
            0
        }
    }

    /// Turns every warning into an error (`--strict-config`).
    pub fn make_strict(&mut self) {
        for d in &mut self.items {
            d.severity = Severity::Error;
        }
        self.suppressed.errors = self.suppressed.count;
        // Warnings made errors are general errors, not fatal ones.
    }

    /// Renders every diagnostic, one block per diagnostic.
    pub fn render(&self, sources: &SourceMap) -> String {
        let mut out = String::new();
        for d in &self.items {
            out.push_str(&d.render(sources));
            out.push('\n');
        }
        let s = &self.suppressed;
        if s.count > 0 {
            let _ = writeln!(
                out,
                "note: {} more diagnostics ({} errors) not shown; the first {MAX_KEPT} are above",
                s.count, s.errors
            );
        }
        out
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// The keyword in `candidates` closest to `word`, if it is close enough to
/// be a plausible misspelling (Levenshtein distance at most a third of the
/// word's length, and at least 1).
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|c| (levenshtein(word, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;
    use std::path::Path;

    #[test]
    fn past_the_cap_findings_are_counted_and_still_decide_the_status() {
        let mut d = Diagnostics::new();
        for _ in 0..MAX_KEPT {
            d.warning(None, "w");
        }
        assert_eq!(d.config_test_status(), 0);
        d.error(None, "e");
        d.push(Diagnostic::new(
            Severity::Error,
            Category::Security,
            None,
            "s",
        ));
        assert_eq!(d.len(), MAX_KEPT);
        assert_eq!(d.suppressed().count, 2);
        assert!(d.has_errors());
        assert_eq!(d.config_test_status(), 6);
        let text = d.render(&SourceMap::new());
        assert!(text.ends_with("note: 2 more diagnostics (2 errors) not shown; the first 10000 are above\n"));
        let mut w = Diagnostics::new();
        for _ in 0..=MAX_KEPT {
            w.warning(None, "w");
        }
        w.make_strict();
        assert_eq!(w.suppressed().errors, 1);
    }

    #[test]
    fn cannot_run_errors_exit_4_unless_another_error_outranks_them() {
        let mut d = Diagnostics::new();
        d.warning(None, "w");
        d.fatal(None, "unknown interface eth9 specified for up/down delay");
        assert_eq!(d.config_test_status(), 4);
        d.error(None, "priority 300 out of range 1..=255");
        assert_eq!(d.config_test_status(), 5);
        let mut s = Diagnostics::new();
        s.fatal(None, "f");
        s.warning(None, "w");
        s.make_strict();
        assert_eq!(s.config_test_status(), 5, "strict warnings are errors");
    }

    #[test]
    fn renders_with_include_chain_and_help() {
        let mut map = SourceMap::new();
        let main = map.add(Path::new("keepalived.conf"), None);
        let inc = map.add(Path::new("vrrp.conf"), Some(Span::new(main, 3, 1)));
        let d = Diagnostic::error(
            Span::new(inc, 42, 5),
            "priority 300 out of range 1..=255",
        )
        .with_help("did you mean `priority`?");
        assert_eq!(
            d.render(&map),
            "vrrp.conf:42:5: error: priority 300 out of range 1..=255\n  \
             note: included from keepalived.conf:3:1\n  help: did you mean `priority`?"
        );
        assert_eq!(map.include_chain(FileId(0)), vec![]);
    }

    #[test]
    fn suggests_close_keywords_only() {
        let kws = ["priority", "preempt_delay", "interface"];
        assert_eq!(did_you_mean("priorty", &kws), Some("priority"));
        assert_eq!(did_you_mean("interfce", &kws), Some("interface"));
        assert_eq!(did_you_mean("banana", &kws), None);
    }
}
