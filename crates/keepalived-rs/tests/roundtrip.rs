//! Printing the validated model and loading the printed text gives the
//! same model, for every configuration of the corpus (valid ones and the
//! ones keepalived accepts with fallbacks alike).
//!
//! This is what lets `ka_config::print` serve as a canonical formatter, and
//! it checks every keyword's printer against its parser.

mod common;

use std::path::Path;

use common::{ROOT, fake_host};
use ka_config::LoadOptions;

#[test]
fn print_then_load_gives_the_same_model_for_every_corpus_file() {
    let mut host = fake_host();
    let opts = LoadOptions {
        config_id: Some("lb1".into()),
        strict: false,
        check_all_includes: false,
    };
    let mut failures = Vec::new();
    for file in common::corpus_files() {
        let name = common::file_name(&file);
        let first = ka_config::load(&Path::new(ROOT).join(&name), &host, &opts);
        let printed = ka_config::print(&first.config);
        let again_path = Path::new(ROOT).join("printed").join(&name);
        host.files.insert(again_path.clone(), printed.clone());
        let again = ka_config::load(&again_path, &host, &opts);
        if again.config != first.config {
            failures.push(format!(
                "--- {name}: the printed model loads differently\n{printed}\n{}",
                again.diagnostics.render(&again.sources)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} file(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
