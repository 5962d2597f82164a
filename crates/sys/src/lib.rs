//! Linux drivers for keepalived-rs: the only crate that talks to the kernel.
//!
//! Each module does one syscall family, decides no policy, and returns
//! typed errors with context (DESIGN.md §2). This is also the only crate
//! allowed `unsafe`, each block with a `// SAFETY:` comment.

pub mod vrrp_socket;
pub mod netlink;
pub mod testns;
pub mod packet_socket;
pub mod script;
pub mod files;
pub mod sysctl;
pub mod nft;
pub mod inotify;
pub mod procscan;
