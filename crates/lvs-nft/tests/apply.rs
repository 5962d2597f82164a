//! `apply` and `remove` against the kernel, in a private network
//! namespace: the table appears as rendered, a re-apply replaces it, a
//! refused table leaves the previous one in place, and `remove` deletes
//! it (twice is fine).

mod cases;

use ka_lvs_nft::{NftLbError, TABLE, apply, remove};

fn listed() -> Option<String> {
    ka_lab::run_ok("nft", &["list", "table", "inet", TABLE]).ok()
}

#[test]
fn apply_replaces_the_table_and_remove_deletes_it() {
    let reason = ka_sys::testns::skip_reason().or_else(|| {
        ka_lab::run("nft", &["--version"])
            .err()
            .map(|e| format!("nft is not installed: {e}"))
    });
    if ka_lab::skip_if(reason) {
        return;
    }
    ka_sys::testns::in_new_netns(|| {
        let rt = ka_lab::current_thread_runtime();
        let all = cases::all();
        let get =
            |n: &str| all.iter().find(|(k, _)| *k == n).unwrap().1.clone();
        rt.block_on(apply(&get("wrr_tcp4"))).unwrap();
        let first = listed().expect("table after the first apply");
        assert!(
            first.contains("203.0.113.10 . tcp . 80 : jump svc0"),
            "{first}"
        );
        rt.block_on(apply(&get("ipv6_udp_sctp"))).unwrap();
        let second = listed().expect("table after the second apply");
        assert!(!second.contains("203.0.113.10 . tcp . 80"), "{second}");
        assert!(second.contains("2001:db8:2::10 . udp . 53"), "{second}");
        // A table with a refused service is not applied at all.
        let err = rt.block_on(apply(&get("refused"))).unwrap_err();
        assert!(matches!(err, NftLbError::Unsupported(_)), "{err}");
        assert_eq!(listed().as_deref(), Some(second.as_str()));
        rt.block_on(remove()).unwrap();
        assert_eq!(listed(), None, "the table survived remove");
        rt.block_on(remove()).unwrap();
    });
}
