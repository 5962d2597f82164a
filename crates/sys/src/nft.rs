//! nftables through the `nft` program: a ruleset script is applied
//! atomically with `nft -f -` (one transaction: all of it or none).
//!
//! The scripts themselves are rendered elsewhere by pure functions; this
//! module only runs them. Like the `ip` calls for routes and rules, this
//! is a runtime dependency on the `nftables` package.

use std::io;
use std::process::Stdio;

use tokio::io::AsyncWriteExt;

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
}

/// Applies `script` with `nft -f -`.
pub async fn apply(script: &str) -> Result<(), NftError> {
    let mut child = tokio::process::Command::new("nft")
        .args(["-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(NftError::Spawn)?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(script.as_bytes())
            .await
            .map_err(NftError::Write)?;
    }
    let out = child.wait_with_output().await.map_err(NftError::Wait)?;
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
