//! `include` and its checked variants, `include_check`, and how an include
//! pattern becomes a list of files (keepalived 2.2.7 `lib/parser.c`
//! `is_include`, `check_include`, `open_and_check_glob`,
//! `check_glob_file`, `include_check_set`).
//!
//! keepalived globs with `GLOB_BRACE | GLOB_MARK | GLOB_ALTDIRFUNC` and
//! counts missing files and directories through its own `lstat`/`opendir`
//! hooks. We expand braces ourselves, glob each alternative through
//! [`Host::glob`], and count an alternative as missing when it is a
//! literal path that does not exist, or a wildcard whose literal directory
//! does not exist. Checks: `INCLUDE_R` readable regular non-executable
//! file, `INCLUDE_M` no missing file, `INCLUDE_W` a wildcard matched,
//! `INCLUDE_B` every brace alternative matched. A failed check is an error
//! when the check is enabled (`include_check` or the variant's letter) and
//! only a warning otherwise, as keepalived's `file_config_error`.

use std::path::{Path, PathBuf};

use crate::diag::{Category, Diagnostic, Diagnostics, Severity};
use crate::host::Host;
use crate::source::Span;

/// Error if a file is a directory, unreadable or executable.
pub(crate) const INCLUDE_R: u8 = 0x01;
/// Error if a file is missing.
pub(crate) const INCLUDE_M: u8 = 0x02;
/// Error if a wildcard matches nothing.
pub(crate) const INCLUDE_W: u8 = 0x04;
/// Error if a brace alternative matches nothing.
pub(crate) const INCLUDE_B: u8 = 0x08;
/// Every check (`includea`, bare `include_check`).
pub(crate) const INCLUDE_ALL: u8 =
    INCLUDE_R | INCLUDE_M | INCLUDE_W | INCLUDE_B;

/// Brace alternatives allowed in one pattern.
const MAX_ALTERNATIVES: usize = 1024;

/// If `line` is an include directive, its check flags and the pattern.
/// In 2.2.7 the variants are `includer`, `includem`, `includew`,
/// `includeb` and `includea`; anything else (`includet`, a bare
/// `include`) is an ordinary (unknown) keyword.
pub(crate) fn is_include(line: &str) -> Option<(u8, &str)> {
    let rest = line.strip_prefix("include")?;
    let b = rest.as_bytes();
    let is_space = |c: Option<&u8>| {
        matches!(c, Some(b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))
    };
    let (flags, skip) = if is_space(b.first()) {
        (0, 1)
    } else if is_space(b.get(1)) {
        let flags = match b[0] {
            b'r' => INCLUDE_R,
            b'm' => INCLUDE_R | INCLUDE_M,
            b'w' => INCLUDE_R | INCLUDE_M | INCLUDE_W,
            b'b' => INCLUDE_R | INCLUDE_B,
            b'a' => INCLUDE_ALL,
            _ => return None,
        };
        (flags, 2)
    } else {
        return None;
    };
    Some((flags, rest[skip..].trim_start_matches([' ', '\t'])))
}

/// Applies `include_check [+|-]{readable,match,wildcard_match,brace_match}`
/// (keepalived's `include_check_set`) to `check`.
pub(crate) fn include_check_set(
    args: &[String],
    mut check: u8,
    span: Span,
    diags: &mut Diagnostics,
) -> u8 {
    if args.is_empty() {
        return INCLUDE_ALL;
    }
    for (i, word) in args.iter().enumerate() {
        let (mode, name) = match word.as_bytes().first() {
            Some(b'-') => (-1, &word[1..]),
            Some(b'+') => (1, &word[1..]),
            _ if i == 0 => {
                check = 0;
                (0, word.as_str())
            }
            _ => {
                diags.error(
                    span,
                    format!(
                        "Duplicate include_check '{word}' specified - ignoring"
                    ),
                );
                continue;
            }
        };
        let flag = match name {
            "read" => INCLUDE_R,
            "match" => INCLUDE_M,
            "wildcard_match" => INCLUDE_W,
            "brace_match" => INCLUDE_B,
            _ => {
                diags.error(
                    span,
                    format!("Unknown include_check type '{name}' - ignoring"),
                );
                0
            }
        };
        // keepalived compat: the setting word is `read`, although the
        // manual page says `readable`.
        if flag != 0 {
            check = match mode {
                0 => INCLUDE_R | flag,
                1 => check | flag,
                _ => check & !flag,
            };
        }
    }
    check
}

/// The result of globbing an include pattern.
#[derive(Debug, Default)]
pub(crate) struct GlobResult {
    /// Files matched, in keepalived's order (alternatives in order, each
    /// sorted).
    pub(crate) paths: Vec<PathBuf>,
}

/// Reports a failed include check: an error when `kind` is among the
/// enabled `checks`, a warning otherwise.
pub(crate) fn file_error(
    diags: &mut Diagnostics,
    checks: u8,
    kind: u8,
    span: Option<Span>,
    msg: String,
) {
    if checks & kind != 0 {
        // keepalived compat: a failed checked include stops keepalived
        // reading its configuration (`-t` exits 6).
        diags.push(Diagnostic::new(
            Severity::Error,
            Category::NoConfig,
            span,
            msg,
        ));
    } else {
        diags.warning(span, msg);
    }
}

/// Globs `pattern` (relative to `dir`) as keepalived's
/// `open_and_check_glob` does, reporting missing files per `checks`.
pub(crate) fn glob(
    host: &dyn Host,
    pattern: &str,
    dir: &Path,
    checks: u8,
    span: Option<Span>,
    diags: &mut Diagnostics,
) -> GlobResult {
    let brace = has_brace(pattern);
    let alts = if brace {
        match expand_braces(pattern) {
            Some(a) => a,
            None => {
                diags.error(span, format!("include pattern '{pattern}' has too many brace alternatives"));
                return GlobResult::default();
            }
        }
    } else {
        vec![pattern.to_string()]
    };
    let (mut missing, mut wildcards) = (0usize, false);
    let mut paths = Vec::new();
    for alt in alts.iter().filter(|a| !a.is_empty()) {
        let full = resolve(dir, alt);
        let found = host.glob(&full);
        if has_magic(alt) {
            wildcards = true;
            if found.is_empty() && !dir_exists(host, &literal_dir(&full)) {
                missing += 1;
            }
        } else if found.is_empty() {
            missing += 1;
        }
        paths.extend(found);
    }
    if paths.is_empty() {
        if missing > 0 {
            let kind = if brace { INCLUDE_B } else { INCLUDE_M };
            file_error(
                diags,
                checks,
                kind,
                span,
                format!("Config files missing '{pattern}'."),
            );
        } else if wildcards && checks & INCLUDE_W != 0 {
            let msg = format!("No config files matched '{pattern}'.");
            diags.push(Diagnostic::new(
                Severity::Error,
                Category::NoConfig,
                span,
                msg,
            ));
        }
        return GlobResult::default();
    }
    if missing > 0 {
        let msg = format!("Some config files missing: \"{pattern}\".");
        file_error(diags, checks, INCLUDE_B, span, msg);
        if checks & INCLUDE_B != 0 {
            return GlobResult::default();
        }
    }
    GlobResult { paths }
}

/// `pattern` relative to `dir`, with `dir`'s glob characters escaped.
fn resolve(dir: &Path, pattern: &str) -> String {
    if pattern.starts_with('/') || dir.as_os_str().is_empty() {
        return pattern.to_string();
    }
    let d = glob::Pattern::escape(&dir.to_string_lossy());
    format!("{}/{pattern}", d.trim_end_matches('/'))
}

/// The directory part of a pattern before its first wildcard component.
fn literal_dir(full: &str) -> String {
    let cut = full.find(['*', '?', '[']).unwrap_or(full.len());
    match full[..cut].rfind('/') {
        Some(0) => "/".to_string(),
        Some(i) => full[..i].to_string(),
        None => ".".to_string(),
    }
}

fn dir_exists(host: &dyn Host, dir: &str) -> bool {
    if dir == "." || dir == "/" {
        return true;
    }
    let unescaped = dir
        .replace("[[]", "[")
        .replace("[]]", "]")
        .replace("[*]", "*")
        .replace("[?]", "?");
    if host
        .file_info(Path::new(&unescaped))
        .is_some_and(|f| f.is_dir)
    {
        return true;
    }
    // A host that does not describe directories (the test fake) still
    // shows them through the files inside.
    !host.glob(&format!("{dir}/*")).is_empty()
        || !host.glob(&format!("{dir}/*/*")).is_empty()
}

/// True when the pattern has an unescaped `*`, `?` or `[`.
pub(crate) fn has_magic(p: &str) -> bool {
    let mut esc = false;
    for c in p.chars() {
        match c {
            _ if esc => esc = false,
            '\\' => esc = true,
            '*' | '?' | '[' => return true,
            _ => {}
        }
    }
    false
}

/// True when the pattern has an unescaped `{` (keepalived's `have_brace`).
pub(crate) fn has_brace(p: &str) -> bool {
    let mut esc = false;
    for c in p.chars() {
        match c {
            _ if esc => esc = false,
            '\\' => esc = true,
            '{' => return true,
            _ => {}
        }
    }
    false
}

/// csh-style brace expansion as glibc's `GLOB_BRACE` does it: the first
/// `{…}` with its matching `}` is expanded into its comma-separated
/// alternatives, recursively; an unmatched `{` is literal. `None` when the
/// expansion grows beyond [`MAX_ALTERNATIVES`].
pub(crate) fn expand_braces(p: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    expand_into(p, &mut out, 0)?;
    Some(out)
}

fn expand_into(p: &str, out: &mut Vec<String>, depth: usize) -> Option<()> {
    if out.len() > MAX_ALTERNATIVES || depth > 64 {
        return None;
    }
    let b = p.as_bytes();
    let mut i = 0;
    let open = loop {
        match b.get(i) {
            None => {
                out.push(p.to_string());
                return Some(());
            }
            Some(b'\\') => i += 2,
            Some(b'{') => break i,
            Some(_) => i += 1,
        }
    };
    // Find the matching `}` and the top-level commas.
    let (mut level, mut j, mut commas) = (0usize, open + 1, Vec::new());
    let close = loop {
        match b.get(j) {
            None => {
                // Unmatched: the brace is literal.
                out.push(p.to_string());
                return Some(());
            }
            Some(b'\\') => j += 1,
            Some(b'{') => level += 1,
            Some(b'}') if level == 0 => break j,
            Some(b'}') => level -= 1,
            Some(b',') if level == 0 => commas.push(j),
            Some(_) => {}
        }
        j += 1;
    };
    let mut start = open + 1;
    for end in commas.into_iter().chain(std::iter::once(close)) {
        let alt =
            format!("{}{}{}", &p[..open], &p[start..end], &p[close + 1..]);
        expand_into(&alt, out, depth + 1)?;
        start = end + 1;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_2_2_7_variants_only() {
        assert_eq!(is_include("include a.conf"), Some((0, "a.conf")));
        assert_eq!(is_include("includer \t a b"), Some((INCLUDE_R, "a b")));
        assert_eq!(is_include("includea x"), Some((INCLUDE_ALL, "x")));
        assert_eq!(
            is_include("includeb x"),
            Some((INCLUDE_R | INCLUDE_B, "x"))
        );
        assert_eq!(is_include("includet x"), None);
        assert_eq!(is_include("include"), None);
        assert_eq!(is_include("included x"), None);
        assert_eq!(is_include("includerx y"), None);
    }

    #[test]
    fn include_check_words() {
        let mut d = Diagnostics::new();
        let s = Span::default();
        let w =
            |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(include_check_set(&[], 0, s, &mut d), INCLUDE_ALL);
        assert_eq!(
            include_check_set(&w(&["match"]), 0, s, &mut d),
            INCLUDE_R | INCLUDE_M
        );
        assert_eq!(
            include_check_set(&w(&["+match", "-read"]), INCLUDE_R, s, &mut d),
            INCLUDE_M
        );
        assert!(d.is_empty());
        include_check_set(&w(&["bogus"]), 0, s, &mut d);
        include_check_set(&w(&["read", "match"]), 0, s, &mut d);
        assert_eq!(d.len(), 2);
    }

    #[test]
    fn brace_expansion() {
        assert_eq!(expand_braces("a{b,c}d").unwrap(), ["abd", "acd"]);
        assert_eq!(
            expand_braces("{x/{,cat,dog},y}").unwrap(),
            ["x/", "x/cat", "x/dog", "y"]
        );
        assert_eq!(expand_braces("a{b").unwrap(), ["a{b"]);
        assert_eq!(expand_braces("a{b}").unwrap(), ["ab"]);
        assert!(expand_braces(&"{a,b,c,d}".repeat(8)).is_none());
        assert!(has_magic("a/*.conf") && !has_magic("a/\\*.conf"));
    }
}
