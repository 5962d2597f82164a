//! Conditional lines: `@ID rest` keeps `rest` only when ID is the config
//! id, `@^ID rest` only when it is not (keepalived.conf(5) "Conditional
//! configuration").

use super::text::{BLANK, Text};

/// Applies a leading `@ID`/`@^ID` to `t`: strips the prefix when the line
/// is kept, empties the line when it is not. Lines not starting with `@`
/// are left alone.
pub(crate) fn apply(t: &mut Text, config_id: &str) {
    if t.byte(0) != b'@' {
        return;
    }
    let (rev, ofs) = if t.byte(1) == b'^' {
        (true, 2)
    } else {
        (false, 1)
    };
    // keepalived compat: an `@ID` with nothing after it drops the line.
    let Some(end) = t.find_any(ofs, BLANK) else {
        t.clear();
        return;
    };
    let matches = t.s.get(ofs..end) == Some(config_id);
    if matches == rev {
        t.clear();
        return;
    }
    let rest = t.bytes()[end..]
        .iter()
        .take_while(|b| BLANK.contains(b))
        .count();
    t.remove(0, end + rest);
}

/// The default config id: the host name up to its first dot, as keepalived
/// takes it from `uname()`.
pub(crate) fn default_id(hostname: &str) -> String {
    hostname.split('.').next().unwrap_or("").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str, id: &str) -> String {
        let mut t = Text::new(s, 1);
        apply(&mut t, id);
        t.s
    }

    #[test]
    fn keeps_matching_lines() {
        assert_eq!(run("@lb1 router_id a", "lb1"), "router_id a");
        assert_eq!(run("@lb2 router_id a", "lb1"), "");
        assert_eq!(run("@^lb2 \t router_id a", "lb1"), "router_id a");
        assert_eq!(run("@^lb1 router_id a", "lb1"), "");
        assert_eq!(run("@lb1", "lb1"), "");
        assert_eq!(run("router_id a", "lb1"), "router_id a");
        assert_eq!(run("@ x", ""), "x");
    }

    #[test]
    fn default_id_is_first_label() {
        assert_eq!(default_id("lb1.example.org"), "lb1");
        assert_eq!(default_id("solo"), "solo");
    }
}
