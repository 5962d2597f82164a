use super::*;

fn names(use_pid_dir: bool, instance: Option<&str>) -> Vec<String> {
    default_pid_files(use_pid_dir, instance)
        .iter()
        .map(|p| p.display().to_string())
        .collect()
}

#[test]
fn pid_files_are_named_as_keepalived_names_them() {
    assert_eq!(
        names(false, None),
        [
            "/run/keepalived.pid",
            "/run/keepalived_vrrp.pid",
            "/run/keepalived_checkers.pid",
            "/run/keepalived_bfd.pid"
        ]
    );
    // A namespace or use_pid_dir: the pid directory (private to the
    // namespace, /run/keepalived/NS on the host).
    assert_eq!(
        names(true, None),
        [
            "/run/keepalived/keepalived.pid",
            "/run/keepalived/vrrp.pid",
            "/run/keepalived/checkers.pid",
            "/run/keepalived/bfd.pid"
        ]
    );
    assert_eq!(
        names(true, Some("i1")),
        [
            "/run/keepalived/keepalived_i1.pid",
            "/run/keepalived/vrrp_i1.pid",
            "/run/keepalived/checkers_i1.pid",
            "/run/keepalived/bfd_i1.pid"
        ]
    );
}

#[test]
fn the_syslog_ident_names_the_namespace_then_the_instance() {
    assert_eq!(ident_suffix(None, None), "");
    assert_eq!(ident_suffix(Some("blue"), None), "_blue");
    assert_eq!(ident_suffix(None, Some("i1")), "_i1");
    assert_eq!(ident_suffix(Some("blue"), Some("i1")), "_blue_i1");
}

fn opts(args: &[&str]) -> Options {
    match crate::cli::parse(args.iter().copied()).action {
        crate::cli::Action::Run(o) => *o,
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_command_line_namespace_overrides_the_configuration_s() {
    let g = ka_config::model::global::GlobalDefs {
        net_namespace: Some("conf".into()),
        instance: Some("i1".into()),
        ..Default::default()
    };
    let o = opts(&["-s", "cmd", "-m", "-M"]);
    let fixed = Fixed {
        namespace_override: o.namespace.clone(),
        namespace: Some("cmd".into()),
        instance: g.instance.clone(),
        dont_release_vrrp: false,
        address_monitoring: false,
    };
    assert_eq!(fixed.namespace_of(&g).as_deref(), Some("cmd"));
    let p = placement(&o, &g, &fixed);
    assert_eq!(p.namespace.as_deref(), Some("cmd"));
    assert_eq!(p.pid_dir, Some(PathBuf::from("/run/keepalived")));
    assert_eq!(
        p.notes,
        [
            "Overriding config net_namespace 'conf' with command line namespace 'cmd'",
            "Changing syslog ident to Keepalived_cmd_i1"
        ]
    );
    assert!(p.core_dump);
    assert_eq!(p.core_pattern.as_deref(), Some("core"));
    // Nothing named, no use_pid_dir: no pid directory.
    let plain = placement(&opts(&[]), &Default::default(), &Fixed::default());
    assert_eq!((plain.pid_dir, plain.notes.len()), (None, 0));
}
