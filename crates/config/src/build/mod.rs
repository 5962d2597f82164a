//! Turning the syntax tree into the typed model: one builder per block
//! type, all reporting through the shared [`Cx`].

pub mod bfd;
pub mod cx;
pub mod global;
pub mod lvs;
pub mod missing;
pub(crate) mod names;
pub mod vrrp;

pub use cx::Cx;

use crate::ast::Item;
use crate::model::Config;

/// Root keywords outside load balancing, for "did you mean" suggestions.
pub const ROOT_KEYWORDS: &[&str] = &[
    "global_defs",
    "net_namespace",
    "net_namespace_ipvs",
    "namespace_with_ipsets",
    "instance",
    "use_pid_dir",
    "child_wait_time",
    "linkbeat_use_polling",
    "bfd_instance",
];

/// Every block's keyword table, as the builders use them for "did you
/// mean": (block name, keywords in keepalived's order). The root level is
/// `root`. keepalived-rs's configuration manual page is generated from
/// these (`keepalived-rs-man`), so a keyword added to a builder's table
/// appears there.
pub fn keyword_tables() -> Vec<(&'static str, &'static [&'static str])> {
    let mut t: Vec<(&'static str, &'static [&'static str])> = vec![
        ("root", ROOT_KEYWORDS),
        ("root (VRRP)", vrrp::ROOT_KEYWORDS),
        ("root (load balancing)", lvs::ROOT_KEYWORDS),
        ("global_defs", global::GLOBAL_KEYWORDS),
    ];
    t.extend_from_slice(vrrp::KEYWORD_TABLES);
    t.extend_from_slice(lvs::KEYWORD_TABLES);
    t.push(("bfd_instance", bfd::KEYWORDS));
    t
}

/// Builds the model from the root items.
pub fn build(items: &[Item], cx: &mut Cx) -> Config {
    let mut config = Config::default();
    for item in items {
        if lvs::ROOT_KEYWORDS.contains(&item.name()) {
            lvs::build_root(item, cx, &mut config.lvs);
            continue;
        }
        if vrrp::ROOT_KEYWORDS.contains(&item.name()) {
            let bfd: Vec<String> = config
                .bfd
                .instances
                .iter()
                .map(|b| b.name.clone())
                .collect();
            vrrp::build_root(item, cx, &mut config.vrrp, &bfd);
            vrrp::apply_syncd_interfaces(cx, &mut config.global);
            continue;
        }
        match item.name() {
            "global_defs" => {
                global::build_global_defs(item, cx, &mut config.global)
            }
            "bfd_instance" => bfd::build_root(item, cx, &mut config.bfd),
            _ => {
                if !global::build_root(item, cx, &mut config.global) {
                    let known: Vec<&str> = ROOT_KEYWORDS
                        .iter()
                        .chain(vrrp::ROOT_KEYWORDS)
                        .chain(lvs::ROOT_KEYWORDS)
                        .copied()
                        .collect();
                    cx.unknown_keyword(item, &known);
                }
            }
        }
    }
    config
}

#[cfg(test)]
pub(crate) mod testutil;

/// Every word of a list block (`{ a b c }` or one per line).
pub(crate) fn vrrp_list(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .flat_map(|e| {
            std::iter::once(e.name().to_string())
                .chain(e.args.iter().map(|w| w.text.clone()))
        })
        .collect()
}
