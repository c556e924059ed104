//! Where a webhook may go: http(s) URLs only, and — unless the operator allows it — never
//! to a private, loopback, link-local or otherwise internal address, checked when the
//! endpoint is saved and again, after resolving the name, at every delivery (the connection
//! is pinned to the address checked, so a name cannot change its mind in between).

use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;

use url::{Host, Url};

/// How a delivery reaches its endpoint.
pub(super) enum Target {
    /// Any address is allowed: the shared client.
    Any,
    /// A client pinned to the public address checked.
    Pinned(reqwest::Client),
}

/// The client shared by deliveries that need no pinning.
pub(super) fn shared_client() -> reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(64)
                .build()
                .unwrap_or_default()
        })
        .clone()
}

/// Whether `ip` is one a tenant must not reach from settle's network.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                // 100.64.0.0/10, carrier-grade NAT.
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                // fc00::/7 unique local, fe80::/10 link-local.
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

/// Checks an endpoint URL as saved: `http` or `https`, a host, no credentials, and no
/// internal address literal (or `localhost`) unless allowed.
pub fn check_url(text: &str, allow_private: bool) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("url is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("url must be http or https".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("url must not carry credentials".to_owned());
    }
    let internal = match url.host() {
        None => return Err("url has no host".to_owned()),
        Some(Host::Ipv4(ip)) => is_internal(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => is_internal(IpAddr::V6(ip)),
        Some(Host::Domain(name)) => {
            name.eq_ignore_ascii_case("localhost") || name.ends_with(".localhost")
        }
    };
    if internal && !allow_private {
        return Err(
            "url points at a private or loopback address (allowed only with \
             SETTLE_WEBHOOK_ALLOW_PRIVATE=true)"
                .to_owned(),
        );
    }
    Ok(url)
}

/// Resolves the endpoint for one delivery: refused if any address it resolves to is
/// internal (unless allowed), else a client pinned to the checked address.
pub(super) async fn resolve(text: &str, allow_private: bool) -> Result<Target, String> {
    let url = check_url(text, allow_private)?;
    if allow_private {
        return Ok(Target::Any);
    }
    let host = url.host_str().unwrap_or_default().to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| format!("could not resolve {host}: {e}"))?
        .collect();
    if addresses.is_empty() || addresses.iter().any(|a| is_internal(a.ip())) {
        return Err(format!("{host} resolves to a private or loopback address"));
    }
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .resolve(&host, addresses[0])
        .build()
        .map(Target::Pinned)
        .map_err(|e| format!("could not prepare the connection: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_refused_unless_allowed() {
        for url in [
            "http://127.0.0.1:9000/hook",
            "http://10.1.2.3/",
            "http://192.168.0.10/",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://localhost:8080/",
            "http://100.64.0.1/",
        ] {
            assert!(check_url(url, false).is_err(), "{url}");
            assert!(check_url(url, true).is_ok(), "{url}");
        }
        assert!(check_url("https://hooks.platform.example/settle", false).is_ok());
    }

    #[test]
    fn only_plain_http_urls_without_credentials_are_endpoints() {
        assert!(check_url("ftp://example.com/", true).is_err());
        assert!(check_url("https://user:pw@example.com/", true).is_err());
        assert!(check_url("not a url", true).is_err());
    }
}
