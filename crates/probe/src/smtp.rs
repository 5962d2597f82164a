//! SMTP_CHECK: banner 220, `HELO helo_name`, 250, `QUIT`, one line
//! read (check_smtp.c `smtp_engine_thread`).
//!
//! keepalived compat: each reply is the first line of what one read
//! returns (the rest of that read is dropped), in a 512-byte buffer; its
//! status is three digits followed by a space or the end of the line
//! (`smtp_get_status`, so `220-` continuation lines and a bare `220\r`
//! are refused). Each line and each write is bounded by `connect_timeout`.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout, timeout_at};

use crate::outcome::{Reason, Verdict};
use crate::spec::{SmtpSpec, Target};

/// keepalived's `SMTP_BUFF_MAX`.
const LINE_MAX: usize = 512;

/// Runs the dialogue with `t`.
pub(crate) async fn run(spec: &SmtpSpec, t: &Target) -> Verdict {
    match dialogue(spec, t).await {
        Ok(()) => Verdict::Up,
        Err(r) => Verdict::Down(r),
    }
}

async fn dialogue(spec: &SmtpSpec, t: &Target) -> Result<(), Reason> {
    let mut s = crate::connect::tcp(t).await?;
    if status(&line(&mut s, t).await?) != Some(220) {
        return Err(Reason::SmtpBanner);
    }
    send(&mut s, t, format!("HELO {}\r\n", spec.helo_name).as_bytes()).await?;
    if status(&line(&mut s, t).await?) != Some(250) {
        return Err(Reason::SmtpHelo);
    }
    send(&mut s, t, b"QUIT\r\n").await?;
    line(&mut s, t).await?;
    Ok(())
}

async fn send(s: &mut TcpStream, t: &Target, b: &[u8]) -> Result<(), Reason> {
    match timeout(t.timeout, s.write_all(b)).await {
        Err(_) => Err(Reason::WriteTimeout),
        Ok(Err(e)) => Err(Reason::WriteFailed(e.kind())),
        Ok(Ok(())) => Ok(()),
    }
}

/// Reads until a `\n`; returns the line without it.
async fn line(s: &mut TcpStream, t: &Target) -> Result<Vec<u8>, Reason> {
    let mut buf = vec![0u8; LINE_MAX];
    let mut len = 0;
    let deadline = tokio::time::Instant::now() + t.timeout;
    loop {
        if len >= LINE_MAX - 1 {
            return Err(Reason::SmtpLineTooLong);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(Reason::ReadTimeout);
        }
        let n = match timeout_at(deadline, s.read(&mut buf[len..LINE_MAX - 1]))
            .await
        {
            Err(_) => return Err(Reason::ReadTimeout),
            Ok(Err(e)) => return Err(Reason::ReadFailed(e.kind())),
            Ok(Ok(0)) => {
                return Err(Reason::ReadFailed(
                    std::io::ErrorKind::UnexpectedEof,
                ));
            }
            Ok(Ok(n)) => n,
        };
        len += n;
        if let Some(nl) = buf[..len].iter().position(|&c| c == b'\n') {
            buf.truncate(nl);
            return Ok(buf);
        }
    }
}

/// keepalived compat: `smtp_get_status`.
pub(crate) fn status(line: &[u8]) -> Option<u16> {
    let digits = line.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits != 3 || !matches!(line.get(3), None | Some(b' ')) {
        return None;
    }
    std::str::from_utf8(&line[..3]).ok()?.parse().ok()
}
