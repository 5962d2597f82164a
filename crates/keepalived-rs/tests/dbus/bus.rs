//! A private `dbus-daemon` of type system for one test, in a temporary
//! directory (its own configuration and socket: the host's system bus is
//! never touched), and a client that records the daemon's signals.

#![allow(unreachable_pub)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use zbus::{Connection, MatchRule, MessageStream};

/// keepalived's default service name.
pub const SERVICE: &str = "org.keepalived.Vrrp1";
/// The VRRP object.
pub const VRRP_PATH: &str = "/org/keepalived/Vrrp1/Vrrp";
/// The VRRP object's interface.
pub const VRRP_IFACE: &str = "org.keepalived.Vrrp1.Vrrp";
/// Each instance object's interface.
pub const INSTANCE_IFACE: &str = "org.keepalived.Vrrp1.Instance";

/// Why the bus cannot run here.
pub fn missing() -> Option<String> {
    match ka_lab::run("dbus-daemon", &["--version"]) {
        Ok(_) => None,
        Err(e) => Some(format!(
            "dbus-daemon is not installed ({e}); CI installs the dbus-daemon package"
        )),
    }
}

/// Anyone may use the bus, own any name, call anything.
const PERMISSIVE: &str = "  <policy context=\"default\">\n    \
    <allow user=\"*\"/>\n    <allow own=\"*\"/>\n    \
    <allow send_type=\"method_call\"/>\n    <allow send_type=\"signal\"/>\n    \
    <allow send_type=\"method_return\"/>\n    <allow send_type=\"error\"/>\n    \
    <allow send_destination=\"*\"/>\n    <allow receive_type=\"signal\"/>\n    \
    <allow receive_type=\"method_call\"/>\n    <allow receive_type=\"method_return\"/>\n    \
    <allow receive_type=\"error\"/>\n  </policy>\n";

/// A system bus's default: no names, no method calls but the bus's own.
const STRICT: &str = "  <policy context=\"default\">\n    \
    <allow user=\"*\"/>\n    <deny own=\"*\"/>\n    \
    <deny send_type=\"method_call\"/>\n    <allow send_type=\"signal\"/>\n    \
    <allow send_requested_reply=\"true\" send_type=\"method_return\"/>\n    \
    <allow send_requested_reply=\"true\" send_type=\"error\"/>\n    \
    <allow receive_type=\"method_call\"/>\n    <allow receive_type=\"method_return\"/>\n    \
    <allow receive_type=\"error\"/>\n    <allow receive_type=\"signal\"/>\n    \
    <allow send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus\"/>\n  \
    </policy>\n";

/// A running private bus; killed (by its pid) on drop.
pub struct PrivateBus {
    child: Child,
    /// `unix:path=…`, for `DBUS_SYSTEM_BUS_ADDRESS` and the client.
    pub address: String,
}

impl PrivateBus {
    /// Starts a bus listening on `dir/bus`, which anyone may use and on
    /// which any name may be owned.
    pub fn start(dir: &Path) -> Self {
        Self::start_with(dir, PERMISSIVE)
    }

    /// Starts a bus with a system bus's default policy (Debian's
    /// `system.conf`, in short: no name may be owned, no method called
    /// except the bus's own) plus the policy file `policy`.
    pub fn with_policy(dir: &Path, policy: &Path) -> Self {
        let rules =
            format!("{STRICT}  <include>{}</include>\n", policy.display());
        Self::start_with(dir, &rules)
    }

    fn start_with(dir: &Path, rules: &str) -> Self {
        let socket = dir.join("bus");
        let conf = dir.join("bus.conf");
        let text = format!(
            "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN\"\n \
             \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n\
             <busconfig>\n  <type>system</type>\n  <listen>unix:path={}</listen>\n  \
             <auth>EXTERNAL</auth>\n{rules}</busconfig>\n",
            socket.display()
        );
        std::fs::write(&conf, text).expect("write bus.conf");
        let child = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", conf.display()))
            .args(["--nofork", "--nopidfile"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dbus-daemon");
        let bus = Self {
            child,
            address: format!("unix:path={}", socket.display()),
        };
        let t0 = Instant::now();
        while !socket.exists() && t0.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(socket.exists(), "dbus-daemon made no socket in 10 s");
        bus
    }

    /// `DBUS_SYSTEM_BUS_ADDRESS=…` for `env`.
    pub fn env(&self) -> String {
        format!("DBUS_SYSTEM_BUS_ADDRESS={}", self.address)
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A signal the daemon sent: member, object path, first `u` argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sig {
    /// `VrrpStatusChange`, `VrrpStarted`, …
    pub member: String,
    /// The object it came from.
    pub path: String,
    /// `VrrpStatusChange`'s state.
    pub status: Option<u32>,
}

/// A client connection with every signal under `/org/keepalived`
/// recorded from the moment it connected.
pub struct Client {
    /// The connection.
    pub conn: Connection,
    seen: Arc<Mutex<Vec<Sig>>>,
}

impl Client {
    /// Connects to `address` and starts recording.
    pub async fn connect(address: &str) -> zbus::Result<Self> {
        let conn = zbus::connection::Builder::address(address)?.build().await?;
        let rule = MatchRule::builder()
            .msg_type(zbus::message::Type::Signal)
            .path_namespace("/org/keepalived")?
            .build();
        let mut stream =
            MessageStream::for_match_rule(rule, &conn, Some(1024)).await?;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Some(Ok(msg)) = stream.next().await {
                let h = msg.header();
                let sig = Sig {
                    member: h
                        .member()
                        .map(|m| m.to_string())
                        .unwrap_or_default(),
                    path: h.path().map(|p| p.to_string()).unwrap_or_default(),
                    status: msg.body().deserialize::<u32>().ok(),
                };
                log.lock().unwrap().push(sig);
            }
        });
        Ok(Self { conn, seen })
    }

    /// Every signal so far.
    pub fn signals(&self) -> Vec<Sig> {
        self.seen.lock().unwrap().clone()
    }

    /// Waits (at most `bound`) until `ok` holds for the signals so far.
    pub async fn wait_for(
        &self,
        bound: Duration,
        ok: impl Fn(&[Sig]) -> bool,
    ) -> bool {
        let t0 = Instant::now();
        while t0.elapsed() < bound {
            if ok(&self.signals()) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        ok(&self.signals())
    }

    /// Whether `SERVICE` has an owner.
    pub async fn service_owned(&self) -> bool {
        let Ok(dbus) = zbus::fdo::DBusProxy::new(&self.conn).await else {
            return false;
        };
        let name = zbus::names::BusName::try_from(SERVICE).expect("name");
        dbus.name_has_owner(name).await.unwrap_or(false)
    }

    /// Calls a method without arguments; `Err` carries the error name.
    pub async fn call(
        &self,
        path: &str,
        iface: &str,
        method: &str,
    ) -> Result<(), String> {
        self.conn
            .call_method(Some(SERVICE), path, Some(iface), method, &())
            .await
            .map(|_| ())
            .map_err(error_name)
    }

    /// A property, as `signature value`.
    pub async fn get(&self, path: &str, prop: &str) -> Result<String, String> {
        let reply = self
            .conn
            .call_method(
                Some(SERVICE),
                path,
                Some("org.freedesktop.DBus.Properties"),
                "Get",
                &(INSTANCE_IFACE, prop),
            )
            .await
            .map_err(error_name)?;
        let v: zbus::zvariant::OwnedValue =
            reply.body().deserialize().map_err(|e| e.to_string())?;
        Ok(format!("{} {}", v.value_signature(), *v))
    }

    /// Every property, as `name=signature value`, sorted.
    pub async fn get_all(&self, path: &str) -> Result<Vec<String>, String> {
        let reply = self
            .conn
            .call_method(
                Some(SERVICE),
                path,
                Some("org.freedesktop.DBus.Properties"),
                "GetAll",
                &(INSTANCE_IFACE,),
            )
            .await
            .map_err(error_name)?;
        let all: BTreeMap<String, zbus::zvariant::OwnedValue> =
            reply.body().deserialize().map_err(|e| e.to_string())?;
        Ok(all
            .iter()
            .map(|(k, v)| format!("{k}={} {}", v.value_signature(), **v))
            .collect())
    }

    /// The introspection XML of `path`.
    pub async fn introspect(&self, path: &str) -> Result<String, String> {
        let reply = self
            .conn
            .call_method(
                Some(SERVICE),
                path,
                Some("org.freedesktop.DBus.Introspectable"),
                "Introspect",
                &(),
            )
            .await
            .map_err(error_name)?;
        reply
            .body()
            .deserialize::<String>()
            .map_err(|e| e.to_string())
    }
}

fn error_name(e: zbus::Error) -> String {
    match e {
        zbus::Error::MethodError(name, _, _) => name.to_string(),
        other => other.to_string(),
    }
}

/// An introspection document reduced to what a client relies on: per
/// interface, its members with their argument types (`method SendGarp
/// in() out()`, `signal VrrpStatusChange (u)`, `property State (us)
/// read`), and the direct child nodes. Formatting, comments and argument names
/// (which GDBus and zbus write differently) are left out.
pub fn summary(xml: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut iface = String::new();
    let mut depth = 0usize;
    let mut member: Option<Member> = None;
    for tag in xml.split('<').skip(1) {
        let body = tag.split('>').next().unwrap_or("");
        let closing = body.starts_with('/');
        let name = body
            .trim_start_matches('/')
            .split_whitespace()
            .next()
            .unwrap_or("");
        let attr = |key: &str| attribute(body, key);
        match (name, closing) {
            // The object's own interfaces, not those of a subtree.
            ("interface", false) if depth == 1 => {
                iface = attr("name").unwrap_or_default();
            }
            ("interface", true) => iface.clear(),
            ("node", false) => {
                // Direct children only: zbus writes the whole subtree,
                // GDBus the next level.
                if depth == 1
                    && let Some(n) = attr("name")
                {
                    out.entry("(children)".into()).or_default().push(n);
                }
                if !body.ends_with('/') {
                    depth += 1;
                }
            }
            ("node", true) => depth = depth.saturating_sub(1),
            ("method" | "signal", false) => {
                let m = Member {
                    kind: name.to_owned(),
                    name: attr("name").unwrap_or_default(),
                    args: Vec::new(),
                };
                if body.ends_with('/') {
                    m.flush(&iface, &mut out);
                } else {
                    member = Some(m);
                }
            }
            ("method" | "signal", true) => {
                if let Some(m) = member.take() {
                    m.flush(&iface, &mut out);
                }
            }
            ("arg", false) => {
                if let Some(m) = &mut member {
                    let default = if m.kind == "method" { "in" } else { "out" };
                    let dir =
                        attr("direction").unwrap_or_else(|| default.into());
                    m.args.push((dir, attr("type").unwrap_or_default()));
                }
            }
            ("property", false) if !iface.is_empty() => {
                let line = format!(
                    "property {} {} {}",
                    attr("name").unwrap_or_default(),
                    attr("type").unwrap_or_default(),
                    attr("access").unwrap_or_default()
                );
                out.entry(iface.clone()).or_default().push(line);
            }
            _ => {}
        }
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

/// A method or signal being read: kind, name, (direction, type) of each
/// argument.
struct Member {
    kind: String,
    name: String,
    args: Vec<(String, String)>,
}

impl Member {
    /// Adds the member's line to `iface`'s (nothing outside an
    /// interface of the object itself).
    fn flush(self, iface: &str, out: &mut BTreeMap<String, Vec<String>>) {
        if iface.is_empty() {
            return;
        }
        let types = |dir: &str| -> String {
            self.args
                .iter()
                .filter(|(d, _)| d == dir)
                .map(|(_, t)| t.as_str())
                .collect()
        };
        let line = if self.kind == "method" {
            format!(
                "method {} in({}) out({})",
                self.name,
                types("in"),
                types("out")
            )
        } else {
            format!("signal {} ({})", self.name, types("out"))
        };
        out.entry(iface.to_owned()).or_default().push(line);
    }
}

/// The value of `key="…"` (or `'…'`) in a tag's text.
fn attribute(tag: &str, key: &str) -> Option<String> {
    for quote in ['"', '\''] {
        let pat = format!("{key}={quote}");
        if let Some(i) = tag.find(&pat) {
            let rest = &tag[i + pat.len()..];
            return rest.split(quote).next().map(str::to_owned);
        }
    }
    None
}
