//! One generic netlink socket: a request out, its answers in, matched by
//! sequence number, bounded in time.

use std::io;
use std::time::Duration;

use netlink_packet_core::{
    NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, NetlinkDeserializable,
    NetlinkMessage, NetlinkPayload, NetlinkSerializable,
};
use netlink_packet_generic::ctrl::nlas::GenlCtrlAttrs;
use netlink_packet_generic::ctrl::{GenlCtrl, GenlCtrlCmd};
use netlink_packet_generic::{GenlFamily, GenlMessage};
use netlink_sys::protocols::NETLINK_GENERIC;
use netlink_sys::{AsyncSocket, AsyncSocketExt, SocketAddr, TokioSocket};

use crate::error::{ENOENT, IpvsError};
use crate::message::IpvsMessage;

/// No answer may take longer (the kernel answers at once; this only
/// bounds a wedged socket).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// Why one exchange failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The kernel answered with this errno (positive).
    Errno(i32),
    /// Anything else, already an [`IpvsError`].
    Other(IpvsError),
}

impl From<IpvsError> for Failure {
    fn from(e: IpvsError) -> Self {
        Self::Other(e)
    }
}

/// A generic netlink socket and the resolved IPVS family id.
pub(crate) struct Socket {
    sock: TokioSocket,
    family: u16,
    seq: u32,
    sent: u64,
}

impl Socket {
    /// A bound socket; the family is resolved by [`Self::resolve`].
    pub(crate) fn new() -> Result<Self, IpvsError> {
        let mut sock =
            TokioSocket::new(NETLINK_GENERIC).map_err(IpvsError::Socket)?;
        sock.socket_mut().bind_auto().map_err(IpvsError::Socket)?;
        sock.socket_mut()
            .connect(&SocketAddr::new(0, 0))
            .map_err(IpvsError::Socket)?;
        Ok(Self {
            sock,
            family: 0,
            seq: 0,
            sent: 0,
        })
    }

    /// Requests written so far.
    pub(crate) fn sent(&self) -> u64 {
        self.sent
    }

    /// Looks the IPVS family up (`CTRL_CMD_GETFAMILY`); `Ok(false)` when
    /// the kernel has no such family (ENOENT).
    pub(crate) async fn resolve(&mut self) -> Result<bool, IpvsError> {
        let req = GenlMessage::from_payload(GenlCtrl {
            cmd: GenlCtrlCmd::GetFamily,
            nlas: vec![GenlCtrlAttrs::FamilyName(
                IpvsMessage::family_name().into(),
            )],
        });
        let answers = match self.exchange(req, false).await {
            Ok(a) => a,
            Err(Failure::Errno(ENOENT)) => return Ok(false),
            Err(Failure::Errno(e)) => {
                return Err(IpvsError::Kernel {
                    what: "resolve the IPVS generic netlink family".into(),
                    source: io::Error::from_raw_os_error(e),
                });
            }
            Err(Failure::Other(e)) => return Err(e),
        };
        let id = answers.iter().find_map(|m: &GenlMessage<GenlCtrl>| {
            m.payload.nlas.iter().find_map(|a| match a {
                GenlCtrlAttrs::FamilyId(id) => Some(*id),
                _ => None,
            })
        });
        match id {
            Some(id) => {
                self.family = id;
                Ok(true)
            }
            None => Err(IpvsError::NoFamilyId),
        }
    }

    /// Sends one IPVS request and returns its answers: the acknowledged
    /// reply for a command, every entry for a dump.
    pub(crate) async fn ipvs(
        &mut self,
        msg: IpvsMessage,
        dump: bool,
    ) -> Result<Vec<IpvsMessage>, Failure> {
        let mut m = GenlMessage::from_payload(msg);
        m.set_resolved_family_id(self.family);
        let answers = self.exchange(m, dump).await?;
        Ok(answers.into_iter().map(|m| m.payload).collect())
    }

    async fn exchange<P>(
        &mut self,
        payload: P,
        dump: bool,
    ) -> Result<Vec<P>, Failure>
    where
        P: NetlinkSerializable + NetlinkDeserializable + std::fmt::Debug,
    {
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let mut msg = NetlinkMessage::new(
            Default::default(),
            NetlinkPayload::InnerMessage(payload),
        );
        msg.header.flags =
            NLM_F_REQUEST | if dump { NLM_F_DUMP } else { NLM_F_ACK };
        msg.header.sequence_number = seq;
        msg.finalize();
        let mut buf = vec![0u8; msg.buffer_len()];
        msg.serialize(&mut buf);
        self.sent += 1;
        self.sock
            .send(&buf)
            .await
            .map_err(|e| IpvsError::Socket(e).into_failure())?;
        match tokio::time::timeout(ANSWER_TIMEOUT, self.collect::<P>(seq)).await
        {
            Ok(r) => r,
            Err(_) => Err(IpvsError::Timeout(ANSWER_TIMEOUT).into()),
        }
    }

    /// Reads datagrams until the request `seq` is acknowledged, failed or
    /// (for a dump) done.
    async fn collect<P>(&mut self, seq: u32) -> Result<Vec<P>, Failure>
    where
        P: NetlinkDeserializable + std::fmt::Debug,
    {
        let mut out = Vec::new();
        loop {
            let (data, _) = self
                .sock
                .recv_from_full()
                .await
                .map_err(|e| IpvsError::Socket(e).into_failure())?;
            let mut off = 0;
            while off < data.len() {
                let msg = NetlinkMessage::<P>::deserialize(&data[off..])
                    .map_err(|e| IpvsError::Decode(e).into_failure())?;
                let len = msg.header.length as usize;
                if msg.header.sequence_number == seq {
                    match msg.payload {
                        NetlinkPayload::InnerMessage(p) => out.push(p),
                        NetlinkPayload::Done(_) => return Ok(out),
                        NetlinkPayload::Error(e) => match e.code {
                            None => return Ok(out),
                            Some(code) => {
                                return Err(Failure::Errno(-code.get()));
                            }
                        },
                        _ => {}
                    }
                }
                if len == 0 {
                    break;
                }
                off += len.next_multiple_of(4);
            }
        }
    }
}

impl std::fmt::Debug for Socket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket")
            .field("family", &self.family)
            .field("seq", &self.seq)
            .field("sent", &self.sent)
            .finish_non_exhaustive()
    }
}

impl IpvsError {
    fn into_failure(self) -> Failure {
        Failure::Other(self)
    }
}
