//! The keepalived.conf language.
//!
//! Text goes through four stages, each reporting into one [`Diagnostics`]:
//! [`preprocess`] (files, comments, includes, definitions, conditionals,
//! sequences) → [`parse`] (keywords and blocks with spans, [`ast`]) →
//! [`build`] (the typed [`model`] with keepalived's defaults) →
//! [`validate`] (cross-object rules and keepalived's fix-ups).
//!
//! This crate does no I/O of its own: files, globs, interfaces and users are
//! read through the [`host::Host`] trait.
#![warn(missing_docs)]

pub mod ast;
pub mod build;
pub mod diag;
pub mod host;
pub mod lexer;
pub mod line;
pub mod model;
pub mod parse;
pub mod preprocess;
pub mod print;
pub mod source;
pub mod validate;

use std::path::Path;

pub use diag::{Category, Diagnostic, Diagnostics, Severity};
pub use model::Config;
pub use source::{FileId, SourceMap, Span};

/// How to load a configuration.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// The config id for `@id` conditional lines (`-i`); `None` means the
    /// host name up to its first dot.
    pub config_id: Option<String>,
    /// `--strict-config`: every warning is an error.
    pub strict: bool,
    /// `-e/--all-config`: a missing or unreadable include is an error.
    pub check_all_includes: bool,
}

/// The result of loading a configuration: the model (always present, with
/// keepalived's fallbacks applied where the text was wrong), what was found
/// wrong, and the files read.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The typed, validated model.
    pub config: Config,
    /// Every finding, in order.
    pub diagnostics: Diagnostics,
    /// Files read, for rendering diagnostics.
    pub sources: SourceMap,
    /// Why keepalived's VRRP process would stop at this configuration
    /// (`KEEPALIVED_EXIT_CONFIG`; keepalived then terminates).
    pub vrrp_stop: Option<&'static str>,
}

/// Loads, parses, builds and validates the configuration at `path`.
pub fn load(path: &Path, host: &dyn host::Host, opts: &LoadOptions) -> Loaded {
    let mut sources = SourceMap::new();
    let mut cx = build::Cx::new();
    let pp = preprocess::Options {
        config_id: opts.config_id.clone(),
        check_all_includes: opts.check_all_includes,
    };
    // Lines go to the parser as they are made, never all held at once.
    // The parser's findings follow the preprocessor's, as when the two
    // ran one after the other.
    let mut parser = parse::Parser::new();
    let mut parse_diags = Diagnostics::new();
    preprocess::read_file_each(
        path,
        host,
        &pp,
        &mut sources,
        &mut cx.diags,
        |line| parser.push(&line, &mut parse_diags),
    );
    cx.diags.append(parse_diags);
    let items = parser.finish();
    // keepalived compat: a keyword missing its parameter ends keepalived
    // on the spot; nothing is built or validated.
    if let Some(stop) = build::missing::first_missing_parameter(&items) {
        cx.diags.push(stop);
        return Loaded {
            config: Config::default(),
            diagnostics: cx.diags,
            sources,
            vrrp_stop: None,
        };
    }
    let mut config = build::build(&items, &mut cx);
    // The tree is not needed past the builders; free it before validation.
    drop(items);
    let stop = validate::validate(&mut config, host, &mut cx.diags);
    let mut diagnostics = cx.diags;
    if opts.strict {
        diagnostics.make_strict();
    }
    Loaded {
        config,
        diagnostics,
        sources,
        vrrp_stop: stop.0,
    }
}

/// Prints a model as canonical keepalived.conf text.
pub fn print(config: &Config) -> String {
    let mut p = print::Printer::new();
    // Each section prints itself: global settings first, then BFD (VRRP
    // `track_bfd` references need them declared first), VRRP, and the LVS
    // part last, as in keepalived's sample configurations.
    config.global.print(&mut p);
    config.bfd.print(&mut p);
    config.vrrp.print(&mut p);
    config.lvs.print(&mut p);
    p.finish()
}
