//! Linux drivers for keepalived-rs: the only crate that talks to the kernel.
//!
//! Each module does one syscall family, decides no policy, and returns
//! typed errors with context (DESIGN.md §2). This is also the only crate
//! allowed `unsafe`, each block with a `// SAFETY:` comment.

pub mod bfd_socket;
pub mod fifo;
pub mod files;
pub mod ifmtu;
pub mod inotify;
pub mod linkbeat;
pub mod netlink;
pub mod netns;
pub mod nft;
pub mod packet_socket;
pub mod pidfile;
pub mod process;
pub mod procscan;
pub mod sched;
pub mod script;
pub mod sd_notify;
pub mod sysctl;
pub mod testns;
pub mod timer;
pub mod vrrp_socket;
