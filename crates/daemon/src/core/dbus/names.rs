//! The names keepalived's DBus interface uses: the service, the object
//! paths of the VRRP object and of each instance, and the state numbers
//! (keepalived `vrrp_dbus.c`, 2.2.7).

use std::fmt;

use crate::core::bus::NotifyState;
use crate::core::operator::Status;

/// keepalived's default `dbus_service_name`.
pub(super) const DEFAULT_SERVICE: &str = "org.keepalived.Vrrp1";
/// The VRRP object's interface.
pub(super) const VRRP_INTERFACE: &str = "org.keepalived.Vrrp1.Vrrp";
/// Each instance object's interface.
pub(super) const INSTANCE_INTERFACE: &str = "org.keepalived.Vrrp1.Instance";
/// Where every object path starts.
const ROOT: &str = "/org/keepalived/Vrrp1";
/// keepalived compat: the path component of an instance without an
/// interface (`no_interface`).
const NO_INTERFACE: &str = "none";

/// keepalived's `VRRP_STATE_*` numbers, as `VrrpStatusChange` and the
/// `State` property carry them (`vrrp.h`).
pub(super) mod state {
    /// `VRRP_STATE_INIT`.
    pub(in crate::core::dbus) const INIT: u32 = 0;
    /// `VRRP_STATE_BACK`.
    pub(in crate::core::dbus) const BACKUP: u32 = 1;
    /// `VRRP_STATE_MAST`.
    pub(in crate::core::dbus) const MASTER: u32 = 2;
    /// `VRRP_STATE_FAULT`.
    pub(in crate::core::dbus) const FAULT: u32 = 3;
    /// `VRRP_STATE_DELETED`.
    pub(in crate::core::dbus) const DELETED: u32 = 97;
    /// `VRRP_STATE_STOP`.
    pub(in crate::core::dbus) const STOP: u32 = 98;
}

/// The number a notified state goes out as.
pub(super) fn announced(s: NotifyState) -> u32 {
    match s {
        NotifyState::Master => state::MASTER,
        NotifyState::Backup => state::BACKUP,
        NotifyState::Fault => state::FAULT,
        NotifyState::Stop => state::STOP,
        NotifyState::Deleted => state::DELETED,
    }
}

/// The number of an engine state.
pub(super) fn number(s: ka_vrrp::State) -> u32 {
    match s {
        ka_vrrp::State::Init => state::INIT,
        ka_vrrp::State::Backup => state::BACKUP,
        ka_vrrp::State::Master => state::MASTER,
        ka_vrrp::State::Fault => state::FAULT,
        ka_vrrp::State::Stop => state::STOP,
    }
}

/// keepalived compat (`state_str`): the word beside the number in the
/// `State` property.
pub(super) fn state_name(n: u32) -> &'static str {
    match n {
        state::INIT => "Init",
        state::BACKUP => "Backup",
        state::MASTER => "Master",
        state::FAULT => "Fault",
        state::STOP => "Stop",
        state::DELETED => "Deleted",
        _ => "Unknown",
    }
}

/// keepalived compat (`set_valid_path`): every byte of an interface
/// name that is not an ASCII letter or digit becomes `_` (so `eth0.10`
/// is `eth0_10`).
pub(super) fn path_component(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                b as char
            } else {
                '_'
            }
        })
        .collect()
}

/// What an instance object stands for: the configured interface (as a
/// path component), the VRID and the family. keepalived finds the
/// instance behind an object by these, not by its name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Key {
    /// The interface, through [`path_component`].
    pub(super) iface: String,
    /// The VRID.
    pub(super) vrid: u8,
    /// IPv6 rather than IPv4.
    pub(super) ipv6: bool,
}

impl fmt::Display for Key {
    /// `eth0/51/IPv4`, as keepalived's "Instance '…' not found" says.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let family = if self.ipv6 { "IPv6" } else { "IPv4" };
        write!(f, "{}/{}/{family}", self.iface, self.vrid)
    }
}

/// Where the objects live: `/org/keepalived/Vrrp1`, then the network
/// namespace and the `instance` name when set (keepalived
/// `dbus_object_create_path_vrrp`; neither is made path-safe).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Paths {
    prefix: String,
}

impl Paths {
    /// The paths for a process in `namespace` with `instance`.
    pub(super) fn new(namespace: Option<&str>, instance: Option<&str>) -> Self {
        let mut prefix = ROOT.to_owned();
        for part in [namespace, instance].into_iter().flatten() {
            prefix.push('/');
            prefix.push_str(part);
        }
        Self { prefix }
    }

    /// The VRRP object: `…/Vrrp`.
    pub(super) fn vrrp(&self) -> String {
        format!("{}/Vrrp", self.prefix)
    }

    /// An instance object: `…/Instance/<interface>/<vrid>/<IPv4|IPv6>`.
    pub(super) fn instance(&self, key: &Key) -> String {
        format!("{}/Instance/{key}", self.prefix)
    }
}

/// One running VRRP instance as the DBus interface shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Found {
    /// The instance's name.
    pub(super) name: String,
    /// Its object's key.
    pub(super) key: Key,
    /// Its state's number.
    pub(super) state: u32,
}

/// Every VRRP instance the process runs, in configuration order. The
/// interface is the configured one (for `use_vmac`, the parent: keepalived
/// `VRRP_CONFIGURED_IFP`).
pub(super) fn instances(status: &Status) -> Vec<Found> {
    let Some(plan) = &status.plan.vrrp else {
        return Vec::new();
    };
    let snap = status.snapshot.vrrp.as_ref();
    plan.engine
        .instances
        .iter()
        .map(|i| {
            let configured = plan
                .config
                .vrrp
                .instances
                .iter()
                .find(|c| c.name == i.name)
                .and_then(|c| c.interface.clone())
                .or_else(|| i.interface.clone());
            let iface = configured.as_deref().unwrap_or(NO_INTERFACE);
            let state = snap
                .and_then(|s| s.instances.iter().find(|x| x.name == i.name))
                .map_or(state::INIT, |x| number(x.state));
            Found {
                name: i.name.clone(),
                key: Key {
                    iface: path_component(iface),
                    vrid: i.vrid.get(),
                    ipv6: i.is_ipv6(),
                },
                state,
            }
        })
        .collect()
}

/// The DBus settings of the configuration `status` runs: `None` when
/// VRRP does not run or `enable_dbus` is not set, else the service
/// name.
pub(super) fn service(status: &Status) -> Option<String> {
    let g = &status.plan.vrrp.as_ref()?.config.global;
    g.dbus.enable.then(|| {
        g.dbus
            .service_name
            .clone()
            .unwrap_or_else(|| DEFAULT_SERVICE.to_owned())
    })
}

/// The `instance` name of the configuration `status` runs.
pub(super) fn instance_name(status: &Status) -> Option<String> {
    status.plan.vrrp.as_ref()?.config.global.instance.clone()
}

#[cfg(test)]
#[path = "names_tests.rs"]
mod tests;
