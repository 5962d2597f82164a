use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use ka_config::LoadOptions;
use ka_config::host::FakeHost;
use ka_vrrp::{Notification, NotifyKind, NotifyState};

use super::mail_for;
use crate::core::smtp::tests::{one, server};
use crate::vrrp::notify::Notifier;

fn config(text: &str) -> ka_config::Config {
    let path = "/etc/keepalived/keepalived.conf";
    let host = FakeHost::new().with_file(path, text);
    ka_config::load(Path::new(path), &host, &LoadOptions::default()).config
}

fn n(kind: NotifyKind, name: &str, state: NotifyState) -> Notification {
    Notification {
        kind,
        name: name.into(),
        state,
        priority: 100,
    }
}

fn text(port: u16, instance_alert: &str) -> String {
    format!(
        "global_defs {{
            router_id LB1
            smtp_server 127.0.0.1 {port}
            smtp_connect_timeout 5
            smtp_helo_name lb1.example.org
            notification_email_from ka@example.org
            notification_email {{ ops@example.org }}
        }}
        vrrp_instance VI_1 {{
            interface eth0
            virtual_router_id 51
            priority 100
            {instance_alert}
            virtual_ipaddress {{ 192.0.2.1 }}
        }}
        vrrp_instance VI_2 {{
            interface eth0
            virtual_router_id 52
            priority 100
            virtual_ipaddress {{ 192.0.2.2 }}
        }}\n"
    )
}

/// The path the VRRP runtime takes: a transition of an instance with
/// `smtp_alert` sends one mail with keepalived's subject and body; the
/// same state again, an instance without `smtp_alert` and a priority
/// change send none.
#[tokio::test]
async fn smtp_vrrp_transition_sends_one_mail() {
    let (addr, mut rx) = server(250).await;
    let cfg = config(&text(addr.port(), "smtp_alert"));
    let mut notifier = Notifier::new(HashMap::new(), None);
    notifier.reconfigure(HashMap::new(), || None, &cfg);
    notifier.notify(&n(NotifyKind::Instance, "VI_1", NotifyState::Master));
    notifier.notify(&n(NotifyKind::Instance, "VI_1", NotifyState::Master));
    notifier.notify(&n(NotifyKind::Instance, "VI_2", NotifyState::Master));
    notifier.notify(&n(
        NotifyKind::Instance,
        "VI_1",
        NotifyState::MasterPriority,
    ));
    let r = one(&mut rx).await;
    assert!(
        r.data.contains(
            "\r\nSubject: [LB1] VRRP Instance VI_1 - Entering MASTER state\r\n"
        ),
        "{}",
        r.data
    );
    assert!(
        r.data
            .contains("\r\n=> VRRP Instance is now owning VRRP VIPs <=\r\n")
    );
    assert_eq!(r.commands[0], "HELO lb1.example.org");
    assert_eq!(r.commands[1], "MAIL FROM:<ka@example.org>");
    // Nothing else comes.
    let more =
        tokio::time::timeout(Duration::from_millis(300), rx.recv()).await;
    assert!(more.is_err(), "unexpected mail {more:?}");
    // The next state change mails again.
    notifier.notify(&n(NotifyKind::Instance, "VI_1", NotifyState::Backup));
    let r = one(&mut rx).await;
    assert!(r.data.contains(
        "Subject: [LB1] VRRP Instance VI_1 - Entering BACKUP state\r\n"
    ));
}

/// `smtp_alert_vrrp` in global_defs turns mail on for every instance.
#[tokio::test]
async fn smtp_vrrp_global_default_applies() {
    let (addr, mut rx) = server(250).await;
    let t = text(addr.port(), "")
        .replace("router_id LB1", "router_id LB1\nsmtp_alert_vrrp");
    let mut notifier = Notifier::new(HashMap::new(), None);
    notifier.reconfigure(HashMap::new(), || None, &config(&t));
    notifier.notify(&n(NotifyKind::Instance, "VI_2", NotifyState::Fault));
    let r = one(&mut rx).await;
    assert!(r.data.contains(
        "Subject: [LB1] VRRP Instance VI_2 - Entering FAULT state\r\n"
    ));
}

/// `no_email_faults`: entering FAULT mails nothing, and the next state
/// still mails.
#[tokio::test]
async fn no_email_faults_skips_only_the_fault_mail() {
    let (addr, mut rx) = server(250).await;
    let t = text(addr.port(), "smtp_alert")
        .replace("router_id LB1", "router_id LB1\nno_email_faults");
    let mut notifier = Notifier::new(HashMap::new(), None);
    notifier.reconfigure(HashMap::new(), || None, &config(&t));
    notifier.notify(&n(NotifyKind::Instance, "VI_1", NotifyState::Fault));
    notifier.notify(&n(NotifyKind::Instance, "VI_1", NotifyState::Backup));
    let r = one(&mut rx).await;
    assert!(
        r.data.contains(
            "Subject: [LB1] VRRP Instance VI_1 - Entering BACKUP state\r\n"
        ),
        "{}",
        r.data
    );
    let more =
        tokio::time::timeout(Duration::from_millis(300), rx.recv()).await;
    assert!(more.is_err(), "unexpected mail {more:?}");
}

#[test]
fn smtp_vrrp_subjects_are_keepalived_s() {
    let g = mail_for(&n(NotifyKind::Group, "G1", NotifyState::Stop)).unwrap();
    assert_eq!(g.subject, "VRRP Group G1 - Stopping");
    assert_eq!(g.body, "=> All VRRP group instances are now stopping <=");
    let d = mail_for(&n(NotifyKind::Instance, "VI_1", NotifyState::Deleted))
        .unwrap();
    assert_eq!(d.subject, "VRRP Instance VI_1 - Deleted");
    assert!(
        mail_for(&n(
            NotifyKind::Instance,
            "VI_1",
            NotifyState::MasterRxLowerPri
        ))
        .is_none()
    );
}
