//! nftables through the `nft` program: a ruleset script is applied
//! atomically with `nft -f -` (one transaction: all of it or none).
//!
//! The scripts themselves are rendered elsewhere by pure functions; this
//! module only runs them. Like the `ip` calls for routes and rules, this
//! is a runtime dependency on the `nftables` package.

use std::io;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;

/// How long `nft` may take before it is killed. A ruleset of this daemon
/// applies in milliseconds; a hung `nft` must not hold the caller (the
/// VRRP loop) past an advert interval's worth of slack.
pub const NFT_TIMEOUT: Duration = Duration::from_secs(2);

/// A failed `nft` run.
#[derive(Debug, thiserror::Error)]
pub enum NftError {
    /// `nft` could not be started.
    #[error("nft: cannot run nft: {0}")]
    Spawn(#[source] io::Error),
    /// The ruleset could not be written to its standard input.
    #[error("nft: writing the ruleset: {0}")]
    Write(#[source] io::Error),
    /// Waiting for it failed.
    #[error("nft: waiting for nft: {0}")]
    Wait(#[source] io::Error),
    /// It rejected the ruleset; its error output.
    #[error("nft: {stderr}")]
    Rejected {
        /// What nft wrote on standard error, trimmed.
        stderr: String,
    },
    /// It did not finish in time and was killed.
    #[error("nft: no answer within {}s; killed", .0.as_secs_f64())]
    Timeout(Duration),
}

/// Applies `script` with `nft -f -`, killing `nft` after [`NFT_TIMEOUT`].
pub async fn apply(script: &str) -> Result<(), NftError> {
    apply_with(Path::new("nft"), script, NFT_TIMEOUT).await
}

/// Applies `script` with `program -f -` (tests: a stand-in for `nft`),
/// killing it after `limit`.
pub async fn apply_with(
    program: &Path,
    script: &str,
    limit: Duration,
) -> Result<(), NftError> {
    let mut child = tokio::process::Command::new(program)
        .args(["-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(NftError::Spawn)?;
    let stdin = child.stdin.take();
    let run = async move {
        if let Some(mut stdin) = stdin {
            stdin
                .write_all(script.as_bytes())
                .await
                .map_err(NftError::Write)?;
        }
        child.wait_with_output().await.map_err(NftError::Wait)
    };
    // On timeout the future, and with it the child, is dropped:
    // `kill_on_drop` SIGKILLs it and tokio reaps it in the background.
    let out = tokio::time::timeout(limit, run)
        .await
        .map_err(|_| NftError::Timeout(limit))??;
    if out.status.success() {
        Ok(())
    } else {
        Err(NftError::Rejected {
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        })
    }
}

/// A script that deletes table `family name` whether or not it exists
/// (declaring it first makes the delete always valid).
pub fn delete_table_script(family: &str, name: &str) -> String {
    format!("table {family} {name} {{\n}}\ndelete table {family} {name}\n")
}

/// Deletes table `family name`; absent is success.
pub async fn delete_table(family: &str, name: &str) -> Result<(), NftError> {
    apply(&delete_table_script(family, name)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hung_nft_is_killed_at_the_limit() {
        let d = std::env::temp_dir()
            .join(format!("ka-nft-hang-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        let (fake, pid_file) = (d.join("nft"), d.join("pid"));
        // Reads nothing, never exits: a hung nft.
        std::fs::write(
            &fake,
            format!(
                "#!/bin/sh\necho $$ > {}\nexec sleep 30\n",
                pid_file.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(
            &fake,
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let started = std::time::Instant::now();
        let got = rt.block_on(apply_with(
            &fake,
            "flush ruleset\n",
            Duration::from_millis(300),
        ));
        let took = started.elapsed();
        assert!(matches!(got, Err(NftError::Timeout(_))), "{got:?}");
        assert!(took < Duration::from_secs(5), "{took:?}");
        let pid: i32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        // Killed (and reaped by tokio's orphan reaper) shortly after.
        let gone = (0..100).any(|_| {
            rt.block_on(async {
                tokio::time::sleep(Duration::from_millis(20)).await;
            });
            nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None)
                .is_err()
        });
        std::fs::remove_dir_all(&d).unwrap();
        assert!(gone, "the hung nft {pid} was left running");
    }

    #[test]
    fn errors_keep_their_text_and_source() {
        let e = NftError::Spawn(io::Error::from(io::ErrorKind::NotFound));
        assert_eq!(e.to_string(), "nft: cannot run nft: entity not found");
        assert!(std::error::Error::source(&e).is_some());
        let r = NftError::Rejected {
            stderr: "Error: syntax error".into(),
        };
        assert_eq!(r.to_string(), "nft: Error: syntax error");
    }

    #[test]
    fn delete_script_declares_then_deletes() {
        assert_eq!(
            delete_table_script("ip6", "keepalived"),
            "table ip6 keepalived {\n}\ndelete table ip6 keepalived\n"
        );
    }
}
