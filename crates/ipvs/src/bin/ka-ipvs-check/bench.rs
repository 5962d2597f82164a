//! The cost of a large table: a start (every service and destination
//! added), one weight change, a dump, and a reload that changes nothing.
//! Prints `bench NAME: OPS ops, MSGS netlink messages, MS ms`; checks only
//! that the kernel ends up with the table.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Instant;

use ka_ipvs::Ipvs;
use ka_types::lvs::{DataPlane, Forward, Op, ServiceState};

use crate::Report;
use crate::scenario::{dest, service, tcp};

fn table(services: usize, dests: usize) -> DataPlane {
    let mut p = DataPlane::default();
    for i in 0..services {
        // One VIP per 250 ports keeps every address in 198.51.100.0/24.
        let vip = Ipv4Addr::new(198, 51, 100, 100 + (i / 250) as u8);
        let key =
            tcp(&SocketAddr::from((vip, 1000 + (i % 250) as u16)).to_string());
        let ds: BTreeMap<_, _> = (0..dests)
            .map(|j| {
                let a = SocketAddr::from((
                    Ipv4Addr::new(203, 0, 113, 1 + j as u8),
                    80,
                ));
                (a, dest(&a.to_string(), Forward::Masq, 1))
            })
            .collect();
        p.services.insert(
            key,
            ServiceState {
                service: service(key, "wlc"),
                dests: ds,
            },
        );
    }
    p
}

async fn timed(ipvs: &mut Ipvs, name: &str, ops: &[Op]) -> Result<(), String> {
    let (m0, t0) = (ipvs.messages_sent(), Instant::now());
    for op in ops {
        ipvs.apply(op).await.map_err(|e| format!("{name}: {e}"))?;
    }
    println!(
        "bench {name}: {} ops, {} netlink messages, {:.1} ms",
        ops.len(),
        ipvs.messages_sent() - m0,
        t0.elapsed().as_secs_f64() * 1e3
    );
    Ok(())
}

pub(crate) async fn run(
    services: usize,
    dests: usize,
) -> Result<Report, String> {
    let mut r = Report::default();
    if services > 1000 || dests > 250 {
        return Err("at most 1000 services and 250 destinations".into());
    }
    let mut ipvs = Ipvs::open().await.map_err(|e| format!("open: {e}"))?;
    ipvs.flush().await.map_err(|e| e.to_string())?;
    let want = table(services, dests);

    let start = DataPlane::default().diff(&want);
    timed(&mut ipvs, &format!("start {services}x{dests}"), &start).await?;

    let (m0, t0) = (ipvs.messages_sent(), Instant::now());
    let got = ipvs.dump().await.map_err(|e| e.to_string())?;
    println!(
        "bench dump: {} services, {} netlink messages, {:.1} ms",
        got.services.len(),
        ipvs.messages_sent() - m0,
        t0.elapsed().as_secs_f64() * 1e3
    );
    r.check(
        "bench: the kernel has the table",
        if got == want {
            Ok(())
        } else {
            Err("dump differs".into())
        },
    );

    let mut changed = want.clone();
    if let Some(d) = changed
        .services
        .values_mut()
        .next()
        .and_then(|s| s.dests.values_mut().next())
    {
        d.weight = 5;
    }
    let ops = want.diff(&changed);
    r.same("bench: one weight change is one op", &ops.len(), &1);
    timed(&mut ipvs, "one weight change", &ops).await?;

    let t0 = Instant::now();
    let nothing = changed.diff(&changed);
    timed(&mut ipvs, "reload that changes nothing", &nothing).await?;
    println!(
        "bench reload diff: {:.3} ms",
        t0.elapsed().as_secs_f64() * 1e3
    );
    r.same(
        "bench: a reload that changes nothing sends nothing",
        &nothing.len(),
        &0,
    );

    let t0 = Instant::now();
    ipvs.flush().await.map_err(|e| e.to_string())?;
    println!("bench flush: {:.1} ms", t0.elapsed().as_secs_f64() * 1e3);
    restore(&mut r, &mut ipvs, &want).await?;
    Ok(r)
}

/// For scale: the same table loaded by `ipvsadm-restore` (one process,
/// one netlink request per line).
async fn restore(
    r: &mut Report,
    ipvs: &mut Ipvs,
    want: &DataPlane,
) -> Result<(), String> {
    use std::io::Write;
    let mut lines = crate::render::save_lines(want);
    // Services before their destinations.
    lines.sort_by_key(|l| !l.starts_with("-A"));
    let t0 = Instant::now();
    let mut child = std::process::Command::new("ipvsadm-restore")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("ipvsadm-restore: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(lines.join("\n").as_bytes())
            .map_err(|e| format!("ipvsadm-restore: {e}"))?;
    }
    let status = child.wait().map_err(|e| format!("ipvsadm-restore: {e}"))?;
    println!(
        "bench ipvsadm-restore of the same table: {} lines, {:.1} ms ({status})",
        lines.len(),
        t0.elapsed().as_secs_f64() * 1e3
    );
    let got = ipvs.dump().await.map_err(|e| e.to_string())?;
    r.check(
        "bench: ipvsadm-restore loaded the same table",
        if &got == want {
            Ok(())
        } else {
            Err("dump differs".into())
        },
    );
    ipvs.flush().await.map_err(|e| e.to_string())
}
