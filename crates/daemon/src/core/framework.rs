//! The frameworks a daemon runs, as the shared parts name them: for log
//! targets (keepalived's syslog idents) and `tracing` spans.

use std::fmt;

use super::log::target;

/// One of keepalived's frameworks; BFD gets its variant with its folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Framework {
    /// VRRP (keepalived's VRRP child, `Keepalived_vrrp`).
    Vrrp,
    /// The health checkers and IPVS (keepalived's checker child,
    /// `Keepalived_healthcheckers`).
    Check,
}

impl Framework {
    /// The framework's name in spans: `vrrp`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Vrrp => "vrrp",
            Self::Check => "check",
        }
    }

    /// The framework's name in log lines: `VRRP`.
    pub fn title(self) -> &'static str {
        match self {
            Self::Vrrp => "VRRP",
            Self::Check => "Checker",
        }
    }

    /// The span every task of this framework runs in, so a log line
    /// says which framework it belongs to. keepalived's text does not
    /// change: the console and syslog layer prints only the message.
    pub fn span(self) -> tracing::Span {
        tracing::info_span!("framework", name = self.name())
    }

    /// Logs a warning under this framework's syslog ident.
    pub(crate) fn warn(self, msg: fmt::Arguments<'_>) {
        match self {
            Self::Vrrp => tracing::warn!(target: target::VRRP, "{msg}"),
            Self::Check => tracing::warn!(target: target::CHECK, "{msg}"),
        }
    }

    /// Logs an error under this framework's syslog ident.
    pub(crate) fn error(self, msg: fmt::Arguments<'_>) {
        match self {
            Self::Vrrp => tracing::error!(target: target::VRRP, "{msg}"),
            Self::Check => tracing::error!(target: target::CHECK, "{msg}"),
        }
    }
}
