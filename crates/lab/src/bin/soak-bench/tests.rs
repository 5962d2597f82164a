use std::net::Ipv4Addr;
use std::time::Duration;

use super::analysis::{analyse, burst_starts, gaps};
use super::tap::Seen;
use super::{ADVERT, MASTER_DOWN};

const H0: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);
const H1: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 11);

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

fn seen(at: u64, src: Ipv4Addr, outgoing: bool) -> Seen {
    Seen {
        at: ms(at),
        src,
        priority: if src == H0 { 150 } else { 100 },
        outgoing,
    }
}

#[test]
fn gaps_count_late_adverts_and_keep_the_longest() {
    let g = gaps(
        &[ms(0), ms(10), ms(35), ms(20), ms(80)],
        ADVERT,
        MASTER_DOWN,
    );
    // Sorted: 0 10 20 35 80: gaps 10 10 15 45.
    assert_eq!((g.over_2x, g.over_mdi, g.max), (1, 1, ms(45)));
    assert_eq!(gaps(&[], ADVERT, MASTER_DOWN).max, Duration::ZERO);
}

#[test]
fn adverts_close_together_are_one_burst() {
    let t = [ms(1000), ms(1010), ms(1020), ms(5000), ms(5199), ms(5400)];
    assert_eq!(
        burst_starts(&t, ms(200)),
        vec![ms(1000), ms(5000), ms(5400)]
    );
    assert!(burst_starts(&[], ms(200)).is_empty());
}

#[test]
fn takeovers_are_put_down_to_a_silent_master_or_a_late_backup() {
    // h0 sends every 10 ms up to 100, is silent until 200, then goes on.
    let mut master = Vec::new();
    let mut backup = Vec::new();
    for t in (0..=100).step_by(10).chain((200..=400).step_by(10)) {
        master.push(seen(t, H0, true));
        backup.push(seen(t, H0, false));
    }
    // Takeover 1 at 137: the master was silent for 37 ms.
    backup.extend([seen(137, H1, true), seen(147, H1, true)]);
    // Takeover 2 at 395: an advert reached h1 at 390, 5 ms before.
    backup.push(seen(395, H1, true));
    let r = analyse(&master, &backup, (H0, H1), (ADVERT, MASTER_DOWN));
    assert_eq!(r.sent, 32);
    assert_eq!((r.takeovers, r.backup_late), (2, 1));
    assert_eq!((r.send_gaps.over_mdi, r.send_gaps.max), (1, ms(100)));
    assert_eq!(r.rx_gaps.over_2x, 1);
    // h1's own adverts are not h0's, and the master tap's received
    // packets are not sent ones.
    let quiet = analyse(&backup, &master, (H0, H1), (ADVERT, MASTER_DOWN));
    assert_eq!((quiet.sent, quiet.takeovers), (0, 0));
}
