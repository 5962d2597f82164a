//! Keywords whose missing parameter stops keepalived.
//!
//! keepalived compat: most keyword handlers of keepalived 2.2.7 read their
//! first parameter with `strvec_slot()`, which, when the line has none,
//! calls `null_strvec()`: "Configuration line starting `X` is missing a
//! parameter after keyword `X` at word position 2", and the process exits
//! at once with `KEEPALIVED_EXIT_CONFIG` (2), even under `-t`. Handlers
//! that count their words first report an ordinary error instead; those
//! keywords are not listed here. The lists were measured by running
//! keepalived 2.2.7 `-t` on every keyword of every block with no
//! parameter. A value that is only a comment (`state # MASTER`) is the
//! same case: the comment is gone before the handler runs.

use crate::ast::Item;
use crate::diag::{Category, Diagnostic, Severity};

/// The block a line stands in, as far as the lists below care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Block {
    Root,
    Global,
    Instance,
    Auth,
    SyncGroup,
    Script,
    Process,
    Garp,
    VsGroup,
    Vs,
    Rs,
    /// A checker block; `conn` for checkers with connection options.
    Checker {
        kind: Checker,
    },
    Url,
    Bfd,
    /// A block whose lines are not checked.
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Checker {
    Tcp,
    Http,
    Smtp,
    Dns,
    Misc,
    Udp,
    File,
    Other,
}

const ROOT: &[&str] = &[
    "child_wait_time",
    "vrrp_script",
    "vrrp_track_process",
    "track_file",
    "vrrp_track_file",
    "virtual_server",
    "virtual_server_group",
];

const GLOBAL: &[&str] = &[
    "process_name",
    "vrrp_process_name",
    "checker_process_name",
    "lvs_process_name",
    "bfd_process_name",
    "smtp_server",
    "smtp_connect_timeout",
    "vrrp_mcast_group4",
    "vrrp_mcast_group6",
    "vrrp_garp_master_delay",
    "vrrp_garp_master_repeat",
    "vrrp_garp_master_refresh",
    "vrrp_garp_master_refresh_repeat",
    "vrrp_garp_lower_prio_delay",
    "vrrp_garp_lower_prio_repeat",
    "vrrp_down_timer_adverts",
    "vrrp_garp_interval",
    "vrrp_gna_interval",
    "vrrp_version",
    "nftables_priority",
    "nftables_ipvs_priority",
    "nftables_ipvs_start_fwmark",
    "vrrp_rlimit_rttime",
    "vrrp_rlimit_rtime",
    "checker_rlimit_rttime",
    "checker_rlimit_rtime",
    "bfd_rlimit_rttime",
    "bfd_rlimit_rtime",
    "vrrp_startup_delay",
    "vmac_prefix",
    "vmac_addr_prefix",
    "umask",
    "random_seed",
    "config_save_dir",
];

const NOTIFY: &[&str] = &[
    "notify_backup",
    "notify_master",
    "notify_fault",
    "notify_stop",
    "notify",
];

const INSTANCE: &[&str] = &[
    "state",
    "interface",
    "vrf",
    "mcast_src_ip",
    "unicast_src_ip",
    "mcast_dst_ip",
    "virtual_router_id",
    "unicast_ttl",
    "version",
    "priority",
    "advert_int",
    "preempt_delay",
    "debug",
    "notify_master_rx_lower_pri",
    "lvs_sync_daemon_interface",
    "garp_master_delay",
    "garp_master_refresh",
    "garp_master_repeat",
    "garp_master_refresh_repeat",
    "garp_lower_prio_delay",
    "garp_lower_prio_repeat",
    "down_timer_adverts",
];

const AUTH: &[&str] = &["auth_type", "auth_pass"];

const SCRIPT: &[&str] =
    &["interval", "timeout", "weight", "rise", "fall", "user"];

const PROCESS: &[&str] = &[
    "process",
    "quorum",
    "quorum_max",
    "fork_delay",
    "terminate_delay",
    "delay",
];

const GARP: &[&str] = &["garp_interval", "gna_interval", "interface"];

const VS_GROUP: &[&str] = &["fwmark"];

/// Options shared by virtual servers, real servers and checkers.
const RETRY: &[&str] = &[
    "retry",
    "delay_before_retry",
    "warmup",
    "connect_timeout",
    "delay_loop",
];

const VS: &[&str] = &[
    "ip_family",
    "lb_algo",
    "lvs_sched",
    "lb_kind",
    "lvs_method",
    "persistence_engine",
    "persistence_granularity",
    "protocol",
    "quorum_up",
    "quorum_down",
    "quorum",
    "hysteresis",
    "weight",
    "sorry_server",
    "real_server",
];

const RS: &[&str] = &[
    "weight",
    "lvs_method",
    "uthreshold",
    "lthreshold",
    "notify_up",
    "notify_down",
];

const CONN: &[&str] = &[
    "connect_ip",
    "connect_port",
    "bindto",
    "bind_port",
    "bind_if",
    "fwmark",
    "nb_get_retry",
];

const URL: &[&str] = &["path", "digest"];

const BFD: &[&str] = &[
    "source_ip",
    "min_rx",
    "min_tx",
    "idle_tx",
    "multiplier",
    "ttl",
    "hoplimit",
    "max_hops",
    "weight",
];

impl Block {
    /// Whether `kw` with no parameter stops keepalived in this block.
    fn stops(self, kw: &str) -> bool {
        let lists: &[&[&str]] = match self {
            Self::Root => &[ROOT],
            Self::Global => &[GLOBAL],
            Self::Instance => &[INSTANCE, NOTIFY],
            Self::Auth => &[AUTH],
            Self::SyncGroup => &[NOTIFY],
            Self::Script => &[SCRIPT],
            Self::Process => &[PROCESS],
            Self::Garp => &[GARP],
            Self::VsGroup => &[VS_GROUP],
            Self::Vs => &[VS, RETRY],
            Self::Rs => &[RS, RETRY],
            Self::Checker { kind } => match kind {
                Checker::Tcp | Checker::Http | Checker::Smtp => &[CONN, RETRY],
                Checker::Dns => &[CONN, RETRY, &["type", "name"]],
                Checker::Udp => {
                    &[CONN, RETRY, &["min_reply_length", "max_reply_length"]]
                }
                Checker::Misc => &[RETRY, &["misc_timeout"]],
                Checker::File => &[&["track_file"]],
                Checker::Other => &[],
            },
            Self::Url => &[URL],
            Self::Bfd => &[BFD],
            Self::Other => &[],
        };
        lists.iter().any(|l| l.contains(&kw))
    }

    /// The block a line's `{ … }` opens.
    fn child(self, kw: &str) -> Self {
        match (self, kw) {
            (Self::Root, "global_defs") => Self::Global,
            (Self::Root, "vrrp_instance") => Self::Instance,
            (Self::Root, "vrrp_sync_group") => Self::SyncGroup,
            (Self::Root, "vrrp_script") => Self::Script,
            (Self::Root, "vrrp_track_process") => Self::Process,
            (Self::Root, "garp_group") => Self::Garp,
            (Self::Root, "virtual_server_group") => Self::VsGroup,
            (Self::Root, "virtual_server") => Self::Vs,
            (Self::Root, "bfd_instance") => Self::Bfd,
            (Self::Instance, "authentication") => Self::Auth,
            (Self::Vs, "real_server") => Self::Rs,
            (Self::Rs, k) => match checker(k) {
                Some(kind) => Self::Checker { kind },
                None => Self::Other,
            },
            (
                Self::Checker {
                    kind: Checker::Http,
                },
                "url",
            ) => Self::Url,
            _ => Self::Other,
        }
    }
}

fn checker(kw: &str) -> Option<Checker> {
    Some(match kw {
        "TCP_CHECK" => Checker::Tcp,
        "HTTP_GET" | "SSL_GET" => Checker::Http,
        "SMTP_CHECK" => Checker::Smtp,
        "DNS_CHECK" => Checker::Dns,
        "MISC_CHECK" => Checker::Misc,
        "UDP_CHECK" => Checker::Udp,
        "FILE_CHECK" => Checker::File,
        "PING_CHECK" | "BFD_CHECK" => Checker::Other,
        _ => return None,
    })
}

/// The first line, in file order, whose missing parameter stops
/// keepalived, as the diagnostic keepalived prints for it.
pub fn first_missing_parameter(items: &[Item]) -> Option<Diagnostic> {
    find(items, Block::Root)
}

fn find(items: &[Item], block: Block) -> Option<Diagnostic> {
    for it in items {
        // A line whose words could not be split (an unmatched quote) still
        // has its text, which keepalived hands to the handler.
        let bare = it.args.is_empty() && it.raw_args.trim().is_empty();
        if bare && block.stops(it.name()) {
            return Some(Diagnostic::new(
                Severity::Error,
                Category::MissingParameter,
                it.span(),
                format!(
                    "Configuration line starting `{0}` is missing a parameter after keyword `{0}` at word position 2",
                    it.name()
                ),
            ));
        }
        if let Some(children) = &it.block
            && let Some(d) = find(children, block.child(it.name()))
        {
            return Some(d);
        }
    }
    None
}

#[cfg(test)]
mod tests;
