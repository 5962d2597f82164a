//! `fifo_write_vrrp_states_on_reload`: the FIFO lines after a reload.

use std::time::Duration;

use super::{Harness, config, plan};
use crate::vrrp::fake::Call;
use crate::vrrp::runtime::Control;

fn fifo_lines(calls: &[Call]) -> Vec<String> {
    calls
        .iter()
        .filter_map(|c| match c {
            Call::FifoLine(l) => Some(l.clone()),
            _ => None,
        })
        .collect()
}

/// [`config`] in a sync group `G`, with the keyword when `on`.
fn text(priority: u8, on: bool) -> String {
    let kw = if on {
        "fifo_write_vrrp_states_on_reload"
    } else {
        ""
    };
    format!(
        "global_defs {{\n {kw}\n}}\n\
         vrrp_sync_group G {{\n group {{\n VI_1\n }}\n}}\n{}",
        config(priority, "")
    )
}

/// Reloads the same plan one second after the start; the FIFO lines.
async fn lines_after_reload(priority: u8, on: bool) -> Vec<String> {
    let p = plan(&text(priority, on));
    let h = Harness::start(p.clone()).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    h.fake.take();
    h.control.send(Control::Reload(Box::new(p))).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let calls = h.fake.take();
    h.stop().await;
    fifo_lines(&calls)
}

#[tokio::test(start_paused = true)]
async fn a_kept_backup_and_its_group_write_their_state() {
    assert_eq!(
        lines_after_reload(100, true).await,
        ["GROUP \"G\" BACKUP 0\n", "INSTANCE \"VI_1\" BACKUP 100\n"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_kept_master_writes_only_its_group() {
    // keepalived compat: `reload_master` skips the instance's line.
    assert_eq!(
        lines_after_reload(255, true).await,
        ["GROUP \"G\" MASTER 0\n"]
    );
}

#[tokio::test(start_paused = true)]
async fn nothing_is_written_without_the_keyword() {
    assert!(lines_after_reload(100, false).await.is_empty());
}
