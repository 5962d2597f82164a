//! One AgentX connection to the master: the stream, PDU framing (RFC
//! 2741 §6.1: a 20-byte header announces the payload), and the
//! request/response exchanges of the session's start (Open, Register,
//! AddAgentCaps, §7.1).

use std::time::Duration;

use ka_agentx::{DecodeError, HEADER_LEN, Header, Message, Pdu, ResponseError};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::endpoint::Endpoint;

/// A byte stream to the master (Unix or TCP).
pub(crate) trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// How long the master has to answer one of our requests. keepalived
/// gives net-snmp 1/3 s and no retry ("better disconnect from the master
/// agent than waiting for him"); the master's answers here come from
/// another process on the same host, a second is generous.
pub(crate) const ANSWER_WAIT: Duration = Duration::from_secs(1);

/// What one read from the stream gave.
pub(crate) enum Frame {
    /// A PDU.
    Pdu(Message),
    /// A PDU whose header is sound but whose body is not (answered with
    /// parseError, §7.2.2).
    Bad(Header, DecodeError),
}

/// Why the connection ended.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConnError {
    /// The socket failed or closed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A header that cannot be read: the stream is out of step.
    #[error("malformed AgentX header: {0}")]
    Header(DecodeError),
    /// The master refused a request or did not answer.
    #[error("{0}")]
    Refused(String),
}

/// A connection and the bytes read but not yet framed.
pub(crate) struct Conn {
    io: Box<dyn Stream>,
    buf: Vec<u8>,
    next_packet: u32,
    /// `h.sessionID` the master gave in its answer to Open.
    pub session_id: u32,
}

impl Conn {
    /// Connects to `ep`.
    pub(crate) async fn connect(ep: &Endpoint) -> std::io::Result<Self> {
        let io: Box<dyn Stream> = match ep {
            Endpoint::Unix(p) => {
                Box::new(tokio::net::UnixStream::connect(p).await?)
            }
            Endpoint::Tcp(h, p) => Box::new(
                tokio::net::TcpStream::connect((h.as_str(), *p)).await?,
            ),
        };
        Ok(Self {
            io,
            buf: Vec::new(),
            next_packet: 1,
            session_id: 0,
        })
    }

    /// A new `h.packetID`.
    pub(crate) fn packet_id(&mut self) -> u32 {
        self.next_packet = self.next_packet.wrapping_add(1);
        self.next_packet
    }

    /// Sends `pdu` in our session; returns its packet id.
    pub(crate) async fn send(&mut self, pdu: Pdu) -> std::io::Result<u32> {
        let packet_id = self.packet_id();
        let m = Message {
            session_id: self.session_id,
            transaction_id: 0,
            packet_id,
            flags: 0,
            context: None,
            pdu,
        };
        self.write(&m).await?;
        Ok(packet_id)
    }

    /// Writes `m` as is.
    pub(crate) async fn write(&mut self, m: &Message) -> std::io::Result<()> {
        self.io.write_all(&m.encode()).await
    }

    /// The next PDU. Cancel-safe: bytes read stay in the buffer.
    pub(crate) async fn read(&mut self) -> Result<Frame, ConnError> {
        loop {
            if let Some(frame) = self.take()? {
                return Ok(frame);
            }
            let mut chunk = [0u8; 4096];
            let n = self.io.read(&mut chunk).await?;
            if n == 0 {
                return Err(std::io::Error::from(
                    std::io::ErrorKind::UnexpectedEof,
                )
                .into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// A whole PDU from the buffer, if one is there.
    fn take(&mut self) -> Result<Option<Frame>, ConnError> {
        let Some(head) = self.buf.get(..HEADER_LEN) else {
            return Ok(None);
        };
        let h = Header::decode(head).map_err(ConnError::Header)?;
        let end = HEADER_LEN + h.payload_length as usize;
        if self.buf.len() < end {
            return Ok(None);
        }
        let frame =
            match Message::decode_payload(&h, &self.buf[HEADER_LEN..end]) {
                Ok(m) => Frame::Pdu(m),
                Err(e) => Frame::Bad(h, e),
            };
        self.buf.drain(..end);
        Ok(Some(frame))
    }

    /// Sends `pdu` and waits (bounded) for the master's Response to it;
    /// PDUs that are not that Response are an error here (the session
    /// is not serving yet).
    pub(crate) async fn request(
        &mut self,
        pdu: Pdu,
    ) -> Result<Message, ConnError> {
        let id = self.send(pdu).await?;
        let answer = tokio::time::timeout(ANSWER_WAIT, async {
            loop {
                match self.read().await? {
                    Frame::Pdu(m)
                        if matches!(m.pdu, Pdu::Response { .. })
                            && m.packet_id == id =>
                    {
                        return Ok::<_, ConnError>(m);
                    }
                    _ => continue,
                }
            }
        })
        .await;
        answer.map_err(|_| {
            ConnError::Refused("no answer from the master agent".into())
        })?
    }
}

/// `res.error` of a Response, if any.
pub(crate) fn response_error(m: &Message) -> Option<ResponseError> {
    match &m.pdu {
        Pdu::Response { error, .. } if *error != ResponseError::NONE => {
            Some(*error)
        }
        _ => None,
    }
}
