//! KEEPALIVED-MIB vrrpScriptTable (`.2.9.1`): keepalived
//! `vrrp_snmp_script`, one row per `vrrp_script` in use, in order.

use ka_agentx::{MibView, Value};

use super::vrrp_oid;
use crate::core::operator::Status;
use crate::vrrp::dump::cmd_str;

pub(super) fn fill(v: &mut MibView, status: &Status) {
    let col = |c: u32| vrrp_oid().child(&[9, 1, c]);
    for c in 2..=9 {
        v.declare(col(c));
    }
    let (Some(snap), Some(plan)) = (&status.snapshot.vrrp, &status.plan.vrrp)
    else {
        return;
    };
    for (n, s) in snap.scripts.iter().enumerate() {
        let i = [n as u32 + 1];
        let m = plan.config.vrrp.scripts.iter().find(|m| m.name == s.name);
        v.set(&col(2), &i, Value::string(&s.name));
        if let Some(m) = m {
            v.set(&col(3), &i, Value::string(&cmd_str(&m.cmd.argv)));
            v.set(&col(4), &i, Value::Integer(m.interval.as_secs() as i32));
            v.set(&col(5), &i, Value::Integer(m.weight));
            v.set(&col(9), &i, Value::truth(m.reverse));
        }
        // keepalived: init(1) until the first result, then good(3) once
        // `rise` is reached, else bad(2). Its failed(5), a script that
        // cannot run, keepalived-rs reports as bad.
        let result = match (s.init, s.result >= s.rise) {
            (true, _) => 1,
            (false, true) => 3,
            (false, false) => 2,
        };
        v.set(&col(6), &i, Value::Integer(result));
        v.set(&col(7), &i, Value::Gauge32(s.rise));
        v.set(&col(8), &i, Value::Gauge32(s.fall));
    }
}
