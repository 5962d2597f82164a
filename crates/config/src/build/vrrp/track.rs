//! Builders for trackers: `vrrp_script`, `vrrp_track_process`,
//! `track_file` and the `track_*` references of instances and sync
//! groups. The grouping blocks are in `groups.rs`.

use std::time::Duration;

use crate::ast::Item;
use crate::build::Cx;
use crate::build::names::{Kind, Names};
use crate::model::vrrp::{
    Loc, ParamMatch, ScriptCmd, TrackFile, TrackProcess, TrackRef, Trackers,
    VrrpScript, VrrpSection,
};

/// Handles `track_interface`, `track_script`, `track_file`,
/// `track_process` and `track_bfd` blocks; false for other keywords.
///
/// keepalived compat: references are resolved while parsing, so a
/// tracker must be declared before the instance or group using it.
pub(crate) fn track_block(
    c: &Item,
    cx: &mut Cx,
    owner: &str,
    t: &mut Trackers,
    v: &VrrpSection,
    bfd: &[String],
) -> bool {
    let kind = c.name();
    // The tracker's own weight and reverse, looked up by name.
    let lookup = |names: &Names, name: &str| -> Option<(i32, bool)> {
        let at = |k| names.get(k, name);
        match kind {
            "track_interface" => Some((0, false)),
            "track_script" => at(Kind::Script)
                .map(|n| (v.scripts[n].weight, v.scripts[n].reverse)),
            "track_file" => at(Kind::TrackFile)
                .map(|n| (v.track_files[n].weight, v.track_files[n].reverse)),
            "track_process" => at(Kind::TrackProcess).map(|n| {
                (v.track_processes[n].weight, v.track_processes[n].reverse)
            }),
            _ => bfd.iter().any(|b| b == name).then_some((0, false)),
        }
    };
    if !matches!(
        kind,
        "track_interface"
            | "track_script"
            | "track_file"
            | "track_process"
            | "track_bfd"
    ) {
        return false;
    }
    for e in cx.block(c).unwrap_or(&[]) {
        let name = e.name().to_string();
        let default = lookup(&cx.names, &name);
        let Some((dw, drev)) = default else {
            let what = &kind["track_".len()..];
            cx.error(
                e.span(),
                format!("({owner}) track {what} {name} not found, ignoring..."),
            );
            continue;
        };
        let list = match kind {
            "track_interface" => &mut t.interfaces,
            "track_script" => &mut t.scripts,
            "track_file" => &mut t.files,
            "track_process" => &mut t.processes,
            _ => &mut t.bfds,
        };
        if list.iter().any(|r| r.name == name) {
            cx.error(
                e.span(),
                format!("({owner}) duplicate {kind} {name} - ignoring"),
            );
            continue;
        }
        if let Some(r) = track_ref(e, cx, owner, kind, name, dw, drev) {
            list.push(r);
        }
    }
    true
}

fn track_ref(
    e: &Item,
    cx: &mut Cx,
    owner: &str,
    kind: &str,
    name: String,
    dw: i32,
    drev: bool,
) -> Option<TrackRef> {
    let mut r = TrackRef {
        name,
        weight: dw,
        reverse: drev,
    };
    let Some(w) = e.arg(0) else { return Some(r) };
    if w.as_str() != "weight" {
        cx.error(
            w.span,
            format!(
                "({owner}) unknown {kind} {} option {} - ignoring",
                r.name, w.text
            ),
        );
        return None;
    }
    let Some(val) = e.arg(1) else {
        cx.error(e.span(), format!("({owner}) weight without value specified for {kind} {} - ignoring", r.name));
        return None;
    };
    // track_file/track_process allow ±254; interfaces, scripts and BFD
    // turn ±254 into ±253 with an error (keepalived compat).
    let wide = matches!(kind, "track_file" | "track_process");
    match cx.i64_word(kind, val, -254..=254) {
        Some(x) if !wide && x.abs() == 254 => {
            cx.error(val.span, format!("({owner}) weight for {} cannot be +/-254. Setting to +/-253", r.name));
            r.weight = x.signum() as i32 * 253;
        }
        Some(x) => r.weight = x as i32,
        None if kind == "track_interface" => r.weight = 0,
        None => {}
    }
    match e.arg(2).map(|w| w.as_str()) {
        None => {}
        Some("reverse") => r.reverse = true,
        Some("noreverse") if kind != "track_interface" => r.reverse = false,
        Some(o) => cx.error(
            e.span(),
            format!(
                "({owner}) unknown {kind} {} weight option {o} - ignoring",
                r.name
            ),
        ),
    }
    Some(r)
}

/// Builds a `vrrp_script`; `None` when keepalived removes it.
pub(crate) fn build_script(item: &Item, cx: &mut Cx) -> Option<VrrpScript> {
    let name = cx.string_arg(item, 0)?;
    let mut s = VrrpScript {
        name,
        loc: Loc(item.span()),
        cmd: ScriptCmd {
            argv: Vec::new(),
            user: None,
            group: None,
        },
        // keepalived compat: alloc_vrrp_script(): interval 1 s, rise and
        // fall 1, weight 0, timeout = interval.
        interval: Duration::from_secs(1),
        timeout: None,
        weight: 0,
        reverse: false,
        rise: 1,
        fall: 1,
        init_fail: false,
    };
    let secs = |c: &Item, cx: &mut Cx, what: &str| -> Option<Duration> {
        let n = cx.u32_arg(c, 0, 0..=u32::MAX / 1_000_000)?;
        if n == 0 {
            cx.error(
                c.span(),
                format!(
                    "vrrp script {what} must be greater than 0, setting to 1"
                ),
            );
        }
        Some(Duration::from_secs(n.max(1).into()))
    };
    let mut remove = false;
    for c in cx.block(item).unwrap_or(&[]) {
        match c.name() {
            "script" => {
                if let Some(cmd) = cx.script_cmd(c) {
                    s.cmd.argv = cmd.argv;
                }
            }
            "interval" => {
                s.interval = secs(c, cx, "interval").unwrap_or(s.interval)
            }
            "timeout" => s.timeout = secs(c, cx, "timeout").or(s.timeout),
            "weight" => {
                s.weight =
                    cx.i64_arg(c, 0, -253..=253).map_or(s.weight, |w| w as i32);
                weight_option(c, cx, &mut s.reverse);
            }
            "rise" => {
                s.rise = cx.u32_arg(c, 0, 1..=i32::MAX as u32).unwrap_or(1)
            }
            "fall" => {
                s.fall = cx.u32_arg(c, 0, 1..=i32::MAX as u32).unwrap_or(1)
            }
            "user" => match user_group(c, cx) {
                Some((u, g)) => {
                    (s.cmd.user, s.cmd.group, remove) = (Some(u), g, false)
                }
                None => remove = true,
            },
            "init_fail" => s.init_fail = true,
            _ => cx.unknown_keyword(c, SCRIPT_KEYWORDS),
        }
    }
    if s.cmd.argv.is_empty() {
        cx.error(
            item.span(),
            format!("No script set for vrrp_script {} - removing", s.name),
        );
        return None;
    }
    (!remove).then_some(s)
}

fn weight_option(c: &Item, cx: &mut Cx, reverse: &mut bool) {
    match c.arg(1).map(|w| w.as_str()) {
        None => {}
        Some("reverse") => *reverse = true,
        Some(o) => cx.error(c.span(), format!("unknown weight option {o}")),
    }
}

/// `USER [GROUP]` of a `user` keyword; user existence is checked by
/// validation against the host.
fn user_group(c: &Item, cx: &mut Cx) -> Option<(String, Option<String>)> {
    let u = cx.string_arg(c, 0)?;
    Some((u, c.arg(1).map(|w| w.text.clone())))
}

/// Builds a `vrrp_track_process`.
pub(crate) fn build_process(item: &Item, cx: &mut Cx) -> Option<TrackProcess> {
    let name = cx.string_arg(item, 0)?;
    let mut t = TrackProcess {
        name,
        loc: Loc(item.span()),
        process: Vec::new(),
        param_match: None,
        weight: 0,
        reverse: false,
        quorum: 1,
        quorum_max: None,
        fork_delay: Duration::ZERO,
        terminate_delay: Duration::ZERO,
        full_command: false,
    };
    for c in cx.block(item).unwrap_or(&[]) {
        process_keyword(c, cx, &mut t);
    }
    if t.process.is_empty() {
        cx.error(
            item.span(),
            format!("track process '{}' process name not specified", t.name),
        );
        return None;
    }
    Some(t)
}

fn process_keyword(c: &Item, cx: &mut Cx, t: &mut TrackProcess) {
    match c.name() {
        "process" => process_name(c, cx, t),
        "param_match" => param_match(c, cx, t),
        "weight" => process_weight(c, cx, t),
        "quorum" => quorum(c, cx, t),
        "quorum_max" => quorum_max(c, cx, t),
        "delay" | "terminate_delay" | "fork_delay" => process_delay(c, cx, t),
        "full_command" => t.full_command = true,
        _ => cx.unknown_keyword(c, PROCESS_KEYWORDS),
    }
}

/// `process NAME [ARGS...]`: arguments imply an exact command-line match.
fn process_name(c: &Item, cx: &mut Cx, t: &mut TrackProcess) {
    if !t.process.is_empty() {
        cx.error(
            c.span(),
            format!(
                "Process already set for track process {} - ignoring",
                t.name
            ),
        );
        return;
    }
    t.process = c.args.iter().map(|w| w.text.clone()).collect();
    if t.process.len() > 1 {
        t.param_match.get_or_insert(ParamMatch::Exact);
        t.full_command = true;
    }
}

/// `param_match [initial|partial]`.
fn param_match(c: &Item, cx: &mut Cx, t: &mut TrackProcess) {
    t.param_match = match c.arg(0).map(|w| w.as_str()) {
        None => Some(ParamMatch::Exact),
        Some("initial") => Some(ParamMatch::Initial),
        Some("partial") => Some(ParamMatch::Partial),
        Some(o) => {
            cx.error(
                c.span(),
                format!("Invalid param_match type {o} - ignoring"),
            );
            return;
        }
    };
    t.full_command = true;
}

/// `weight W [reverse]`, only once per tracker.
fn process_weight(c: &Item, cx: &mut Cx, t: &mut TrackProcess) {
    if t.weight != 0 {
        cx.error(
            c.span(),
            format!(
                "Weight already set for track process {} - ignoring",
                t.name
            ),
        );
    } else if let Some(w) = cx.i64_arg(c, 0, -254..=254) {
        t.weight = w as i32;
        weight_option(c, cx, &mut t.reverse);
    }
}

/// `quorum N`, bounded by an earlier `quorum_max`.
fn quorum(c: &Item, cx: &mut Cx, t: &mut TrackProcess) {
    match cx.u32_arg(c, 0, 1..=65535) {
        Some(q) if t.quorum_max.is_some_and(|m| q > m) => {
            cx.error(c.span(), "Quorum is greater than quorum_max - ignoring");
        }
        Some(q) => t.quorum = q,
        None => {}
    }
}

/// `quorum_max N`, bounded by an earlier `quorum`.
fn quorum_max(c: &Item, cx: &mut Cx, t: &mut TrackProcess) {
    let Some(m) = cx.u32_arg(c, 0, 0..=65535) else {
        return;
    };
    if (m != 0 || t.quorum > 1) && m < t.quorum {
        cx.error(c.span(), "quorum_max is less than quorum - ignoring");
        return;
    }
    t.quorum_max = Some(m);
    // keepalived compat: quorum_max 0 means "process must not run".
    if m == 0 {
        t.quorum = 0;
    }
}

/// `delay`, `terminate_delay` and `fork_delay`; `delay` sets both.
fn process_delay(c: &Item, cx: &mut Cx, t: &mut TrackProcess) {
    let Some(d) =
        cx.timer_arg(c, 0, Duration::from_micros(1), Duration::from_secs(3600))
    else {
        return;
    };
    if c.name() != "fork_delay" {
        t.terminate_delay = d;
    }
    if c.name() != "terminate_delay" {
        t.fork_delay = d;
    }
}

/// Builds a `track_file` (or deprecated `vrrp_track_file`).
pub(crate) fn build_track_file(item: &Item, cx: &mut Cx) -> Option<TrackFile> {
    let name = cx.string_arg(item, 0)?;
    if cx.names.get(Kind::TrackFile, &name).is_some() {
        cx.error(item.span(), format!("track_file {name} already defined"));
        return None;
    }
    if item.name() == "vrrp_track_file" {
        cx.warn(
            item.span(),
            "vrrp_track_file is deprecated - use track_file",
        );
    }
    // keepalived compat: default weight 1 (track_file.c).
    let mut t = TrackFile {
        name,
        loc: Loc(item.span()),
        file: String::new(),
        weight: 1,
        reverse: false,
        init_file: None,
    };
    let mut weight_set = false;
    for c in cx.block(item).unwrap_or(&[]) {
        match c.name() {
            "file" => {
                match cx.script_cmd(c).and_then(|s| s.argv.into_iter().next()) {
                    Some(_) if !t.file.is_empty() => cx.error(
                        c.span(),
                        format!(
                            "File already set for track file {} - ignoring",
                            t.name
                        ),
                    ),
                    Some(f) => t.file = f,
                    None => cx.error(c.span(), "track file file name missing"),
                }
            }
            "weight" if weight_set => cx.error(
                c.span(),
                format!(
                    "Weight already set for track file {} - ignoring",
                    t.name
                ),
            ),
            "weight" => {
                if let Some(w) = cx.i64_arg(c, 0, -254..=254) {
                    t.weight = w as i32;
                    weight_set = true;
                    weight_option(c, cx, &mut t.reverse);
                }
            }
            "init_file" => t.init_file = init_file(c, cx),
            _ => cx.unknown_keyword(c, TRACK_FILE_KEYWORDS),
        }
    }
    if t.file.is_empty() {
        cx.error(
            item.span(),
            format!("No file set for track_file {} - removing", t.name),
        );
        return None;
    }
    Some(t)
}

fn init_file(c: &Item, cx: &mut Cx) -> Option<(i32, bool)> {
    let (mut value, mut overwrite) = (0, false);
    for w in &c.args {
        if w.as_str() == "overwrite" {
            overwrite = true;
        } else if let Some(v) = cx.i64_word(
            "init_file",
            w,
            i64::from(i32::MIN)..=i64::from(i32::MAX),
        ) {
            value = v as i32;
        }
    }
    Some((value, overwrite))
}

/// Keywords of `vrrp_script`.
pub(super) const SCRIPT_KEYWORDS: &[&str] = &[
    "script",
    "interval",
    "timeout",
    "weight",
    "rise",
    "fall",
    "user",
    "init_fail",
];

/// Keywords of `vrrp_track_process`.
pub(super) const PROCESS_KEYWORDS: &[&str] = &[
    "process",
    "param_match",
    "weight",
    "quorum",
    "quorum_max",
    "delay",
    "terminate_delay",
    "fork_delay",
    "full_command",
];

/// Keywords of `track_file` (`vrrp_track_file`).
pub(super) const TRACK_FILE_KEYWORDS: &[&str] =
    &["file", "weight", "init_file"];
