//! What every framework shares: the process (daemonizing, pid files,
//! signals, panics, supervising the frameworks), logging, the ordered notify
//! scripts and FIFO, the tracker drivers, and the recorder of engine
//! runs.

pub mod bus;
pub(crate) mod clock;
pub mod control;
pub mod control_socket;
pub mod dbus;
pub(crate) mod driver;
pub mod dump_names;
pub mod fatal;
pub mod fifo;
pub mod framework;
pub mod hooks;
pub mod log;
pub mod metrics;
pub mod netlink_bufs;
pub mod notify;
pub mod operator;
pub mod pidfiles;
pub mod placement;
pub mod process;
pub(crate) mod process_name;
pub mod record;
pub mod reload;
pub mod reload_time;
pub mod script_queue;
pub mod signals;
pub mod smtp;
pub mod snmp;
pub mod status_json;
pub(crate) mod trackers;
