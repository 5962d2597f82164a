//! Turning the syntax tree into the typed model: one builder per block
//! type, all reporting through the shared [`Cx`].

pub mod cx;
pub mod lvs;

pub use cx::Cx;

use crate::ast::Item;
use crate::model::Config;

/// Root keywords, for "did you mean" suggestions.
pub const ROOT_KEYWORDS: &[&str] = &[
    "global_defs",
    "vrrp_instance",
    "vrrp_sync_group",
    "vrrp_script",
    "bfd_instance",
];

/// Builds the model from the root items.
pub fn build(items: &[Item], cx: &mut Cx) -> Config {
    let mut config = Config::default();
    for item in items {
        if lvs::ROOT_KEYWORDS.contains(&item.name()) {
            lvs::build_root(item, cx, &mut config.lvs);
            continue;
        }
        match item.name() {
            _ => {
                let known: Vec<&str> = ROOT_KEYWORDS
                    .iter()
                    .chain(lvs::ROOT_KEYWORDS)
                    .copied()
                    .collect();
                cx.unknown_keyword(item, &known);
            }
        }
    }
    config
}
