//! nftables through the `nft` program: a ruleset script is applied
//! atomically with `nft -f -` (one transaction: all of it or none).
//!
//! The scripts themselves are rendered elsewhere by pure functions; this
//! module only runs them. Like the `ip` calls for routes and rules, this
//! is a runtime dependency on the `nftables` package.

use std::process::Stdio;

use tokio::io::AsyncWriteExt;

/// A failed `nft` run.
#[derive(Debug)]
pub struct NftError {
    /// What went wrong: spawn failure or nft's error output.
    pub message: String,
}

impl std::fmt::Display for NftError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "nft: {}", self.message)
    }
}

impl std::error::Error for NftError {}

/// Applies `script` with `nft -f -`.
pub async fn apply(script: &str) -> Result<(), NftError> {
    let err = |message: String| NftError { message };
    let mut child = tokio::process::Command::new("nft")
        .args(["-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| err(format!("cannot run nft: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(script.as_bytes())
            .await
            .map_err(|e| err(format!("writing the ruleset: {e}")))?;
    }
    let out = child
        .wait_with_output()
        .await
        .map_err(|e| err(format!("waiting for nft: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(err(String::from_utf8_lossy(&out.stderr).trim().to_owned()))
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
    fn delete_script_declares_then_deletes() {
        assert_eq!(
            delete_table_script("ip6", "keepalived"),
            "table ip6 keepalived {\n}\ndelete table ip6 keepalived\n"
        );
    }
}
