//! The names of the data dump files (`data_use_instance`).
//!
//! keepalived compat (`global_data.c: open_dump_file`, 2.2.7): with
//! `data_use_instance` and a network namespace (`net_namespace` or `-s`)
//! or an `instance` name, `keepalived.data`, `keepalived_check.data` and
//! `keepalived_bfd.data` become `keepalived.NS_INSTANCE.data` (`NS`,
//! `_` only when both are set, `INSTANCE`). `keepalived.stats` and
//! `keepalived.json` keep their names (`make_tmp_filename`).

/// The tag put into the data dump names; `None`: the plain names.
pub fn tag(
    use_instance: bool,
    namespace: Option<&str>,
    instance: Option<&str>,
) -> Option<String> {
    if !use_instance || (namespace.is_none() && instance.is_none()) {
        return None;
    }
    let ns = namespace.unwrap_or("");
    let sep = if namespace.is_some() && instance.is_some() {
        "_"
    } else {
        ""
    };
    Some(format!("{ns}{sep}{}", instance.unwrap_or("")))
}

/// `base` (`keepalived.data`, …) with `tag` before its extension.
pub fn file_name(base: &str, tag: Option<&str>) -> String {
    match (tag, base.rsplit_once('.')) {
        (Some(t), Some((stem, ext))) => format!("{stem}.{t}.{ext}"),
        _ => base.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_keepalived_open_dump_file() {
        let name =
            |u, ns, i| file_name("keepalived.data", tag(u, ns, i).as_deref());
        assert_eq!(name(false, Some("blue"), Some("lb1")), "keepalived.data");
        assert_eq!(name(true, None, None), "keepalived.data");
        assert_eq!(name(true, Some("blue"), None), "keepalived.blue.data");
        assert_eq!(name(true, None, Some("lb1")), "keepalived.lb1.data");
        assert_eq!(
            name(true, Some("blue"), Some("lb1")),
            "keepalived.blue_lb1.data"
        );
        assert_eq!(
            file_name("keepalived_check.data", Some("blue")),
            "keepalived_check.blue.data"
        );
    }
}
