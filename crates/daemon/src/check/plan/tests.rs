//! The checker plan from configuration text: services, destinations,
//! timers, groups, scripts and FIFO as keepalived would program them.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use ka_check::{CheckerId, CheckerSource, RsId};
use ka_config::LoadOptions;
use ka_config::host::FakeHost;
use ka_types::lvs::{Family, Forward, Proto, SvcKey, Tunnel, svc_flags};

use super::{CheckPlan, check_plan};
use crate::vrrp::plan::UserResolver;

/// root and keepalived_script exist.
struct Users;

impl UserResolver for Users {
    fn uid_gid(&self, user: &str, _: Option<&str>) -> Option<(u32, u32)> {
        match user {
            "root" => Some((0, 0)),
            "keepalived_script" => Some((998, 998)),
            _ => None,
        }
    }
}

fn plan(text: &str) -> CheckPlan {
    let path = "/etc/keepalived/keepalived.conf";
    let host = FakeHost::new()
        .with_file(path, text)
        .with_programs(&["/usr/local/bin/up.sh", "/usr/local/bin/down.sh"]);
    let loaded =
        ka_config::load(Path::new(path), &host, &LoadOptions::default());
    check_plan(&loaded.config, &Users)
}

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

const BASIC: &str = "
virtual_server 192.0.2.1 80 {
    delay_loop 3
    lvs_sched wrr
    lvs_method NAT
    protocol TCP
    quorum_up /usr/local/bin/up.sh
    real_server 198.51.100.1 8080 {
        weight 3
        notify_down \"/usr/local/bin/down.sh rs1 down\"
        TCP_CHECK {
            connect_timeout 2
        }
    }
    real_server 198.51.100.2 8080 {
        inhibit_on_failure
        HTTP_GET {
            url { path / }
            retry 4
        }
        TCP_CHECK { }
    }
}
";

#[test]
fn a_virtual_server_is_one_service_with_its_real_servers_and_timers() {
    let p = plan(BASIC);
    let vs = &p.engine.virtual_servers[0];
    assert_eq!(vs.name, "[192.0.2.1]:tcp:80");
    assert_eq!(vs.services.len(), 1);
    let s = &vs.services[0];
    assert_eq!(
        s.key,
        SvcKey::Addr {
            proto: Proto::Tcp,
            addr: sa("192.0.2.1:80")
        }
    );
    assert_eq!(
        (s.scheduler.as_str(), s.flags, s.timeout, s.netmask),
        ("wrr", 0, 0, u32::MAX)
    );
    assert_eq!(vs.quorum, 1);
    let r1 = &vs.real_servers[0];
    assert_eq!(r1.name, "[198.51.100.1]:tcp:8080");
    assert_eq!(
        (r1.dest.addr, r1.dest.forward, r1.dest.weight),
        (sa("198.51.100.1:8080"), Forward::Masq, 3)
    );
    let c = &r1.checkers[0];
    assert_eq!(c.keyword, "TCP_CHECK");
    assert_eq!(c.source, CheckerSource::Probe);
    assert_eq!(
        (c.delay_loop, c.connect_timeout, c.retry),
        (Duration::from_secs(3), Duration::from_secs(2), 1)
    );
    // keepalived: warmup defaults to the delay_loop.
    assert_eq!(c.warmup, Duration::from_secs(3));
    let r2 = &vs.real_servers[1];
    assert!(r2.inhibit_on_failure);
    assert_eq!(r2.dest.weight, 1);
    let http = &r2.checkers[0];
    // HTTP_GET's own delay_before_retry default is 3 s.
    assert_eq!(
        (http.retry, http.delay_before_retry, http.connect_timeout),
        (4, Duration::from_secs(3), Duration::from_secs(5))
    );
    assert_eq!(r2.checkers.len(), 2);
    // Every checker is a probe, found again in the configuration.
    assert_eq!(p.probes.len(), 3);
    let id = CheckerId {
        rs: RsId { vs: 0, rs: 1 },
        checker: 1,
    };
    let (_, rs, c) = p.probe_config(p.probes[&id]).unwrap();
    assert_eq!(
        (rs.addr, c.kind.keyword()),
        (sa("198.51.100.2:8080"), "TCP_CHECK")
    );
}

#[test]
fn scripts_are_split_and_get_the_default_script_user() {
    let p = plan(BASIC);
    let down = p.rs_hooks[&RsId { vs: 0, rs: 0 }].down.clone().unwrap();
    assert_eq!(down.argv, ["/usr/local/bin/down.sh", "rs1", "down"]);
    assert_eq!((down.uid, down.gid), (Some(998), Some(998)));
    assert!(p.rs_hooks[&RsId { vs: 0, rs: 0 }].up.is_none());
    assert_eq!(
        p.vs_hooks[0].up.as_ref().unwrap().argv,
        ["/usr/local/bin/up.sh"]
    );
    assert!(p.vs_hooks[0].down.is_none());
}

#[test]
fn dr_and_tun_servers_carry_the_service_port_and_tunnel_values() {
    let p = plan(
        "virtual_server 192.0.2.1 443 {
            lvs_sched rr
            lvs_method DR
            protocol TCP
            persistence_timeout 600
            persistence_granularity 255.255.255.0
            real_server 198.51.100.1 { TCP_CHECK { } }
            real_server 198.51.100.2 443 {
                lvs_method TUN type gue port 6080 csum
            }
        }",
    );
    let vs = &p.engine.virtual_servers[0];
    let s = &vs.services[0];
    assert_eq!(s.flags, svc_flags::PERSISTENT);
    assert_eq!((s.timeout, s.netmask), (600, 0xffff_ff00));
    let d1 = vs.real_servers[0].dest;
    assert_eq!(
        (d1.addr, d1.forward),
        (sa("198.51.100.1:443"), Forward::Route)
    );
    let d2 = vs.real_servers[1].dest;
    assert_eq!(d2.forward, Forward::Tunnel);
    assert_eq!(
        d2.tunnel,
        Some(Tunnel {
            kind: 1,
            port: 6080,
            flags: 1
        })
    );
    // No checker: always up, nothing to probe.
    assert!(vs.real_servers[1].checkers.is_empty());
}

#[test]
fn a_group_is_expanded_into_its_addresses_and_fwmarks() {
    let p = plan(
        "virtual_server_group G {
            192.0.2.10-12 80
            fwmark 7
        }
        virtual_server group G {
            lvs_sched sh
            sh-port
            lvs_method NAT
            protocol TCP
            real_server 198.51.100.1 80 { }
        }",
    );
    let vs = &p.engine.virtual_servers[0];
    assert_eq!(vs.name, "[G]:0");
    let keys: Vec<SvcKey> = vs.services.iter().map(|s| s.key).collect();
    let addr = |s: &str| SvcKey::Addr {
        proto: Proto::Tcp,
        addr: sa(s),
    };
    assert_eq!(
        keys,
        [
            addr("192.0.2.10:80"),
            addr("192.0.2.11:80"),
            addr("192.0.2.12:80"),
            SvcKey::Fwmark {
                mark: 7,
                family: Family::Inet
            },
        ]
    );
    assert!(vs.services.iter().all(|s| s.flags == svc_flags::SCHED2));
}

#[test]
fn fwmark_services_and_ipv6() {
    let p = plan(
        "virtual_server fwmark 5 {
            lvs_sched rr
            lvs_method DR
            real_server 2001:db8::1 { }
        }",
    );
    let vs = &p.engine.virtual_servers[0];
    assert_eq!(vs.name, "FWM 5");
    assert_eq!(
        vs.services[0].key,
        SvcKey::Fwmark {
            mark: 5,
            family: Family::Inet6
        }
    );
    assert_eq!(vs.services[0].netmask, 128);
    assert_eq!(vs.real_servers[0].name, "[2001:db8::1]:none:0");
    assert_eq!(vs.real_servers[0].dest.addr.port(), 0);
}

#[test]
fn quorum_is_capped_and_sorry_server_has_weight_one() {
    let p = plan(
        "virtual_server 192.0.2.1 80 {
            lvs_sched rr
            lvs_method NAT
            protocol TCP
            quorum 10
            sorry_server 198.51.100.9 8080
            sorry_server_inhibit
            ha_suspend
            real_server 198.51.100.1 80 { weight 2 }
            real_server 198.51.100.2 80 { weight 3 }
        }",
    );
    let vs = &p.engine.virtual_servers[0];
    assert_eq!(vs.quorum, 5);
    let ss = vs.sorry_server.as_ref().unwrap();
    assert_eq!(
        (ss.dest.addr, ss.dest.weight, ss.inhibit),
        (sa("198.51.100.9:8080"), 1, true)
    );
    assert!(vs.ha_suspend);
    assert_eq!(vs.vips, [IpAddr::from([192, 0, 2, 1])]);
}

#[test]
fn smtp_alert_defaults_differ_for_virtual_and_real_servers() {
    let p = plan(BASIC);
    let vs = &p.engine.virtual_servers[0];
    // keepalived compat: off for a virtual server, on for a real server.
    assert!(!vs.smtp_alert);
    assert!(vs.real_servers[0].smtp_alert);
    let p = plan(&format!(
        "global_defs {{ smtp_alert_checker false }}\n{BASIC}"
    ));
    assert!(!p.engine.virtual_servers[0].real_servers[0].smtp_alert);
}

#[test]
fn file_checks_read_their_track_file_and_the_lvs_fifo_is_used() {
    let p = plan(
        "global_defs {
            lvs_notify_fifo /run/lvs.fifo
            lvs_flush
            lvs_timeouts tcp 100 udp 10
        }
        track_file tf { file /run/tf weight 2 }
        virtual_server 192.0.2.1 80 {
            lvs_sched rr
            lvs_method NAT
            protocol TCP
            real_server 198.51.100.1 80 {
                FILE_CHECK { track_file tf }
            }
        }",
    );
    let c = &p.engine.virtual_servers[0].real_servers[0].checkers[0];
    assert!(
        matches!(&c.source, CheckerSource::File { track_file, .. } if track_file == "tf"),
        "{:?}",
        c.source
    );
    assert!(p.probes.is_empty());
    assert_eq!(p.files.len(), 1);
    assert_eq!(p.files[0].path, "/run/tf");
    assert_eq!(p.fifo.as_ref().unwrap().path, "/run/lvs.fifo");
    assert!(p.lvs.flush);
    assert_eq!(p.lvs.timeouts.unwrap().tcp, Some(100));
}
