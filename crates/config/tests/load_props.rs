//! Property test of the whole loader (preprocessor, parser, builders,
//! validation, printer): whatever damage is done to a real configuration,
//! loading it never panics, and the model it yields prints and loads again.
//!
//! The inputs are the project's configuration corpus with random edits:
//! lines dropped, repeated or swapped, words replaced by values that are
//! out of range, of the wrong kind or keywords from elsewhere. That reaches
//! every builder with text it was not written for, which random bytes
//! rarely do.

use std::path::{Path, PathBuf};

use ka_config::LoadOptions;
use ka_config::host::FakeHost;
use proptest::prelude::*;

/// Words that are wrong in interesting ways somewhere.
const WORDS: &[&str] = &[
    "0",
    "-1",
    "256",
    "65536",
    "4294967296",
    "99999999999999999999",
    "0.001",
    "1e3",
    "nan",
    "0x10",
    "",
    "\"\"",
    "{",
    "}",
    "192.0.2.1",
    "192.0.2.1/33",
    "2001:db8::1",
    "2001:db8::1/129",
    "fe80::1",
    "300.1.1.1",
    "eth0",
    "eth1",
    "lo",
    "dev",
    "scope",
    "label",
    "via",
    "table",
    "weight",
    "reverse",
    "MASTER",
    "BACKUP",
    "vrrp_instance",
    "vrrp_sync_group",
    "virtual_server",
    "real_server",
    "HTTP_GET",
    "url",
    "track_script",
    "group",
    "include",
    "$X",
    "${X}",
    "@lb1",
    "~SEQ(i,1,3)",
    "/bin/true",
    "\"/bin/sh -c 'exit 0'\"",
];

fn corpus() -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../keepalived-rs/tests/corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("corpus file"))
        .collect()
}

/// One edit of a configuration's lines.
#[derive(Clone, Debug)]
enum Edit {
    Drop(usize),
    Repeat(usize),
    Swap(usize, usize),
    Word(usize, usize, &'static str),
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    let line = any::<usize>();
    prop_oneof![
        line.prop_map(Edit::Drop),
        line.prop_map(Edit::Repeat),
        (line, any::<usize>()).prop_map(|(a, b)| Edit::Swap(a, b)),
        (line, 0usize..6, prop::sample::select(WORDS))
            .prop_map(|(l, w, s)| Edit::Word(l, w, s)),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for edit in edits {
        if lines.is_empty() {
            break;
        }
        let n = lines.len();
        match *edit {
            Edit::Drop(i) => {
                lines.remove(i % n);
            }
            Edit::Repeat(i) => {
                let l = lines[i % n].clone();
                lines.insert(i % n, l);
            }
            Edit::Swap(a, b) => lines.swap(a % n, b % n),
            Edit::Word(i, w, s) => {
                let line = &mut lines[i % n];
                let mut words: Vec<&str> = line.split_whitespace().collect();
                if words.is_empty() {
                    *line = s.to_string();
                } else {
                    let k = w % (words.len() + 1);
                    if k == words.len() {
                        words.push(s);
                    } else {
                        words[k] = s;
                    }
                    *line = words.join(" ");
                }
            }
        }
    }
    lines.join("\n")
}

fn load(text: &str) -> ka_config::Loaded {
    let host = FakeHost::new()
        .with_file("/etc/keepalived/keepalived.conf", text)
        .with_file(
            "/etc/keepalived/inc.conf",
            "vrrp_script s { script /bin/true }\n",
        );
    let path = Path::new("/etc/keepalived/keepalived.conf");
    ka_config::load(path, &host, &LoadOptions::default())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn damaged_configurations_load_without_panicking(
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit_strategy(), 1..12),
    ) {
        let files = corpus();
        prop_assume!(!files.is_empty());
        let text = apply(pick.get(&files).as_str(), &edits);
        let loaded = load(&text);
        // Whatever was accepted prints as text that loads again.
        let printed = ka_config::print(&loaded.config);
        let _ = load(&printed);
    }
}
