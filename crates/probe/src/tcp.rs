//! TCP_CHECK: success is a completed connect (check_tcp.c `tcp_check_thread`).

use crate::outcome::Verdict;
use crate::spec::Target;

/// Connects to `t` and closes at once.
pub(crate) async fn run(t: &Target) -> Verdict {
    match crate::connect::tcp(t).await {
        Ok(stream) => {
            drop(stream);
            Verdict::Up
        }
        Err(r) => Verdict::Down(r),
    }
}
