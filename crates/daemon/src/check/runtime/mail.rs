//! The checkers' SMTP alerts (keepalived's `smtp_alert` calls in
//! `check/ipwrapper.c` and the checkers): which notification mails what.

use std::sync::Arc;

use ka_check::{CheckerAlert, CheckerConfig, CheckerSource, Notify};

use crate::check::plan::CheckPlan;
use crate::core::smtp::{Mail, SmtpConfig};

/// The mail a checker's verdict change sends (keepalived's checker
/// epilogs): when the real server has `smtp_alert` (resolved in the plan:
/// on by default for real servers), and the change moved the server or
/// `no_checker_emails` is off.
///
/// keepalived compat: the subject is `Realserver RS of virtual server VS
/// - UP|DOWN` by the server's state after the change; the body the
/// checker's words (`=> TCP CHECK failed on service <=`, …). With two
/// checkers, the second one failing mails again (`DOWN`) unless
/// `no_checker_emails`.
pub(crate) fn checker_mail(plan: &CheckPlan, a: &CheckerAlert) -> Option<Mail> {
    let vs = plan.engine.virtual_servers.get(a.id.rs.vs as usize)?;
    let rs = vs.real_servers.get(a.id.rs.rs as usize)?;
    let checker = rs.checkers.get(a.id.checker as usize)?;
    let no_checker_emails = plan.config.global.no_checker_emails;
    (rs.smtp_alert && (a.rs_changed || !no_checker_emails)).then(|| {
        let body = checker_body(checker, a.up);
        rs_mail(&vs.name, &rs.name, a.rs_alive, &body)
    })
}

/// The mail a notification sends, if the real or virtual server has
/// `smtp_alert`: quorum mails (`Virtualserver VS - UP|DOWN` with `=>
/// Gained quorum <=` / `=> Lost quorum <=`; keepalived adds the quorum
/// arithmetic), and a live server's `=> Shutting down <=` (at shutdown,
/// with `omega`) or `=> Removing <=` (a reload removed it). keepalived
/// compat: a real server's own up/down notifiers send no mail
/// (do_rs_notifies: "The sending of smtp_alerts is handled by the
/// individual checker"): [`checker_mail`] does.
pub(crate) fn mail_for(
    plan: &CheckPlan,
    previous: Option<&CheckPlan>,
    n: &Notify,
    stopping: bool,
) -> Option<Mail> {
    let vss = &plan.engine.virtual_servers;
    match *n {
        Notify::RsUp(_) => None,
        Notify::RsDown(id) => {
            let vs = vss.get(id.vs as usize)?;
            let rs = vs.real_servers.get(id.rs as usize)?;
            (stopping && rs.smtp_alert).then(|| {
                rs_mail(&vs.name, &rs.name, false, "=> Shutting down <=")
            })
        }
        Notify::QuorumUp(v) | Notify::QuorumDown(v) => {
            let up = matches!(n, Notify::QuorumUp(_));
            let vs = vss.get(v as usize)?;
            let body = match (up, stopping) {
                (true, _) => "=> Gained quorum <=",
                (false, false) => "=> Lost quorum <=",
                (false, true) => "=> Shutting down <=",
            };
            vs.smtp_alert.then(|| vs_mail(&vs.name, up, body))
        }
        Notify::RemovedRsDown { ref vs, ref rs } => {
            let prev = previous?;
            let v =
                prev.engine.virtual_servers.iter().find(|v| &v.name == vs)?;
            let r = v.real_servers.iter().find(|r| &r.name == rs)?;
            r.smtp_alert
                .then(|| rs_mail(vs, rs, false, "=> Removing <="))
        }
        Notify::RemovedQuorumDown { ref vs } => {
            let prev = previous?;
            let v =
                prev.engine.virtual_servers.iter().find(|v| &v.name == vs)?;
            v.smtp_alert
                .then(|| vs_mail(vs, false, "=> Lost quorum <="))
        }
    }
}

/// The alert settings of `plan` (`None`: no mail is configured).
pub(crate) fn smtp_config(plan: &CheckPlan) -> Option<Arc<SmtpConfig>> {
    SmtpConfig::from_host(&plan.config.global).map(Arc::new)
}

/// The body keepalived's checker sends when its verdict turns `up` or
/// down (check_tcp.c, check_http.c, check_udp.c, check_ping.c,
/// check_dns.c, check_smtp.c, check_misc.c, check_bfd.c).
pub(crate) fn checker_body(c: &CheckerConfig, up: bool) -> String {
    let (ok, failed) = ("succeed", "failed");
    let word = if up { ok } else { failed };
    match (c.keyword.as_str(), &c.source) {
        ("TCP_CHECK", _) => format!("=> TCP CHECK {word} on service <="),
        ("UDP_CHECK", _) => format!("=> UDP CHECK {word} on service <="),
        ("PING_CHECK", _) => format!("=> ICMP CHECK {word} on service <="),
        ("DNS_CHECK", _) => format!("=> DNS_CHECK: {word} on service <="),
        ("HTTP_GET" | "SSL_GET", _) if !up => {
            "=> CHECK failed on service : HTTP request failed <=".into()
        }
        ("MISC_CHECK", _) => {
            let w = if up { "succeeded" } else { "failed" };
            format!("=> MISC CHECK {w} on service <=")
        }
        (_, CheckerSource::Bfd { name }) => {
            let w = if up { "succeeded" } else { "failed" };
            format!("=> BFD CHECK {name} {w} on service <=")
        }
        _ => generic(up).to_string(),
    }
}

/// check_http.c's and check_smtp.c's words.
fn generic(up: bool) -> &'static str {
    if up {
        "=> CHECK succeed on service <="
    } else {
        "=> CHECK failed on service <="
    }
}

fn rs_mail(vs: &str, rs: &str, up: bool, body: &str) -> Mail {
    Mail {
        subject: format!(
            "Realserver {rs} of virtual server {vs} - {}",
            word(up)
        ),
        body: body.into(),
    }
}

fn vs_mail(vs: &str, up: bool, body: &str) -> Mail {
    Mail {
        subject: format!("Virtualserver {vs} - {}", word(up)),
        body: body.into(),
    }
}

fn word(up: bool) -> &'static str {
    if up { "UP" } else { "DOWN" }
}
