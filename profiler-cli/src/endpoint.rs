//! Where `profiler top` reads from: a host and port, given as `host:port`
//! or `http://host:port/`.

use std::fmt;

/// Where `profiler top` looks without an address: the endpoint's default.
pub(crate) const DEFAULT_ADDR: &str = "127.0.0.1:9184";

/// A program's HTTP endpoint (plain HTTP; the path is always the report's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// A name or an address; an IPv6 address keeps its brackets.
    pub(crate) host: String,
    /// The TCP port, never 0.
    pub(crate) port: u16,
}

/// What the parser says about anything else.
const EXPECTED: &str = "give host:port or http://host:port/, such as 127.0.0.1:9184";

impl Endpoint {
    /// Parses `127.0.0.1:9184`, `localhost:9184`, `[::1]:9184` or any of
    /// them after `http://` (with an optional trailing `/`).
    pub(crate) fn parse(text: &str) -> Result<Endpoint, String> {
        let text = text.trim();
        let rest = match text.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) => {
                return Err(format!("only http:// endpoints can be read, not {scheme}://"))
            }
            None => text,
        };
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        let (host, port) = authority.rsplit_once(':').ok_or_else(|| EXPECTED.to_owned())?;
        let bracketed = host.starts_with('[') && host.ends_with(']') && host.len() > 2;
        let plain = !host.is_empty()
            && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if !(bracketed || plain) {
            return Err(EXPECTED.to_owned());
        }
        let digits = !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
        match port.parse::<u16>() {
            Ok(number) if digits && number > 0 => {
                Ok(Endpoint { host: host.to_owned(), port: number })
            }
            _ => Err(format!("'{port}' is not a port (1 to 65535); {EXPECTED}")),
        }
    }

    /// `host:port`, for the `Host` header and for connecting.
    pub(crate) fn authority(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// The host as the resolver takes it (an IPv6 address without brackets).
    pub(crate) fn bare_host(&self) -> &str {
        self.host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(&self.host)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http://{}:{}/", self.host, self.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_and_http_urls_parse_alike() {
        let local = Endpoint { host: "127.0.0.1".to_owned(), port: 9184 };
        for text in [
            "127.0.0.1:9184",
            "http://127.0.0.1:9184",
            "http://127.0.0.1:9184/",
            "HTTP://127.0.0.1:9184",
        ] {
            assert_eq!(Endpoint::parse(text).as_ref(), Ok(&local), "{text}");
        }
        assert_eq!(local.to_string(), "http://127.0.0.1:9184/");
        let v6 = Endpoint::parse("[::1]:80").unwrap();
        assert_eq!((v6.authority().as_str(), v6.bare_host()), ("[::1]:80", "::1"));
        assert_eq!(Endpoint::parse("my-host.local:8080").unwrap().host, "my-host.local");
    }

    #[test]
    fn anything_else_names_the_expected_form() {
        for text in [
            "not-an-address",
            "127.0.0.1",
            ":9184",
            "host:",
            "host:0",
            "host:65536",
            "host:+80",
            "host:80/report.json",
            "http://",
            "user@host:80",
            "[]:80",
        ] {
            let e = Endpoint::parse(text).expect_err(text);
            assert!(e.contains("host:port"), "{text}: {e}");
        }
        let https = Endpoint::parse("https://host:443").unwrap_err();
        assert!(https.starts_with("only http://"), "{https}");
    }
}
