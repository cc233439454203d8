//! A guest's stdout as an HTTP response (RFC 3875, section 6): an
//! optional header block (`Status:`, `Content-Type:`, `Location:` and any
//! other header), a blank line, then the body.
//!
//! Output whose first line is not a header (`Name: value`, `Name` an HTTP
//! token) is all body, sent as `200 OK` and `text/plain`. Output whose
//! first line is a header must be a header block ended by a blank line;
//! anything else in it is malformed, and the client gets a 500 saying so.

use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE, LOCATION};
use hyper::StatusCode;

/// The response a guest's output describes.
#[derive(Debug, PartialEq, Eq)]
pub struct GuestResponse {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Vec<u8>,
}

/// Why a header block is malformed.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed(pub String);

/// Longest header block accepted, in bytes.
const MAX_HEADER_BLOCK: usize = 64 << 10;

/// Headers the server sets itself: the framing of the response and the
/// connection are not the guest's to decide, so a guest's are dropped.
const SERVER_HEADERS: [&str; 8] = [
    "connection",
    "content-length",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Parses a guest's whole stdout.
pub fn parse(mut output: Vec<u8>) -> Result<GuestResponse, Malformed> {
    let first_line = output.split(|&b| b == b'\n').next().unwrap_or(&[]);
    if !is_header_line(first_line) {
        return Ok(GuestResponse {
            status: StatusCode::OK,
            headers: vec![(CONTENT_TYPE, HeaderValue::from_static("text/plain"))],
            body: output,
        });
    }
    let (block_len, body_start) = header_block_end(&output)?;
    let mut status = None;
    let mut headers = Vec::new();
    for (n, line) in output[..block_len].split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let (name, value) = split_header(line)
            .ok_or_else(|| Malformed(format!("line {} is not `Name: value`", n + 1)))?;
        let name = HeaderName::from_bytes(name).map_err(|_| {
            Malformed(format!(
                "line {}: `{}` is not a header name",
                n + 1,
                String::from_utf8_lossy(name)
            ))
        })?;
        if name == "status" {
            if status.is_some() {
                return Err(Malformed("two `Status` headers".into()));
            }
            status = Some(parse_status(value)?);
            continue;
        }
        if SERVER_HEADERS.contains(&name.as_str()) {
            continue;
        }
        let value = HeaderValue::from_bytes(value).map_err(|_| {
            Malformed(format!(
                "line {}: the value of `{name}` holds a control character",
                n + 1
            ))
        })?;
        headers.push((name, value));
    }
    let has_location = headers.iter().any(|(name, _)| name == LOCATION);
    let status = status.unwrap_or(if has_location {
        StatusCode::FOUND
    } else {
        StatusCode::OK
    });
    let body = output.split_off(body_start);
    Ok(GuestResponse {
        status,
        headers,
        body,
    })
}

/// Where the header block ends (the length of its lines, without the
/// blank line) and where the body starts.
fn header_block_end(output: &[u8]) -> Result<(usize, usize), Malformed> {
    let window = &output[..output.len().min(MAX_HEADER_BLOCK + 4)];
    let mut start = 0;
    while let Some(newline) = window[start..].iter().position(|&b| b == b'\n') {
        let line_end = start + newline;
        let line = &window[start..line_end];
        if line.is_empty() || line == b"\r" {
            // The block is every line before this one, without the
            // newline that ended the last of them.
            return Ok((start.saturating_sub(1), line_end + 1));
        }
        start = line_end + 1;
    }
    if output.len() > MAX_HEADER_BLOCK {
        Err(Malformed(format!(
            "no blank line in the first {} KiB to end the header block",
            MAX_HEADER_BLOCK >> 10
        )))
    } else {
        Err(Malformed(
            "the header block is not ended by a blank line".into(),
        ))
    }
}

/// Whether `line` looks like `Name: value`, with `Name` an HTTP token.
fn is_header_line(line: &[u8]) -> bool {
    split_header(line)
        .is_some_and(|(name, _)| !name.is_empty() && name.iter().all(|&b| is_tchar(b)))
}

/// `Name: value` split at its first colon, the value without surrounding
/// blanks.
fn split_header(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = line.iter().position(|&b| b == b':')?;
    let value = &line[colon + 1..];
    let value = value.trim_ascii();
    Some((&line[..colon], value))
}

/// RFC 9110's `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// `Status: 404 Not Found` (the reason phrase is ignored: the server
/// sends the standard one).
fn parse_status(value: &[u8]) -> Result<StatusCode, Malformed> {
    let text = String::from_utf8_lossy(value);
    let code = text.split_whitespace().next().unwrap_or("");
    code.parse::<u16>()
        .ok()
        .filter(|c| (200..=599).contains(c))
        .and_then(|c| StatusCode::from_u16(c).ok())
        .ok_or_else(|| Malformed(format!("`Status: {text}` is not a status from 200 to 599")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &[u8]) -> GuestResponse {
        parse(text.to_vec()).unwrap()
    }

    fn bad(text: &[u8]) -> String {
        parse(text.to_vec()).unwrap_err().0
    }

    fn header<'a>(r: &'a GuestResponse, name: &str) -> Option<&'a str> {
        r.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.to_str().unwrap())
    }

    #[test]
    fn a_header_block_then_a_blank_line_then_the_body() {
        let r = ok(b"Content-Type: text/html\nX-A:  1 \n\n<p>hi</p>\n\nmore");
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(header(&r, "content-type"), Some("text/html"));
        assert_eq!(header(&r, "x-a"), Some("1"));
        assert_eq!(r.body, b"<p>hi</p>\n\nmore");
    }

    #[test]
    fn crlf_line_ends_work_too() {
        let r = ok(b"Status: 201 Created\r\nContent-Type: text/plain\r\n\r\nbody");
        assert_eq!(r.status, StatusCode::CREATED);
        assert_eq!(r.body, b"body");
    }

    #[test]
    fn status_and_location_set_the_status() {
        assert_eq!(ok(b"Status: 404\n\n").status, StatusCode::NOT_FOUND);
        let r = ok(b"Location: /elsewhere\n\n");
        assert_eq!(r.status, StatusCode::FOUND);
        assert_eq!(header(&r, "location"), Some("/elsewhere"));
        let r = ok(b"Status: 301 Moved\nLocation: /x\n\n");
        assert_eq!(r.status, StatusCode::MOVED_PERMANENTLY);
        assert_eq!(header(&r, "status"), None);
    }

    #[test]
    fn output_without_a_header_block_is_a_plain_text_body() {
        for text in [&b"hello world\n"[..], b"", b"Hello, world: hi\n\n", b"\nx"] {
            let r = ok(text);
            assert_eq!(r.status, StatusCode::OK);
            assert_eq!(header(&r, "content-type"), Some("text/plain"));
            assert_eq!(r.body, text);
        }
    }

    #[test]
    fn framing_headers_are_the_servers() {
        let r = ok(
            b"Content-Length: 999\nTransfer-Encoding: chunked\nConnection: close\nX-Kept: y\n\nab",
        );
        assert_eq!(r.headers.len(), 1);
        assert_eq!(header(&r, "x-kept"), Some("y"));
    }

    #[test]
    fn malformed_blocks_say_what_is_wrong() {
        assert!(bad(b"Content-Type: text/plain\nhello").contains("blank line"));
        assert!(bad(b"Content-Type: text/plain\nnot a header\n\n").contains("line 2"));
        assert!(bad(b"Status: 99\n\n").contains("200 to 599"));
        assert!(bad(b"Status: 700\n\n").contains("200 to 599"));
        assert!(bad(b"Status: many\n\n").contains("200 to 599"));
        assert!(bad(b"Status: 200\nStatus: 404\n\n").contains("two"));
        assert!(bad(b"X-A: 1\nBad Name: 2\n\n").contains("line 2"));
        assert!(bad(b"X-A: a\x01b\n\n").contains("control"));
        let mut huge = b"X-A: 1\n".to_vec();
        huge.extend(std::iter::repeat_n(b'a', MAX_HEADER_BLOCK + 10));
        assert!(bad(&huge).contains("KiB"));
    }

    #[test]
    fn an_empty_header_block_line_ends_it_at_once() {
        let r = ok(b"X-A: 1\n\n\n");
        assert_eq!(r.body, b"\n");
    }
}
