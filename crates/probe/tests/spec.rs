//! ProbeSpec::from_config on configurations loaded by ka-config.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use ka_config::host::FakeHost;
use ka_config::model::lvs::{CheckerKind, DnsType, HttpProtocol};
use ka_probe::{ProbeKind, ProbeSpec, SpecError};

const CONF: &str = r#"
virtual_server 192.0.2.100 80 {
    delay_loop 10
    lb_algo rr
    lb_kind NAT
    protocol TCP
    virtualhost vs.example.org
    connect_timeout 7
    real_server 192.0.2.1 8080 {
        weight 1
        HTTP_GET {
            http_protocol 1.1
            connect_port 81
            bindto 192.0.2.50
            bind_port 4000
            fwmark 9
            url {
                path /a
                digest 6f5902ac237024bdd0c176cb93063dc4
                status_code 200-204 404
            }
            url {
                path /b
                virtualhost u.example.org
                regex "OK$"
                regex_options caseless
                regex_min_offset 2
                regex_max_offset 9
            }
        }
        SSL_GET {
            enable_sni
            url {
                path /
            }
        }
        TCP_CHECK {
            connect_timeout 3
            connect_ip 192.0.2.9
        }
        MISC_CHECK {
            misc_path "/usr/bin/check \"a b\" c"
            misc_dynamic
        }
        DNS_CHECK {
            type A
            name www.example.org
        }
        UDP_CHECK {
            payload 0102
            require_reply AXCD
        }
        SMTP_CHECK {
            helo_name x.example.org
            host {
                connect_ip 192.0.2.2
                connect_port 25
            }
        }
    }
}
"#;

fn load(text: &str) -> ka_config::Config {
    let host = FakeHost::new()
        .with_file("/etc/keepalived/keepalived.conf", text)
        .with_programs(&["/usr/bin/check"]);
    let l = ka_config::load(
        Path::new("/etc/keepalived/keepalived.conf"),
        &host,
        &Default::default(),
    );
    l.config
}

#[test]
fn every_probe_kind_from_a_loaded_configuration() {
    let cfg = load(CONF);
    let vs = &cfg.lvs.virtual_servers[0];
    let rs = &vs.real_servers[0];
    let specs: Vec<ProbeSpec> = rs
        .checkers
        .iter()
        .map(|c| {
            ProbeSpec::from_config(rs, vs, c, cfg.lvs.ssl.as_ref())
                .expect("spec")
        })
        .collect();
    let names: Vec<&str> = specs.iter().map(|s| s.kind.name()).collect();
    assert_eq!(
        names,
        [
            "HTTP_GET",
            "SSL_GET",
            "TCP_CHECK",
            "MISC_CHECK",
            "DNS_CHECK",
            "UDP_CHECK",
            "SMTP_CHECK"
        ]
    );

    let http = &specs[0];
    assert_eq!(
        http.target.connect,
        "192.0.2.1:81".parse::<SocketAddr>().expect("addr")
    );
    assert_eq!(
        http.target.bind_addr,
        Some("192.0.2.50".parse().expect("ip"))
    );
    assert_eq!(http.target.bind_port, Some(4000));
    assert_eq!(http.target.fwmark, Some(9));
    assert_eq!(http.target.timeout, Duration::from_secs(7));
    let ProbeKind::Http(h) = &http.kind else {
        panic!("http")
    };
    assert_eq!(h.protocol, HttpProtocol::Http11);
    assert!(h.tls.is_none());
    assert_eq!(h.urls[0].vhost.as_deref(), Some("vs.example.org"));
    assert_eq!(
        ka_probe::genhash::hex(&h.urls[0].digest.expect("digest")),
        "6f5902ac237024bdd0c176cb93063dc4"
    );
    assert!(
        h.urls[0].accepts(204)
            && h.urls[0].accepts(404)
            && !h.urls[0].accepts(205)
    );
    assert_eq!(h.urls[1].vhost.as_deref(), Some("u.example.org"));
    let re = h.urls[1].regex.as_ref().expect("regex");
    assert_eq!(
        (re.min_offset, re.max_offset, re.no_match),
        (2, Some(9), false)
    );
    assert_eq!(
        ka_probe::http::request(h.protocol, &h.urls[1], http.target.connect),
        "GET /b HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: u.example.org\r\n\r\n"
    );

    let ProbeKind::Http(s) = &specs[1].kind else {
        panic!("ssl")
    };
    assert!(s.tls.as_ref().expect("tls").enable_sni);
    assert_eq!(s.urls[0].sni.as_deref(), Some("vs.example.org"));

    assert_eq!(
        specs[2].target.connect,
        "192.0.2.9:8080".parse::<SocketAddr>().expect("addr")
    );
    assert_eq!(specs[2].target.timeout, Duration::from_secs(3));

    let ProbeKind::Misc(m) = &specs[3].kind else {
        panic!("misc")
    };
    assert_eq!(m.argv, ["/usr/bin/check", "a b", "c"]);
    assert!(m.dynamic);
    // keepalived compat: misc_timeout defaults to the VS delay_loop.
    assert_eq!(m.timeout, Duration::from_secs(10));

    let ProbeKind::Dns(d) = &specs[4].kind else {
        panic!("dns")
    };
    assert_eq!((d.qtype, d.name.as_str()), (DnsType::A, "www.example.org"));

    let ProbeKind::Udp(u) = &specs[5].kind else {
        panic!("udp")
    };
    assert_eq!(u.payload, [1, 2]);
    assert!(u.require_reply);
    let p = u.reply.as_ref().expect("pattern");
    assert_eq!(
        (p.data.as_slice(), p.mask.as_slice()),
        (&[0xa0, 0xcd][..], &[0x0f, 0x00][..])
    );

    let ProbeKind::Smtp(m) = &specs[6].kind else {
        panic!("smtp")
    };
    assert_eq!(m.helo_name, "x.example.org");
    let c = &rs.checkers[6];
    let CheckerKind::Smtp(sc) = &c.kind else {
        panic!("smtp")
    };
    let host = ProbeSpec::from_config_host(rs, vs, c, &sc.hosts[0])
        .expect("host spec");
    assert_eq!(
        host.target.connect,
        "192.0.2.2:25".parse::<SocketAddr>().expect("addr")
    );
    assert_eq!(host.target.timeout, Duration::from_secs(7));
}

#[test]
fn a_pcre_only_regex_is_refused() {
    let cfg = load(&CONF.replace(r#"regex "OK$""#, r#"regex "(?<=x)ok""#));
    let vs = &cfg.lvs.virtual_servers[0];
    let rs = &vs.real_servers[0];
    let e = ProbeSpec::from_config(rs, vs, &rs.checkers[0], None)
        .expect_err("look-behind");
    assert!(matches!(e, SpecError::Regex { .. }), "{e}");
    assert!(
        e.to_string().starts_with("Invalid regex: '(?<=x)ok'"),
        "{e}"
    );
}
