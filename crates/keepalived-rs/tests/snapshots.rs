//! Snapshot tests of diagnostics: for every corpus file, the rendered
//! diagnostics and the `-t` exit status keepalived-rs gives, compared with
//! the checked-in `tests/corpus/NN-topic.expected`.
//!
//! The configuration is loaded in-process through `ka_config::load` with a
//! [`FakeHost`] that mirrors the differential test's namespace (interfaces
//! `lo`, `eth0`, `eth1`; user `root` only; host `lb1.example.org`; config id
//! `lb1`; a fixed `${_RANDOM}` seed) and holds the corpus under the virtual
//! directory `/corpus`, so nothing depends on the machine or the checkout
//! path. `KA_BLESS=1 cargo test -p keepalived-rs --test snapshots`
//! rewrites the `.expected` files.

mod common;

use std::path::Path;

use common::{ROOT, fake_host};
use ka_config::LoadOptions;
use ka_config::host::FakeHost;

fn snapshot(host: &FakeHost, name: &str) -> String {
    let opts = LoadOptions {
        config_id: Some("lb1".into()),
        strict: false,
        check_all_includes: false,
    };
    let loaded = ka_config::load(&Path::new(ROOT).join(name), host, &opts);
    format!(
        "# keepalived-rs -t exit status: {}\n{}",
        loaded.diagnostics.config_test_status(),
        loaded.diagnostics.render(&loaded.sources)
    )
}

#[test]
fn diagnostics_match_snapshots() {
    let bless = std::env::var_os("KA_BLESS").is_some_and(|v| v == "1");
    let host = fake_host();
    let mut failures = Vec::new();
    for file in common::corpus_files() {
        let name = common::file_name(&file);
        let got = snapshot(&host, &name);
        let expected_path = file.with_extension("expected");
        if bless {
            std::fs::write(&expected_path, &got).expect("write .expected");
            continue;
        }
        match std::fs::read_to_string(&expected_path) {
            Ok(want) if want == got => {}
            Ok(want) => failures
                .push(format!("--- {name}\nexpected:\n{want}got:\n{got}")),
            Err(_) => failures
                .push(format!("--- {name}: no {}", expected_path.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "{} snapshot(s) differ (KA_BLESS=1 regenerates them):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
