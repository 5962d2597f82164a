//! A master agent played by the test (RFC 2741 from the master's side,
//! with `ka_agentx`): it accepts keepalived-rs's session, then sends a
//! PDU whose body does not parse (the answer must be parseError, §7.2.2),
//! a sound GetNext (still answered), and a header that cannot be read
//! (the subagent must drop the connection and come back).

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::time::{Duration, Instant};

use ka_agentx::{
    HEADER_LEN, Header, Message, Oid, Pdu, ResponseError, SearchRange,
};

/// What the fake master saw.
#[derive(Debug, Default)]
pub(crate) struct Report {
    /// The subtrees registered.
    pub(crate) registered: Vec<String>,
    /// The malformed Get was answered with parseError.
    pub(crate) parse_error_answered: bool,
    /// A Get in a context the subagent did not register in was refused
    /// with unsupportedContext.
    pub(crate) foreign_context_refused: bool,
    /// After the bad header the subagent opened a new session.
    pub(crate) reconnected_after_bad_header: bool,
}

pub(crate) struct FakeMaster {
    listener: UnixListener,
}

const SESSION: u32 = 42;

impl FakeMaster {
    pub(crate) fn bind(path: &Path) -> Self {
        let listener = UnixListener::bind(path).expect("bind the fake master");
        listener.set_nonblocking(true).unwrap();
        Self { listener }
    }

    fn accept(&self, deadline: Instant) -> Result<UnixStream, String> {
        while Instant::now() < deadline {
            match self.listener.accept() {
                Ok((s, _)) => {
                    s.set_nonblocking(false).unwrap();
                    s.set_read_timeout(Some(Duration::from_millis(200)))
                        .unwrap();
                    return Ok(s);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
        Err("the subagent never connected".into())
    }

    /// Plays the scenario within `bound`.
    pub(crate) fn run(&self, bound: Duration) -> Result<Report, String> {
        let deadline = Instant::now() + bound;
        let mut report = Report::default();
        let mut s = self.accept(deadline)?;
        // Open, then 4 × (Register, AddAgentCaps).
        let open = read(&mut s, deadline)?.ok_or("closed before Open")?;
        if !matches!(open.pdu, Pdu::Open { .. }) {
            return Err(format!("first PDU not Open: {open:?}"));
        }
        answer(&mut s, &open)?;
        let mut caps = 0;
        while report.registered.len() < 4 || caps < 4 {
            let m =
                read(&mut s, deadline)?.ok_or("closed while registering")?;
            match &m.pdu {
                Pdu::Register { subtree, .. } => {
                    report.registered.push(subtree.to_string())
                }
                Pdu::AddAgentCaps { .. } => caps += 1,
                _ => {}
            }
            answer(&mut s, &m)?;
        }
        // A Get whose OID claims 200 sub-identifiers.
        let mut bad = get(7, "1.3.6.1.4.1.9586.100.5.1.2.0").encode();
        bad[20] = 200;
        s.write_all(&bad).map_err(|e| e.to_string())?;
        let r = response_to(&mut s, 7, deadline)?;
        report.parse_error_answered = matches!(
            r.pdu,
            Pdu::Response {
                error: ResponseError::PARSE_ERROR,
                ..
            }
        );
        // Still serving: a GetNext from the top of KEEPALIVED-MIB.
        let mut next = get(8, "1.3.6.1.4.1.9586.100.5");
        if let Pdu::Get { ranges } = next.pdu {
            next.pdu = Pdu::GetNext { ranges };
        }
        s.write_all(&next.encode()).map_err(|e| e.to_string())?;
        let r = response_to(&mut s, 8, deadline)?;
        match &r.pdu {
            Pdu::Response { varbinds, .. }
                if varbinds.first().is_some_and(|v| {
                    v.name.to_string() == "1.3.6.1.4.1.9586.100.5.1.1.0"
                }) => {}
            other => return Err(format!("GetNext answered {other:?}")),
        }
        // A context it did not register in (§7.2.1).
        let mut other = get(9, "1.3.6.1.4.1.9586.100.5.1.2.0");
        other.context = Some(b"other".to_vec());
        s.write_all(&other.encode()).map_err(|e| e.to_string())?;
        let r = response_to(&mut s, 9, deadline)?;
        report.foreign_context_refused = matches!(
            r.pdu,
            Pdu::Response {
                error: ResponseError::UNSUPPORTED_CONTEXT,
                ..
            }
        );
        // A header that cannot be read: AgentX version 9.
        s.write_all(&[9; HEADER_LEN]).map_err(|e| e.to_string())?;
        drop(s);
        let mut s = self.accept(deadline)?;
        let again =
            read(&mut s, deadline)?.ok_or("closed before the second Open")?;
        report.reconnected_after_bad_header =
            matches!(again.pdu, Pdu::Open { .. });
        Ok(report)
    }
}

fn get(packet_id: u32, oid: &str) -> Message {
    Message {
        session_id: SESSION,
        transaction_id: packet_id,
        packet_id,
        flags: 0,
        context: None,
        pdu: Pdu::Get {
            ranges: vec![SearchRange {
                start: oid.parse::<Oid>().unwrap(),
                include: false,
                end: Oid::default(),
            }],
        },
    }
}

/// Reads one PDU; `None` at end of stream.
fn read(
    s: &mut UnixStream,
    deadline: Instant,
) -> Result<Option<Message>, String> {
    let mut head = [0u8; HEADER_LEN];
    if !read_exact(s, &mut head, deadline)? {
        return Ok(None);
    }
    let h = Header::decode(&head).map_err(|e| e.to_string())?;
    let mut body = vec![0u8; h.payload_length as usize];
    if !read_exact(s, &mut body, deadline)? {
        return Ok(None);
    }
    Message::decode_payload(&h, &body)
        .map(Some)
        .map_err(|e| e.to_string())
}

fn read_exact(
    s: &mut UnixStream,
    buf: &mut [u8],
    deadline: Instant,
) -> Result<bool, String> {
    let mut got = 0;
    while got < buf.len() {
        if Instant::now() > deadline {
            return Err("timed out reading from the subagent".into());
        }
        match s.read(&mut buf[got..]) {
            Ok(0) => return Ok(false),
            Ok(n) => got += n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(true)
}

/// Answers a subagent's request with success, in our session.
fn answer(s: &mut UnixStream, m: &Message) -> Result<(), String> {
    let r = Message {
        session_id: SESSION,
        transaction_id: m.transaction_id,
        packet_id: m.packet_id,
        flags: 0,
        context: None,
        pdu: Pdu::Response {
            sys_uptime: 0,
            error: ResponseError::NONE,
            index: 0,
            varbinds: Vec::new(),
        },
    };
    s.write_all(&r.encode()).map_err(|e| e.to_string())
}

/// The Response to our packet `id` (notifications meanwhile are answered).
fn response_to(
    s: &mut UnixStream,
    id: u32,
    deadline: Instant,
) -> Result<Message, String> {
    loop {
        let m = read(s, deadline)?.ok_or("closed before answering")?;
        match m.pdu {
            Pdu::Response { .. } if m.packet_id == id => return Ok(m),
            Pdu::Response { .. } => {}
            _ => answer(s, &m)?,
        }
    }
}
