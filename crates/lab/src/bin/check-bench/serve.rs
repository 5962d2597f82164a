//! `check-bench serve`: runs where the daemon runs (a namespace on the
//! host, or the UML guest). It listens on every TCP_CHECK real server and
//! records the time of each accepted connection, waits for the daemon's
//! pid, lets it settle, then measures one window: the CPU time of the
//! daemon's processes (the started process and its children, from /proc),
//! their peak RSS (VmHWM) and the checks each real server saw (TCP
//! accepts here, HTTP requests from nginx's access log). The summary goes
//! to a JSON file the orchestrator reads.

use std::cell::RefCell;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::analysis;
use crate::layout;
use crate::scrape::{self, TimerDelay};
use crate::syn;

/// What `serve` is told.
#[derive(Debug)]
pub(crate) struct ServeOpts {
    pub(crate) tcp: usize,
    pub(crate) http: usize,
    pub(crate) settle: Duration,
    pub(crate) window: Duration,
    pub(crate) pid_file: PathBuf,
    pub(crate) ready: PathBuf,
    pub(crate) out: PathBuf,
    pub(crate) http_log: PathBuf,
    /// keepalived-rs's metrics endpoint, read once the window is measured.
    pub(crate) metrics: Option<SocketAddr>,
}

pub(crate) fn parse(args: &[String]) -> Result<ServeOpts, String> {
    let mut o = ServeOpts {
        tcp: 0,
        http: 0,
        settle: Duration::from_secs(10),
        window: Duration::from_secs(30),
        pid_file: PathBuf::new(),
        ready: PathBuf::new(),
        out: PathBuf::new(),
        http_log: PathBuf::new(),
        metrics: None,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let v = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let num = || v.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--tcp" => o.tcp = num()? as usize,
            "--http" => o.http = num()? as usize,
            "--settle" => o.settle = Duration::from_secs(num()?),
            "--window" => o.window = Duration::from_secs(num()?),
            "--pid-file" => o.pid_file = v.into(),
            "--ready" => o.ready = v.into(),
            "--out" => o.out = v.into(),
            "--http-log" => o.http_log = v.into(),
            "--metrics" => {
                o.metrics =
                    Some(v.parse().map_err(|e| format!("--metrics: {e}"))?);
            }
            other => return Err(format!("serve: unknown option {other}")),
        }
    }
    Ok(o)
}

/// Accept times (seconds since the listeners started) per TCP server.
type Accepts = Rc<RefCell<Vec<Vec<f64>>>>;

pub(crate) fn run(o: &ServeOpts) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, serve(o))
}

async fn serve(o: &ServeOpts) -> Result<(), String> {
    let origin = Instant::now();
    let accepts: Accepts = Rc::new(RefCell::new(vec![Vec::new(); o.tcp]));
    for i in 0..o.tcp {
        let addr = SocketAddr::new(
            IpAddr::V4(layout::tcp_rs(i).0),
            layout::tcp_rs(i).1,
        );
        let l = std::net::TcpListener::bind(addr)
            .map_err(|e| format!("listen on {addr}: {e}"))?;
        l.set_nonblocking(true).map_err(|e| e.to_string())?;
        let l =
            tokio::net::TcpListener::from_std(l).map_err(|e| e.to_string())?;
        let acc = Rc::clone(&accepts);
        tokio::task::spawn_local(async move {
            loop {
                match l.accept().await {
                    Ok((stream, _)) => {
                        let t = origin.elapsed().as_secs_f64();
                        if let Some(v) = acc.borrow_mut().get_mut(i) {
                            v.push(t);
                        }
                        drop(stream);
                    }
                    // Out of descriptors, say: try again shortly.
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(10)).await
                    }
                }
            }
        });
    }
    let stop_syn = Arc::new(AtomicBool::new(false));
    let syns = syn::start(o.tcp, o.http, Arc::clone(&stop_syn))?;
    std::fs::write(&o.ready, "ready\n")
        .map_err(|e| format!("{}: {e}", o.ready.display()))?;
    let pid = wait_pid(o).await?;
    tokio::time::sleep(o.settle).await;
    let (t0, wall0) = (origin.elapsed().as_secs_f64(), wall_now());
    let me0 = cpu_of(&[std::process::id()]);
    let procs0 = daemon_procs(pid);
    let cpu0 = cpu_of(&procs0);
    tokio::time::sleep(o.window).await;
    let (t1, wall1) = (origin.elapsed().as_secs_f64(), wall_now());
    let procs1 = daemon_procs(pid);
    let cpu1 = cpu_of(&procs1);
    let me1 = cpu_of(&[std::process::id()]);
    let backlog = listen_backlog();
    let hwm_kb: u64 = procs1
        .iter()
        .filter_map(|p| {
            std::fs::read_to_string(format!("/proc/{p}/status")).ok()
        })
        .filter_map(|s| analysis::vm_hwm_kb(&s))
        .sum();
    // After the window's CPU and peak RSS: rendering the metrics of
    // 11,000 real servers is megabytes of text, which would count in both.
    // The figure is the daemon's since it started.
    let daemon_timers = timer_delay(o.metrics).await;
    // nginx flushes its access log buffer every second.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let tcp: Vec<Vec<f64>> = accepts
        .borrow()
        .iter()
        .map(|v| analysis::in_window(v, t0, t1))
        .collect();
    let (http, http_bad) = http_checks(o, wall0, wall1);
    stop_syn.store(true, Ordering::Relaxed);
    let syns = syns
        .join()
        .map_err(|_| "the SYN capture thread panicked".to_string())?;
    let syn: Vec<Vec<f64>> = syns
        .per
        .iter()
        .map(|v| analysis::in_window(v, wall0, wall1))
        .collect();
    let interval = Duration::from_secs(layout::DELAY_LOOP);
    let secs = t1 - t0;
    let all: Vec<Vec<f64>> = tcp.iter().chain(http.iter()).cloned().collect();
    let late = analysis::lateness(&all, interval);
    let tcp_late = analysis::lateness(&tcp, interval);
    let http_late = analysis::lateness(&http, interval);
    let syn_late = analysis::lateness(&syn, interval);
    let count = |v: &[Vec<f64>]| v.iter().map(Vec::len).sum::<usize>();
    let json = serde_json::json!({
        "secs": secs,
        "daemon_timers": daemon_timers.map(|d| d.count as u64),
        "daemon_timers_late": daemon_timers.map(TimerDelay::late),
        "tcp_checks": count(&tcp),
        "http_checks": count(&http),
        "http_not_200": http_bad,
        "cpu_ticks": cpu1.saturating_sub(cpu0),
        "procs": procs1.len(),
        "serve_ticks": me1.saturating_sub(me0),
        "backlog": backlog,
        "hwm_kb": hwm_kb,
        "intervals": late.intervals,
        "late": late.late,
        "p50": late.p50.as_secs_f64(),
        "p99": late.p99.as_secs_f64(),
        "max": late.max.as_secs_f64(),
        "unchecked": late.unchecked,
        "tcp_intervals": tcp_late.intervals,
        "tcp_late": tcp_late.late,
        "http_intervals": http_late.intervals,
        "http_late": http_late.late,
        "syn_intervals": syn_late.intervals,
        "syn_late": syn_late.late,
        "syn_p99": syn_late.p99.as_secs_f64(),
        "syn_max": syn_late.max.as_secs_f64(),
        "syn_frames": syns.frames,
    });
    std::fs::write(&o.out, json.to_string())
        .map_err(|e| format!("{}: {e}", o.out.display()))
}

/// The daemon's pid from its pid file, once written (at most 60 s).
async fn wait_pid(o: &ServeOpts) -> Result<u32, String> {
    for _ in 0..600 {
        let pid = std::fs::read_to_string(&o.pid_file)
            .ok()
            .and_then(|s| s.trim().parse().ok());
        if let Some(p) = pid {
            return Ok(p);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("no pid in {} after 60 s", o.pid_file.display()))
}

fn wall_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// `pid` and its children (keepalived's checker child).
fn daemon_procs(pid: u32) -> Vec<u32> {
    let mut v = vec![pid];
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return v;
    };
    for e in dir.flatten() {
        let Some(p) =
            e.file_name().to_str().and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let stat = std::fs::read_to_string(format!("/proc/{p}/stat"))
            .unwrap_or_default();
        if analysis::ppid(&stat) == Some(pid) {
            v.push(p);
        }
    }
    v
}

/// Connections waiting in the accept queues of every listening TCP
/// socket here: more than a few means `serve` lags behind the checks
/// (and the times it records are late).
fn listen_backlog() -> u64 {
    let text = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    text.lines()
        .skip(1)
        .filter_map(analysis::listen_queue)
        .sum()
}

/// utime + stime of `procs`, in clock ticks.
fn cpu_of(procs: &[u32]) -> u64 {
    procs
        .iter()
        .filter_map(|p| std::fs::read_to_string(format!("/proc/{p}/stat")).ok())
        .filter_map(|s| analysis::cpu_ticks(&s))
        .sum()
}

/// HTTP checks per nginx server inside the wall-clock window, and how
/// many requests in it were not answered 200.
fn http_checks(o: &ServeOpts, start: f64, end: f64) -> (Vec<Vec<f64>>, usize) {
    let mut per: Vec<Vec<f64>> = vec![Vec::new(); o.http];
    let mut bad = 0;
    let log = std::fs::read_to_string(&o.http_log).unwrap_or_default();
    for (t, server, ok) in log.lines().filter_map(analysis::parse_access) {
        if t < start || t > end {
            continue;
        }
        if !ok {
            bad += 1;
        }
        if let Some(v) = layout::http_index(server).and_then(|i| per.get_mut(i))
        {
            v.push(t);
        }
    }
    for v in &mut per {
        v.sort_by(f64::total_cmp);
    }
    (per, bad)
}

/// The daemon's timer-delay histogram, when it serves metrics (a failed
/// scrape is said on stderr and leaves the figure out).
async fn timer_delay(addr: Option<SocketAddr>) -> Option<TimerDelay> {
    let text = match scrape::scrape(addr?).await {
        Ok(text) => text,
        Err(e) => {
            eprintln!("serve: metrics: {e}");
            return None;
        }
    };
    let delay = TimerDelay::parse(&text);
    if delay.is_none() {
        eprintln!("serve: metrics: no checker timer delay histogram");
    }
    delay
}
