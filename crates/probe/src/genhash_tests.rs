use super::*;

fn args(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn short_long_bundled_and_attached_options() {
    let a = parse(&args(&[
        "-vS",
        "-s127.0.0.1",
        "--port=8443",
        "--url",
        "/x",
        "-V",
        "h.example.org",
        "-P",
        "1.0c",
        "-t",
        "3",
        "-m",
        "5",
        "-I",
    ]))
    .expect("valid");
    assert!(a.verbose && a.ssl && a.sni);
    assert_eq!(a.server, IpAddr::from([127, 0, 0, 1]));
    assert_eq!((a.port, a.url.as_str()), (8443, "/x"));
    assert_eq!(a.vhost.as_deref(), Some("h.example.org"));
    assert_eq!(a.protocol, HttpProtocol::Http10Close);
    assert_eq!(a.timeout, Some(Duration::from_secs(3)));
    assert_eq!(a.fwmark, Some(5));
    // An unambiguous long prefix.
    let a = parse(&args(&["--serv", "::1", "--po", "80", "--ur", "/"]))
        .expect("prefixes");
    assert_eq!(a.server, "::1".parse::<IpAddr>().expect("v6"));
}

#[test]
fn keepalived_errors() {
    assert_eq!(
        parse(&args(&["-s", "host.example", "-p", "1", "-u", "/"])),
        Err(vec!["server should be an IP, not host.example".to_string()])
    );
    assert_eq!(
        parse(&args(&["-s", "::1", "-p", "0", "-u", "/"])),
        Err(vec!["invalid port number '0'".to_string()])
    );
    assert_eq!(
        parse(&args(&["-s", "::1", "-p", "1", "-u", "/", "-P", "2"])),
        Err(vec!["invalid HTTP protocol version '2'".to_string()])
    );
    assert_eq!(
        parse(&args(&["-s", "::1", "-p", "1", "-x"])),
        Err(vec!["Unknown option -x".to_string()])
    );
    assert_eq!(
        parse(&args(&["-s", "::1", "-p"])),
        Err(vec!["Missing parameter for option -p".to_string()])
    );
    assert_eq!(
        parse(&args(&["-s", "::1", "stray", "-p", "1", "-u", "/", "more"])),
        Err(vec!["Unexpected argument(s): stray more".to_string()])
    );
    // `--u` could be --url, --use-ssl, --use-sni or --use-virtualhost.
    assert_eq!(
        parse(&args(&["-s", "::1", "-p", "1", "--u", "/"])),
        Err(vec!["Unknown option --u".to_string()])
    );
    // Server, port and url are mandatory; -h is the usage.
    assert_eq!(parse(&args(&["-s", "::1", "-p", "1"])), Err(vec![]));
    assert_eq!(
        parse(&args(&["-s", "::1", "-p", "1", "-u", "/", "-h"])),
        Err(vec![])
    );
    assert_eq!(parse(&args(&["-h"])), Err(vec![]));
}

#[test]
fn dump_is_keepalived_dump_buffer() {
    let mut out = Vec::new();
    dump(&mut out, b"HTTP/1.1 200 OK\r\nServer").expect("write");
    assert_eq!(
        String::from_utf8(out).expect("utf8"),
        "0000  48 54 54 50 2f 31 2e 31 - 20 32 30 30 20 4f 4b 0d   HTTP/1.1 200 OK.\n\
0016  0a 53 65 72 76 65 72    -                           .Server         \n"
    );
}

#[test]
fn usage_names_the_program() {
    assert!(
        usage("genhash", true)
            .starts_with("Usage: genhash COMMAND [OPTIONS]\n")
    );
    assert!(usage("/usr/sbin/keepalived", false).starts_with(
        "Usage: /usr/sbin/keepalived --genhash COMMAND [OPTIONS]\n"
    ));
}
