//! The checker runtime against the fake drivers: configuration text in,
//! table changes, probe starts and notifications out, on tokio's paused
//! clock (no root, no kernel, no real sleeping).

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use ka_check::ProbeResult;
use ka_config::LoadOptions;
use ka_config::host::FakeHost;
use ka_types::lvs::{Op, SvcKey};
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::task::JoinHandle;

use super::{Control, RunOptions, run_with};
use crate::check::fake::{self, Handle};
use crate::check::plan::{CheckPlan, check_plan};
use crate::core::bus::{Bus, Signal};
use crate::vrrp::plan::UserResolver;

struct RootOnly;

impl UserResolver for RootOnly {
    fn uid_gid(&self, user: &str, _: Option<&str>) -> Option<(u32, u32)> {
        (user == "root").then_some((0, 0))
    }
}

fn plan(text: &str) -> CheckPlan {
    let path = "/etc/keepalived/keepalived.conf";
    let host = FakeHost::new()
        .with_file(path, text)
        .with_programs(&["/bin/up.sh", "/bin/down.sh"]);
    let loaded =
        ka_config::load(Path::new(path), &host, &LoadOptions::default());
    check_plan(&loaded.config, &RootOnly)
}

const VS: &str = "192.0.2.1";

/// One virtual server with two real servers, each with a TCP_CHECK that
/// starts at once (`warmup 0`), retries once after 1 s, every 2 s.
fn config(extra_vs: &str, extra_rs: &str) -> String {
    format!(
        "global_defs {{ lvs_notify_fifo /run/ka-test.fifo }}
        virtual_server {VS} 80 {{
            delay_loop 2
            warmup 0
            lvs_sched rr
            lvs_method NAT
            protocol TCP
            {extra_vs}
            real_server 198.51.100.1 80 {{
                notify_up /bin/up.sh
                notify_down \"/bin/down.sh rs1\"
                {extra_rs}
                TCP_CHECK {{ connect_timeout 1 retry 1 delay_before_retry 1 }}
            }}
            real_server 198.51.100.2 80 {{
                TCP_CHECK {{ connect_timeout 1 retry 1 delay_before_retry 1 }}
            }}
        }}\n"
    )
}

fn key() -> SvcKey {
    SvcKey::Addr {
        proto: ka_types::lvs::Proto::Tcp,
        addr: format!("{VS}:80").parse().unwrap(),
    }
}

fn rs(n: u8) -> SocketAddr {
    SocketAddr::new(IpAddr::from([198, 51, 100, n]), 80)
}

struct Harness {
    fake: Handle,
    control: UnboundedSender<Control>,
    bus: Bus,
    task: JoinHandle<io::Result<()>>,
}

impl Harness {
    async fn start(
        plan: CheckPlan,
        here: Option<Vec<IpAddr>>,
        opts: RunOptions,
    ) -> Self {
        let (drivers, fake) = fake::drivers(here);
        let (control, rx) = mpsc::unbounded_channel();
        let bus = Bus::default();
        let track = bus.subscribe();
        let b = bus.clone();
        let task = tokio::spawn(async move {
            run_with(plan, rx, drivers, b, track, &opts).await
        });
        settle().await;
        Self {
            fake,
            control,
            bus,
            task,
        }
    }

    /// Answers every running probe: real server `down` fails, the others
    /// succeed.
    fn answer(&self, down: Option<u8>) -> usize {
        self.fake.answer(|id| {
            Some(if Some(id.rs.rs as u8 + 1) == down {
                ProbeResult::Down("TCP connection to [x] failed.".into())
            } else {
                ProbeResult::Up
            })
        })
    }

    async fn stop(self) -> Handle {
        self.control.send(Control::Stop).unwrap();
        self.task.await.unwrap().unwrap();
        self.fake
    }
}

async fn settle() {
    tokio::time::sleep(Duration::from_millis(10)).await;
}

/// Runs `secs` seconds of paused time, answering every probe each 10 ms.
async fn run_for(h: &Harness, secs: u64, down: Option<u8>) {
    for _ in 0..secs * 100 {
        h.answer(down);
        settle().await;
    }
}

fn in_table(h: &Handle, addr: SocketAddr) -> Option<u32> {
    h.world()
        .table
        .services
        .get(&key())?
        .dests
        .get(&addr)
        .map(|d| d.weight)
}

#[tokio::test(start_paused = true)]
async fn start_installs_the_service_and_its_servers_in_one_batch_then_probes() {
    let h = Harness::start(plan(&config("", "")), None, RunOptions::default())
        .await;
    {
        let w = h.fake.world();
        assert_eq!(w.fifos, [Some("/run/ka-test.fifo".to_string())]);
        assert!(w.started.is_some());
        let first = &w.batches[0];
        assert!(
            matches!(&first[0], Op::AddService(s) if s.key == key()),
            "{first:?}"
        );
        assert_eq!(
            first.len(),
            3,
            "service and both servers at once: {first:?}"
        );
        // keepalived's BOOTSTRAP_DELAY: no probe in the first second.
        assert!(w.starts.is_empty());
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    // warmup 0: then both checkers probe at once.
    assert_eq!(h.fake.world().starts.len(), 2);
    assert_eq!(in_table(&h.fake, rs(1)), Some(1));
    run_for(&h, 5, None).await;
    // Every delay_loop (2 s) each checker probes again; nothing changes.
    assert!(h.fake.world().starts.len() >= 6);
    assert_eq!(h.fake.world().batches.len(), 1);
    let fake = h.stop().await;
    let w = fake.world();
    assert!(
        w.table.services.is_empty(),
        "removed at stop: {:?}",
        w.table
    );
    assert_eq!(w.closed, [true]);
}

#[tokio::test(start_paused = true)]
async fn a_failing_server_is_removed_and_notified_then_returns() {
    let h = Harness::start(plan(&config("", "")), None, RunOptions::default())
        .await;
    run_for(&h, 5, Some(1)).await;
    assert_eq!(in_table(&h.fake, rs(1)), None);
    assert_eq!(in_table(&h.fake, rs(2)), Some(1));
    {
        let w = h.fake.world();
        let down = "RS [198.51.100.1]:tcp:80 [192.0.2.1]:tcp:80 DOWN\n";
        // keepalived compat: the start gains quorum (its FIFO line first).
        assert_eq!(w.lines, ["VS [192.0.2.1]:tcp:80 UP\n", down]);
        assert_eq!(w.scripts.len(), 1);
        assert_eq!(w.scripts[0].1, ["/bin/down.sh", "rs1"]);
    }
    run_for(&h, 5, None).await;
    assert_eq!(in_table(&h.fake, rs(1)), Some(1));
    {
        let w = h.fake.world();
        assert_eq!(
            w.lines[2],
            "RS [198.51.100.1]:tcp:80 [192.0.2.1]:tcp:80 UP\n"
        );
        assert_eq!(w.scripts[1].1, ["/bin/up.sh"]);
    }
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn inhibit_on_failure_keeps_the_server_at_weight_zero() {
    let h = Harness::start(
        plan(&config("", "inhibit_on_failure")),
        None,
        RunOptions::default(),
    )
    .await;
    run_for(&h, 5, Some(1)).await;
    assert_eq!(in_table(&h.fake, rs(1)), Some(0));
    run_for(&h, 5, None).await;
    assert_eq!(in_table(&h.fake, rs(1)), Some(1));
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn dont_release_ipvs_leaves_the_table_at_stop() {
    let opts = RunOptions {
        dont_release: true,
        ..RunOptions::default()
    };
    let h = Harness::start(plan(&config("", "")), None, opts).await;
    let fake = h.stop().await;
    let w = fake.world();
    assert_eq!(w.batches.len(), 1, "nothing removed: {:?}", w.batches);
    assert_eq!(w.table.services.len(), 1);
    assert_eq!(w.closed, [false]);
}

#[tokio::test(start_paused = true)]
async fn lvs_flush_on_stop_flushes_instead_of_removing() {
    let text =
        format!("global_defs {{ lvs_flush_on_stop }}\n{}", config("", ""));
    let h = Harness::start(plan(&text), None, RunOptions::default()).await;
    let fake = h.stop().await;
    let w = fake.world();
    assert_eq!((w.batches.len(), w.flushes), (1, 1));
}

#[tokio::test(start_paused = true)]
async fn a_reload_changing_a_weight_edits_only_that_destination() {
    let h = Harness::start(plan(&config("", "")), None, RunOptions::default())
        .await;
    run_for(&h, 1, None).await;
    h.control
        .send(Control::Reload(Box::new(plan(&config("", "weight 5")))))
        .unwrap();
    run_for(&h, 1, None).await;
    {
        let w = h.fake.world();
        assert_eq!(w.batches.len(), 2, "{:?}", w.batches);
        assert!(
            matches!(&w.batches[1][..], [Op::EditDest(k, d)] if *k == key() && d.weight == 5)
        );
        // The FIFO was reopened for the new plan.
        assert_eq!(w.fifos.len(), 2);
    }
    // The same configuration again: nothing to change.
    h.control
        .send(Control::Reload(Box::new(plan(&config("", "weight 5")))))
        .unwrap();
    run_for(&h, 1, None).await;
    assert_eq!(h.fake.world().batches.len(), 2);
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn ha_suspend_waits_for_the_virtual_address() {
    let vip: IpAddr = VS.parse().unwrap();
    let h = Harness::start(
        plan(&config("ha_suspend", "")),
        Some(Vec::new()),
        RunOptions::default(),
    )
    .await;
    run_for(&h, 3, None).await;
    assert!(
        h.fake.world().starts.is_empty(),
        "no probe while the VIP is away"
    );
    h.fake.address(vip, true);
    run_for(&h, 3, None).await;
    assert!(!h.fake.world().starts.is_empty());
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn file_check_follows_the_track_file_on_the_bus() {
    let text = "track_file tf { file /run/ka-test-tf weight 0 }
        virtual_server 192.0.2.1 80 {
            lvs_sched rr
            lvs_method NAT
            protocol TCP
            real_server 198.51.100.1 80 { FILE_CHECK { track_file tf } }
        }\n";
    let mut p = plan(text);
    // The test publishes the values itself.
    p.files.clear();
    let h = Harness::start(p, None, RunOptions::default()).await;
    assert_eq!(in_table(&h.fake, rs(1)), Some(1));
    h.bus.publish(&Signal::FileValue {
        file: "tf".into(),
        value: 3,
    });
    settle().await;
    // value x weight (1) is added to the real server's weight.
    assert_eq!(in_table(&h.fake, rs(1)), Some(4));
    h.bus.publish(&Signal::FileValue {
        file: "tf".into(),
        value: -10,
    });
    settle().await;
    // keepalived compat (real_weight): the weight stops at 0.
    assert_eq!(in_table(&h.fake, rs(1)), Some(0));
    h.bus.publish(&Signal::FileValue {
        file: "tf".into(),
        value: 0,
    });
    settle().await;
    assert_eq!(in_table(&h.fake, rs(1)), Some(1));
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn bfd_check_follows_the_bfd_session_on_the_bus() {
    let text = "bfd_instance up1 { neighbor_ip 198.51.100.1 }
        virtual_server 192.0.2.1 80 {
            lvs_sched rr
            lvs_method NAT
            protocol TCP
            real_server 198.51.100.1 80 { BFD_CHECK { name up1 } }
        }\n";
    let p = plan(text);
    assert!(p.not_implemented.is_empty(), "{:?}", p.not_implemented);
    let h = Harness::start(p, None, RunOptions::default()).await;
    let session = |up: bool, checker: bool| Signal::BfdState {
        name: "up1".into(),
        up,
        vrrp: !checker,
        checker,
    };
    h.bus.publish(&session(false, true));
    settle().await;
    assert_eq!(in_table(&h.fake, rs(1)), None, "session down: removed");
    // A state meant for VRRP only does not reach the checkers.
    h.bus.publish(&session(true, false));
    settle().await;
    assert_eq!(in_table(&h.fake, rs(1)), None);
    h.bus.publish(&session(true, true));
    settle().await;
    assert_eq!(in_table(&h.fake, rs(1)), Some(1), "session up: back");
    h.stop().await;
}

/// A real server going down mails keepalived's subject to the SMTP
/// server (real time: the mail goes over TCP to a test server); the
/// other, healthy real server mails nothing.
#[tokio::test]
async fn smtp_a_failing_server_mails_one_alert() {
    let (addr, mut rx) = crate::core::smtp::tests::server(250).await;
    let globals = format!(
        "global_defs {{\nrouter_id LB1\nsmtp_server 127.0.0.1 {}\n\
         notification_email {{ ops@example.org }}\n",
        addr.port()
    );
    let text = config("", "").replace("global_defs {", &globals);
    let h = Harness::start(plan(&text), None, RunOptions::default()).await;
    // keepalived's first probes come after a second; then rs1 fails
    // (retry 1, delay_before_retry 1).
    run_for(&h, 4, Some(1)).await;
    let r = crate::core::smtp::tests::one(&mut rx).await;
    assert!(
        r.data.contains(
            "\r\nSubject: [LB1] Realserver [198.51.100.1]:tcp:80 of virtual \
             server [192.0.2.1]:tcp:80 - DOWN\r\n"
        ),
        "{}",
        r.data
    );
    // check_tcp.c's words.
    assert!(
        r.data.contains("\r\n=> TCP CHECK failed on service <=\r\n"),
        "{}",
        r.data
    );
    let more = tokio::time::timeout(Duration::from_millis(300), rx.recv());
    assert!(more.await.is_err(), "a second mail");
    h.stop().await;
}

/// keepalived words a real server's mail per checker kind.
#[test]
fn mail_bodies_are_the_checkers_words() {
    use crate::check::runtime::mail::checker_body;
    let p = plan(
        "virtual_server 192.0.2.1 80 {
            lvs_sched rr
            lvs_method NAT
            protocol TCP
            real_server 198.51.100.1 80 { HTTP_GET { url { path / } } }
            real_server 198.51.100.2 80 { PING_CHECK { } }
            real_server 198.51.100.3 80 { TCP_CHECK { } PING_CHECK { } }
        }\n",
    );
    let rs = &p.engine.virtual_servers[0].real_servers;
    let body = |r: usize, c: usize, up| checker_body(&rs[r].checkers[c], up);
    assert_eq!(body(0, 0, true), "=> CHECK succeed on service <=");
    assert_eq!(
        body(0, 0, false),
        "=> CHECK failed on service : HTTP request failed <="
    );
    assert_eq!(body(1, 0, false), "=> ICMP CHECK failed on service <=");
    assert_eq!(body(2, 0, true), "=> TCP CHECK succeed on service <=");
    assert_eq!(body(2, 1, false), "=> ICMP CHECK failed on service <=");
}

/// keepalived mails every checker flip of a server with `smtp_alert`;
/// `no_checker_emails` keeps only those that move the server.
#[test]
fn no_checker_emails_keeps_only_the_mails_that_move_the_server() {
    use crate::check::runtime::mail::checker_mail;
    use ka_check::{CheckerAlert, CheckerId, RsId};
    let text = |extra: &str| {
        format!(
            "global_defs {{ {extra} }}
            virtual_server 192.0.2.1 80 {{
                lvs_sched rr
                lvs_method NAT
                protocol TCP
                real_server 198.51.100.3 80 {{ TCP_CHECK {{ }} PING_CHECK {{ }} }}
            }}\n"
        )
    };
    let second_fails = CheckerAlert {
        id: CheckerId {
            rs: RsId { vs: 0, rs: 0 },
            checker: 1,
        },
        up: false,
        rs_alive: false,
        rs_changed: false,
    };
    let m = checker_mail(&plan(&text("")), &second_fails).expect("a mail");
    assert_eq!(
        m.subject,
        "Realserver [198.51.100.3]:tcp:80 of virtual server [192.0.2.1]:tcp:80 - DOWN"
    );
    assert_eq!(m.body, "=> ICMP CHECK failed on service <=");
    let quiet = plan(&text("no_checker_emails"));
    assert_eq!(checker_mail(&quiet, &second_fails), None);
    let moved = CheckerAlert {
        rs_changed: true,
        ..second_fails
    };
    assert!(checker_mail(&quiet, &moved).is_some());
    let no_alert = plan(&text("smtp_alert_checker off"));
    assert_eq!(checker_mail(&no_alert, &moved), None);
}
