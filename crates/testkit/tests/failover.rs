//! Randomised failover scenarios (the simulation tier of the test
//! pyramid). `KA_SIM_SCENARIOS` overrides the count; the default is
//! 10 000 in release builds and 1 000 in debug builds.

use std::time::{Duration, Instant as WallClock};

use ka_testkit::{Fault, Scenario, run};

fn scenario_count() -> u64 {
    let default = if cfg!(debug_assertions) {
        1_000
    } else {
        10_000
    };
    std::env::var("KA_SIM_SCENARIOS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

#[test]
fn randomized_failover_scenarios_keep_every_invariant() {
    let n = scenario_count();
    let started = WallClock::now();
    let mut failures = Vec::new();
    let mut worst = Duration::ZERO;
    let mut by_fault = [0u64; 5];
    for seed in 0..n {
        let sc = Scenario::from_seed(seed);
        by_fault[sc.fault as usize] += 1;
        match run(&sc) {
            Ok(r) => worst = worst.max(r.failover.unwrap_or_default()),
            Err(e) => failures.push(format!("seed {seed}: {e}\n  {sc:?}")),
        }
    }
    let elapsed = started.elapsed();
    eprintln!(
        "{n} scenarios in {elapsed:?} ({:.0}/s), faults {by_fault:?}, \
         slowest failover {worst:?}",
        n as f64 / elapsed.as_secs_f64()
    );
    let shown: Vec<&String> = failures.iter().take(10).collect();
    assert!(
        failures.is_empty(),
        "{} failures:\n{shown:#?}",
        failures.len()
    );
    let _ = Fault::Kill;
}

/// Replay one seed with a trace: `KA_SIM_SEED=1853 cargo test -p
/// ka-testkit replay -- --nocapture`.
#[test]
fn replay_one_seed_from_env() {
    let Some(seed) = std::env::var("KA_SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    else {
        return;
    };
    let sc = Scenario::from_seed(seed);
    let mut lan = ka_testkit::Lan::new(sc.seed, sc.link);
    lan.record();
    let r = ka_testkit::run_on(&mut lan, &sc);
    for (t, node, a) in lan.recorded() {
        eprintln!("{t} h{node} {a:?}");
    }
    for t in lan.transitions() {
        eprintln!("T {} h{} {} {:?}", t.at, t.node, t.instance, t.state);
    }
    for i in 0..sc.hosts.len() {
        if let Some(e) = lan.engine(i) {
            for s in e.snapshot().instances {
                eprintln!(
                    "S h{i} {} {:?} want {:?} next {:?} prio {}",
                    s.name,
                    s.state,
                    s.want_state,
                    s.next_timer,
                    s.effective_priority
                );
            }
        }
    }
    eprintln!("now {}", lan.now());
    eprintln!("{sc:?}\n{r:?}");
}
