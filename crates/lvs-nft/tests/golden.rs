//! Golden renderings: each case's table rendered must equal its file
//! under `tests/golden/`, and `nft -c` (check mode, in a private network
//! namespace) must accept every file. Regenerate after an intended
//! change with `cargo test --release -p ka-lvs-nft --test golden --
//! --ignored regenerate`, and review the diff.

mod cases;

use std::path::PathBuf;

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

#[test]
fn renderings_match_their_goldens() {
    let mut bad = Vec::new();
    for (name, table) in cases::all() {
        let path = golden_dir().join(format!("{name}.nft"));
        let want = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let got = ka_lvs_nft::render(&table);
        if got != want {
            bad.push(format!("{name}:\n--- want\n{want}\n--- got\n{got}"));
        }
    }
    assert!(bad.is_empty(), "renderings changed:\n{}", bad.join("\n"));
}

#[test]
fn rendering_is_deterministic() {
    for (name, table) in cases::all() {
        let again = table.clone();
        assert_eq!(
            ka_lvs_nft::render(&table),
            ka_lvs_nft::render(&again),
            "{name}"
        );
    }
}

#[test]
fn nft_check_mode_accepts_every_golden() {
    let reason = ka_sys::testns::skip_reason().or_else(|| {
        ka_lab::run("nft", &["--version"])
            .err()
            .map(|e| format!("nft is not installed: {e}"))
    });
    if ka_lab::skip_if(reason) {
        return;
    }
    let files: Vec<PathBuf> = cases::all()
        .into_iter()
        .map(|(name, _)| golden_dir().join(format!("{name}.nft")))
        .collect();
    // Check mode still talks to the kernel: do it where nothing else lives.
    let failures = ka_sys::testns::in_new_netns(move || {
        let mut failures = Vec::new();
        for f in &files {
            let path = f.display().to_string();
            if let Err(e) = ka_lab::run_ok("nft", &["-c", "-f", &path]) {
                failures.push(e.to_string());
            }
        }
        failures
    });
    assert!(
        failures.is_empty(),
        "nft -c refused:\n{}",
        failures.join("\n")
    );
}

#[test]
#[ignore = "writes the golden files; run on purpose"]
fn regenerate() {
    std::fs::create_dir_all(golden_dir()).unwrap();
    for (name, table) in cases::all() {
        let path = golden_dir().join(format!("{name}.nft"));
        std::fs::write(&path, ka_lvs_nft::render(&table)).unwrap();
        eprintln!("wrote {}", path.display());
    }
}
