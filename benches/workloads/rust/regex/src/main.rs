//! `regex-bench N`: the regex crate over 1 MiB of generated web-server
//! logs, N rounds. Each round compiles its patterns again (as a tool run on
//! a log would) and then counts matches, extracts captures, splits, and
//! rewrites the text with `replace_all`. Prints a checksum of what it
//! found.

use regex::{Regex, RegexBuilder};

/// xorshift64: deterministic data, identical everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// Lines like a web server's access log, with user agents, e-mail
/// addresses, some non-ASCII names and the odd error line.
fn make_log(bytes: usize) -> String {
    let mut rng = Rng(0x853c_49e6_748f_ea9b);
    let methods = ["GET", "GET", "GET", "POST", "PUT", "DELETE", "HEAD"];
    let paths = [
        "/",
        "/index.html",
        "/api/v1/users",
        "/api/v1/orders",
        "/static/app.js",
        "/static/style.css",
        "/login",
        "/search",
        "/images/logo.png",
        "/blog/2024/wasm",
    ];
    let agents = [
        "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15",
        "curl/8.5.0",
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
        "python-requests/2.32",
    ];
    let names = [
        "anna",
        "björn",
        "chloé",
        "dmitri",
        "eve",
        "françois",
        "grace",
        "håkon",
        "ilse",
        "jürgen",
    ];
    let domains = ["example.com", "mail.example.org", "test.net", "uni-köln.de"];
    let statuses = [
        "200", "200", "200", "200", "301", "304", "404", "500", "503",
    ];
    let mut log = String::with_capacity(bytes + 256);
    let mut line = 0u64;
    while log.len() < bytes {
        line += 1;
        let r = rng.next();
        let ip = format!(
            "{}.{}.{}.{}",
            10 + r % 200,
            (r >> 8) % 256,
            (r >> 16) % 256,
            (r >> 24) % 256
        );
        let day = 1 + (r >> 32) % 28;
        let (hh, mm, ss) = ((r >> 37) % 24, (r >> 42) % 60, (r >> 48) % 60);
        let method = rng.pick(&methods);
        let mut path = rng.pick(&paths).to_string();
        if rng.next() % 3 == 0 {
            path.push_str(&format!(
                "?id={}&q={}",
                rng.next() % 100_000,
                rng.pick(&names)
            ));
        }
        let status = rng.pick(&statuses);
        let size = rng.next() % 50_000;
        let user = if rng.next() % 4 == 0 {
            format!(
                "{}.{}@{}",
                rng.pick(&names),
                rng.next() % 100,
                rng.pick(&domains)
            )
        } else {
            "-".to_string()
        };
        let agent = rng.pick(&agents);
        let ms = rng.next() % 2000;
        log.push_str(&format!(
            "{ip} - {user} [{day:02}/Mar/2025:{hh:02}:{mm:02}:{ss:02} +0000] \"{method} {path} HTTP/1.1\" {status} {size} \"{agent}\" {ms}ms\n"
        ));
        if line % 50 == 0 {
            log.push_str(&format!(
                "ERROR [worker-{}] timeout after {}ms talking to db-{}.internal: connection reset\n",
                rng.next() % 16,
                rng.next() % 10_000,
                rng.next() % 4
            ));
        }
    }
    log
}

fn fnv(acc: &mut u64, value: u64) {
    for b in value.to_le_bytes() {
        *acc ^= u64::from(b);
        *acc = acc.wrapping_mul(0x100_0000_01b3);
    }
}

fn round(log: &str, acc: &mut u64) {
    // Compiled anew each round: compilation is part of a regex tool's run.
    let request = Regex::new(
        r#"(?m)^(\d{1,3}(?:\.\d{1,3}){3}) - (\S+) \[(\d{2})/(\w{3})/(\d{4}):(\d{2}):\d{2}:\d{2} [+-]\d{4}\] "(GET|POST|PUT|DELETE|HEAD) ([^ "?]+)(?:\?([^ "]*))? HTTP/1\.[01]" (\d{3}) (\d+)"#,
    )
    .expect("request pattern");
    let email =
        Regex::new(r"[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[a-z]{2,}").expect("email pattern");
    let slow = Regex::new(r"\b([5-9]\d{3}|1\d{3})ms$").expect("slow pattern");
    let bots = RegexBuilder::new(r"googlebot|curl|python-requests")
        .case_insensitive(true)
        .build()
        .expect("bots pattern");
    let error = Regex::new(r"(?m)^ERROR \[worker-(\d+)\] timeout after (\d+)ms talking to (db-\d)")
        .expect("error pattern");
    let words = Regex::new(r"\b\p{Alphabetic}{6,}\b").expect("words pattern");
    let query = Regex::new(r"([a-z]+)=([^&\s]+)").expect("query pattern");

    // Captures of every request line.
    let mut by_status = [0u64; 6];
    let mut bytes = 0u64;
    for caps in request.captures_iter(log) {
        let status: usize = caps[10].parse().expect("status");
        by_status[status / 100] += 1;
        bytes += caps[11].parse::<u64>().expect("size");
        if let Some(q) = caps.get(9) {
            for kv in query.captures_iter(q.as_str()) {
                fnv(acc, kv[1].len() as u64 * 31 + kv[2].len() as u64);
            }
        }
        fnv(acc, caps[8].len() as u64);
    }
    for count in by_status {
        fnv(acc, count);
    }
    fnv(acc, bytes);

    // Plain searches.
    let emails: u64 = email.find_iter(log).map(|m| m.len() as u64).sum();
    fnv(acc, emails);
    let slow_lines = log.lines().filter(|l| slow.is_match(l)).count();
    fnv(acc, slow_lines as u64);
    fnv(acc, bots.find_iter(log).count() as u64);
    let mut worker_ms = 0u64;
    for caps in error.captures_iter(log) {
        worker_ms += caps[1].parse::<u64>().expect("worker") * caps[2].parse::<u64>().expect("ms");
        fnv(acc, caps[3].as_bytes()[3] as u64);
    }
    fnv(acc, worker_ms);
    fnv(acc, words.find_iter(log).count() as u64);

    // Rewriting: mask the addresses, as a log scrubber would.
    let masked = email.replace_all(log, "<email>");
    let ips = Regex::new(r"\b(\d{1,3})\.\d{1,3}\.\d{1,3}\.(\d{1,3})\b").expect("ip pattern");
    let masked = ips.replace_all(&masked, "$1.x.x.$2");
    fnv(acc, masked.len() as u64);
    let fields = Regex::new(r"[\s\[\]]+").expect("split pattern");
    fnv(
        acc,
        fields.split(&masked).filter(|f| !f.is_empty()).count() as u64,
    );
}

fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| {
            eprintln!("usage: regex-bench N");
            std::process::exit(2)
        });
    let log = make_log(1 << 20);
    let mut acc = 0xcbf2_9ce4_8422_2325u64;
    for _ in 0..n {
        round(&log, &mut acc);
    }
    println!("{acc}");
}
