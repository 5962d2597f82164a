use std::time::Duration;

use super::*;
use crate::spec::{ProbeSpec, SmtpSpec, Target, UdpSpec};

fn spec(kind: ProbeKind) -> ProbeSpec {
    ProbeSpec {
        target: Target::new(
            ([192, 0, 2, 1], 25).into(),
            Duration::from_secs(1),
        ),
        kind,
    }
}

const CHK: &str = "[192.0.2.1]:tcp:80";
const VS: &str = "[192.0.2.100]:tcp:80";

#[test]
fn formats_addresses_as_keepalived() {
    assert_eq!(fmt_chk(([192, 0, 2, 1], 80).into(), Some("TCP")), CHK);
    assert_eq!(
        fmt_chk("[2001:db8::1]:53".parse().expect("v6"), Some("UDP")),
        "[2001:db8::1]:udp:53"
    );
    assert_eq!(
        fmt_chk(([192, 0, 2, 1], 0).into(), None),
        "[192.0.2.1]:none:0"
    );
    assert_eq!(fmt_pair(([192, 0, 2, 1], 25).into()), "[192.0.2.1]:25");
}

#[test]
fn up_and_down_lines() {
    let tcp = spec(ProbeKind::Tcp);
    assert_eq!(
        up(&tcp.kind, CHK).as_deref(),
        Some("TCP connection to [192.0.2.1]:tcp:80 success.")
    );
    assert_eq!(
        down(&tcp, &Reason::ConnectRefused, CHK, VS, Some(3)),
        "TCP_CHECK on service [192.0.2.1]:tcp:80 failed after 3 retries."
    );
    assert_eq!(
        down(&tcp, &Reason::ConnectRefused, CHK, VS, None),
        "TCP_CHECK on service [192.0.2.1]:tcp:80 failed."
    );
    let ping = spec(ProbeKind::Ping);
    assert_eq!(
        down(&ping, &Reason::ReadTimeout, CHK, VS, Some(1)),
        "ICMP CHECK on service [192.0.2.1]:tcp:80 of [192.0.2.100]:tcp:80 failed after 1 retries."
    );
    let udp = spec(ProbeKind::Udp(UdpSpec {
        payload: Vec::new(),
        require_reply: true,
        reply: None,
        min_reply_length: 0,
        max_reply_length: 255,
    }));
    assert_eq!(
        attempt(&udp, &Reason::UdpReplyMismatch, CHK, VS),
        "UDP check to [192.0.2.1]:tcp:80 reply data mismatch."
    );
    let smtp = spec(ProbeKind::Smtp(SmtpSpec {
        helo_name: "h".into(),
    }));
    assert_eq!(
        up(&smtp.kind, CHK).as_deref(),
        Some("Remote SMTP server [192.0.2.1]:tcp:80 succeed on service.")
    );
    assert_eq!(
        down(&smtp, &Reason::ConnectTimeout, CHK, VS, None),
        "SMTP_CHECK Connection timeout to server [192.0.2.1]:25"
    );
    assert_eq!(
        url_up("MD5 digest", CHK, "/x"),
        "MD5 digest success to [192.0.2.1]:tcp:80 url(/x)"
    );
    assert_eq!(
        misc_up(CHK, VS, "/bin/c"),
        "Misc check for [[192.0.2.1]:tcp:80 VS [192.0.2.100]:tcp:80] by [/bin/c] succeeded."
    );
    assert_eq!(
        misc(
            CHK,
            VS,
            "/bin/c",
            &Reason::ScriptTimeout,
            " with retry disabled"
        ),
        "Misc check for [[192.0.2.1]:tcp:80 VS [192.0.2.100]:tcp:80] by [/bin/c] timed out with retry disabled."
    );
}
