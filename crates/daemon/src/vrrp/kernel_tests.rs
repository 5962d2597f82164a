use super::*;

#[test]
fn errors_read_as_they_did_as_strings() {
    let failed = KernelError::IpFailed {
        object: "route",
        verb: "replace",
        spec: "198.51.100.0/24 dev eth0".into(),
        stderr: "Error: Nexthop has invalid gateway.".into(),
    };
    assert_eq!(
        failed.to_string(),
        "ip route replace 198.51.100.0/24 dev eth0: Error: Nexthop has invalid gateway."
    );
    let spawn = KernelError::IpSpawn {
        object: "rule",
        verb: "add",
        spec: "from 192.0.2.1 table 100".into(),
        source: io::Error::from(io::ErrorKind::NotFound),
    };
    assert_eq!(
        spawn.to_string(),
        "ip rule add from 192.0.2.1 table 100: entity not found"
    );
    assert!(std::error::Error::source(&spawn).is_some());
}
