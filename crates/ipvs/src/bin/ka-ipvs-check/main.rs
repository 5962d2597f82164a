//! Runs inside a user-mode Linux guest (crates/ipvs/tests/uml.rs) against
//! a real IPVS: `ka-ipvs-check check` programs tables with every field
//! and compares the kernel's view (its own dump, `ipvsadm-save -n`,
//! `ipvsadm -Ln --thresholds`, timeouts, sync daemons) with what it asked
//! for; `ka-ipvs-check bench SERVICES DESTS` prints the cost of a large
//! table. Each check prints `check ok NAME` or `check FAIL NAME: WHY`,
//! and the last line is `ka-ipvs-check: N checks, M failed`.

mod bench;
mod checks;
mod render;
mod scenario;

use std::process::ExitCode;

/// The checks' outcome so far.
#[derive(Debug, Default)]
pub(crate) struct Report {
    ran: u32,
    failed: u32,
}

impl Report {
    /// Records one check.
    pub(crate) fn check(&mut self, name: &str, result: Result<(), String>) {
        self.ran += 1;
        match result {
            Ok(()) => println!("check ok {name}"),
            Err(why) => {
                self.failed += 1;
                println!("check FAIL {name}: {why}");
            }
        }
    }

    /// Records a check that two values are equal.
    pub(crate) fn same<T: PartialEq + std::fmt::Debug>(
        &mut self,
        name: &str,
        got: &T,
        want: &T,
    ) {
        let r = if got == want {
            Ok(())
        } else {
            Err(format!("\n  got:  {got:?}\n  want: {want:?}"))
        };
        self.check(name, r);
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ka-ipvs-check: runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match args.first().map(String::as_str) {
        Some("check") => rt.block_on(checks::run()),
        Some("bench") => {
            let n = |i: usize, d: usize| {
                args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d)
            };
            rt.block_on(bench::run(n(1, 1000), n(2, 10)))
        }
        _ => {
            Err("usage: ka-ipvs-check check | bench [SERVICES] [DESTS]".into())
        }
    };
    match result {
        Ok(report) => {
            println!(
                "ka-ipvs-check: {} checks, {} failed",
                report.ran, report.failed
            );
            if report.failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            println!("ka-ipvs-check: error: {e}");
            ExitCode::FAILURE
        }
    }
}
