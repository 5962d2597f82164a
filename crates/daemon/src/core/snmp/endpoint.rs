//! Where the master agent listens: keepalived's `snmp_socket` (a
//! net-snmp transport address) or net-snmp's default.

use std::fmt;
use std::path::PathBuf;

/// net-snmp's default AgentX socket (`NETSNMP_AGENTX_SOCKET`), used when
/// `snmp_socket` is not set.
pub const DEFAULT_SOCKET: &str = "/var/agentx/master";

/// An AgentX master's address (RFC 2741 §8: TCP or a Unix socket).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// A Unix stream socket.
    Unix(PathBuf),
    /// A TCP host and port.
    Tcp(String, u16),
}

impl fmt::Display for Endpoint {
    /// As net-snmp names it in its log lines (`unix:/path`, `tcp:h:p`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unix(p) => write!(f, "unix:{}", p.display()),
            Self::Tcp(h, p) => write!(f, "tcp:{h}:{p}"),
        }
    }
}

impl Endpoint {
    /// Parses a `snmp_socket` value as net-snmp reads an AgentX address:
    /// `unix:PATH` or a bare absolute `PATH`; `tcp:HOST:PORT`,
    /// `tcp6:[ADDR]:PORT`, `tcp:PORT` (localhost) or `HOST:PORT` (TCP is
    /// net-snmp's default AgentX transport). `None` is the default
    /// socket. UDP and other transports are refused: RFC 2741 §8 maps
    /// AgentX onto TCP and Unix streams only.
    pub fn parse(spec: Option<&str>) -> Result<Self, String> {
        let Some(spec) = spec else {
            return Ok(Self::Unix(DEFAULT_SOCKET.into()));
        };
        if let Some(path) = spec.strip_prefix("unix:") {
            return Ok(Self::Unix(path.into()));
        }
        if spec.starts_with('/') {
            return Ok(Self::Unix(spec.into()));
        }
        let (transport, rest) = match spec.split_once(':') {
            Some((t @ ("tcp" | "tcp6" | "udp" | "udp6"), rest)) => (t, rest),
            _ => ("tcp", spec),
        };
        if transport.starts_with("udp") {
            return Err(format!(
                "snmp_socket {spec}: AgentX over UDP is not supported by \
                 keepalived-rs (use unix: or tcp:)"
            ));
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (h, p),
            None => ("localhost", rest),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let port = port
            .parse::<u16>()
            .map_err(|_| format!("snmp_socket {spec}: bad port {port:?}"))?;
        let host = if host.is_empty() { "localhost" } else { host };
        Ok(Self::Tcp(host.to_string(), port))
    }
}

#[cfg(test)]
mod tests {
    use super::Endpoint;

    #[test]
    fn parses_net_snmp_addresses() {
        let p = |s| Endpoint::parse(Some(s));
        assert_eq!(
            Endpoint::parse(None),
            Ok(Endpoint::Unix("/var/agentx/master".into()))
        );
        assert_eq!(p("unix:/tmp/a"), Ok(Endpoint::Unix("/tmp/a".into())));
        assert_eq!(p("/tmp/a"), Ok(Endpoint::Unix("/tmp/a".into())));
        assert_eq!(
            p("tcp:127.0.0.1:705"),
            Ok(Endpoint::Tcp("127.0.0.1".into(), 705))
        );
        assert_eq!(
            p("localhost:705"),
            Ok(Endpoint::Tcp("localhost".into(), 705))
        );
        assert_eq!(p("tcp:705"), Ok(Endpoint::Tcp("localhost".into(), 705)));
        assert_eq!(p("tcp6:[::1]:705"), Ok(Endpoint::Tcp("::1".into(), 705)));
        assert!(p("udp:localhost:705").is_err());
        assert!(p("tcp:host:x").is_err());
        assert_eq!(
            p("tcp:127.0.0.1:705").map(|e| e.to_string()),
            Ok("tcp:127.0.0.1:705".into())
        );
    }
}
