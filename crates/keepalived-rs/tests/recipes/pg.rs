//! PostgreSQL clusters for the postgresql-ha tests: Debian's binaries,
//! run as user `postgres`, each cluster with its data directory, socket
//! directory and log under the test's directory, listening on port 5432
//! of every address of its namespace; stopped (immediate) on drop.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::Net;

/// `/usr/lib/postgresql/<newest>/bin`, or `None` when not installed.
pub(crate) fn bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<(u32, PathBuf)> =
        std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .flatten()
            .filter_map(|e| {
                let v = e.file_name().to_string_lossy().parse().ok()?;
                let bin = e.path().join("bin");
                bin.join("pg_ctl").exists().then_some((v, bin))
            })
            .collect();
    dirs.sort();
    dirs.pop().map(|(_, b)| b)
}

/// Why the PostgreSQL tests cannot run, if they cannot.
pub(crate) fn missing() -> Option<String> {
    if bin_dir().is_none() {
        return Some(
            "PostgreSQL is not installed (/usr/lib/postgresql/*/bin)".into(),
        );
    }
    let user = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    (!user.lines().any(|l| l.starts_with("postgres:")))
        .then(|| "there is no postgres user".into())
}

/// Makes `dir` (and its missing parents) and gives it to `postgres`.
fn pg_dir(dir: &Path) {
    std::fs::create_dir_all(dir).expect("create a PostgreSQL directory");
    crate::support::run_ok(
        "chown",
        &["postgres:postgres", &dir.display().to_string()],
    );
}

/// One cluster in a namespace.
pub(crate) struct Cluster {
    ns: String,
    /// The data directory.
    pub(crate) data: PathBuf,
    /// The socket directory (`-k`).
    pub(crate) sock: PathBuf,
    log: PathBuf,
    name: String,
    bin: PathBuf,
}

impl Cluster {
    /// A cluster called `name` under `dir` (nothing is created yet).
    pub(crate) fn new(ns: &str, dir: &Path, name: &str) -> Self {
        // Whatever the umask: postgres must reach its directories.
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir_all(dir).expect("create a node directory");
        let mode = std::fs::Permissions::from_mode(0o755);
        std::fs::set_permissions(dir, mode).expect("chmod a node directory");
        let base = dir.join(format!("pg-{name}"));
        pg_dir(&base);
        let sock = base.join("sock");
        pg_dir(&sock);
        Self {
            ns: ns.to_owned(),
            data: base.join("data"),
            sock,
            log: base.join("postgresql.log"),
            name: name.to_owned(),
            bin: bin_dir().expect("PostgreSQL binaries"),
        }
    }

    /// Runs a PostgreSQL program as `postgres` in the cluster's namespace.
    pub(crate) fn run(&self, net: &Net, prog: &str, args: &[&str]) -> Output {
        let prog = self.bin.join(prog).display().to_string();
        let mut all = vec!["-u", "postgres", "--", prog.as_str()];
        all.extend_from_slice(args);
        net.exec(&self.ns, "runuser", &all)
    }

    fn run_ok(&self, net: &Net, prog: &str, args: &[&str]) {
        let out = self.run(net, prog, args);
        assert!(
            out.status.success(),
            "{prog} {} ({}): {}{}\n{}",
            args.join(" "),
            self.name,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            self.log()
        );
    }

    /// initdb: peer authentication on the socket (as Debian's), and
    /// trust for TCP and replication from the test's networks (a test
    /// only: use scram-sha-256 on a real network).
    pub(crate) fn initdb(&self, net: &Net) {
        let data = self.data.display().to_string();
        self.run_ok(
            net,
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth-local=peer",
                "--auth-host=trust",
                "-N",
            ],
        );
        let hba = self.data.join("pg_hba.conf");
        let mut text = std::fs::read_to_string(&hba).expect("read pg_hba.conf");
        for net in ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"] {
            text.push_str(&format!(
                "host all all {net} trust\nhost replication all {net} trust\n"
            ));
        }
        std::fs::write(&hba, text).expect("write pg_hba.conf");
    }

    /// A streaming standby of the primary at `primary` (pg_basebackup -R).
    pub(crate) fn basebackup(&self, net: &Net, primary: &str) {
        let data = self.data.display().to_string();
        self.run_ok(
            net,
            "pg_basebackup",
            &[
                "-h", primary, "-p", "5432", "-U", "postgres", "-D", &data,
                "-R", "-X", "stream", "-c", "fast", "-N",
            ],
        );
    }

    /// A copy of `other`'s (stopped or never started) data directory.
    pub(crate) fn copy_of(&self, other: &Self) {
        let (from, to) = (
            other.data.display().to_string(),
            self.data.display().to_string(),
        );
        crate::support::run_ok("cp", &["-a", &from, &to]);
    }

    /// Starts the server and waits until it accepts connections.
    pub(crate) fn start(&self, net: &Net) {
        let opts = format!(
            "-k {} -p 5432 -c listen_addresses=* -c cluster_name={} -c fsync=off",
            self.sock.display(),
            self.name
        );
        let (data, log) = (
            self.data.display().to_string(),
            self.log.display().to_string(),
        );
        self.run_ok(
            net,
            "pg_ctl",
            &[
                "-D", &data, "-l", &log, "-o", &opts, "-w", "-t", "18", "start",
            ],
        );
    }

    /// Stops the server at once (`-m immediate`: as a crash would).
    pub(crate) fn crash(&self, net: &Net) {
        let data = self.data.display().to_string();
        self.run_ok(
            net,
            "pg_ctl",
            &["-D", &data, "-m", "immediate", "-w", "stop"],
        );
    }

    /// Promotes a standby and waits for the promotion.
    pub(crate) fn promote(&self, net: &Net) {
        let data = self.data.display().to_string();
        self.run_ok(net, "pg_ctl", &["-D", &data, "-w", "-t", "18", "promote"]);
    }

    /// Runs `sql` on the local socket; its output, or why it failed.
    pub(crate) fn sql(&self, net: &Net, sql: &str) -> Result<String, String> {
        let sock = self.sock.display().to_string();
        outcome(&self.run(
            net,
            "psql",
            &["-h", &sock, "-p", "5432", "-d", "postgres", "-XqtAc", sql],
        ))
    }

    /// The server's log.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.data.join("postmaster.pid").exists() {
            let data = self.data.display().to_string();
            let prog = self.bin.join("pg_ctl").display().to_string();
            let _ = ka_lab::run(
                "ip",
                &[
                    "netns",
                    "exec",
                    &self.ns,
                    "runuser",
                    "-u",
                    "postgres",
                    "--",
                    &prog,
                    "-D",
                    &data,
                    "-m",
                    "immediate",
                    "stop",
                ],
            );
        }
    }
}

/// The outcome of a `psql` run: its output, or why it failed.
fn outcome(out: &Output) -> Result<String, String> {
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
    }
}

/// `psql` as user postgres over TCP to `host`, bounded (connect timeout
/// and statement timeout 2 s).
fn psql(host: &str, sql: &str) -> Vec<String> {
    let psql = bin_dir().unwrap_or_default().join("psql");
    [
        "PGCONNECT_TIMEOUT=2",
        "PGOPTIONS=-c statement_timeout=2000",
        &psql.display().to_string(),
        "-h",
        host,
        "-p",
        "5432",
        "-U",
        "postgres",
        "-d",
        "postgres",
        "-XqtAc",
        sql,
    ]
    .map(str::to_owned)
    .to_vec()
}

/// One query from the calling thread's namespace (a client thread).
pub(crate) fn query(host: &str, sql: &str) -> Result<String, String> {
    let args = psql(host, sql);
    let out = std::process::Command::new("env")
        .args(&args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    outcome(&out)
}

/// One query from namespace `ns`.
pub(crate) fn query_in(
    net: &Net,
    ns: &str,
    host: &str,
    sql: &str,
) -> Result<String, String> {
    let args = psql(host, sql);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    outcome(&net.exec(ns, "env", &args))
}
