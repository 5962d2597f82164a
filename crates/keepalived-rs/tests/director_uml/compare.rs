//! Comparing two director runs: `ipvsadm-save -n` tables step by step and
//! the notify/quorum script lines.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The steps of a run, in order; each one's table is `out/STEP.txt`.
pub(crate) const STEPS: [&str; 5] = ["start", "dead", "back", "reload", "stop"];

/// The lines of `b` that `a` lacks (`+`) and of `a` that `b` lacks (`-`),
/// counted as multisets; empty when they hold the same lines.
pub(crate) fn line_diff(a: &str, b: &str) -> String {
    let mut count: BTreeMap<&str, i64> = BTreeMap::new();
    for l in a.lines().filter(|l| !l.trim().is_empty()) {
        *count.entry(l).or_default() -= 1;
    }
    for l in b.lines().filter(|l| !l.trim().is_empty()) {
        *count.entry(l).or_default() += 1;
    }
    let mut out = String::new();
    for (line, n) in count {
        let sign = if n < 0 { '-' } else { '+' };
        for _ in 0..n.abs() {
            let _ = writeln!(out, "  {sign} {line}");
        }
    }
    out
}

/// The notify log split at its `step NAME` markers. Within a step the
/// lines are ordered by their subject (the second word: `vs100-rs12`,
/// `vs102`...) and keep their order per subject: scripts of different
/// virtual servers run concurrently in keepalived, so only each subject's
/// own sequence is deterministic.
pub(crate) fn notify_by_step(log: &str) -> BTreeMap<String, Vec<String>> {
    let mut steps: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut step = String::from("(before start)");
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        if let Some(name) = line.strip_prefix("step ") {
            step = name.trim().to_string();
            steps.entry(step.clone()).or_default();
            continue;
        }
        steps
            .entry(step.clone())
            .or_default()
            .push(line.to_string());
    }
    for lines in steps.values_mut() {
        lines.sort_by(|a, b| subject(a).cmp(subject(b)));
    }
    steps
}

fn subject(line: &str) -> &str {
    line.split_whitespace().nth(1).unwrap_or("")
}

/// Every difference between two runs, in words; empty when they agree.
/// `a` and `b` name the runs.
pub(crate) fn report(
    (a, a_tables, a_notify): (&str, &[String], &str),
    (b, b_tables, b_notify): (&str, &[String], &str),
) -> String {
    let mut out = String::new();
    for (i, step) in STEPS.iter().enumerate() {
        let ta = a_tables.get(i).map_or("", String::as_str);
        let tb = b_tables.get(i).map_or("", String::as_str);
        let d = line_diff(ta, tb);
        if !d.is_empty() {
            let _ = writeln!(
                out,
                "ipvsadm-save -n after `{step}` (- {a} only, + {b} only):\n{d}"
            );
        }
    }
    let (na, nb) = (notify_by_step(a_notify), notify_by_step(b_notify));
    if na != nb {
        let _ = writeln!(
            out,
            "notify/quorum scripts differ (per step, ordered by subject):\n\
             {a}:\n{}{b}:\n{}",
            show(&na),
            show(&nb)
        );
    }
    out
}

fn show(steps: &BTreeMap<String, Vec<String>>) -> String {
    let mut out = String::new();
    for step in STEPS {
        let lines = steps.get(step).map(Vec::as_slice).unwrap_or_default();
        let _ = writeln!(out, "  step {step}: {}", lines.join(" | "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_diff_is_empty_only_for_the_same_lines() {
        assert_eq!(line_diff("a\nb\n", "a\nb"), "");
        assert_eq!(line_diff("a\nb\n", "a\nc\n"), "  - b\n  + c\n");
        assert_eq!(line_diff("a\na\n", "a\n"), "  - a\n");
    }

    #[test]
    fn notify_steps_keep_each_subjects_order_only() {
        let a = "step start\nstep dead\ndown x\ndown y\nup x\n";
        let b = "step start\nstep dead\ndown y\ndown x\nup x\n";
        assert_eq!(notify_by_step(a), notify_by_step(b));
        let c = "step start\nstep dead\nup x\ndown y\ndown x\n";
        assert_ne!(notify_by_step(a), notify_by_step(c));
        let d = "step start\ndown x\nstep dead\ndown y\nup x\n";
        assert_ne!(notify_by_step(a), notify_by_step(d));
    }

    #[test]
    fn report_names_the_step_that_differs() {
        let t =
            |s: &str| STEPS.iter().map(|_| s.to_string()).collect::<Vec<_>>();
        let same = report(
            ("a", &t("x"), "step dead\nup v"),
            ("b", &t("x"), "step dead\nup v"),
        );
        assert_eq!(same, "");
        let mut other = t("x");
        other[2] = "y".into();
        let r = report(("a", &t("x"), ""), ("b", &other, ""));
        assert!(r.contains("after `back`") && r.contains("+ y"), "{r}");
        assert!(!r.contains("after `dead`"), "{r}");
    }
}
