//! `--soak SECS`: one session at 10 ms × 3 per implementation, side by
//! side (one 2-host lab each), while `--busy` threads spin; every session
//! Down logged by either end is a false one (nothing is cut).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::busy::busy_loops;
use std::time::{Duration, Instant};

use ka_lab::Lab;

use super::daemons::{self, Daemon, Impl};
use super::setup::{self, Bfd};
use super::stall::{self, Stalls};
use super::tap::{self, Seen};

/// The figures of one implementation.
pub(crate) struct SoakRow {
    pub(crate) imp: &'static str,
    pub(crate) secs: f64,
    /// Session downs logged by A and by P.
    pub(crate) downs: (usize, usize),
    /// "Expired after" lines (detection timer expiries) of A and P.
    pub(crate) expired: (usize, usize),
    /// A→P then P→A: what the kernel saw of the packets.
    pub(crate) wire: [Direction; 2],
}

/// One direction of the session, from the kernel's timestamps (see
/// `tap.rs`): gaps longer than the detection time in what the sender's
/// device sent and in what the receiver's device handed up, and the
/// longest of each, in seconds.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Direction {
    pub(crate) sent_gaps: usize,
    pub(crate) sent_max: f64,
    pub(crate) received_gaps: usize,
    pub(crate) received_max: f64,
}

impl Direction {
    fn of(sender: &Seen, receiver: &Seen, detect: f64) -> Self {
        let (sent_gaps, sent_max) = tap::gaps(&sender.sent, detect);
        let (received_gaps, received_max) =
            tap::gaps(&receiver.received, detect);
        Self {
            sent_gaps,
            sent_max,
            received_gaps,
            received_max,
        }
    }
}

struct Pair {
    imp: &'static str,
    lab: Lab,
    a: Daemon,
    p: Daemon,
}

fn bring_up(imp: &Impl, t: Bfd, extra: &[String]) -> Result<Pair, String> {
    let mut lab = Lab::new(2).map_err(|e| e.to_string())?;
    let (ha, hp) = (lab.host(0).ipv4, lab.host(1).ipv4);
    let a_conf =
        setup::globals_with("a", extra) + &setup::bfd_instance("B", hp, ha, t);
    let p_conf =
        setup::globals_with("p", extra) + &setup::bfd_instance("B", ha, hp, t);
    let p = setup::start(&mut lab, imp, 1, "p", &p_conf)?;
    let a = setup::start(&mut lab, imp, 0, "a", &a_conf)?;
    let timeout = Duration::from_secs(20);
    setup::wait_up(&lab, &a, 1, timeout)?;
    setup::wait_up(&lab, &p, 1, timeout)?;
    Ok(Pair {
        imp: imp.name(),
        lab,
        a,
        p,
    })
}

/// Runs the soak for every implementation side by side.
pub(crate) fn run(
    impls: &[Impl],
    t: Bfd,
    secs: u64,
    busy: usize,
    extra: &[String],
) -> Result<(Vec<SoakRow>, Option<Stalls>), String> {
    let mut pairs = Vec::new();
    for imp in impls {
        pairs.push(bring_up(imp, t, extra)?);
    }
    let count = |p: &Pair, line: &str| {
        (
            setup::count(&p.lab, &p.a, line),
            setup::count(&p.lab, &p.p, line),
        )
    };
    let before: Vec<_> = pairs
        .iter()
        .map(|p| (count(p, setup::DOWN_LINE), count(p, "Expired after")))
        .collect();
    let stop_taps = Arc::new(AtomicBool::new(false));
    let taps: Vec<_> = pairs
        .iter()
        .map(|p| {
            [0, 1].map(|i| {
                tap::start(p.lab.host(i).netns.clone(), Arc::clone(&stop_taps))
            })
        })
        .collect();
    let stall_out = pairs
        .first()
        .map(|p| p.lab.dir().join("stalls"))
        .unwrap_or_else(|| std::env::temp_dir().join("bfd-bench-stalls"));
    let detect = t.detection_secs();
    let probe = stall::start(secs, Duration::from_secs_f64(detect), &stall_out)
        .map_err(|e| eprintln!("soak: no stall probe: {e}"))
        .ok();
    let stop_busy = Arc::new(AtomicBool::new(false));
    let spinners = busy_loops(busy, &stop_busy);
    let t0 = Instant::now();
    daemons::sleep_unless_interrupted(Duration::from_secs(secs));
    let elapsed = t0.elapsed().as_secs_f64();
    stop_busy.store(true, Ordering::Relaxed);
    spinners.into_iter().for_each(|h| drop(h.join()));
    stop_taps.store(true, Ordering::Relaxed);
    let stalls = probe
        .and_then(|c| stall::finish(c, &stall_out, Duration::from_secs(10)));
    let mut rows = Vec::new();
    for ((mut p, (d0, e0)), [ta, tp]) in pairs.into_iter().zip(before).zip(taps)
    {
        let join = |h: std::thread::JoinHandle<Result<Seen, String>>| {
            h.join()
                .unwrap_or_else(|_| Err("the thread panicked".to_owned()))
                .unwrap_or_else(|e| {
                    eprintln!("soak: no wire view of {}: {e}", p.imp);
                    Seen::default()
                })
        };
        let (a, pp) = (join(ta), join(tp));
        let wire = [
            Direction::of(&a, &pp, detect),
            Direction::of(&pp, &a, detect),
        ];
        let (d1, e1) =
            (count(&p, setup::DOWN_LINE), count(&p, "Expired after"));
        rows.push(SoakRow {
            imp: p.imp,
            secs: elapsed,
            downs: (d1.0 - d0.0, d1.1 - d0.1),
            expired: (e1.0 - e0.0, e1.1 - e0.1),
            wire,
        });
        p.a.stop(&mut p.lab);
        p.p.stop(&mut p.lab);
    }
    Ok((rows, stalls))
}
