//! Tests of `include`, its variants and `include_check`, against what
//! keepalived 2.2.7 reports (`-t`: exit 0 when only logged, exit 6 when a
//! checked include fails).

use std::path::Path;

use super::*;
use crate::diag::Severity;
use crate::host::FakeHost;
use crate::source::{FileId, Span};

const MAIN: &str = "/etc/keepalived/keepalived.conf";

fn host() -> FakeHost {
    FakeHost::new()
        .with_file("/etc/keepalived/inc/a.conf", "zz1\n")
        .with_file("/etc/keepalived/inc/b.conf", "zz2\n")
        .with_file(
            "/etc/keepalived/sub/s.conf",
            "zsub ${_PWD}\ninclude t.conf\n",
        )
        .with_file("/etc/keepalived/sub/t.conf", "zt\n")
        .with_file("/etc/keepalived/emptydir/.keep", "")
}

fn run(
    h: &FakeHost,
    text: &str,
) -> (Vec<String>, Vec<(Severity, String)>, SourceMap) {
    let mut h = h.clone();
    h.files.insert(MAIN.into(), text.into());
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let lines = read_file(
        Path::new(MAIN),
        &h,
        &Options::default(),
        &mut sources,
        &mut diags,
    );
    let d = diags
        .iter()
        .map(|d| (d.severity, d.message.clone()))
        .collect();
    (lines.into_iter().map(|l| l.text).collect(), d, sources)
}

/// The severity keepalived gives `kw pattern` (None: nothing reported).
fn severity(kw: &str, pattern: &str) -> Option<Severity> {
    let (_, d, _) = run(&host(), &format!("{kw} {pattern}\n"));
    d.iter().map(|(s, _)| *s).max()
}

#[test]
fn relative_includes_follow_the_including_file() {
    let (lines, d, sources) = run(&host(), "include sub/s.conf\nafter\n");
    assert_eq!(lines, ["zsub /etc/keepalived/sub", "zt", "after"]);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(sources.len(), 3);
    assert_eq!(
        sources.path(FileId(2)),
        Path::new("/etc/keepalived/sub/t.conf")
    );
    assert_eq!(
        sources.include_chain(FileId(2)),
        [Span::new(FileId(1), 2, 1), Span::new(FileId(0), 1, 1)]
    );
}

#[test]
fn globs_and_braces() {
    assert_eq!(run(&host(), "include inc/*.conf").0, ["zz1", "zz2"]);
    assert_eq!(run(&host(), "include inc/{b,a}.conf").0, ["zz2", "zz1"]);
    assert_eq!(
        run(&host(), "include /etc/keepalived/inc/a.conf").0,
        ["zz1"]
    );
}

#[test]
fn missing_files_per_variant() {
    use Severity::{Error, Warning};
    // Each row observed with keepalived 2.2.7 -t.
    let table: &[(&str, &str, Option<Severity>)] = &[
        ("include", "missing.conf", Some(Warning)),
        ("include", "inc/*.nomatch", None),
        ("include", "nodir/*.conf", Some(Warning)),
        ("include", "inc/{a,c}.conf", Some(Warning)),
        ("includer", "missing.conf", Some(Warning)),
        ("includem", "missing.conf", Some(Error)),
        ("includem", "inc/*.nomatch", None),
        ("includem", "nodir/*.conf", Some(Error)),
        ("includem", "inc/{a,c}.conf", Some(Warning)),
        ("includew", "inc/*.nomatch", Some(Error)),
        ("includew", "emptydir/*.conf", Some(Error)),
        ("includeb", "missing.conf", Some(Warning)),
        ("includeb", "inc/{a,c}.conf", Some(Error)),
        ("includea", "missing.conf", Some(Error)),
        ("includea", "inc/*.nomatch", Some(Error)),
        ("includea", "inc/{a,c}.conf", Some(Error)),
    ];
    for (kw, pat, want) in table {
        assert_eq!(severity(kw, pat), *want, "{kw} {pat}");
    }
}

#[test]
fn brace_check_skips_the_whole_include() {
    assert_eq!(
        run(&host(), "includeb inc/{a,c}.conf").0,
        Vec::<String>::new()
    );
    assert_eq!(run(&host(), "includem inc/{a,c}.conf").0, ["zz1"]);
}

#[test]
fn unknown_variants_are_ordinary_lines() {
    assert_eq!(run(&host(), "includet x").0, ["includet x"]);
    assert_eq!(run(&host(), "include").0, ["include"]);
}

#[test]
fn include_check_in_global_defs_applies_to_later_includes() {
    let text = "include missing1.conf\nglobal_defs {\n include_check\n}\ninclude missing2.conf\n";
    let (_, d, _) = run(&host(), text);
    assert_eq!(d[0].0, Severity::Warning);
    assert_eq!(
        d[1],
        (
            Severity::Error,
            "Config files missing 'missing2.conf'.".into()
        )
    );
    // Outside global_defs it is just a keyword.
    let (_, d, _) = run(&host(), "include_check\ninclude missing.conf\n");
    assert_eq!(d[0].0, Severity::Warning);
}

#[test]
fn include_check_is_restored_after_an_included_file() {
    let h = host().with_file(
        "/etc/keepalived/ic.conf",
        "global_defs {\ninclude_check\n}\n",
    );
    let (_, d, _) = run(&h, "include ic.conf\ninclude missing.conf\n");
    assert_eq!(
        d,
        [(
            Severity::Warning,
            "Config files missing 'missing.conf'.".into()
        )]
    );
}

#[test]
fn include_loops_are_cut() {
    let h =
        host().with_file("/etc/keepalived/loop.conf", "l\ninclude loop.conf\n");
    let (lines, d, _) = run(&h, "include loop.conf\n");
    assert_eq!(lines, ["l"]);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].0, Severity::Error);
}

#[test]
fn include_depth_is_bounded() {
    let mut h = host();
    for i in 0..100 {
        h.files.insert(
            format!("/etc/keepalived/d{i}.conf").into(),
            format!("include d{}.conf\n", i + 1),
        );
    }
    let (_, d, _) = run(&h, "include d0.conf\n");
    assert!(
        d.iter()
            .any(|(s, m)| *s == Severity::Error && m.contains("nested"))
    );
}

#[test]
fn missing_main_file_is_an_error() {
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let lines = read_file(
        Path::new("/nope.conf"),
        &host(),
        &Options::default(),
        &mut sources,
        &mut diags,
    );
    assert!(lines.is_empty());
    assert!(diags.has_errors());
}

#[test]
fn includes_inside_sequences_stack_up() {
    // Observed: each round pushes its include before any is read, so the
    // last round's file is read first ...
    let (lines, _, _) = run(
        &host(),
        "~LST(F, a, b) include /etc/keepalived/inc/${F}.conf\n",
    );
    assert_eq!(lines, ["zz2", "zz1"]);
    // ... and a relative name in a later round is already resolved from
    // the directory of the file the previous round opened.
    let (lines, d, _) = run(&host(), "~LST(F, a, b) include inc/${F}.conf\n");
    assert_eq!(lines, ["zz1"]);
    assert_eq!(
        d,
        [(
            Severity::Warning,
            "Config files missing 'inc/b.conf'.".into()
        )]
    );
}

#[test]
fn all_config_checks_every_include_as_includea() {
    // keepalived 2.2.7: `-t` exits 0 on a missing plain include, 6 with -e.
    let mut h = host();
    h.files
        .insert(MAIN.into(), "include missing.conf\nzz0\n".into());
    let read = |check_all_includes| {
        let mut sources = SourceMap::new();
        let mut diags = Diagnostics::new();
        let opts = Options {
            check_all_includes,
            ..Options::default()
        };
        read_file(Path::new(MAIN), &h, &opts, &mut sources, &mut diags);
        diags.config_test_status()
    };
    assert_eq!(read(false), 0);
    assert_eq!(read(true), 6);
}
