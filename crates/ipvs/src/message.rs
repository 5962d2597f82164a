//! An IPVS generic netlink message: a command and its attributes.

use netlink_packet_core::{DecodeError, Emitable, ParseableParametrized};
use netlink_packet_generic::{GenlFamily, GenlHeader};

use crate::nla::{CmdAttr, list_emit, list_len, parse_all};

/// `IPVS_GENL_NAME`.
pub const FAMILY_NAME: &str = "IPVS";
/// `IPVS_GENL_VERSION`.
pub const FAMILY_VERSION: u8 = 1;

/// `IPVS_CMD_*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IpvsCmd {
    /// `IPVS_CMD_NEW_SERVICE`.
    NewService,
    /// `IPVS_CMD_SET_SERVICE`.
    SetService,
    /// `IPVS_CMD_DEL_SERVICE`.
    DelService,
    /// `IPVS_CMD_GET_SERVICE` (also the kind of each dumped service).
    GetService,
    /// `IPVS_CMD_NEW_DEST`.
    NewDest,
    /// `IPVS_CMD_SET_DEST`.
    SetDest,
    /// `IPVS_CMD_DEL_DEST`.
    DelDest,
    /// `IPVS_CMD_GET_DEST`.
    GetDest,
    /// `IPVS_CMD_NEW_DAEMON`.
    NewDaemon,
    /// `IPVS_CMD_DEL_DAEMON`.
    DelDaemon,
    /// `IPVS_CMD_GET_DAEMON`.
    GetDaemon,
    /// `IPVS_CMD_SET_CONFIG`: connection timeouts.
    SetConfig,
    /// `IPVS_CMD_GET_CONFIG`.
    GetConfig,
    /// `IPVS_CMD_SET_INFO` (only in GET_INFO answers).
    SetInfo,
    /// `IPVS_CMD_GET_INFO`.
    GetInfo,
    /// `IPVS_CMD_ZERO`: zero the counters.
    Zero,
    /// `IPVS_CMD_FLUSH`: remove every service.
    Flush,
}

const CMDS: [IpvsCmd; 17] = [
    IpvsCmd::NewService,
    IpvsCmd::SetService,
    IpvsCmd::DelService,
    IpvsCmd::GetService,
    IpvsCmd::NewDest,
    IpvsCmd::SetDest,
    IpvsCmd::DelDest,
    IpvsCmd::GetDest,
    IpvsCmd::NewDaemon,
    IpvsCmd::DelDaemon,
    IpvsCmd::GetDaemon,
    IpvsCmd::SetConfig,
    IpvsCmd::GetConfig,
    IpvsCmd::SetInfo,
    IpvsCmd::GetInfo,
    IpvsCmd::Zero,
    IpvsCmd::Flush,
];

impl IpvsCmd {
    /// Every command, in the kernel's order (`IPVS_CMD_NEW_SERVICE` = 1).
    pub const ALL: [Self; 17] = CMDS;

    /// The command number.
    pub fn number(self) -> u8 {
        // The enum follows the kernel's numbering from 1.
        CMDS.iter()
            .position(|c| *c == self)
            .map_or(0, |i| i as u8 + 1)
    }

    /// The command with that number.
    pub fn from_number(n: u8) -> Option<Self> {
        CMDS.get(usize::from(n).checked_sub(1)?).copied()
    }
}

/// One IPVS message (request or answer). Information answers
/// (`SET_INFO`) are not modelled: their attributes are kept as
/// [`CmdAttr::Other`] or misread, and nothing here asks for them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpvsMessage {
    /// The command.
    pub cmd: IpvsCmd,
    /// Its top-level attributes.
    pub attrs: Vec<CmdAttr>,
}

impl IpvsMessage {
    /// A message.
    pub fn new(cmd: IpvsCmd, attrs: Vec<CmdAttr>) -> Self {
        Self { cmd, attrs }
    }
}

impl GenlFamily for IpvsMessage {
    fn family_name() -> &'static str {
        FAMILY_NAME
    }

    fn command(&self) -> u8 {
        self.cmd.number()
    }

    fn version(&self) -> u8 {
        FAMILY_VERSION
    }
}

impl Emitable for IpvsMessage {
    fn buffer_len(&self) -> usize {
        list_len(&self.attrs)
    }

    fn emit(&self, buffer: &mut [u8]) {
        list_emit(&self.attrs, buffer);
    }
}

impl ParseableParametrized<[u8], GenlHeader> for IpvsMessage {
    fn parse_with_param(
        buf: &[u8],
        header: GenlHeader,
    ) -> Result<Self, DecodeError> {
        let cmd = IpvsCmd::from_number(header.cmd).ok_or_else(|| {
            DecodeError::from(format!("unknown IPVS command {}", header.cmd))
        })?;
        Ok(Self {
            cmd,
            attrs: parse_all(buf)?,
        })
    }
}

#[cfg(test)]
#[path = "message_tests.rs"]
mod tests;
