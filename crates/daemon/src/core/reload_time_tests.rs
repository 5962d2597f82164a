use chrono::{TimeZone, Utc};

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0).unwrap()
}

#[test]
fn a_utc_time_of_day_is_today_or_tomorrow() {
    let later = parse("11:30:00Z", now()).unwrap();
    assert_eq!(
        later.at,
        Utc.with_ymd_and_hms(2026, 12, 3, 11, 30, 0).unwrap()
    );
    assert!(!later.dated);
    let past = parse("09:00:00Z", now()).unwrap();
    assert_eq!(past.at, Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap());
    // Now itself is past (keepalived: t <= now).
    let same = parse("10:00:00Z", now()).unwrap();
    assert_eq!(
        same.at,
        Utc.with_ymd_and_hms(2026, 12, 4, 10, 0, 0).unwrap()
    );
}

#[test]
fn dates_with_two_and_four_digit_years() {
    let d = parse("2027-01-02 03:04:05Z", now()).unwrap();
    assert_eq!(d.at, Utc.with_ymd_and_hms(2027, 1, 2, 3, 4, 5).unwrap());
    assert!(d.dated);
    let d2 = parse("27-01-02 03:04:05Z", now()).unwrap();
    assert_eq!(d2.at, d.at);
}

#[test]
fn bad_times_are_refused_with_keepalived_s_reasons() {
    assert_eq!(parse("10:00", now()), Err(TimeError::Format));
    assert_eq!(parse("", now()), Err(TimeError::Format));
    assert_eq!(parse("25:00:00Z", now()), Err(TimeError::Invalid));
    assert_eq!(
        parse("2027-02-30 00:00:00Z", now()),
        Err(TimeError::Invalid)
    );
    assert_eq!(parse("2026-12-03 09:59:59Z", now()), Err(TimeError::Past));
    assert_eq!(parse("ab:cd:efZ", now()), Err(TimeError::Invalid));
}

#[test]
fn local_times_are_local() {
    let local = Local.from_local_datetime(
        &NaiveDate::from_ymd_opt(2030, 6, 1)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap(),
    );
    let want = match local {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => {
            t.with_timezone(&Utc)
        }
        LocalResult::None => return,
    };
    assert_eq!(parse("2030-06-01 12:00:00", now()).unwrap().at, want);
}
