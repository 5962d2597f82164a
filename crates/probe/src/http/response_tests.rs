use md5::{Digest, Md5};

use super::*;

fn md5(b: &[u8]) -> [u8; 16] {
    Md5::digest(b).into()
}

#[test]
fn status_code_as_keepalived_extracts_it() {
    assert_eq!(status_code(b"HTTP/1.1 200 OK\r\n\r\n"), 200);
    assert_eq!(status_code(b"HTTP/1.0 404 Not Found\r\n"), 404);
    assert_eq!(status_code(b"HTTP/1.0 200\r\n\r\n"), 0);
    assert_eq!(status_code(b"HTTP/1.0  200 OK\r\n"), 0);
    assert_eq!(status_code(b"HTTP/1.0 2000 OK\r\n"), 0);
    assert_eq!(status_code(b"HTTP/1.0 2x0 OK\r\n"), 0);
    assert_eq!(status_code(b"HTTP/1.0\r\n 200 OK"), 0);
    assert_eq!(status_code(b"garbage"), 0);
    assert_eq!(status_code(b""), 0);
}

#[test]
fn content_length_as_keepalived_extracts_it() {
    assert_eq!(
        content_length(b"A: b\r\nContent-Length: 12\r\n\r\n"),
        Some(12)
    );
    assert_eq!(content_length(b"Content-Length:7\r\n"), Some(7));
    assert_eq!(content_length(b"content-length: 7\r\n"), None);
    assert_eq!(content_length(b"Content-Length: 7x\r\n"), None);
    assert_eq!(content_length(b"Content-Length: \r\n"), None);
    assert_eq!(
        content_length(b"Content-Length: 99999999999999999999999\r\n"),
        None
    );
}

#[test]
fn header_end_split_across_reads_and_body_limited_by_content_length() {
    let url = UrlSpec::new("/");
    let all = b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA";
    for cut in 1..all.len() {
        let mut r = Response::new(&url, true);
        r.feed(&all[..cut]).expect("feed");
        r.feed(&all[cut..]).expect("feed");
        let f = r.finish().expect("complete");
        assert_eq!(f.status, 200, "cut {cut}");
        assert_eq!(f.content_length, Some(5));
        assert_eq!(f.digest, md5(b"hello"), "cut {cut}");
        assert_eq!(f.body_bytes, 10);
        assert_eq!(f.body, b"helloEXTRA");
    }
}

#[test]
fn byte_by_byte_is_the_same_as_at_once() {
    let url = UrlSpec::new("/");
    let all = b"HTTP/1.1 200 OK\r\nX: y\r\n\r\nbody bytes here";
    let mut r = Response::new(&url, false);
    for b in all.iter() {
        r.feed(std::slice::from_ref(b)).expect("feed");
    }
    let f = r.finish().expect("complete");
    assert_eq!(f.digest, md5(b"body bytes here"));
    assert!(f.body.is_empty(), "the body is kept only when asked");
}

#[test]
fn header_limit_is_keepalived_buffer() {
    let url = UrlSpec::new("/");
    // A header ending exactly at the limit passes.
    let mut h = b"HTTP/1.0 200 OK\r\nX: ".to_vec();
    h.resize(HEADER_MAX - 4, b'a');
    h.extend_from_slice(b"\r\n\r\n");
    assert_eq!(h.len(), HEADER_MAX);
    let mut r = Response::new(&url, false);
    r.feed(&h).expect("at the limit");
    assert_eq!(r.finish().expect("complete").status, 200);
    // One byte more and it never ends within the buffer.
    let mut h = b"HTTP/1.0 200 OK\r\nX: ".to_vec();
    h.resize(HEADER_MAX - 3, b'a');
    h.extend_from_slice(b"\r\n\r\n");
    let mut r = Response::new(&url, false);
    assert_eq!(r.feed(&h), Err(Reason::HeaderTooLong));
}

#[test]
fn no_header_end_is_no_data() {
    let url = UrlSpec::new("/");
    let mut r = Response::new(&url, false);
    r.feed(b"HTTP/1.0 200 OK\r\n").expect("feed");
    assert_eq!(r.finish(), Err(Reason::NoData));
}

#[test]
fn regex_buffer_is_capped() {
    let mut url = UrlSpec::new("/");
    url.regex = Some(crate::UrlRegex {
        regex: regex::bytes::Regex::new("END").expect("re"),
        no_match: false,
        min_offset: 0,
        max_offset: None,
    });
    let mut r = Response::new(&url, false);
    r.feed(b"HTTP/1.0 200 OK\r\n\r\n").expect("feed");
    let chunk = vec![b'x'; 65536];
    for _ in 0..(REGEX_BODY_MAX / chunk.len() + 4) {
        r.feed(&chunk).expect("feed");
    }
    r.feed(b"END").expect("feed");
    assert!(r.body.len() <= REGEX_BODY_MAX);
    let f = r.finish().expect("complete");
    assert!(!f.regex_matched, "past the cap is not searched");
}

#[test]
fn judge_order_status_digest_regex() {
    let mut url = UrlSpec::new("/");
    let f = Fetched {
        header: Vec::new(),
        status: 200,
        content_length: None,
        body_bytes: 2,
        digest: md5(b"ok"),
        regex_matched: true,
        body: Vec::new(),
    };
    assert_eq!(judge(&url, &f), Ok("HTTP status code"));
    url.digest = Some(md5(b"ok"));
    assert_eq!(judge(&url, &f), Ok("MD5 digest"));
    url.regex = Some(crate::UrlRegex {
        regex: regex::bytes::Regex::new("ok").expect("re"),
        no_match: false,
        min_offset: 0,
        max_offset: None,
    });
    assert_eq!(judge(&url, &f), Ok("Regex match"));
    let bad = Fetched {
        status: 500,
        ..f.clone()
    };
    assert_eq!(judge(&url, &bad), Err(Reason::HttpStatus(500)));
}
