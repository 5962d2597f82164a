//! What every framework shares: the process (daemonizing, pid files,
//! signals, panics, supervising the frameworks), logging, the ordered notify
//! scripts and FIFO, and the tracker drivers.

pub mod bus;
pub(crate) mod clock;
pub mod control;
pub(crate) mod driver;
pub mod fatal;
pub mod fifo;
pub mod framework;
pub mod log;
pub mod notify;
pub mod pidfiles;
pub mod process;
pub mod script_queue;
pub mod signals;
pub(crate) mod trackers;
