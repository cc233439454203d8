//! Routes: `--route /PATH=MODULE` as given on the command line, and the
//! table that picks a request's route by the longest matching path
//! prefix, splitting its path into CGI's `SCRIPT_NAME` (the route) and
//! `PATH_INFO` (the rest).

use std::path::PathBuf;

/// One `--route PATH=MODULE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteArg {
    /// The path prefix, normalised: it starts with `/` and ends without
    /// one, except for the root route, `/` itself.
    pub prefix: String,
    /// The module or artifact that serves it.
    pub module: PathBuf,
}

/// Parses `PATH=MODULE`; the error says what was expected.
pub fn parse_route(spec: &str) -> Result<RouteArg, String> {
    let (path, module) = spec.split_once('=').ok_or_else(|| {
        format!("`--route {spec}`: expected PATH=MODULE (for example `/hello=hello.wasm`)")
    })?;
    if !path.starts_with('/') {
        return Err(format!(
            "`--route {spec}`: the path must start with `/` (for example `/{path}={module}`)"
        ));
    }
    if module.is_empty() {
        return Err(format!("`--route {spec}`: no module after `=`"));
    }
    // Only characters a URL path carries as they are: the prefix is
    // compared with the request's path before it is decoded.
    let bad = path
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || "/-._~!$&'()*+,;:@".contains(c)));
    if let Some(c) = bad {
        return Err(format!(
            "`--route {spec}`: `{c}` cannot stand in a route's path (letters, digits and \
             `/-._~!$&'()*+,;:@` can)"
        ));
    }
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segments.iter().any(|s| *s == "." || *s == "..") {
        return Err(format!(
            "`--route {spec}`: a route's path cannot hold `.` or `..` segments"
        ));
    }
    Ok(RouteArg {
        prefix: format!("/{}", segments.join("/")),
        module: PathBuf::from(module),
    })
}

/// The routes, longest prefix first, each with what serves it.
#[derive(Debug)]
pub struct RouteTable<T> {
    routes: Vec<(String, T)>,
}

/// A request's route and how its path splits.
#[derive(Debug, PartialEq, Eq)]
pub struct Matched<'a, T> {
    pub prefix: &'a str,
    pub target: &'a T,
    /// CGI's `SCRIPT_NAME`: the route's prefix, empty for the root route.
    pub script_name: &'a str,
    /// The rest of the path after the prefix, still percent-encoded:
    /// empty, or starting with `/`.
    pub path_info: String,
}

impl<T> RouteTable<T> {
    /// A table of `routes`; the error names a prefix given twice.
    pub fn new(routes: Vec<(String, T)>) -> Result<Self, String> {
        let mut routes = routes;
        routes.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        if let Some(pair) = routes.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(format!("the route `{}` is given twice", pair[0].0));
        }
        Ok(Self { routes })
    }

    /// Every route, longest prefix first.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.routes.iter().map(|(p, t)| (p.as_str(), t))
    }

    /// The route of `path` (a request's path, percent-encoded, without the
    /// query), after its dot segments are removed: the longest prefix
    /// that ends at a segment boundary. `None` if no route matches or the
    /// path is not absolute.
    pub fn find(&self, path: &str) -> Option<Matched<'_, T>> {
        let path = remove_dot_segments(path)?;
        self.routes.iter().find_map(|(prefix, target)| {
            let script_name = if prefix == "/" { "" } else { prefix.as_str() };
            let rest = path.strip_prefix(script_name)?;
            (rest.is_empty() || rest.starts_with('/')).then(|| Matched {
                prefix,
                target,
                script_name,
                path_info: rest.to_string(),
            })
        })
    }
}

/// `path` with its `.` and `..` segments resolved (RFC 3986, 5.2.4),
/// also when they are percent-encoded (`%2e`), so that `/a/../b` is
/// routed as `/b`; `..` never climbs above the root. `None` if `path`
/// does not start with `/`.
pub fn remove_dot_segments(path: &str) -> Option<String> {
    let rest = path.strip_prefix('/')?;
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = rest.split('/').collect();
    let last = segments.len() - 1;
    for (i, segment) in segments.iter().enumerate() {
        match dot_kind(segment) {
            Dots::One => {
                if i == last {
                    out.push("");
                }
            }
            Dots::Two => {
                out.pop();
                if i == last {
                    out.push("");
                }
            }
            Dots::None => out.push(segment),
        }
    }
    Some(format!("/{}", out.join("/")))
}

enum Dots {
    None,
    One,
    Two,
}

fn dot_kind(segment: &str) -> Dots {
    let lower = segment.to_ascii_lowercase();
    match lower.replace("%2e", ".").as_str() {
        "." => Dots::One,
        ".." => Dots::Two,
        _ => Dots::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> RouteTable<u32> {
        let routes = ["/", "/api", "/api/v2", "/static"]
            .iter()
            .enumerate()
            .map(|(i, p)| (p.to_string(), i as u32))
            .collect();
        RouteTable::new(routes).unwrap()
    }

    fn route_of(path: &str) -> Option<(String, String)> {
        let t = table();
        let m = t.find(path)?;
        Some((m.script_name.to_string(), m.path_info))
    }

    fn pair(a: &str, b: &str) -> Option<(String, String)> {
        Some((a.to_string(), b.to_string()))
    }

    #[test]
    fn route_specs_normalise_the_path_and_refuse_nonsense() {
        let r = parse_route("/hello/=h.wasm").unwrap();
        assert_eq!((r.prefix.as_str(), r.module), ("/hello", "h.wasm".into()));
        assert_eq!(parse_route("/=root.wasm").unwrap().prefix, "/");
        assert_eq!(parse_route("//a//b=x.wasm").unwrap().prefix, "/a/b");
        assert_eq!(
            parse_route("/a=b=c.wasm").unwrap().module,
            PathBuf::from("b=c.wasm")
        );
        for bad in [
            "hello.wasm",
            "hello=h.wasm",
            "/hello=",
            "/a b=h.wasm",
            "/a%20b=h.wasm",
            "/a?b=h.wasm",
            "/a/../b=h.wasm",
        ] {
            assert!(parse_route(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_longest_prefix_at_a_segment_boundary_wins() {
        assert_eq!(route_of("/api"), pair("/api", ""));
        assert_eq!(route_of("/api/"), pair("/api", "/"));
        assert_eq!(route_of("/api/users/7"), pair("/api", "/users/7"));
        assert_eq!(route_of("/api/v2/x"), pair("/api/v2", "/x"));
        assert_eq!(route_of("/api/v23"), pair("/api", "/v23"));
        assert_eq!(route_of("/apiary"), pair("", "/apiary"));
        assert_eq!(route_of("/"), pair("", "/"));
        assert_eq!(route_of("*"), None);
    }

    #[test]
    fn without_a_root_route_other_paths_match_nothing() {
        let t = RouteTable::new(vec![("/a".to_string(), ())]).unwrap();
        assert!(t.find("/b").is_none());
        assert!(t.find("/").is_none());
        assert!(t.find("/a/b").is_some());
    }

    #[test]
    fn dot_segments_are_resolved_before_routing() {
        assert_eq!(route_of("/api/../static/x"), pair("/static", "/x"));
        assert_eq!(route_of("/api/%2E%2e/static/x"), pair("/static", "/x"));
        assert_eq!(route_of("/static/./a/./b"), pair("/static", "/a/b"));
        assert_eq!(route_of("/../../api/x"), pair("/api", "/x"));
        assert_eq!(route_of("/api/x/.."), pair("/api", "/"));
        assert_eq!(remove_dot_segments("/a/b/."), Some("/a/b/".into()));
        assert_eq!(remove_dot_segments("/..."), Some("/...".into()));
        assert_eq!(remove_dot_segments("relative"), None);
    }

    #[test]
    fn a_prefix_given_twice_is_an_error() {
        let err = RouteTable::new(vec![("/a".to_string(), 1), ("/a".to_string(), 2)]);
        assert!(err.unwrap_err().contains("`/a`"));
    }
}
