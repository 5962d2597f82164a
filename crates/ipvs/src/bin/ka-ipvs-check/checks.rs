//! The checks against the guest's IPVS.

use std::net::IpAddr;
use std::process::Command;

use ka_ipvs::{Ipvs, IpvsError, SyncDaemon, SyncState, Timeouts};
use ka_types::lvs::{DataPlane, Forward, Op};

use crate::Report;
use crate::render::{parse_thresholds, save_lines, threshold_lines};
use crate::scenario::{dest, edited, initial, service, tcp};

fn ipvsadm(args: &[&str]) -> Result<String, String> {
    let prog = if args.first() == Some(&"save") {
        "ipvsadm-save"
    } else {
        "ipvsadm"
    };
    let args = if prog == "ipvsadm-save" {
        &args[1..]
    } else {
        args
    };
    let out = Command::new(prog)
        .args(args)
        .output()
        .map_err(|e| format!("{prog}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{prog} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn sorted_lines(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    v.sort();
    v
}

/// Compares the kernel's table, seen three ways, with `want`.
async fn compare(
    r: &mut Report,
    ipvs: &mut Ipvs,
    stage: &str,
    want: &DataPlane,
) -> Result<(), String> {
    let got = ipvs.dump().await.map_err(|e| e.to_string())?;
    r.same(&format!("{stage}: dump"), &got, want);
    let save = ipvsadm(&["save", "-n"])?;
    r.same(
        &format!("{stage}: ipvsadm-save -n"),
        &sorted_lines(&save),
        &save_lines(want),
    );
    let th = ipvsadm(&["-Ln", "--thresholds"])?;
    r.same(
        &format!("{stage}: ipvsadm -Ln --thresholds"),
        &parse_thresholds(&th),
        &threshold_lines(want),
    );
    Ok(())
}

async fn apply_all(ipvs: &mut Ipvs, ops: &[Op]) -> Result<(), String> {
    for op in ops {
        ipvs.apply(op).await.map_err(|e| format!("{op:?}: {e}"))?;
    }
    Ok(())
}

/// Every check, in order.
pub(crate) async fn run() -> Result<Report, String> {
    let mut r = Report::default();
    let mut ipvs = Ipvs::open().await.map_err(|e| format!("open: {e}"))?;
    ipvs.flush().await.map_err(|e| format!("flush: {e}"))?;

    let want = initial();
    let ops = DataPlane::default().diff(&want);
    r.check("initial: apply", apply_all(&mut ipvs, &ops).await);
    compare(&mut r, &mut ipvs, "initial", &want).await?;

    let want2 = edited();
    let current = ipvs.dump().await.map_err(|e| e.to_string())?;
    let ops = current.diff(&want2);
    r.check("edited: apply", apply_all(&mut ipvs, &ops).await);
    compare(&mut r, &mut ipvs, "edited", &want2).await?;
    let again = ipvs.dump().await.map_err(|e| e.to_string())?.diff(&want2);
    r.same("edited: nothing left to change", &again, &vec![]);

    convergence(&mut r, &mut ipvs, want2).await?;
    twos(&mut r, &mut ipvs).await;
    timeouts(&mut r, &mut ipvs).await?;

    r.check("flush", ipvs.flush().await.map_err(|e| e.to_string()));
    compare(&mut r, &mut ipvs, "flushed", &DataPlane::default()).await?;
    // After the flush: the kernel refuses sync daemons while a service
    // has destinations of the other family (the tunnelled IPv6 server).
    sync_daemons(&mut r, &mut ipvs).await?;
    Ok(r)
}

/// keepalived's retries: an add of what exists edits it, an edit of a
/// missing destination adds it, deletes of what is gone succeed, a
/// destination of a missing service fails.
async fn convergence(
    r: &mut Report,
    ipvs: &mut Ipvs,
    mut want: DataPlane,
) -> Result<(), String> {
    let key = tcp("198.51.100.15:25");
    let mut svc = service(key, "rr");
    svc.flags = ka_types::lvs::svc_flags::SCHED3;
    let d_new = dest("203.0.113.39:25", Forward::Masq, 4);
    let d_existing = dest("203.0.113.38:25", Forward::Masq, 6);
    let ops = [
        Op::AddService(svc.clone()),
        Op::EditDest(key, d_new),
        Op::AddDest(key, d_existing),
        Op::DelDest(
            key,
            "203.0.113.99:25".parse().map_err(|e| format!("{e}"))?,
        ),
        Op::DelService(tcp("198.51.100.99:25")),
    ];
    for op in &ops {
        r.check(
            &format!("converge: {op:?}"),
            ipvs.apply(op).await.map_err(|e| e.to_string()),
        );
        want.apply(op);
    }
    compare(r, ipvs, "converged", &want).await?;
    let orphan = Op::AddDest(tcp("198.51.100.98:25"), d_new);
    let res = ipvs.apply(&orphan).await;
    r.check(
        "a destination of a missing service is refused",
        match res {
            Err(e @ IpvsError::Kernel { .. }) => {
                println!("  (as expected: {e})");
                Ok(())
            }
            other => Err(format!("{other:?}")),
        },
    );
    Ok(())
}

/// `twos` is in keepalived's list but only in kernels from 6.2 (the
/// UML kernel is 6.1): it works when its module is there, and is refused
/// with the kernel's error otherwise.
async fn twos(r: &mut Report, ipvs: &mut Ipvs) {
    let loaded = std::path::Path::new("/sys/module/ip_vs_twos").exists();
    let key = tcp("198.51.100.17:80");
    let res = ipvs.apply(&Op::AddService(service(key, "twos"))).await;
    let outcome = match (&res, loaded) {
        (Ok(()), true) | (Err(IpvsError::Kernel { .. }), false) => Ok(()),
        _ => Err(format!("module loaded: {loaded}, result: {res:?}")),
    };
    if let Err(e) = &res {
        println!("  twos: {e}");
    }
    r.check("twos works where the kernel has it", outcome);
    let _ = ipvs.apply(&Op::DelService(key)).await;
}

async fn timeouts(r: &mut Report, ipvs: &mut Ipvs) -> Result<(), String> {
    let orig = ipvs.timeouts().await.map_err(|e| e.to_string())?;
    r.check(
        "timeouts: defaults read",
        if orig.tcp > 0 && orig.tcp_fin > 0 && orig.udp > 0 {
            Ok(())
        } else {
            Err(format!("{orig:?}"))
        },
    );
    let t = Timeouts {
        tcp: 1000,
        tcp_fin: 100,
        udp: 200,
    };
    r.check(
        "timeouts: set",
        ipvs.set_timeouts(t).await.map_err(|e| e.to_string()),
    );
    let got = ipvs.timeouts().await.map_err(|e| e.to_string())?;
    r.same("timeouts: read back", &got, &t);
    let shown = ipvsadm(&["-Ln", "--timeout"])?;
    r.check(
        "timeouts: ipvsadm -Ln --timeout",
        if shown.contains("1000 100 200") {
            Ok(())
        } else {
            Err(shown)
        },
    );
    let keep = Timeouts {
        tcp: 0,
        tcp_fin: 0,
        udp: 250,
    };
    r.check(
        "timeouts: zeros kept",
        ipvs.set_timeouts(keep).await.map_err(|e| e.to_string()),
    );
    let got = ipvs.timeouts().await.map_err(|e| e.to_string())?;
    r.same(
        "timeouts: only udp changed",
        &got,
        &Timeouts { udp: 250, ..t },
    );
    r.check(
        "timeouts: restored",
        ipvs.set_timeouts(orig).await.map_err(|e| e.to_string()),
    );
    Ok(())
}

async fn sync_daemons(r: &mut Report, ipvs: &mut Ipvs) -> Result<(), String> {
    let ifname = std::env::var("KA_SYNC_IF").unwrap_or_else(|_| "kad0".into());
    let master = SyncDaemon {
        state: SyncState::Master,
        ifname: ifname.clone(),
        sync_id: 7,
        max_len: Some(1400),
        group: Some(IpAddr::from([239, 1, 2, 3])),
        port: Some(8849),
        ttl: Some(3),
    };
    let backup = SyncDaemon {
        state: SyncState::Backup,
        ifname,
        sync_id: 9,
        max_len: None,
        group: None,
        port: None,
        ttl: None,
    };
    r.check(
        "sync: start master",
        ipvs.start_sync_daemon(&master)
            .await
            .map_err(|e| e.to_string()),
    );
    r.check(
        "sync: start backup",
        ipvs.start_sync_daemon(&backup)
            .await
            .map_err(|e| e.to_string()),
    );
    let shown = ipvsadm(&["-L", "--daemon"])?;
    let want_master = format!(
        "master sync daemon (mcast={}, syncid=7, maxlen=1400, group=239.1.2.3, port=8849, ttl=3)",
        master.ifname
    );
    let want_backup = format!(
        "backup sync daemon (mcast={}, syncid=9, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)",
        backup.ifname
    );
    r.check(
        "sync: ipvsadm -L --daemon",
        if shown.contains(&want_master) && shown.contains(&want_backup) {
            Ok(())
        } else {
            Err(shown)
        },
    );
    let mut got = ipvs.sync_daemons().await.map_err(|e| e.to_string())?;
    got.sort_by_key(|d| d.state.value());
    let filled_backup = SyncDaemon {
        max_len: Some(1472),
        group: Some(IpAddr::from([224, 0, 0, 81])),
        port: Some(8848),
        ttl: Some(1),
        ..backup
    };
    r.same("sync: dumped", &got, &vec![master, filled_backup]);
    r.check(
        "sync: stop master",
        ipvs.stop_sync_daemon(SyncState::Master)
            .await
            .map_err(|e| e.to_string()),
    );
    let left = ipvs.sync_daemons().await.map_err(|e| e.to_string())?;
    r.same(
        "sync: backup left",
        &left.iter().map(|d| d.state).collect::<Vec<_>>(),
        &vec![SyncState::Backup],
    );
    r.check(
        "sync: stop backup",
        ipvs.stop_sync_daemon(SyncState::Backup)
            .await
            .map_err(|e| e.to_string()),
    );
    Ok(())
}
