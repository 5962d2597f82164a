//! TCP_CHECK: success is a completed connect (check_tcp.c `tcp_check_thread`).

use crate::outcome::Verdict;
use crate::spec::Target;

/// Connects to `t` (within its timeout from `start`) and closes at once.
pub(crate) async fn run(t: &Target, start: tokio::time::Instant) -> Verdict {
    match crate::connect::tcp_from(t, start).await {
        Ok(stream) => {
            drop(stream);
            Verdict::Up
        }
        Err(r) => Verdict::Down(r),
    }
}
