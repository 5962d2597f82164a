//! [`Ipvs`]: the driver's requests.

use std::io;
use std::net::IpAddr;

use ka_types::lvs::{DataPlane, Dest, Op, Service, ServiceState, SvcKey};

use crate::convert::{
    Unrepresentable, af, dest_attrs, dest_from, dest_key_attrs, key_attrs,
    service_attrs, service_from,
};
use crate::error::{EEXIST, ENOENT, ESRCH, IpvsError};
use crate::message::{IpvsCmd, IpvsMessage};
use crate::nla::{CmdAttr, DaemonAttr};
use crate::socket::{Failure, Socket};
use crate::sync::{SyncDaemon, SyncState, Timeouts};

/// A generic netlink socket with the IPVS family resolved.
#[derive(Debug)]
pub struct Ipvs {
    sock: Socket,
}

impl Ipvs {
    /// Opens the socket and resolves the family. When the kernel has no
    /// IPVS family, runs `modprobe ip_vs` and tries once more, as
    /// keepalived does (`ipvswrapper.c: ipvs_start`); [`IpvsError::Absent`]
    /// if it is still missing.
    pub async fn open() -> Result<Self, IpvsError> {
        let mut sock = Socket::new()?;
        if sock.resolve().await? {
            return Ok(Self { sock });
        }
        modprobe_ip_vs().await;
        if sock.resolve().await? {
            Ok(Self { sock })
        } else {
            Err(IpvsError::Absent)
        }
    }

    /// Netlink requests written so far (family look-ups, commands, dumps
    /// and retries alike).
    pub fn messages_sent(&self) -> u64 {
        self.sock.sent()
    }

    /// Applies one change. keepalived compat (`ipvswrapper.c: ipvs_talk`):
    /// an edit of a missing destination adds it; additionally an add of
    /// what exists edits it, and a delete of what is gone succeeds, so a
    /// reconciler that lost track of the kernel converges.
    pub async fn apply(&mut self, op: &Op) -> Result<(), IpvsError> {
        match op {
            Op::AddService(s) => {
                match self.service_cmd(IpvsCmd::NewService, s).await {
                    Err(Failure::Errno(EEXIST)) => {
                        self.service_cmd(IpvsCmd::SetService, s).await
                    }
                    r => r,
                }
                .map_err(|f| kernel(f, format!("add service {}", s.key)))
            }
            Op::EditService(s) => self
                .service_cmd(IpvsCmd::SetService, s)
                .await
                .map_err(|f| kernel(f, format!("edit service {}", s.key))),
            Op::DelService(k) => {
                let msg = IpvsMessage::new(
                    IpvsCmd::DelService,
                    vec![CmdAttr::Service(key_attrs(k))],
                );
                match self.sock.ipvs(msg, false).await {
                    Err(Failure::Errno(ESRCH | ENOENT)) => Ok(()),
                    r => r.map(drop),
                }
                .map_err(|f| kernel(f, format!("delete service {k}")))
            }
            Op::AddDest(k, d) => {
                match self.dest_cmd(IpvsCmd::NewDest, k, d).await {
                    Err(Failure::Errno(EEXIST)) => {
                        self.dest_cmd(IpvsCmd::SetDest, k, d).await
                    }
                    r => r,
                }
                .map_err(|f| kernel(f, format!("add dest {} to {k}", d.addr)))
            }
            Op::EditDest(k, d) => {
                match self.dest_cmd(IpvsCmd::SetDest, k, d).await {
                    Err(Failure::Errno(ENOENT)) => {
                        self.dest_cmd(IpvsCmd::NewDest, k, d).await
                    }
                    r => r,
                }
                .map_err(|f| kernel(f, format!("edit dest {} in {k}", d.addr)))
            }
            Op::DelDest(k, a) => {
                let msg = IpvsMessage::new(
                    IpvsCmd::DelDest,
                    vec![
                        CmdAttr::Service(key_attrs(k)),
                        CmdAttr::Dest(dest_key_attrs(a)),
                    ],
                );
                match self.sock.ipvs(msg, false).await {
                    Err(Failure::Errno(ESRCH | ENOENT)) => Ok(()),
                    r => r.map(drop),
                }
                .map_err(|f| kernel(f, format!("delete dest {a} from {k}")))
            }
        }
    }

    async fn service_cmd(
        &mut self,
        cmd: IpvsCmd,
        s: &Service,
    ) -> Result<(), Failure> {
        let msg =
            IpvsMessage::new(cmd, vec![CmdAttr::Service(service_attrs(s))]);
        self.sock.ipvs(msg, false).await.map(drop)
    }

    async fn dest_cmd(
        &mut self,
        cmd: IpvsCmd,
        k: &SvcKey,
        d: &Dest,
    ) -> Result<(), Failure> {
        let msg = IpvsMessage::new(
            cmd,
            vec![CmdAttr::Service(key_attrs(k)), CmdAttr::Dest(dest_attrs(d))],
        );
        self.sock.ipvs(msg, false).await.map(drop)
    }

    /// The kernel's whole table: a GET_SERVICE dump, then a GET_DEST dump
    /// per service. Entries the table model cannot hold (AH/ESP services,
    /// local-node destinations) are left out with a warning.
    pub async fn dump(&mut self) -> Result<DataPlane, IpvsError> {
        let msg = IpvsMessage::new(IpvsCmd::GetService, vec![]);
        let answers = self
            .sock
            .ipvs(msg, true)
            .await
            .map_err(|f| kernel(f, "dump services".into()))?;
        let mut plane = DataPlane::default();
        for m in answers {
            for attrs in m.attrs.iter().filter_map(|a| match a {
                CmdAttr::Service(s) => Some(s),
                _ => None,
            }) {
                match service_from(attrs) {
                    Ok(service) => {
                        let dests = self.dump_dests(&service.key).await?;
                        let state = ServiceState { service, dests };
                        plane.services.insert(state.service.key, state);
                    }
                    Err(why) => skip_entry("service", &why),
                }
            }
        }
        Ok(plane)
    }

    async fn dump_dests(
        &mut self,
        key: &SvcKey,
    ) -> Result<std::collections::BTreeMap<std::net::SocketAddr, Dest>, IpvsError>
    {
        let msg = IpvsMessage::new(
            IpvsCmd::GetDest,
            vec![CmdAttr::Service(key_attrs(key))],
        );
        let answers = self
            .sock
            .ipvs(msg, true)
            .await
            .map_err(|f| kernel(f, format!("dump dests of {key}")))?;
        let svc_af = af(key.family());
        let mut dests = std::collections::BTreeMap::new();
        for m in answers {
            for a in &m.attrs {
                if let CmdAttr::Dest(attrs) = a {
                    match dest_from(attrs, svc_af) {
                        Ok(d) => {
                            dests.insert(d.addr, d);
                        }
                        Err(why) => skip_entry("destination", &why),
                    }
                }
            }
        }
        Ok(dests)
    }

    /// Removes every service (`lvs_flush`, `lvs_flush_on_stop`).
    pub async fn flush(&mut self) -> Result<(), IpvsError> {
        let msg = IpvsMessage::new(IpvsCmd::Flush, vec![]);
        self.sock
            .ipvs(msg, false)
            .await
            .map(drop)
            .map_err(|f| kernel(f, "flush".into()))
    }

    /// The connection timeouts (`IPVS_CMD_GET_CONFIG`).
    pub async fn timeouts(&mut self) -> Result<Timeouts, IpvsError> {
        let msg = IpvsMessage::new(IpvsCmd::GetConfig, vec![]);
        let answers = self
            .sock
            .ipvs(msg, false)
            .await
            .map_err(|f| kernel(f, "get timeouts".into()))?;
        let mut t = Timeouts::default();
        for a in answers.iter().flat_map(|m| &m.attrs) {
            match a {
                CmdAttr::TimeoutTcp(v) => t.tcp = *v,
                CmdAttr::TimeoutTcpFin(v) => t.tcp_fin = *v,
                CmdAttr::TimeoutUdp(v) => t.udp = *v,
                _ => {}
            }
        }
        Ok(t)
    }

    /// Sets the connection timeouts (`IPVS_CMD_SET_CONFIG`); zeros are
    /// left unchanged by the kernel.
    pub async fn set_timeouts(&mut self, t: Timeouts) -> Result<(), IpvsError> {
        let msg = IpvsMessage::new(IpvsCmd::SetConfig, timeouts_attrs(t));
        self.sock
            .ipvs(msg, false)
            .await
            .map(drop)
            .map_err(|f| kernel(f, "set timeouts".into()))
    }

    /// Starts a sync daemon (`IPVS_CMD_NEW_DAEMON`).
    pub async fn start_sync_daemon(
        &mut self,
        d: &SyncDaemon,
    ) -> Result<(), IpvsError> {
        let msg = IpvsMessage::new(
            IpvsCmd::NewDaemon,
            vec![CmdAttr::Daemon(daemon_attrs(d))],
        );
        self.sock.ipvs(msg, false).await.map(drop).map_err(|f| {
            kernel(f, format!("start sync daemon on {}", d.ifname))
        })
    }

    /// Stops the master or backup sync daemon (`IPVS_CMD_DEL_DAEMON`).
    pub async fn stop_sync_daemon(
        &mut self,
        state: SyncState,
    ) -> Result<(), IpvsError> {
        let msg = IpvsMessage::new(IpvsCmd::DelDaemon, stop_attrs(state));
        self.sock
            .ipvs(msg, false)
            .await
            .map(drop)
            .map_err(|f| kernel(f, format!("stop sync daemon {state:?}")))
    }

    /// The running sync daemons (`IPVS_CMD_GET_DAEMON` dump).
    pub async fn sync_daemons(&mut self) -> Result<Vec<SyncDaemon>, IpvsError> {
        let msg = IpvsMessage::new(IpvsCmd::GetDaemon, vec![]);
        let answers = self
            .sock
            .ipvs(msg, true)
            .await
            .map_err(|f| kernel(f, "dump sync daemons".into()))?;
        Ok(answers
            .iter()
            .flat_map(|m| &m.attrs)
            .filter_map(|a| match a {
                CmdAttr::Daemon(attrs) => daemon_from(attrs),
                _ => None,
            })
            .collect())
    }
}

/// SET_CONFIG's attributes: all three timeouts, as keepalived sends them
/// (`libipvs.c: ipvs_set_timeout`).
pub(crate) fn timeouts_attrs(t: Timeouts) -> Vec<CmdAttr> {
    vec![
        CmdAttr::TimeoutTcp(t.tcp),
        CmdAttr::TimeoutTcpFin(t.tcp_fin),
        CmdAttr::TimeoutUdp(t.udp),
    ]
}

/// DEL_DAEMON's attributes: the state, all the kernel reads (keepalived
/// adds the sync id).
pub(crate) fn stop_attrs(state: SyncState) -> Vec<CmdAttr> {
    vec![CmdAttr::Daemon(vec![DaemonAttr::State(state.value())])]
}

/// The attributes keepalived sends to start a daemon
/// (`libipvs.c: ipvs_start_daemon`): optional ones only when set.
pub(crate) fn daemon_attrs(d: &SyncDaemon) -> Vec<DaemonAttr> {
    let mut v = vec![
        DaemonAttr::State(d.state.value()),
        DaemonAttr::McastIfn(d.ifname.clone()),
        DaemonAttr::SyncId(d.sync_id),
    ];
    v.extend(d.max_len.map(DaemonAttr::SyncMaxlen));
    v.extend(d.port.map(DaemonAttr::McastPort));
    v.extend(d.ttl.map(DaemonAttr::McastTtl));
    match d.group {
        Some(IpAddr::V4(g)) => v.push(DaemonAttr::McastGroup(g)),
        Some(IpAddr::V6(g)) => v.push(DaemonAttr::McastGroup6(g)),
        None => {}
    }
    v
}

/// A dumped daemon; the kernel reports every option, so all are `Some`.
pub(crate) fn daemon_from(attrs: &[DaemonAttr]) -> Option<SyncDaemon> {
    let mut d = SyncDaemon {
        state: SyncState::Master,
        ifname: String::new(),
        sync_id: 0,
        max_len: None,
        group: None,
        port: None,
        ttl: None,
    };
    let mut state = None;
    for a in attrs {
        match a {
            DaemonAttr::State(v) => state = SyncState::from_value(*v),
            DaemonAttr::McastIfn(v) => d.ifname.clone_from(v),
            DaemonAttr::SyncId(v) => d.sync_id = *v,
            DaemonAttr::SyncMaxlen(v) => d.max_len = Some(*v),
            DaemonAttr::McastGroup(v) => d.group = Some(IpAddr::V4(*v)),
            DaemonAttr::McastGroup6(v) => d.group = Some(IpAddr::V6(*v)),
            DaemonAttr::McastPort(v) => d.port = Some(*v),
            DaemonAttr::McastTtl(v) => d.ttl = Some(*v),
            DaemonAttr::Other(_) => {}
        }
    }
    d.state = state?;
    Some(d)
}

fn kernel(f: Failure, what: String) -> IpvsError {
    match f {
        Failure::Errno(e) => IpvsError::Kernel {
            what,
            source: io::Error::from_raw_os_error(e),
        },
        Failure::Other(e) => e,
    }
}

fn skip_entry(kind: &str, why: &Unrepresentable) {
    tracing::warn!("IPVS dump: a {kind} left out: {why:?}");
}

/// `modprobe ip_vs`, bounded; its failure only means the retry fails.
async fn modprobe_ip_vs() {
    let run = tokio::process::Command::new("modprobe")
        .arg("ip_vs")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .status();
    match tokio::time::timeout(std::time::Duration::from_secs(10), run).await {
        Ok(Ok(s)) if s.success() => {}
        Ok(Ok(s)) => tracing::debug!("modprobe ip_vs: {s}"),
        Ok(Err(e)) => tracing::debug!("modprobe ip_vs: {e}"),
        Err(_) => tracing::debug!("modprobe ip_vs: timed out"),
    }
}

#[cfg(test)]
#[path = "ipvs_tests.rs"]
mod tests;
