//! What the process asks of the frameworks, and the plan it loads.

use tokio::sync::oneshot;

use crate::bfd::plan::BfdPlan;
use crate::check::plan::CheckPlan;
use crate::vrrp::plan::VrrpPlan;

/// Requests from the process (signals) to one framework's loop; `P` is
/// the framework's plan, `S` its engine's snapshot.
#[derive(Debug)]
pub enum Control<P, S> {
    /// SIGTERM: shut down in order, then return.
    Stop,
    /// SIGHUP with a new, validated plan.
    Reload(Box<P>),
    /// SIGUSR1/SIGUSR2/SIGRTMIN+2: the engine's state, answered on the
    /// channel.
    Snapshot(oneshot::Sender<S>),
    /// STATS_CLEAR (SIGRTMAX-1): zero the engine's counters.
    ClearStats,
    /// An operator's command for one framework (DBus `SendGarp`); a
    /// framework it does not concern ignores it.
    Admin(Admin),
}

/// Operator commands that concern one framework's engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Admin {
    /// VRRP: one round of gratuitous ARP / NA for the instance's
    /// addresses now, if it is MASTER.
    SendGarp {
        /// The instance's name.
        instance: String,
    },
}

/// Everything a configuration asks to run, one part per framework. A
/// framework runs when its part is there. `bfd` gets its part when it
/// exists (docs/ARCHITECTURE.md).
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// The VRRP framework's plan.
    pub vrrp: Option<VrrpPlan>,
    /// The BFD framework's plan.
    pub bfd: Option<BfdPlan>,
    /// The checker (health checks and IPVS) framework's plan.
    pub check: Option<CheckPlan>,
    /// `startup_script` / `shutdown_script`, run by the process itself.
    pub hooks: super::hooks::ProcessHooks,
    /// `data_use_instance`: the tag in the data dump names
    /// ([`super::dump_names::tag`]).
    pub dump_tag: Option<String>,
    /// `process_name`: the process's name (`None`: the one it started
    /// with).
    pub process_name: Option<String>,
    /// `reload_check_config`, `reload_file`, `config_save_dir`.
    pub reload: super::reload::ReloadPlan,
}

/// The state of every running framework (for the dumps).
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// The VRRP engine's state, when VRRP runs.
    pub vrrp: Option<ka_vrrp::Snapshot>,
    /// The BFD engine's state, when BFD runs.
    pub bfd: Option<ka_bfd::Snapshot>,
    /// The checker engine's state, when the checkers run.
    pub check: Option<ka_check::Snapshot>,
}
