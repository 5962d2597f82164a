//! Process names and per-process scheduling keywords (`process_name*`,
//! `*_priority`, `*_no_swap`, `*_rt_priority`, `*_cpu_affinity`,
//! `*_rlimit_rttime`, `max_auto_priority`, `min_auto_priority_delay`).

use crate::ast::Item;
use crate::build::Cx;
use crate::model::global::{GlobalDefs, ProcessSched};

/// keepalived's `TASK_COMM_LEN - 1`: the longest process name.
const MAX_PROCESS_NAME: usize = 15;

/// keepalived's `sched_get_priority_max(SCHED_RR)` on Linux.
const RT_PRIORITY_MAX: i64 = 99;

/// Handles a process keyword; false if `c` is not one.
pub(super) fn build(c: &Item, cx: &mut Cx, g: &mut GlobalDefs) -> bool {
    let name = c.name();
    match name {
        "process_names" => {
            g.process_names = true;
            return true;
        }
        "process_name" => {
            if let Some(n) = process_name(c, cx) {
                g.process_name = Some(n);
            }
            return true;
        }
        "max_auto_priority" => {
            // keepalived compat: no argument means the SCHED_RR maximum;
            // -1 disables.
            g.max_auto_priority = match c.arg(0) {
                None => Some(RT_PRIORITY_MAX as i32),
                Some(w) => cx
                    .i64_word(name, w, -1..=RT_PRIORITY_MAX)
                    .map(|v| v as i32)
                    .or(g.max_auto_priority),
            };
            return true;
        }
        "min_auto_priority_delay" => {
            g.min_auto_priority_delay = cx
                .u32_arg(c, 0, 1..=10_000_000)
                .or(g.min_auto_priority_delay);
            return true;
        }
        _ => {}
    }
    let (process, rest) = match name.split_once('_') {
        Some(("vrrp", r)) => (&mut g.vrrp_process, r),
        Some(("checker", r)) => (&mut g.checker_process, r),
        // keepalived compat: `lvs_process_name` is the deprecated
        // spelling of `checker_process_name` (logged, not an error).
        Some(("lvs", "process_name")) => {
            (&mut g.checker_process, "process_name")
        }
        Some(("bfd", r)) => (&mut g.bfd_process, r),
        _ => return false,
    };
    sched(c, cx, process, rest)
}

fn sched(c: &Item, cx: &mut Cx, p: &mut ProcessSched, rest: &str) -> bool {
    match rest {
        "process_name" => {
            if let Some(n) = process_name(c, cx) {
                p.name = Some(n);
            }
        }
        // keepalived compat: an invalid nice value is reported and the
        // priority reset to 0 (`get_priority()` returns 0).
        "priority" => {
            p.priority =
                Some(cx.i64_arg(c, 0, -20..=19).map(|v| v as i8).unwrap_or(0));
        }
        "no_swap" => p.no_swap = true,
        "rt_priority" => {
            p.rt_priority = rt_priority(c, cx).or(p.rt_priority);
        }
        "cpu_affinity" => {
            p.cpu_affinity = cpu_affinity(c, cx);
        }
        // keepalived compat: `*_rlimit_rtime` is the deprecated spelling
        // (logged only); a limit of 1 becomes 2 because keepalived halves
        // it for the soft limit; an invalid value resets it to unset.
        "rlimit_rttime" | "rlimit_rtime" => {
            p.rlimit_rttime = cx.u32_arg(c, 0, 1..=u32::MAX).map(|v| v.max(2));
        }
        _ => return false,
    }
    true
}

/// keepalived compat: a name of 16 bytes or more is reported and
/// truncated to 15 (`TASK_COMM_LEN`).
fn process_name(c: &Item, cx: &mut Cx) -> Option<String> {
    let Some(w) = c.arg(0) else {
        cx.error(c.span(), "Process name missing");
        return None;
    };
    let mut n = w.text.clone();
    if n.len() > MAX_PROCESS_NAME {
        cx.error(
            w.span,
            format!(
                "Process name {n} more than {MAX_PROCESS_NAME} characters, truncating"
            ),
        );
        let mut end = MAX_PROCESS_NAME;
        while !n.is_char_boundary(end) {
            end -= 1;
        }
        n.truncate(end);
    }
    Some(n)
}

/// keepalived compat: out-of-range real-time priorities are reported and
/// clamped to 1..=99; a non-number is reported and ignored.
fn rt_priority(c: &Item, cx: &mut Cx) -> Option<u32> {
    let w = cx.arg(c, 0)?;
    let v =
        cx.i64_word(c.name(), w, i64::from(i32::MIN)..=i64::from(i32::MAX))?;
    let clamped = v.clamp(1, RT_PRIORITY_MAX);
    if clamped != v {
        cx.error(
            w.span,
            format!(
                "{} {v} outside 1..={RT_PRIORITY_MAX} - setting to {clamped}",
                c.name()
            ),
        );
    }
    Some(clamped as u32)
}

/// keepalived compat: CPU ids are checked against the CPUs online when
/// keepalived starts; here only that they are numbers. The first bad id
/// clears the whole set.
fn cpu_affinity(c: &Item, cx: &mut Cx) -> Option<Vec<u32>> {
    if c.args.is_empty() {
        cx.error(
            c.span(),
            format!("No cpu_id set specified for `{}`", c.name()),
        );
        return None;
    }
    let mut cpus = Vec::new();
    for w in &c.args {
        cpus.push(cx.u32_word(c.name(), w, 0..=1023)?);
    }
    Some(cpus)
}
