use super::*;

fn ps(
    rt: Option<u32>,
    nice: Option<i8>,
    cpus: Option<Vec<u32>>,
) -> ProcessSched {
    ProcessSched {
        rt_priority: rt,
        priority: nice,
        cpu_affinity: cpus,
        ..ProcessSched::default()
    }
}

#[test]
fn the_strongest_values_of_the_running_frameworks_are_applied() {
    let s = Sched {
        vrrp: ps(Some(20), None, Some(vec![0])),
        check: ProcessSched {
            no_swap: true,
            rlimit_rttime: Some(50_000),
            ..ps(Some(40), Some(-5), Some(vec![1]))
        },
        bfd: ps(Some(90), None, None),
        ..Sched::default()
    };
    let a = s.merged([true, true, false]);
    assert_eq!(
        a,
        Applied {
            nice: None,
            rt_priority: Some(40),
            rlimit_rttime: 50_000,
            no_swap: true,
            cpus: Some(vec![0]),
        }
    );
    // BFD runs too: its priority is the highest.
    assert_eq!(s.merged([true, true, true]).rt_priority, Some(90));
    // Only VRRP runs: the checkers' values are not used.
    let v = s.merged([true, false, false]);
    assert_eq!(
        (v.rt_priority, v.rlimit_rttime, v.no_swap),
        (Some(20), RLIMIT_RTTIME_DEFAULT, false)
    );
}

#[test]
fn without_a_realtime_priority_the_lowest_nice_value_is_applied() {
    let s = Sched {
        vrrp: ps(None, Some(-10), None),
        check: ps(None, Some(5), None),
        ..Sched::default()
    };
    let a = s.merged([true, true, true]);
    assert_eq!((a.nice, a.rt_priority), (Some(-10), None));
    assert!(
        a.describe()
            .starts_with("Process scheduling: process priority -10;"),
        "{}",
        a.describe()
    );
}

#[test]
fn nothing_asked_is_nothing_applied() {
    let s = Sched::default();
    assert!(!s.any([true, true, true]));
    assert_eq!(
        apply_sched(&s, [true, true, true]),
        Applied {
            rlimit_rttime: RLIMIT_RTTIME_DEFAULT,
            ..Applied::default()
        }
    );
}
