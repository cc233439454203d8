//! The hello function as a `wasi:http` proxy component, for `wasmtime
//! serve`: the same answer as `cli/tests/serve-guests/rust` hello gives
//! under `petrel serve` (a text/plain header and one line).

use std::io::Write as _;
use wasi::http::types::{Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam};

wasi::http::proxy::export!(Hello);

struct Hello;

impl wasi::exports::http::incoming_handler::Guest for Hello {
    fn handle(_request: IncomingRequest, response_out: ResponseOutparam) {
        let headers = Fields::from_list(&[("content-type".to_string(), b"text/plain".to_vec())])
            .expect("a valid header");
        let response = OutgoingResponse::new(headers);
        let body = response.body().expect("the body, once");
        ResponseOutparam::set(response_out, Ok(response));
        let mut out = body.write().expect("the body's stream, once");
        out.write_all(b"hello from Rust\n").expect("written");
        out.flush().expect("flushed");
        drop(out);
        OutgoingBody::finish(body, None).expect("finished");
    }
}
