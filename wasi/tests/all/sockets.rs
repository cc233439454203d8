//! Sockets the host hands over: `sock_accept` on a preopened TCP
//! listener, then `sock_recv`, `sock_send` and `sock_shutdown` on the
//! accepted stream, against a client on the loopback interface.

use crate::support::*;
use petrel_wasi::WasiCtxBuilder;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

#[test]
fn a_preopened_listener_accepts_and_the_stream_talks() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let client = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.write_all(b"ping").unwrap();
        let mut reply = Vec::new();
        stream.read_to_end(&mut reply).unwrap();
        reply
    });
    let mut guest = Guest::new(WasiCtxBuilder::new().preopened_socket(listener));

    // The listener is fd 3; its filetype is SOCKET_STREAM.
    assert_eq!(guest.call("fd_fdstat_get", &[3, 0]), errno::SUCCESS);
    assert_eq!(guest.read(0, 1)[0], 6);
    assert_eq!(guest.call("sock_accept", &[3, 0, 0]), errno::SUCCESS);
    let stream = guest.read_u32(0) as i64;
    assert_eq!(stream, 4);

    // Receive "ping" into 100 (iovec at 16), flags out at 8, length at 12.
    guest.write(16, &[100, 0, 0, 0, 16, 0, 0, 0]);
    let mut got = Vec::new();
    while got.len() < 4 {
        assert_eq!(
            guest.call("sock_recv", &[stream, 16, 1, 0, 12, 8]),
            errno::SUCCESS
        );
        let n = guest.read_u32(12) as usize;
        assert!(n > 0, "connection closed early");
        got.extend(guest.read(100, n));
    }
    assert_eq!(got, b"ping");

    guest.write(200, b"pong");
    guest.write(24, &[200, 0, 0, 0, 4, 0, 0, 0]);
    assert_eq!(
        guest.call("sock_send", &[stream, 24, 1, 0, 12]),
        errno::SUCCESS
    );
    assert_eq!(guest.read_u32(12), 4);
    assert_eq!(guest.call("sock_shutdown", &[stream, 3]), errno::SUCCESS);
    assert_eq!(client.join().unwrap(), b"pong");

    // Sockets are not files, and listeners do not talk.
    assert_eq!(guest.call("fd_seek", &[stream, 0, 0, 0]), errno::SPIPE);
    assert_eq!(
        guest.call("sock_send", &[3, 24, 1, 0, 12]),
        errno::NOTCAPABLE
    );
    assert_eq!(
        guest.call("sock_send", &[stream, 24, 1, 1, 12]),
        errno::INVAL
    );
    assert_eq!(guest.call("sock_accept", &[1, 0, 0]), errno::NOTSOCK);
}
