//! The answer to one GET, fed as it arrives (sans-IO): the header kept in
//! keepalived's 4 KiB buffer, the body hashed as it streams and kept only
//! as far as a `regex` needs it.
//!
//! keepalived compat (html.c, check_http.c `http_process_response`):
//! * the body is every byte after the first `\r\n\r\n`, up to
//!   `Content-Length:` when the header has one; chunked bodies are not
//!   decoded, so the chunk sizes are part of what is hashed, as they are
//!   for keepalived's checker and for its genhash (a digest taken with
//!   either matches);
//! * the status code is the three digits between the first space and the
//!   next one; anything else is status 0 (refused by every range).

use md5::{Digest, Md5};

use crate::outcome::Reason;
use crate::spec::UrlSpec;

/// keepalived's `MAX_BUFFER_LENGTH` (check_http.h) less the byte kept for
/// its terminating NUL: a header that does not end within it is never
/// seen whole.
pub const HEADER_MAX: usize = 4095;
/// At most this much of the body is kept for `regex` (keepalived matches
/// the whole stream with PCRE2 partial matching; the `regex` crate cannot
/// resume a match, so the body is buffered up to here and the rest is
/// not searched).
pub const REGEX_BODY_MAX: usize = 1 << 20;

/// What came back, once the connection ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    /// The header, with its final `\r\n\r\n`.
    pub header: Vec<u8>,
    /// The status code (0: no valid status line).
    pub status: u16,
    /// `Content-Length:`, if the header has one.
    pub content_length: Option<u64>,
    /// Body bytes received.
    pub body_bytes: u64,
    /// MD5 of the body (up to `Content-Length:`).
    pub digest: [u8; 16],
    /// Whether the `regex` matched within its offsets.
    pub regex_matched: bool,
    /// The body's first [`REGEX_BODY_MAX`] bytes, when asked for
    /// (genhash's verbose output); else empty.
    pub body: Vec<u8>,
}

/// An answer being received.
pub(crate) struct Response<'a> {
    url: &'a UrlSpec,
    header: Vec<u8>,
    head_end: Option<usize>,
    content_length: Option<u64>,
    body_bytes: u64,
    hashed: u64,
    md5: Md5,
    body: Vec<u8>,
    keep_body: bool,
}

impl<'a> Response<'a> {
    /// `keep_body` keeps the body's start in [`Fetched::body`].
    pub(crate) fn new(url: &'a UrlSpec, keep_body: bool) -> Self {
        Self {
            url,
            header: Vec::new(),
            head_end: None,
            content_length: None,
            body_bytes: 0,
            hashed: 0,
            md5: Md5::new(),
            body: Vec::new(),
            keep_body,
        }
    }

    /// Takes the next bytes read.
    pub(crate) fn feed(&mut self, data: &[u8]) -> Result<(), Reason> {
        if self.head_end.is_some() {
            self.body(data);
            return Ok(());
        }
        let room = HEADER_MAX.saturating_sub(self.header.len());
        let take = data.len().min(room);
        let from = self.header.len().saturating_sub(3);
        self.header.extend_from_slice(&data[..take]);
        if let Some(end) = find_head_end(&self.header[from..]) {
            let end = from + end;
            let rest = self.header.split_off(end);
            self.head_end = Some(end);
            self.content_length = content_length(&self.header);
            self.body(&rest);
            self.body(&data[take..]);
            return Ok(());
        }
        if take < data.len() || self.header.len() >= HEADER_MAX {
            return Err(Reason::HeaderTooLong);
        }
        Ok(())
    }

    fn body(&mut self, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        self.body_bytes += data.len() as u64;
        let want = match self.content_length {
            Some(cl) => cl.saturating_sub(self.hashed),
            None => u64::MAX,
        };
        let n = usize::try_from(want).unwrap_or(usize::MAX).min(data.len());
        self.md5.update(&data[..n]);
        self.hashed += n as u64;
        if self.url.regex.is_some() || self.keep_body {
            let room = REGEX_BODY_MAX.saturating_sub(self.body.len());
            self.body.extend_from_slice(&data[..data.len().min(room)]);
        }
    }

    /// The connection ended (EOF).
    pub(crate) fn finish(self) -> Result<Fetched, Reason> {
        if self.head_end.is_none() {
            return Err(Reason::NoData);
        }
        let regex_matched = self.url.regex.as_ref().is_some_and(|r| {
            r.regex
                .find_at(&self.body, r.min_offset.min(self.body.len()))
                .is_some_and(|m| {
                    m.start() >= r.min_offset
                        && r.max_offset.is_none_or(|max| m.start() <= max)
                })
        });
        Ok(Fetched {
            status: status_code(&self.header),
            header: self.header,
            content_length: self.content_length,
            body_bytes: self.body_bytes,
            digest: self.md5.finalize().into(),
            regex_matched,
            body: if self.keep_body {
                self.body
            } else {
                Vec::new()
            },
        })
    }
}

/// keepalived's checks, in its order (`http_handle_response`): status,
/// digest, regex. On success, the word keepalived logs ("HTTP status
/// code", "MD5 digest" or "Regex match").
pub(crate) fn judge(
    url: &UrlSpec,
    f: &Fetched,
) -> Result<&'static str, Reason> {
    if !url.accepts(f.status) {
        return Err(Reason::HttpStatus(f.status));
    }
    let mut msg = "HTTP status code";
    if let Some(expected) = url.digest {
        if expected != f.digest {
            return Err(Reason::DigestMismatch {
                expected,
                got: f.digest,
            });
        }
        msg = "MD5 digest";
    }
    if let Some(r) = &url.regex {
        if f.regex_matched == r.no_match {
            return Err(Reason::RegexMismatch);
        }
        msg = "Regex match";
    }
    Ok(msg)
}

fn find_head_end(b: &[u8]) -> Option<usize> {
    b.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

/// keepalived compat: `extract_status_code` (html.c).
pub fn status_code(h: &[u8]) -> u16 {
    let Some(sp) = h.iter().position(|&c| c == b' ' || c == b'\r') else {
        return 0;
    };
    if h[sp] != b' ' {
        return 0;
    }
    let d = &h[sp + 1..];
    if d.len() <= 3 || d[0] == b' ' || d[3] != b' ' {
        return 0;
    }
    if !d[..3].iter().all(u8::is_ascii_digit) {
        return 0;
    }
    d[..3]
        .iter()
        .fold(0u16, |acc, &c| acc * 10 + u16::from(c - b'0'))
}

/// keepalived compat: `extract_content_length` (html.c): the first
/// `Content-Length:` (case-sensitive), digits after optional blanks,
/// ended by the line end.
pub fn content_length(h: &[u8]) -> Option<u64> {
    const TAG: &[u8] = b"Content-Length:";
    let at = h.windows(TAG.len()).position(|w| w == TAG)? + TAG.len();
    let rest = &h[at..];
    let blanks = rest
        .iter()
        .take_while(|c| matches!(c, b' ' | b'\t'))
        .count();
    let digits: Vec<u8> = rest[blanks..]
        .iter()
        .copied()
        .take_while(u8::is_ascii_digit)
        .collect();
    let after = rest.get(blanks + digits.len()).copied();
    if digits.is_empty() || !matches!(after, None | Some(b'\r' | b'\n')) {
        return None;
    }
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

#[cfg(test)]
#[path = "response_tests.rs"]
mod tests;
