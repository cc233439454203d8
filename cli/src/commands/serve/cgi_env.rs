//! A request as a guest sees it: CGI's meta-variables (RFC 3875, section
//! 4.1), as WAGI passes them to a WASI guest's environment. The body goes
//! to the guest's stdin, elsewhere.

use hyper::header::{HeaderMap, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use hyper::{Method, Version};
use std::collections::BTreeMap;
use std::net::SocketAddr;

/// What the environment is made from.
pub struct RequestInfo<'a> {
    pub method: &'a Method,
    pub version: Version,
    /// The request target's path and query as sent (`/api/x?y=1`).
    pub target: &'a str,
    pub headers: &'a HeaderMap,
    /// The route's prefix, empty for the root route.
    pub script_name: &'a str,
    /// The path after the route, percent-encoded.
    pub path_info: &'a str,
    pub query: Option<&'a str>,
    pub body_len: usize,
    pub remote: SocketAddr,
    pub local: SocketAddr,
}

/// Why a request cannot be handed to a guest: a 400 with this text.
#[derive(Debug, PartialEq, Eq)]
pub struct BadRequest(pub String);

/// The guest's environment: the CGI meta-variables, one `HTTP_*` variable
/// per request header, then the route's own variables (`--env`), which
/// win over both. Sorted by name.
pub fn environment(
    req: &RequestInfo<'_>,
    route_env: &[(String, String)],
) -> Result<BTreeMap<String, String>, BadRequest> {
    let mut env = BTreeMap::new();
    let mut set = |name: &str, value: String| {
        env.insert(name.to_string(), value);
    };
    set("GATEWAY_INTERFACE", "CGI/1.1".into());
    set(
        "SERVER_SOFTWARE",
        concat!("petrel/", env!("CARGO_PKG_VERSION")).into(),
    );
    set("SERVER_PROTOCOL", protocol(req.version).into());
    set("SERVER_NAME", server_name(req));
    set("SERVER_PORT", req.local.port().to_string());
    set("REQUEST_METHOD", req.method.as_str().into());
    set("REQUEST_URI", req.target.into());
    set("SCRIPT_NAME", req.script_name.into());
    set("PATH_INFO", decode_path(req.path_info)?);
    set("QUERY_STRING", req.query.unwrap_or("").into());
    set("REMOTE_ADDR", req.remote.ip().to_string());
    set("REMOTE_PORT", req.remote.port().to_string());
    if req.body_len > 0 {
        set("CONTENT_LENGTH", req.body_len.to_string());
    }
    if let Some(ty) = req.headers.get(CONTENT_TYPE) {
        set(
            "CONTENT_TYPE",
            header_text(CONTENT_TYPE.as_str(), ty.as_bytes())?,
        );
    }
    for name in req.headers.keys() {
        if let Some(var) = header_variable(name.as_str()) {
            let separator = if name == "cookie" { "; " } else { ", " };
            let mut values = Vec::new();
            for value in req.headers.get_all(name) {
                values.push(header_text(name.as_str(), value.as_bytes())?);
            }
            env.insert(var, values.join(separator));
        }
    }
    for (name, value) in route_env {
        env.insert(name.clone(), value.clone());
    }
    Ok(env)
}

/// `HTTP_` and the header's name in upper case with `-` as `_`; `None`
/// for a header that gets no variable: `Content-Length` and
/// `Content-Type` (they have their own), `Proxy` (which a guest's HTTP
/// client would take for `HTTP_PROXY`, its proxy setting: "httpoxy"), and
/// names with `_` (which would pass for the variable of another header,
/// as `X_Forwarded_For` for `X-Forwarded-For`).
fn header_variable(name: &str) -> Option<String> {
    if name == CONTENT_LENGTH.as_str()
        || name == CONTENT_TYPE.as_str()
        || name == "proxy"
        || name.contains('_')
    {
        return None;
    }
    Some(format!(
        "HTTP_{}",
        name.to_ascii_uppercase().replace('-', "_")
    ))
}

fn header_text(name: &str, value: &[u8]) -> Result<String, BadRequest> {
    String::from_utf8(value.to_vec())
        .map_err(|_| BadRequest(format!("the value of the `{name}` header is not UTF-8")))
}

fn protocol(version: Version) -> &'static str {
    match version {
        Version::HTTP_09 => "HTTP/0.9",
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_2 => "HTTP/2.0",
        Version::HTTP_3 => "HTTP/3.0",
        _ => "HTTP/1.1",
    }
}

/// The `Host` header's host (without its port), else the address the
/// request came in on.
fn server_name(req: &RequestInfo<'_>) -> String {
    let host = req
        .headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| match h.rfind(':') {
            // `[::1]:8080` and `host:8080` lose the port; `[::1]` keeps
            // its colons.
            Some(i) if !h[i..].contains(']') => &h[..i],
            _ => h,
        })
        .filter(|h| !h.is_empty());
    match host {
        Some(host) => host.to_string(),
        None => req.local.ip().to_string(),
    }
}

/// Percent-decodes a path (CGI's `PATH_INFO` is decoded); it must decode
/// to UTF-8 without NUL, since the guest's environment holds text.
pub fn decode_path(path: &str) -> Result<String, BadRequest> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(byte) => {
                    out.push(byte);
                    i += 3;
                    continue;
                }
                None => {
                    return Err(BadRequest(format!(
                        "the path holds a `%` not followed by two hex digits: `{path}`"
                    )))
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    if out.contains(&0) {
        return Err(BadRequest("the path holds an encoded NUL (`%00`)".into()));
    }
    String::from_utf8(out).map_err(|_| BadRequest("the path does not decode to UTF-8".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn info<'a>(headers: &'a HeaderMap, method: &'a Method) -> RequestInfo<'a> {
        RequestInfo {
            method,
            version: Version::HTTP_11,
            target: "/api/a%20b?x=1&y=%20",
            headers,
            script_name: "/api",
            path_info: "/a%20b",
            query: Some("x=1&y=%20"),
            body_len: 5,
            remote: "10.0.0.7:40000".parse().unwrap(),
            local: "127.0.0.1:8080".parse().unwrap(),
        }
    }

    fn headers(pairs: &[(&'static str, &[u8])]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_bytes(value).unwrap());
        }
        map
    }

    #[test]
    fn the_cgi_variables_describe_the_request() {
        let h = headers(&[
            ("host", b"example.com:8080"),
            ("content-type", b"text/plain"),
            ("content-length", b"5"),
            ("x-thing", b"one"),
            ("x-thing", b"two"),
            ("cookie", b"a=1"),
            ("cookie", b"b=2"),
        ]);
        let env = environment(&info(&h, &Method::POST), &[]).unwrap();
        let get = |name: &str| env.get(name).map(String::as_str);
        assert_eq!(get("REQUEST_METHOD"), Some("POST"));
        assert_eq!(get("SCRIPT_NAME"), Some("/api"));
        assert_eq!(get("PATH_INFO"), Some("/a b"));
        assert_eq!(get("QUERY_STRING"), Some("x=1&y=%20"));
        assert_eq!(get("REQUEST_URI"), Some("/api/a%20b?x=1&y=%20"));
        assert_eq!(get("CONTENT_LENGTH"), Some("5"));
        assert_eq!(get("CONTENT_TYPE"), Some("text/plain"));
        assert_eq!(get("SERVER_NAME"), Some("example.com"));
        assert_eq!(get("SERVER_PORT"), Some("8080"));
        assert_eq!(get("SERVER_PROTOCOL"), Some("HTTP/1.1"));
        assert_eq!(get("GATEWAY_INTERFACE"), Some("CGI/1.1"));
        assert_eq!(get("REMOTE_ADDR"), Some("10.0.0.7"));
        assert_eq!(get("HTTP_X_THING"), Some("one, two"));
        assert_eq!(get("HTTP_COOKIE"), Some("a=1; b=2"));
        assert_eq!(get("HTTP_HOST"), Some("example.com:8080"));
        assert_eq!(get("HTTP_CONTENT_TYPE"), None);
        assert_eq!(get("HTTP_CONTENT_LENGTH"), None);
    }

    #[test]
    fn spoofing_headers_get_no_variable_and_the_route_env_wins() {
        let h = headers(&[
            ("proxy", b"http://evil"),
            ("x_forwarded_for", b"1.2.3.4"),
            ("x-forwarded-for", b"5.6.7.8"),
            ("x-mine", b"client"),
        ]);
        let route_env = [
            ("HTTP_X_MINE".to_string(), "route".to_string()),
            ("SERVER_NAME".to_string(), "configured".to_string()),
        ];
        let env = environment(&info(&h, &Method::GET), &route_env).unwrap();
        assert_eq!(env.get("HTTP_PROXY"), None);
        assert_eq!(env["HTTP_X_FORWARDED_FOR"], "5.6.7.8");
        assert_eq!(env["HTTP_X_MINE"], "route");
        assert_eq!(env["SERVER_NAME"], "configured");
    }

    #[test]
    fn no_body_no_content_length_and_no_host_means_the_local_address() {
        let h = HeaderMap::new();
        let mut req = info(&h, &Method::GET);
        req.body_len = 0;
        req.query = None;
        let env = environment(&req, &[]).unwrap();
        assert_eq!(env.get("CONTENT_LENGTH"), None);
        assert_eq!(env["QUERY_STRING"], "");
        assert_eq!(env["SERVER_NAME"], "127.0.0.1");
    }

    #[test]
    fn an_ipv6_host_keeps_its_brackets_and_loses_its_port() {
        let h = headers(&[("host", b"[::1]:8080")]);
        let env = environment(&info(&h, &Method::GET), &[]).unwrap();
        assert_eq!(env["SERVER_NAME"], "[::1]");
        let h = headers(&[("host", b"[::1]")]);
        let env = environment(&info(&h, &Method::GET), &[]).unwrap();
        assert_eq!(env["SERVER_NAME"], "[::1]");
    }

    #[test]
    fn a_header_that_is_not_utf8_is_a_bad_request() {
        let h = headers(&[("x-latin", b"caf\xe9")]);
        let err = environment(&info(&h, &Method::GET), &[]).unwrap_err();
        assert!(err.0.contains("x-latin"), "{err:?}");
    }

    #[test]
    fn paths_decode_to_utf8_without_nul() {
        assert_eq!(decode_path("/caf%C3%A9/x"), Ok("/café/x".into()));
        assert_eq!(decode_path("/a+b"), Ok("/a+b".into()));
        assert!(decode_path("/a%00b").is_err());
        assert!(decode_path("/a%e9").is_err());
        assert!(decode_path("/a%2").is_err());
        assert!(decode_path("/a%zz").is_err());
    }
}
