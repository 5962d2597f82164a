//! The checkers' SMTP alerts (keepalived's `smtp_alert` calls in
//! `check/ipwrapper.c` and the checkers): which notification mails what.

use std::sync::Arc;

use ka_check::{Notify, RsId};

use crate::check::plan::CheckPlan;
use crate::core::smtp::{Mail, SmtpConfig};

/// The mail a checker notification sends, if the real or virtual server
/// has `smtp_alert` (resolved in the plan: on by default for real
/// servers).
///
/// keepalived compat: real-server mails have keepalived's subject
/// `Realserver RS of virtual server VS - UP|DOWN`; the body is the one
/// keepalived's HTTP_GET / SMTP_CHECK use (`=> CHECK succeed|failed on
/// service <=`) whatever the checker (keepalived words it per checker
/// kind); quorum mails are `Virtualserver VS - UP|DOWN` with `=> Gained
/// quorum <=` / `=> Lost quorum <=` (keepalived adds the quorum
/// arithmetic). At shutdown the body is `=> Shutting down <=`, for a
/// server a reload removed `=> Removing <=`.
pub(crate) fn mail_for(
    plan: &CheckPlan,
    previous: Option<&CheckPlan>,
    n: &Notify,
    stopping: bool,
) -> Option<Mail> {
    let vss = &plan.engine.virtual_servers;
    match *n {
        Notify::RsUp(id) | Notify::RsDown(id) => {
            let up = matches!(n, Notify::RsUp(_));
            let (vs, rs) = rs_of(plan, id)?;
            let body = match (up, stopping) {
                (true, _) => "=> CHECK succeed on service <=",
                (false, false) => "=> CHECK failed on service <=",
                (false, true) => "=> Shutting down <=",
            };
            rs.1.then(|| rs_mail(&vs, &rs.0, up, body))
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

/// The VS name, and the RS name with its resolved `smtp_alert`.
fn rs_of(plan: &CheckPlan, id: RsId) -> Option<(String, (String, bool))> {
    let vs = plan.engine.virtual_servers.get(id.vs as usize)?;
    let rs = vs.real_servers.get(id.rs as usize)?;
    Some((vs.name.clone(), (rs.name.clone(), rs.smtp_alert)))
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
