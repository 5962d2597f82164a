//! On a kernel without IPVS (these build machines) `Ipvs::open` says so
//! with `IpvsError::Absent`; where IPVS exists it opens and can dump.

use ka_ipvs::{Ipvs, IpvsError};

#[test]
fn open_reports_a_kernel_without_ipvs_as_absent() {
    let rt = ka_lab::current_thread_runtime();
    let has_ipvs = std::path::Path::new("/proc/net/ip_vs").exists();
    match rt.block_on(Ipvs::open()) {
        Err(IpvsError::Absent) => {
            assert!(!has_ipvs, "IPVS is loaded but open() called it absent");
        }
        Ok(mut ipvs) => {
            // The family resolved (IPVS built in or loaded by modprobe):
            // a read-only dump must work.
            rt.block_on(ipvs.dump()).expect("dump");
            assert!(ipvs.messages_sent() >= 2);
        }
        Err(e) => panic!("open failed otherwise: {e}"),
    }
}
