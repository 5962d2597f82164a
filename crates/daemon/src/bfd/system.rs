//! [`BfdIo`] on the kernel's UDP sockets (`ka_sys::bfd_socket`).

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;

use ka_sys::bfd_socket::{BfdListener, BfdSender, source_port_range};
use ka_wire::bfd::{PORT_MULTIHOP, PORT_SINGLE_HOP};

use super::io::{BfdIo, Datagram, IoError};
use super::plan::BfdPlan;

/// The listeners and the per-session senders.
#[derive(Debug, Default)]
pub(crate) struct SystemIo {
    single: Option<BfdListener>,
    multi: Option<BfdListener>,
    senders: BTreeMap<String, BfdSender>,
    /// Where the next source port search starts.
    next_port: u16,
}

impl SystemIo {
    pub(crate) fn new(seed: u64) -> Self {
        let (lo, hi) = source_port_range();
        let span = u64::from(hi - lo) + 1;
        let off = u16::try_from(seed % span).unwrap_or(0);
        Self {
            next_port: lo.saturating_add(off),
            ..Self::default()
        }
    }
}

impl BfdIo for SystemIo {
    fn configure(
        &mut self,
        plan: &BfdPlan,
    ) -> Result<Vec<(String, io::Error)>, IoError> {
        let sessions = &plan.engine.sessions;
        self.senders
            .retain(|name, _| sessions.iter().any(|s| &s.name == name));
        let mut failed = Vec::new();
        for s in sessions {
            if self.senders.contains_key(&s.name) {
                continue;
            }
            match BfdSender::open(s.neighbor, s.source, s.ttl, self.next_port) {
                Ok(tx) => {
                    if let Ok(a) = tx.local_addr() {
                        self.next_port = a.port().wrapping_add(1);
                    }
                    self.senders.insert(s.name.clone(), tx);
                }
                Err(e) => failed.push((s.name.clone(), e)),
            }
        }
        let single = sessions.iter().any(|s| !s.multihop);
        let multi = sessions.iter().any(|s| s.multihop);
        listen(&mut self.single, single, PORT_SINGLE_HOP)?;
        listen(&mut self.multi, multi, PORT_MULTIHOP)?;
        Ok(failed)
    }

    fn send(
        &mut self,
        session: &str,
        dst: SocketAddr,
        bytes: &[u8],
    ) -> io::Result<()> {
        let tx = self
            .senders
            .get(session)
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))?;
        tx.send(bytes, dst)
    }

    async fn recv(&mut self) -> io::Result<Datagram> {
        let wrap = |multihop| {
            move |r: io::Result<_>| {
                r.map(|received| Datagram { received, multihop })
            }
        };
        match (&self.single, &self.multi) {
            (Some(s), Some(m)) => tokio::select! {
                r = s.recv() => wrap(false)(r),
                r = m.recv() => wrap(true)(r),
            },
            (Some(s), None) => wrap(false)(s.recv().await),
            (None, Some(m)) => wrap(true)(m.recv().await),
            (None, None) => std::future::pending().await,
        }
    }

    fn try_recv(&mut self) -> Option<Datagram> {
        for (l, multihop) in [(&self.single, false), (&self.multi, true)] {
            if let Some(Ok(Some(received))) =
                l.as_ref().map(BfdListener::try_recv)
            {
                return Some(Datagram { received, multihop });
            }
        }
        None
    }

    fn close(&mut self) {
        self.senders.clear();
        self.single = None;
        self.multi = None;
    }
}

/// Opens (or closes) one listener; a listener already open is kept
/// (keepalived does not reopen them on reload).
fn listen(
    slot: &mut Option<BfdListener>,
    wanted: bool,
    port: u16,
) -> Result<(), IoError> {
    if !wanted {
        *slot = None;
    } else if slot.is_none() {
        *slot = Some(BfdListener::open(port).map_err(IoError::Listen)?);
    }
    Ok(())
}
