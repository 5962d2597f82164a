//! Fuzz target: the whole configuration loader (preprocessor, parser,
//! builders, validation) and the printer must never panic or hang, and
//! what loads must print as text that loads again.
//!
//! Seed it with the project's corpus:
//! `cargo fuzz run -O config_load ../crates/keepalived-rs/tests/corpus`.
#![no_main]

use std::path::Path;

use ka_config::LoadOptions;
use ka_config::host::FakeHost;
use libfuzzer_sys::fuzz_target;

fn load(text: &str) -> ka_config::Loaded {
    let host = FakeHost::new().with_file("/etc/keepalived/keepalived.conf", text);
    let path = Path::new("/etc/keepalived/keepalived.conf");
    ka_config::load(path, &host, &LoadOptions::default())
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let loaded = load(&text);
    let _ = load(&ka_config::print(&loaded.config));
});
