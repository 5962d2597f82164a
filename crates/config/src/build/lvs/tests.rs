//! Builder, validation and printing tests over hand-made syntax trees.
//!
//! `items()` is a tiny stand-in for the parser (one keyword per line,
//! `{` ending a line opens a block, `}` alone closes it, `"…"` is one
//! word). Expectations marked "keepalived -t:" were checked against the
//! real keepalived 2.2.7 binary.

use std::net::SocketAddr;
use std::time::Duration;

use crate::ast::{Item, Word};
use crate::build::Cx;
use crate::host::FakeHost;
use crate::model::Config;
use crate::model::lvs::*;
use crate::source::Span;

fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut q = false;
    for c in s.chars() {
        match c {
            '"' => q = !q,
            c if c.is_whitespace() && !q => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn parse_block(
    lines: &mut std::iter::Peekable<std::iter::Enumerate<std::str::Lines<'_>>>,
) -> Vec<Item> {
    let mut items = Vec::new();
    while let Some((n, line)) = lines.next() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if t == "}" {
            break;
        }
        let (t, opens) = match t.strip_suffix('{') {
            Some(r) => (r.trim(), true),
            None => (t, false),
        };
        let span = Span::new(crate::source::FileId(0), n as u32 + 1, 1);
        let w = words(t);
        let raw = t
            .split_once(char::is_whitespace)
            .map_or("", |(_, r)| r.trim());
        let mk = |s: &String| Word {
            text: s.clone(),
            span,
        };
        items.push(Item {
            keyword: mk(&w[0]),
            args: w[1..].iter().map(mk).collect(),
            raw_args: raw.to_string(),
            raw_span: span,
            block: opens.then(|| parse_block(lines)),
        });
    }
    items
}

pub(super) fn items(text: &str) -> Vec<Item> {
    parse_block(&mut text.lines().enumerate().peekable())
}

/// Builds and validates `text` through the whole-config builder (so
/// that `track_file` and `bfd_instance` references resolve); returns the
/// LVS section and the messages.
/// A host holding the programs these tests name.
fn programs() -> FakeHost {
    FakeHost::new().with_programs(&[
        "/bin/check",
        "/bin/echo",
        "/bin/false",
        "/bin/true",
        "/usr/bin/down",
        "/usr/bin/logger",
        "/usr/local/bin/check",
        "/usr/local/bin/fifo",
    ])
}

pub(super) fn load(text: &str) -> (LvsSection, Vec<String>) {
    let mut cx = Cx::new();
    let mut config: Config = crate::build::build(&items(text), &mut cx);
    crate::validate::validate(&mut config, &programs(), &mut cx.diags);
    let msgs = cx
        .diags
        .iter()
        .map(|d| format!("{:?}: {}", d.severity, d.message))
        .collect();
    (config.lvs, msgs)
}

fn has(msgs: &[String], needle: &str) -> bool {
    msgs.iter().any(|m| m.contains(needle))
}

const MINIMAL: &str = r#"
virtual_server 192.0.2.10 80 {
    real_server 198.51.100.1 80 {
        TCP_CHECK {
        }
    }
}
"#;

#[test]
fn minimal_vs_gets_keepalived_defaults_with_errors() {
    // keepalived -t: "no protocol set - defaulting to UDP", "no scheduler
    // set, setting default 'wlc'", "no forwarding method set, setting
    // default NAT"; exit 5.
    let (lvs, msgs) = load(MINIMAL);
    assert_eq!(msgs.len(), 3, "{msgs:?}");
    assert!(msgs.iter().all(|m| m.starts_with("Error")));
    let vs = &lvs.virtual_servers[0];
    assert_eq!(vs.protocol, Some(Protocol::Udp));
    assert_eq!(vs.scheduler, Some(Scheduler::Wlc));
    assert_eq!(vs.forwarding, Some(Forwarding::Nat));
    assert_eq!(vs.delay_loop, Duration::from_secs(60));
    assert_eq!(vs.quorum, 1);
    let rs = &vs.real_servers[0];
    assert_eq!(rs.weight, Some(1));
    assert_eq!(rs.connect_timeout, Some(Duration::from_secs(5)));
    let c = &rs.checkers[0];
    assert_eq!(c.common.retry, Some(1));
    assert_eq!(c.common.delay_before_retry, Some(Duration::from_secs(1)));
    assert_eq!(c.common.warmup, Some(Duration::from_secs(60)));
    assert_eq!(
        c.conn.as_ref().unwrap().connect_timeout,
        Some(Duration::from_secs(5))
    );
}

#[test]
fn legacy_aliases_map_to_the_same_fields() {
    let a = load(
        "virtual_server 192.0.2.1 80 {\nlb_algo rr\nlb_kind DR\nprotocol tcp\nreal_server 198.51.100.1 80 {\n}\n}\n",
    );
    let b = load(
        "virtual_server 192.0.2.1 80 {\nlvs_sched rr\nlvs_method DR\nprotocol TCP\nreal_server 198.51.100.1 80 {\n}\n}\n",
    );
    assert_eq!(a, b);
    assert!(a.1.is_empty(), "{:?}", a.1);
    assert_eq!(a.0.virtual_servers[0].scheduler, Some(Scheduler::Rr));
}

#[test]
fn checker_defaults_per_type() {
    let (lvs, msgs) = load(
        r#"
global_defs {
    enable_script_security
}
virtual_server 192.0.2.1 80 {
    lvs_sched rr
    lvs_method NAT
    protocol TCP
    delay_loop 10
    real_server 198.51.100.1 80 {
        HTTP_GET {
            nb_get_retry 4
            url {
                path /
            }
        }
        DNS_CHECK {
        }
        MISC_CHECK {
            misc_path "/bin/check \"a b\""
        }
        SMTP_CHECK {
        }
    }
}
"#,
    );
    // keepalived -t: "nb_get_retry is deprecated - please use 'retry'".
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    let cs = &lvs.virtual_servers[0].real_servers[0].checkers;
    assert_eq!(cs[0].common.retry, Some(4));
    assert_eq!(
        cs[0].common.delay_before_retry,
        Some(Duration::from_secs(3))
    );
    let CheckerKind::Http(h) = &cs[0].kind else {
        panic!()
    };
    assert_eq!(h.urls[0].status_codes, vec![(200, 299)]);
    assert_eq!(cs[1].common.retry, Some(3));
    assert_eq!(
        cs[1].common.delay_before_retry,
        Some(Duration::from_secs(10))
    );
    let CheckerKind::Dns(d) = &cs[1].kind else {
        panic!()
    };
    assert_eq!(d.qtype, DnsType::Soa);
    assert_eq!(cs[2].common.retry, Some(0));
    let CheckerKind::Misc(m) = &cs[2].kind else {
        panic!()
    };
    assert_eq!(m.path, "/bin/check \"a b\"");
    let CheckerKind::Smtp(s) = &cs[3].kind else {
        panic!()
    };
    assert_eq!(s.helo_name, "smtpchecker.keepalived.org");
}

#[test]
fn range_errors_keep_defaults() {
    // keepalived -t: quorum 0 → "Setting to 1"; retry 0, delay_loop 0 and
    // weight 0 rejected; hysteresis 5 >= quorum 1 → 0.
    let (lvs, msgs) = load(
        r#"
virtual_server 192.0.2.10 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    quorum 0
    hysteresis 5
    retry 0
    delay_loop 0
    weight 0
    real_server 198.51.100.1 80 {
        weight 3
        alpha Yes
    }
}
"#,
    );
    let vs = &lvs.virtual_servers[0];
    assert_eq!((vs.quorum, vs.hysteresis, vs.retry), (1, 0, None));
    assert_eq!((vs.delay_loop, vs.weight), (Duration::from_secs(60), 1));
    assert_eq!(vs.real_servers[0].alpha, Some(false));
    assert!(has(&msgs, "invalid `alpha` parameter `Yes`"), "{msgs:?}");
    assert!(has(&msgs, "hysteresis 5 >= quorum 1"));
    assert_eq!(msgs.len(), 6, "{msgs:?}");
}

#[test]
fn flags_depend_on_scheduler_so_far() {
    // keepalived -t: "hashed only applies to sh scheduler - ignoring";
    // under sh, `hashed` and `sh-port` are silent.
    let (lvs, msgs) = load(
        "virtual_server 192.0.2.1 80 {\nhashed\nsh-port\nlb_algo sh\nsh-port\nhashed\nmh-port\nprotocol UDP\nops\nreal_server 198.51.100.1 80 {\n}\n}\n",
    );
    assert_eq!(
        msgs.iter().filter(|m| m.contains("only applies")).count(),
        2
    );
    let f = lvs.virtual_servers[0].flags;
    assert!(f.sh_port && f.ops && !f.mh_port);
}

#[test]
fn ports_persistence_and_fwmark_rules() {
    // keepalived -t: DR port mismatch reset; zero port forces persistence;
    // fwmark clears RS port, ha_suspend and protocol.
    let (lvs, msgs) = load(
        r#"
virtual_server 192.0.2.10 80 {
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 198.51.100.1 8080 {
    }
    real_server 198.51.100.2 {
    }
}
virtual_server 192.0.2.11 0 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 198.51.100.2 {
    }
}
virtual_server fwmark 5 {
    ha_suspend
    protocol TCP
    lb_kind DR
    lb_algo rr
    real_server 198.51.100.2 80 {
    }
}
"#,
    );
    let v = &lvs.virtual_servers;
    assert_eq!(v[0].real_servers[0].addr.port(), 80);
    assert_eq!(v[0].real_servers[1].addr.port(), 80);
    assert_eq!(v[1].persistence_timeout, Some(Duration::from_secs(360)));
    assert!(!v[2].ha_suspend && v[2].protocol.is_none());
    assert_eq!(v[2].real_servers[0].addr.port(), 0);
    assert_eq!(msgs.len(), 5, "{msgs:?}");
}

#[test]
fn vs_without_real_servers_or_group_is_dropped() {
    let (lvs, msgs) = load(
        "virtual_server 192.0.2.12 80 {\nprotocol TCP\n}\nvirtual_server group NOPE {\nreal_server 198.51.100.2 80 {\n}\n}\n",
    );
    assert!(lvs.virtual_servers.is_empty());
    assert!(has(
        &msgs,
        "Error: virtual server [192.0.2.12]:tcp:80 has no real servers"
    ));
    // keepalived -t prints nothing for the missing group (log only).
    assert!(has(
        &msgs,
        "Warning: virtual server group NOPE specified but not configured"
    ));
}

#[test]
fn group_entries_and_fallbacks() {
    // keepalived -t: mask bits, reversed short range and unknown fwmark
    // family skip the entry; an empty group is removed.
    let (lvs, msgs) = load(
        r#"
virtual_server_group G1 {
    192.0.2.1-10 80
    192.0.2.20-192.0.2.30 80
    192.0.2.64/28 80
    192.0.2.65/28 80
    2001:db8::1-ff 443
    fwmark 7 inet
    192.0.2.9-3 80
    fwmark 9 ipx
}
virtual_server_group EMPTY {
}
"#,
    );
    assert_eq!(lvs.groups.len(), 1);
    let e = &lvs.groups[0].entries;
    assert_eq!(e.len(), 5, "{msgs:?}");
    assert_eq!(
        e[0],
        VsgEntry::Range {
            start: "192.0.2.1".parse().unwrap(),
            end: "192.0.2.10".parse().unwrap(),
            port: 80
        }
    );
    assert_eq!(
        e[2],
        VsgEntry::Range {
            start: "192.0.2.64".parse().unwrap(),
            end: "192.0.2.79".parse().unwrap(),
            port: 80
        }
    );
    assert_eq!(
        e[3],
        VsgEntry::Range {
            start: "2001:db8::1".parse().unwrap(),
            end: "2001:db8::ff".parse().unwrap(),
            port: 443
        }
    );
    assert_eq!(msgs.len(), 4, "{msgs:?}");
}

#[test]
fn tunnel_options_and_sorry_server() {
    // keepalived -t: "ipip tunnels do not support checksum option",
    // "Ignoring sorry_server inhibit used before or without sorry_server".
    let (lvs, msgs) = load(
        r#"
virtual_server 192.0.2.1 80 {
    lb_algo rr
    lb_kind DR
    protocol TCP
    sorry_server_inhibit
    sorry_server 203.0.113.9 80
    sorry_server_inhibit
    sorry_server_lvs_method TUN type gue port 6080 csum
    real_server 203.0.113.1 80 {
        lvs_method TUN type ipip csum
    }
}
"#,
    );
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    let vs = &lvs.virtual_servers[0];
    let ss = vs.sorry_server.as_ref().unwrap();
    assert!(ss.inhibit);
    let gue = TunnelOpts {
        kind: TunnelType::Gue { port: 6080 },
        csum: TunnelCsum::Csum,
    };
    assert_eq!(ss.forwarding, Some(Forwarding::Tun(gue)));
    assert_eq!(
        vs.real_servers[0].forwarding,
        Some(Forwarding::Tun(TunnelOpts::default()))
    );
}

#[test]
fn checker_block_errors_drop_the_checker() {
    // Each message below was printed by keepalived -t for the same text.
    let (lvs, msgs) = load(
        r#"
virtual_server 192.0.2.1 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 198.51.100.1 80 {
        MISC_CHECK {
            connect_timeout 3
            misc_timeout 1.5
        }
        UDP_CHECK {
            payload 01 02 0a
            require_reply 0X ff
            min_reply_length 10
            max_reply_length 5
        }
        PING_CHECK {
            connect_ip fe80::1
        }
        HTTP_GET {
            url {
                digest 0123
            }
        }
        FILE_CHECK {
            dynamic
        }
        BFD_CHECK {
        }
        DNS_CHECK {
            type aaaa
            name ..x
        }
    }
}
"#,
    );
    for m in [
        "unknown keyword `connect_timeout`",
        "invalid number `1.5`",
        "no script path",
        "invalid hex string for UDP_CHECK reply",
        "will always fail",
        "requires a bind_if",
        "character length should be 32",
        "url has no path",
        "no urls specified",
        "unknown keyword `dynamic`",
        "no track_file",
        "no name has been specified",
        "has empty label",
    ] {
        assert!(has(&msgs, m), "{m}: {msgs:?}");
    }
    let cs = &lvs.virtual_servers[0].real_servers[0].checkers;
    assert_eq!(cs.len(), 2);
    let CheckerKind::Udp(u) = &cs[0].kind else {
        panic!()
    };
    assert_eq!(u.payload, Some(vec![1, 2, 10]));
    assert!(u.require_reply && u.reply.is_none());
    let CheckerKind::Dns(d) = &cs[1].kind else {
        panic!()
    };
    assert_eq!((d.qtype, d.name.clone()), (DnsType::Aaaa, None));
}

#[test]
fn post_2_2_7_keywords_are_unknown() {
    // keepalived -t: Unknown keyword 'tls_compliant' / 'sni_name' /
    // 'lb_kind' (inside real_server).
    let (_, msgs) = load(
        "virtual_server 192.0.2.1 80 {\nreal_server 198.51.100.1 80 {\nlb_kind DR\nHTTP_GET {\ntls_compliant\nsni_name x\nurl {\npath /\ntls_compliant\n}\n}\n}\n}\n",
    );
    assert_eq!(
        msgs.iter()
            .filter(|m| m.contains("unknown keyword"))
            .count(),
        4,
        "{msgs:?}"
    );
}

#[test]
fn ssl_block_and_scripts() {
    let (lvs, msgs) = load(
        "SSL {\npassword secret\nca /etc/ssl/ca.pem\n}\nSSL {\nkey /k.pem\n}\n",
    );
    // keepalived -t: "SSL context already specified - replacing".
    assert_eq!(msgs.len(), 1);
    assert_eq!(lvs.ssl.unwrap().key.as_deref(), Some("/k.pem"));
    let (lvs, _) = load(
        "virtual_server 192.0.2.1 80 {\nquorum_up \"/bin/echo 'up now'\" root\nreal_server 198.51.100.1 80 {\nnotify_up /bin/true\nnotify_up /bin/false\n}\n}\n",
    );
    let vs = &lvs.virtual_servers[0];
    let q = vs.quorum_up.as_ref().unwrap();
    assert_eq!(
        (q.command.as_str(), q.user.as_deref()),
        ("/bin/echo 'up now'", Some("root"))
    );
    assert_eq!(
        vs.real_servers[0].notify_up.as_ref().unwrap().command,
        "/bin/true"
    );
    assert_eq!(crate::validate::lvs::scripts(&lvs).len(), 2);
}

#[test]
fn quoted_escaped_split() {
    use crate::lexer::split_quoted_escaped as s;
    assert_eq!(
        s(r#""/bin/echo \"a b\"" user"#).unwrap(),
        vec![r#"/bin/echo "a b""#, "user"]
    );
    assert_eq!(
        s(r"a\tb 'c d'e \x41\101").unwrap(),
        vec!["a\tb", "c de", "AA"]
    );
    assert!(s("\"open").is_err());
}

#[test]
fn address_quirks() {
    use super::args::{hex_str, parse_ip_lenient, parse_port};
    assert_eq!(parse_ip_lenient("192.0.2.1/24"), "192.0.2.1".parse().ok());
    assert_eq!(parse_port("000"), Some(0));
    assert_eq!(parse_port("65536"), None);
    assert!(hex_str("0aff", false).is_none()); // keepalived compat
    assert_eq!(hex_str("1 0a", false).unwrap().data, vec![1, 10]);
    let _: SocketAddr = "192.0.2.1:80".parse().unwrap();
}

/// The track_file and bfd_instance the LVS part references.
const RICH_DEPS: &str = r#"
global_defs {
    enable_script_security
}
track_file tf1 {
    file /run/tf1
}
bfd_instance bfd1 {
    neighbor_ip 198.51.100.2
}
"#;

const RICH: &str = r#"
SSL {
    password "pass word"
    ca /etc/ssl/ca.pem
    certificate /etc/ssl/cert.pem
    key /etc/ssl/key.pem
}
virtual_server_group WEB {
    192.0.2.1-10 80
    192.0.2.32/30 80
    fwmark 7 inet
}
virtual_server group WEB {
    lb_algo sh
    sh-port
    sh-fallback
    lb_kind DR
    protocol TCP
    persistence_timeout 600
    persistence_granularity 255.255.255.0
    persistence_engine sip
    delay_loop 2.5
    connect_timeout 3
    retry 2
    delay_before_retry 0.5
    warmup 1
    alpha
    omega
    quorum 2
    hysteresis 1
    quorum_up "/usr/bin/logger 'quorum up'" root
    quorum_down /usr/bin/down
    inhibit_on_failure
    virtualhost www.example.org
    smtp_alert off
    snmp_name web
    weight 2
    sorry_server 203.0.113.9 80
    sorry_server_inhibit
    sorry_server_lvs_method TUN type gue port 6080 remcsum
    real_server 198.51.100.1 80 {
        weight 5
        uthreshold 100
        lthreshold 10
        notify_up "/bin/echo \"rs up\""
        notify_down /bin/false nobody nogroup
        inhibit_on_failure off
        smtp_alert
        HTTP_GET {
            connect_port 8080
            bindto 198.51.100.200
            bind_port 4000
            fwmark 9
            http_protocol 1.1
            virtualhost a.example.org
            enable_sni
            fast_recovery
            log_all_failures
            url {
                path /health
                digest 0123456789abcdef0123456789ABCDEF
                status_code 200 301-302 404
                virtualhost b.example.org
                regex "ok|fine"
                regex_options caseless multiline bogus
                regex_min_offset 2
                regex_max_offset 200
                regex_stack 32768 65536
            }
        }
        SSL_GET {
            url {
                path /
            }
        }
        SMTP_CHECK {
            helo_name mail.example.org
            host {
                connect_ip 198.51.100.7
                connect_port 25
            }
        }
        UDP_CHECK {
            payload 01 02 0a
            require_reply 0X 1f
            min_reply_length 2
        }
        DNS_CHECK {
            type MX
            name example.org
        }
        PING_CHECK {
        }
        TCP_CHECK {
            connect_ip 2001:db8::1
            bind_if eth0
        }
    }
    real_server 198.51.100.2 80 {
        lvs_method NAT
        MISC_CHECK {
            misc_path "/usr/local/bin/check --x"
            misc_timeout 7
            misc_dynamic
            user root
        }
        FILE_CHECK {
            track_file tf1
            weight -10 reverse
        }
        BFD_CHECK {
            name bfd1
            alpha
        }
    }
}
virtual_server 2001:db8::10 443 {
    lvs_sched wrr
    lvs_method NAT
    protocol SCTP
    persistence_timeout
    persistence_granularity 64
    real_server 2001:db8::11 {
        TCP_CHECK {
        }
    }
}
"#;

#[test]
fn rich_config_round_trips_through_print() {
    let (lvs, msgs) = load(&format!("{RICH_DEPS}{RICH}"));
    // keepalived -t on the same text (with the track_file, bfd_instance
    // and script security it needs) printed only the two port warnings.
    assert_eq!(msgs.len(), 3, "{msgs:?}");
    assert!(has(
        &msgs,
        "Warning: the SMTP_CHECK host block is deprecated"
    ));
    assert!(has(&msgs, "sorry server has port specified - port will be"));
    let mut p = crate::print::Printer::new();
    lvs.print(&mut p);
    let text = p.finish();
    let (again, _) = load(&format!("{RICH_DEPS}{text}"));
    assert_eq!(lvs, again, "{text}");
    let vs = &lvs.virtual_servers[1];
    assert_eq!(vs.persistence_granularity, Some(Granularity::V6(64)));
    assert_eq!(vs.real_servers[0].addr.port(), 443);
}

#[test]
fn minimal_round_trips_and_is_stable() {
    for text in [MINIMAL, RICH] {
        let (lvs, _) = load(&format!("{RICH_DEPS}{text}"));
        let mut p = crate::print::Printer::new();
        lvs.print(&mut p);
        let once = p.finish();
        let (again, msgs) = load(&format!("{RICH_DEPS}{once}"));
        let mut p = crate::print::Printer::new();
        again.print(&mut p);
        assert_eq!(once, p.finish());
        assert!(msgs.iter().all(|m| !m.contains("unknown")), "{msgs:?}");
    }
}
