//! `keepalived.json` (SIGRTMIN+2): an array with one `{"data": …,
//! "stats": …}` object per instance, with keepalived 2.2.7's keys in its
//! order (`vrrp_json.c`), compact as keepalived writes it. Keys that
//! keepalived writes only when set (`ifp_ifname`, the scripts, the
//! address, route, rule and tracking arrays, `auth_data`) are written
//! under the same conditions.

use std::fmt::Write as _;

use ka_vrrp::{Auth, Stats};

use super::route::{route as route_text, rule as rule_text};
use super::view::{
    Inst, View, address_text, cmd_str, state_number, want_state,
};

/// An object under construction, keys in insertion order.
#[derive(Default)]
struct Obj(String);

impl Obj {
    fn raw(&mut self, key: &str, value: &str) {
        self.0.push(if self.0.is_empty() { '{' } else { ',' });
        let _ = write!(self.0, "{}:{value}", quote(key));
    }
    fn str(&mut self, key: &str, value: &str) {
        self.raw(key, &quote(value));
    }
    fn num(&mut self, key: &str, value: impl std::fmt::Display) {
        self.raw(key, &value.to_string());
    }
    fn bool(&mut self, key: &str, value: bool) {
        self.raw(key, if value { "true" } else { "false" });
    }
    /// keepalived `vrrp_json_array_dump`: nothing when empty.
    fn strings(&mut self, key: &str, items: &[String]) {
        if !items.is_empty() {
            let list: Vec<String> = items.iter().map(|s| quote(s)).collect();
            self.raw(key, &format!("[{}]", list.join(",")));
        }
    }
    fn end(mut self) -> String {
        if self.0.is_empty() {
            self.0.push('{');
        }
        self.0.push('}');
        self.0
    }
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// keepalived's `%g` for seconds held in µs.
fn secs_g(us: u64) -> String {
    let v = us as f64 / 1e6;
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// The whole `keepalived.json`.
pub fn text(v: &View<'_>) -> String {
    let items: Vec<String> = v
        .instances()
        .iter()
        .map(|i| {
            let mut o = Obj::default();
            o.raw("data", &data(v, i));
            o.raw("stats", &stats(&i.s.stats));
            o.end()
        })
        .collect();
    format!("[{}]", items.join(","))
}

fn data(v: &View<'_>, i: &Inst<'_>) -> String {
    let (s, c, m) = (i.s, i.c, i.m);
    let g = &v.plan.config.global;
    let mut o = Obj::default();
    o.str("iname", &s.name);
    o.num("dont_track_primary", u8::from(c.dont_track_primary));
    o.num("skip_check_adv_addr", u8::from(c.skip_check_adv_addr));
    let strict = m.and_then(|m| m.strict_mode).unwrap_or(g.vrrp_strict);
    o.num("strict_mode", u8::from(strict));
    let vmac = v.plan.vmacs.iter().find(|p| p.instance == s.name);
    o.str("vmac_ifname", vmac.map_or("", |p| p.name.as_str()));
    if let Some(ifname) = &c.interface {
        o.str("ifp_ifname", ifname);
    }
    o.num("master_priority", s.master_priority);
    let (secs, us) = v.wall(s.last_transition);
    o.raw("last_transition", &format!("{secs}.{us:06}"));
    let garp = &c.garp;
    o.raw("garp_delay", &secs_g(micros(garp.master_delay)));
    o.num("garp_refresh", garp.master_refresh.as_secs());
    o.num("garp_rep", garp.master_repeat);
    o.num("garp_refresh_rep", garp.refresh_repeat);
    o.num("garp_lower_prio_delay", garp.lower_prio_delay.as_secs());
    o.num("garp_lower_prio_rep", garp.lower_prio_repeat);
    o.num("lower_prio_no_advert", u8::from(c.lower_prio_no_advert));
    o.num(
        "higher_prio_send_advert",
        u8::from(c.higher_prio_send_advert),
    );
    o.num("vrid", s.vrid);
    o.num("base_priority", s.base_priority);
    o.num("effective_priority", s.effective_priority);
    o.bool("vipset", s.vips_set);
    o.bool(
        "promote_secondaries",
        m.is_some_and(|m| m.promote_secondaries),
    );
    o.raw("adver_int", &secs_g(c.adver_int.micros()));
    o.raw("master_adver_int", &secs_g(s.master_adver_int_us));
    o.num("accept", u8::from(c.accept));
    o.bool("nopreempt", c.nopreempt);
    o.num("preempt_delay", c.preempt_delay.as_secs());
    o.num("state", state_number(s.state));
    o.num("wantstate", state_number(want_state(s)));
    o.num("version", c.version.as_u8());
    let smtp = m
        .and_then(|m| m.smtp_alert)
        .or(g.smtp_alert_vrrp)
        .or(g.smtp_alert);
    o.bool("smtp_alert", smtp.unwrap_or(false));
    o.bool("notify_deleted", c.notify_deleted);
    if let Some(h) = i.hooks {
        let scripts = [
            ("script_backup", &h.backup),
            ("script_master", &h.master),
            ("script_fault", &h.fault),
            ("script_stop", &h.stop),
            ("script_deleted", &h.deleted),
            ("script", &h.generic),
            ("script_master_rx_lower_pri", &h.master_rx_lower_pri),
        ];
        for (key, spec) in scripts {
            if let Some(spec) = spec {
                o.str(key, &cmd_str(&spec.argv));
            }
        }
    }
    let addrs = |list: &[ka_vrrp::Vip]| -> Vec<String> {
        list.iter()
            .map(|a| {
                address_text(a.addr, v.address(&s.name, a.addr), s.vips_set)
            })
            .collect()
    };
    o.strings("vips", &addrs(&c.vips));
    o.strings("evips", &addrs(&c.evips));
    if let Some(m) = m {
        let routes: Vec<String> = m.routes.iter().map(route_text).collect();
        let rules: Vec<String> = m.rules.iter().map(rule_text).collect();
        o.strings("vroutes", &routes);
        o.strings("vrules", &rules);
    }
    o.strings(
        "track_ifp",
        &tracked(c, |k| match k {
            ka_vrrp::TrackKind::Interface(n) => Some(n.clone()),
            _ => None,
        }),
    );
    let scripts = tracked(c, |k| match k {
        ka_vrrp::TrackKind::Script(n) => {
            let sc =
                v.plan.config.vrrp.scripts.iter().find(|x| &x.name == n)?;
            Some(cmd_str(&sc.cmd.argv))
        }
        _ => None,
    });
    o.strings("track_script", &scripts);
    match &c.auth {
        Auth::None => o.num("auth_type", 0),
        Auth::Pass(p) => {
            o.num("auth_type", 1);
            let end = p.iter().position(|&b| b == 0).unwrap_or(p.len());
            o.str("auth_data", &String::from_utf8_lossy(&p[..end]));
        }
        Auth::Ah(k) => {
            o.num("auth_type", 2);
            let end = k.iter().position(|&b| b == 0).unwrap_or(k.len());
            o.str("auth_data", &String::from_utf8_lossy(&k[..end]));
        }
    }
    o.end()
}

/// The names (or texts) `f` picks from an instance's trackers.
pub(super) fn tracked(
    c: &ka_vrrp::InstanceConfig,
    f: impl Fn(&ka_vrrp::TrackKind) -> Option<String>,
) -> Vec<String> {
    c.track.iter().filter_map(|t| f(&t.kind)).collect()
}

fn micros(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

fn stats(t: &Stats) -> String {
    let mut o = Obj::default();
    o.num("advert_rcvd", t.advert_rcvd);
    o.num("advert_sent", t.advert_sent);
    o.num("become_master", t.become_master);
    o.num("release_master", t.release_master);
    o.num("packet_len_err", t.packet_len_err);
    o.num("advert_interval_err", t.advert_interval_err);
    o.num("ip_ttl_err", t.ip_ttl_err);
    o.num("invalid_type_rcvd", t.invalid_type_rcvd);
    o.num("addr_list_err", t.addr_list_err);
    o.num("invalid_authtype", t.invalid_authtype);
    o.num("authtype_mismatch", t.authtype_mismatch);
    o.num("auth_failure", t.auth_failure);
    o.num("pri_zero_rcvd", t.pri_zero_rcvd);
    o.num("pri_zero_sent", t.pri_zero_sent);
    o.end()
}
