use super::*;

fn link(index: u32, name: &str, up: bool) -> LinkInfo {
    LinkInfo {
        index,
        name: name.into(),
        up,
        running: up,
        mac: vec![2, 0, 0, 0, 0, index as u8],
        link: None,
    }
}

fn addr(ifindex: u32, a: &str) -> AddrInfo {
    AddrInfo {
        ifindex,
        addr: a.parse().unwrap(),
        prefix_len: 24,
    }
}

#[test]
fn tracks_links_and_addresses_as_engine_events() {
    let mut t = Ifaces::from_dump(
        &[link(2, "eth0", true)],
        &[addr(2, "192.0.2.10"), addr(2, "fe80::1")],
    );
    let eth0 = t.get("eth0").unwrap();
    assert_eq!(eth0.primary_v4(), Some(Ipv4Addr::new(192, 0, 2, 10)));
    assert_eq!(eth0.link_local_v6(), Some("fe80::1".parse().unwrap()));
    assert_eq!(t.initial_events().len(), 3);
    // Same usability: no event. Carrier loss: LinkDown.
    assert!(
        t.apply(&NetEvent::LinkChanged(link(2, "eth0", true)))
            .is_empty()
    );
    assert_eq!(
        t.apply(&NetEvent::LinkChanged(link(2, "eth0", false))),
        vec![Event::LinkDown {
            iface: "eth0".into()
        }]
    );
    assert!(
        t.apply(&NetEvent::AddrAdded(addr(2, "192.0.2.10")))
            .is_empty()
    );
    assert_eq!(
        t.apply(&NetEvent::AddrRemoved(addr(2, "192.0.2.10"))).len(),
        1
    );
    assert_eq!(t.name_of(2), Some("eth0"));
}

fn delays(down_ms: u64, up_ms: u64) -> HashMap<String, UpDownDelay> {
    let d = UpDownDelay {
        down: std::time::Duration::from_millis(down_ms),
        up: std::time::Duration::from_millis(up_ms),
    };
    HashMap::from([("eth0".to_owned(), d)])
}

fn change(t: &mut Ifaces, up: bool) -> Vec<Event> {
    t.apply(&NetEvent::LinkChanged(link(2, "eth0", up)))
}

fn down() -> Vec<Event> {
    vec![Event::LinkDown {
        iface: "eth0".into(),
    }]
}

#[tokio::test(start_paused = true)]
async fn a_flap_shorter_than_the_delay_is_not_seen() {
    let mut t = Ifaces::from_dump(&[link(2, "eth0", true)], &[]);
    t.set_delays(delays(500, 0));
    assert!(change(&mut t, false).is_empty());
    assert!(t.get("eth0").unwrap().usable, "the engine's view stays up");
    let due = t.next_due().unwrap();
    assert_eq!(due - tokio::time::Instant::now(), ms(500));
    tokio::time::advance(ms(300)).await;
    assert!(change(&mut t, true).is_empty(), "back up: nothing to tell");
    assert_eq!(t.next_due(), None);
    tokio::time::advance(ms(300)).await;
    assert!(t.due(tokio::time::Instant::now()).is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_lasting_change_is_told_after_the_delay() {
    let mut t = Ifaces::from_dump(&[link(2, "eth0", true)], &[]);
    t.set_delays(delays(500, 0));
    assert!(change(&mut t, false).is_empty());
    // Repeated messages with the same state keep the first deadline.
    tokio::time::advance(ms(200)).await;
    assert!(change(&mut t, false).is_empty());
    tokio::time::advance(ms(200)).await;
    assert!(t.due(tokio::time::Instant::now()).is_empty());
    tokio::time::advance(ms(100)).await;
    assert_eq!(t.due(tokio::time::Instant::now()), down());
    assert!(!t.get("eth0").unwrap().usable);
    // No up delay: back up at once.
    assert_eq!(change(&mut t, true).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn no_delay_before_the_link_was_ever_up() {
    let mut t = Ifaces::from_dump(&[link(2, "eth0", false)], &[]);
    t.set_delays(delays(500, 500));
    assert_eq!(change(&mut t, true).len(), 1, "never seen up: at once");
    assert!(change(&mut t, false).is_empty(), "seen up now: delayed");
}

fn ms(n: u64) -> std::time::Duration {
    std::time::Duration::from_millis(n)
}
