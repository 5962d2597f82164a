//! HTTP_GET and SSL_GET against Debian's nginx on loopback, with
//! certificates made here by `openssl`: keepalived's default of not
//! verifying the server, the `SSL` block's client certificate, the
//! opt-in verification, SNI, and genhash's digest against Debian's
//! genhash.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{md5, rt};
use ka_config::model::lvs::{HttpProtocol, SslConfig};
use ka_lab::TmpDir;
use ka_probe::{
    HttpSpec, ProbeCtx, ProbeKind, ProbeSpec, Reason, Target, TlsSpec, UrlSpec,
    Verdict,
};

const PAGE: &[u8] = b"<html>keepalived-rs probe test page</html>\n";

/// nginx in the foreground, single process, killed on drop.
struct Nginx {
    child: Child,
    http: SocketAddr,
    https: SocketAddr,
    https_mtls: SocketAddr,
    dir: TmpDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn openssl(dir: &Path, args: &str) {
    let out = Command::new("openssl")
        .args(args.split_whitespace())
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, a server certificate for www.example.org and 127.0.0.1 signed
/// by it, and a client certificate signed by it.
fn make_certs(dir: &Path) {
    openssl(
        dir,
        "req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=probe-test-ca",
    );
    openssl(
        dir,
        "req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem -days 2 -subj /CN=probe-other-ca",
    );
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=DNS:www.example.org,IP:127.0.0.1\n",
    )
    .expect("write ext");
    openssl(
        dir,
        "req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj /CN=www.example.org",
    );
    openssl(
        dir,
        "x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 -extfile san.ext",
    );
    openssl(
        dir,
        "req -newkey rsa:2048 -nodes -keyout cli.key -out cli.csr -subj /CN=probe-client",
    );
    std::fs::write(
        dir.join("cli.ext"),
        "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n",
    )
    .expect("write ext");
    openssl(
        dir,
        "x509 -req -in cli.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out cli.pem -days 2 -extfile cli.ext",
    );
}

fn start_nginx(tag: &str) -> Option<Nginx> {
    if ka_lab::skip_if(
        Command::new("nginx")
            .arg("-v")
            .output()
            .is_err()
            .then_some("nginx is not installed"),
    ) {
        return None;
    }
    if ka_lab::skip_if(
        Command::new("openssl")
            .arg("version")
            .output()
            .is_err()
            .then_some("openssl is not installed"),
    ) {
        return None;
    }
    let dir = TmpDir::new("ka-probe-nginx", tag);
    let d = dir.path();
    make_certs(d);
    std::fs::create_dir_all(d.join("html")).expect("mkdir");
    std::fs::write(d.join("html/index.html"), PAGE).expect("write page");
    let (p1, p2, p3) = (free_port(), free_port(), free_port());
    let conf = format!(
        "daemon off; master_process off; pid {d}/nginx.pid; error_log {d}/error.log;
events {{}}
http {{
  access_log off;
  client_body_temp_path {d}; proxy_temp_path {d}; fastcgi_temp_path {d}; uwsgi_temp_path {d}; scgi_temp_path {d};
  server {{ listen 127.0.0.1:{p1}; root {d}/html; }}
  server {{ listen 127.0.0.1:{p2} ssl; root {d}/html; ssl_certificate {d}/srv.pem; ssl_certificate_key {d}/srv.key;
           location = /sni {{ return 200 \"sni=$ssl_server_name;\"; }} }}
  server {{ listen 127.0.0.1:{p3} ssl; root {d}/html; ssl_certificate {d}/srv.pem; ssl_certificate_key {d}/srv.key;
           ssl_client_certificate {d}/ca.pem; ssl_verify_client on; }}
}}
",
        d = d.display()
    );
    std::fs::write(d.join("nginx.conf"), conf).expect("write conf");
    let child = Command::new("nginx")
        .args([
            "-c",
            &d.join("nginx.conf").to_string_lossy(),
            "-p",
            &d.to_string_lossy(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nginx");
    let ng = Nginx {
        child,
        http: SocketAddr::from(([127, 0, 0, 1], p1)),
        https: SocketAddr::from(([127, 0, 0, 1], p2)),
        https_mtls: SocketAddr::from(([127, 0, 0, 1], p3)),
        dir,
    };
    let end = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(ng.https_mtls).is_err() {
        assert!(
            Instant::now() < end,
            "nginx did not start: {}",
            std::fs::read_to_string(ng.dir.path().join("error.log"))
                .unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(ng)
}

fn spec(
    addr: SocketAddr,
    path: &str,
    tls: bool,
    digest: Option<[u8; 16]>,
) -> ProbeSpec {
    let mut url = UrlSpec::new(path);
    url.digest = digest;
    ProbeSpec {
        target: Target::new(addr, Duration::from_secs(3)),
        kind: ProbeKind::Http(HttpSpec {
            protocol: HttpProtocol::Http10,
            urls: vec![url],
            tls: tls.then_some(TlsSpec { enable_sni: false }),
            fast_recovery: false,
        }),
    }
}

fn ssl_block(dir: &Path, client: bool) -> SslConfig {
    let p = |f: &str| Some(dir.join(f).to_string_lossy().into_owned());
    SslConfig {
        password: None,
        ca: p("ca.pem"),
        certificate: if client { p("cli.pem") } else { None },
        key: if client { p("cli.key") } else { None },
    }
}

#[test]
fn http_and_https_against_nginx() {
    let Some(ng) = start_nginx("main") else {
        return;
    };
    rt().block_on(async {
        let ctx = ProbeCtx::new();
        let good = Some(md5(PAGE));
        for (addr, tls) in [(ng.http, false), (ng.https, true)] {
            let o = ka_probe::run(&spec(addr, "/index.html", tls, good), &ctx)
                .await;
            assert_eq!(o.verdict, Verdict::Up, "tls={tls}");
            let o = ka_probe::run(
                &spec(addr, "/index.html", tls, Some([7; 16])),
                &ctx,
            )
            .await;
            assert!(
                matches!(
                    o.verdict,
                    Verdict::Down(Reason::DigestMismatch { .. })
                ),
                "tls={tls}: {:?}",
                o.verdict
            );
            let o =
                ka_probe::run(&spec(addr, "/missing", tls, None), &ctx).await;
            assert_eq!(
                o.verdict,
                Verdict::Down(Reason::HttpStatus(404)),
                "tls={tls}"
            );
        }
        // HTTP/1.1 to nginx: keepalived's "Connection: close" ends it.
        let mut s = spec(ng.http, "/index.html", false, good);
        if let ProbeKind::Http(h) = &mut s.kind {
            h.protocol = HttpProtocol::Http11;
        }
        assert_eq!(ka_probe::run(&s, &ctx).await.verdict, Verdict::Up);
        // A plain GET to the TLS port: nginx answers 400 in plain text.
        let o =
            ka_probe::run(&spec(ng.https, "/index.html", false, None), &ctx)
                .await;
        assert_eq!(o.verdict, Verdict::Down(Reason::HttpStatus(400)));
        // TLS to the plain port fails the handshake.
        let o = ka_probe::run(&spec(ng.http, "/index.html", true, None), &ctx)
            .await;
        assert_eq!(o.verdict, Verdict::Down(Reason::TlsHandshake));
    });
}

#[test]
fn ssl_block_client_certificate_and_opt_in_verify() {
    let Some(ng) = start_nginx("ssl") else { return };
    let d = ng.dir.path().to_path_buf();
    rt().block_on(async {
        // Without a client certificate nginx answers 400.
        let bare = ProbeCtx::with_ssl(Some(&ssl_block(&d, false)), false, None)
            .expect("ssl ctx");
        let o = ka_probe::run(
            &spec(ng.https_mtls, "/index.html", true, None),
            &bare,
        )
        .await;
        assert_eq!(o.verdict, Verdict::Down(Reason::HttpStatus(400)));
        let with_cert =
            ProbeCtx::with_ssl(Some(&ssl_block(&d, true)), false, None)
                .expect("ssl ctx");
        let o = ka_probe::run(
            &spec(ng.https_mtls, "/index.html", true, Some(md5(PAGE))),
            &with_cert,
        )
        .await;
        assert_eq!(o.verdict, Verdict::Up);
        // Opt-in verification: the CA signed the server's certificate,
        // which names 127.0.0.1 and www.example.org.
        let verify =
            ProbeCtx::with_ssl(Some(&ssl_block(&d, false)), true, None)
                .expect("ssl ctx");
        let o =
            ka_probe::run(&spec(ng.https, "/index.html", true, None), &verify)
                .await;
        assert_eq!(o.verdict, Verdict::Up);
        let mut sni = spec(ng.https, "/index.html", true, None);
        if let ProbeKind::Http(h) = &mut sni.kind {
            h.tls = Some(TlsSpec { enable_sni: true });
            h.urls[0].sni = Some("other.example.org".into());
        }
        let o = ka_probe::run(&sni, &verify).await;
        assert_eq!(
            o.verdict,
            Verdict::Down(Reason::TlsHandshake),
            "a name the certificate lacks"
        );
        // keepalived's default accepts it.
        assert_eq!(
            ka_probe::run(&sni, &ProbeCtx::new()).await.verdict,
            Verdict::Up
        );
        // A CA that did not sign the server's certificate.
        let mut other = ssl_block(&d, false);
        other.ca = Some(d.join("other-ca.pem").to_string_lossy().into_owned());
        let wrong =
            ProbeCtx::with_ssl(Some(&other), true, None).expect("ssl ctx");
        let o =
            ka_probe::run(&spec(ng.https, "/index.html", true, None), &wrong)
                .await;
        assert_eq!(o.verdict, Verdict::Down(Reason::TlsHandshake));
    });
    let mut missing = ssl_block(&d, true);
    missing.key = Some(d.join("nope.key").to_string_lossy().into_owned());
    let e = ProbeCtx::with_ssl(Some(&missing), false, None)
        .expect_err("missing key");
    assert_eq!(e.to_string(), "SSL error : Cant load key file...");
}

#[test]
fn genhash_digest_matches_debian_genhash() {
    let Some(ng) = start_nginx("genhash") else {
        return;
    };
    let args = |port: u16, ssl: bool| {
        let mut v = vec![
            "-s".to_string(),
            "127.0.0.1".into(),
            "-p".into(),
            port.to_string(),
            "-u".into(),
            "/index.html".into(),
        ];
        if ssl {
            v.insert(0, "-S".into());
        }
        v
    };
    for (port, ssl) in [(ng.http.port(), false), (ng.https.port(), true)] {
        let a =
            ka_probe::genhash::parse(&args(port, ssl)).expect("genhash args");
        let f = rt()
            .block_on(ka_probe::genhash::genhash(&a, &ProbeCtx::new()))
            .expect("fetch");
        let ours = ka_probe::genhash::hex(&f.digest);
        assert_eq!(f.digest, md5(PAGE));
        match Command::new("genhash").args(args(port, ssl)).output() {
            Ok(out) => assert_eq!(
                String::from_utf8_lossy(&out.stdout).trim(),
                ours,
                "ssl={ssl}"
            ),
            Err(_) => eprintln!(
                "Debian's genhash is not installed: compared with md5 only"
            ),
        }
    }
}
