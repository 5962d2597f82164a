//! The wire: tcpdump captures in a lab host, a small pcap reader, the
//! Internet checksums VRRP uses, and a field-by-field diff of two
//! adverts.
//!
//! Checksums, as keepalived computes them (KEEPALIVED.md §2.9): VRRPv2
//! over the VRRP message only (auth data included); VRRPv3 over an IPv4
//! pseudo-header {src, dst, 0, 112, length} plus the message; IPv6 over
//! the RFC 8200 pseudo-header plus the message. So the VRRPv2 checksum
//! does not depend on the addresses and the VRRPv3 one does.

use std::path::Path;
use std::time::{Duration, Instant};

use ka_lab::Lab;

/// Starts `tcpdump -w path` on host `host`'s eth0 for VRRP and AH and
/// waits (at most 5 s) until it listens. Returns its pid.
pub fn start_capture(
    lab: &mut Lab,
    host: usize,
    path: &Path,
) -> Result<u32, String> {
    let name = format!(
        "tcpdump-{}",
        path.file_stem()
            .map(|s| s.to_string_lossy())
            .unwrap_or_default()
    );
    let p = path.display().to_string();
    let filter = "ip proto 112 or ip proto 51 or ip6 proto 112";
    let pid = lab
        .spawn(
            host,
            &name,
            "tcpdump",
            &["-i", "eth0", "-U", "-s", "0", "-n", "-w", &p, filter],
        )
        .map_err(|e| e.to_string())?;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        if lab.log_of(pid).contains("listening on") {
            return Ok(pid);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(format!(
        "tcpdump did not start listening within 5 s: {}",
        lab.log_of(pid)
    ))
}

/// The last `n` packets of a capture as tcpdump prints them.
pub fn summary(path: &Path, n: usize) -> String {
    let p = path.display().to_string();
    match ka_lab::run("tcpdump", &["-nn", "-tt", "-r", &p]) {
        Ok(out) => {
            crate::support::tail(&String::from_utf8_lossy(&out.stdout), n)
        }
        Err(e) => format!("(cannot read {p}: {e})"),
    }
}

/// Ethernet frames of a pcap file (whole records only; a capture that is
/// still being written may end in a partial one).
pub fn frames(path: &Path) -> Vec<Vec<u8>> {
    let Ok(data) = std::fs::read(path) else {
        return Vec::new();
    };
    if data.len() < 24 {
        return Vec::new();
    }
    let le = data[..4] == [0xd4, 0xc3, 0xb2, 0xa1]
        || data[..4] == [0x4d, 0x3c, 0xb2, 0xa1];
    let u32_at = |o: usize| {
        let b = [data[o], data[o + 1], data[o + 2], data[o + 3]];
        if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        }
    };
    let mut out = Vec::new();
    let mut off = 24;
    while off + 16 <= data.len() {
        let len = u32_at(off + 8) as usize;
        if off + 16 + len > data.len() {
            break;
        }
        out.push(data[off + 16..off + 16 + len].to_vec());
        off += 16 + len;
    }
    out
}

/// The VRRP adverts (IP protocol 112) among `frames`, as Ethernet frames
/// trimmed to the IP length.
pub fn adverts(frames: &[Vec<u8>]) -> Vec<Vec<u8>> {
    frames
        .iter()
        .filter_map(|f| {
            let ip = f.get(14..)?;
            let (proto, total) = match f.get(12..14)? {
                [0x08, 0x00] => (
                    *ip.get(9)?,
                    usize::from(u16::from_be_bytes([ip[2], ip[3]])),
                ),
                [0x86, 0xdd] => (
                    *ip.get(6)?,
                    40 + usize::from(u16::from_be_bytes([ip[4], ip[5]])),
                ),
                _ => return None,
            };
            (proto == 112 && total <= ip.len())
                .then(|| f[..14 + total].to_vec())
        })
        .collect()
}

/// Offset of the VRRP message in an IP packet.
pub fn vrrp_offset(ip: &[u8]) -> usize {
    if ip[0] >> 4 == 4 {
        usize::from(ip[0] & 0x0f) * 4
    } else {
        40
    }
}

/// The advert's priority.
pub fn priority(frame: &[u8]) -> u8 {
    let ip = &frame[14..];
    ip[vrrp_offset(ip) + 2]
}

fn sum(data: &[u8]) -> u32 {
    data.chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum()
}

fn fold(mut s: u32) -> u16 {
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}

/// The VRRP checksum this IP packet should carry (RFC 3768 for v2,
/// RFC 5798 with the pseudo-header for v3).
pub fn vrrp_checksum(ip: &[u8]) -> u16 {
    let o = vrrp_offset(ip);
    let mut msg = ip[o..].to_vec();
    msg[6] = 0;
    msg[7] = 0;
    let len = msg.len() as u32;
    let pseudo = if ip[0] >> 4 == 6 {
        sum(&ip[8..40]) + (len >> 16) + (len & 0xffff) + 112
    } else if msg[0] >> 4 == 3 {
        sum(&ip[12..20]) + 112 + len
    } else {
        0
    };
    fold(pseudo + sum(&msg))
}

/// The IPv4 header checksum this packet should carry.
pub fn ipv4_header_checksum(ip: &[u8]) -> u16 {
    let mut h = ip[..vrrp_offset(ip)].to_vec();
    h[10] = 0;
    h[11] = 0;
    fold(sum(&h))
}

/// What the byte at `off` of an Ethernet frame carrying VRRP is.
pub fn field(frame: &[u8], off: usize) -> &'static str {
    if off < 14 {
        return match off {
            0..=5 => "Ethernet destination",
            6..=11 => "Ethernet source",
            _ => "Ethernet type",
        };
    }
    let (ip, o) = (&frame[14..], off - 14);
    let hl = vrrp_offset(ip);
    if o < hl {
        return if ip[0] >> 4 == 4 {
            ipv4_field(o)
        } else {
            ipv6_field(o)
        };
    }
    let (v, n) = (o - hl, ip[hl + 3]);
    let alen = if ip[0] >> 4 == 4 { 4 } else { 16 };
    match v {
        0 => "VRRP version/type",
        1 => "VRRP VRID",
        2 => "VRRP priority",
        3 => "VRRP address count",
        4 if ip[hl] >> 4 == 2 => "VRRP auth type",
        5 if ip[hl] >> 4 == 2 => "VRRP advert interval",
        4 | 5 => "VRRP max advert interval",
        6 | 7 => "VRRP checksum",
        _ if v < 8 + alen * usize::from(n) => "VRRP addresses",
        _ => "VRRP authentication data",
    }
}

fn ipv4_field(o: usize) -> &'static str {
    match o {
        0 => "IPv4 version/IHL",
        1 => "IPv4 TOS",
        2 | 3 => "IPv4 total length",
        4 | 5 => "IPv4 identification",
        6 | 7 => "IPv4 flags/fragment offset",
        8 => "IPv4 TTL",
        9 => "IPv4 protocol",
        10 | 11 => "IPv4 header checksum",
        12..=15 => "IPv4 source",
        16..=19 => "IPv4 destination",
        _ => "IPv4 options",
    }
}

fn ipv6_field(o: usize) -> &'static str {
    match o {
        0..=3 => "IPv6 version/traffic class/flow label",
        4 | 5 => "IPv6 payload length",
        6 => "IPv6 next header",
        7 => "IPv6 hop limit",
        8..=23 => "IPv6 source",
        _ => "IPv6 destination",
    }
}

/// The fields in which two frames differ, in order, each with both
/// values in hex (a length difference is reported as its own field).
pub fn diff(a: &[u8], b: &[u8]) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    if a.len() != b.len() {
        out.push(("frame length", format!("{} vs {}", a.len(), b.len())));
    }
    for off in 0..a.len().min(b.len()) {
        if a[off] == b[off] {
            continue;
        }
        let name = field(a, off);
        if out.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let range: Vec<usize> = (0..a.len().min(b.len()))
            .filter(|&o| field(a, o) == name)
            .collect();
        let hex = |f: &[u8]| {
            range
                .iter()
                .map(|&o| format!("{:02x}", f[o]))
                .collect::<String>()
        };
        out.push((name, format!("{} vs {}", hex(a), hex(b))));
    }
    out
}

/// `frame` with the addresses (and the IPv4 identification or the IPv6
/// flow label, which the kernel derives from the addresses) of `like`,
/// and both checksums recomputed: what `like`'s sender must have
/// sent if it builds the same advert from its own addresses.
pub fn readdressed(frame: &[u8], like: &[u8]) -> Vec<u8> {
    let mut f = frame.to_vec();
    f[..12].copy_from_slice(&like[..12]);
    let ip = 14;
    if f[ip] >> 4 == 4 {
        f[ip + 4..ip + 6].copy_from_slice(&like[ip + 4..ip + 6]);
        f[ip + 12..ip + 20].copy_from_slice(&like[ip + 12..ip + 20]);
        let c = ipv4_header_checksum(&f[ip..]).to_be_bytes();
        f[ip + 10..ip + 12].copy_from_slice(&c);
    } else {
        // The flow label is the kernel's (net.ipv6.auto_flowlabels: a
        // hash of the addresses), not the daemon's: take it too.
        f[ip + 1] = (f[ip + 1] & 0xf0) | (like[ip + 1] & 0x0f);
        f[ip + 2..ip + 4].copy_from_slice(&like[ip + 2..ip + 4]);
        f[ip + 8..ip + 40].copy_from_slice(&like[ip + 8..ip + 40]);
    }
    let o = ip + vrrp_offset(&f[ip..]);
    let c = vrrp_checksum(&f[ip..]).to_be_bytes();
    f[o + 6..o + 8].copy_from_slice(&c);
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked examples of KEEPALIVED.md §2.9.
    #[test]
    fn checksums_match_the_worked_examples() {
        let mut v2 = vec![
            0x45, 0xc0, 0, 40, 0, 2, 0, 0, 255, 112, 0, 0, 192, 168, 200, 1,
            224, 0, 0, 18,
        ];
        v2.extend([
            0x21, 0x33, 0x64, 1, 0, 1, 0, 0, 192, 168, 200, 16, 0, 0, 0, 0, 0,
            0, 0, 0,
        ]);
        assert_eq!(vrrp_checksum(&v2), 0xf210);
        let mut v3 = v2[..20].to_vec();
        v3[3] = 32;
        v3.extend([0x31, 0x33, 0x64, 1, 0, 0x64, 0, 0, 192, 168, 200, 16]);
        assert_eq!(vrrp_checksum(&v3), 0x7874);
    }
}
