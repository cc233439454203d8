//! `json-bench N`: serde_json over a generated 1.5 MB document, N rounds:
//! serialize typed records, parse them back typed and as untyped
//! `Value`s, walk the tree, edit it and print it pretty. Prints a checksum
//! of the lengths and values it saw.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Order {
    id: u64,
    customer: Customer,
    items: Vec<Item>,
    status: Status,
    note: Option<String>,
    tags: BTreeMap<String, String>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Customer {
    name: String,
    email: String,
    vip: bool,
    address: Vec<String>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Item {
    sku: String,
    quantity: u32,
    price: f64,
    discount: Option<f32>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(rename_all = "snake_case")]
enum Status {
    Pending,
    Shipped { carrier: String, tracking: String },
    Delivered { days: u32 },
    Cancelled(String),
}

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
}

const WORDS: [&str; 12] = [
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett",
    "kilo", "lima",
];

fn text(rng: &mut Rng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(WORDS[(rng.next() % 12) as usize]);
    }
    // Escapes and non-ASCII now and then.
    match rng.next() % 8 {
        0 => s.push_str(" \"quoted\" \\ tab\tend"),
        1 => s.push_str(" caf\u{e9} na\u{ef}ve \u{1f680}"),
        2 => s.push_str("\nsecond line"),
        _ => {}
    }
    s
}

fn orders(rng: &mut Rng, count: u64) -> Vec<Order> {
    (0..count)
        .map(|id| {
            let items = (0..1 + rng.next() % 6)
                .map(|_| Item {
                    sku: format!("SKU-{:06}", rng.next() % 1_000_000),
                    quantity: 1 + (rng.next() % 20) as u32,
                    price: (rng.next() % 100_000) as f64 / 100.0,
                    discount: (rng.next() % 3 == 0).then(|| (rng.next() % 50) as f32 / 100.0),
                })
                .collect();
            let status = match rng.next() % 4 {
                0 => Status::Pending,
                1 => Status::Shipped {
                    carrier: WORDS[(rng.next() % 12) as usize].to_uppercase(),
                    tracking: format!("{:016x}", rng.next()),
                },
                2 => Status::Delivered {
                    days: (rng.next() % 30) as u32,
                },
                _ => Status::Cancelled(text(rng, 3)),
            };
            let words = 1 + (rng.next() % 8) as usize;
            Order {
                id,
                customer: Customer {
                    name: text(rng, 2),
                    email: format!(
                        "{}{}@example.com",
                        WORDS[(rng.next() % 12) as usize],
                        rng.next() % 1000
                    ),
                    vip: rng.next() % 10 == 0,
                    address: (0..2).map(|_| text(rng, 3)).collect(),
                },
                items,
                status,
                note: (rng.next() % 2 == 0).then(|| text(rng, words)),
                tags: (0..rng.next() % 4)
                    .map(|k| (format!("k{k}"), text(rng, 1)))
                    .collect(),
            }
        })
        .collect()
}

fn fnv(acc: &mut u64, value: u64) {
    for b in value.to_le_bytes() {
        *acc ^= u64::from(b);
        *acc = acc.wrapping_mul(0x100_0000_01b3);
    }
}

/// Walks an untyped tree: counts nodes, sums numbers and string lengths.
fn walk(value: &Value, acc: &mut u64) {
    match value {
        Value::Null => fnv(acc, 1),
        Value::Bool(b) => fnv(acc, 2 + u64::from(*b)),
        Value::Number(n) => fnv(
            acc,
            n.as_f64().map_or(0, |f| (f * 100.0).round() as i64 as u64),
        ),
        Value::String(s) => fnv(acc, s.len() as u64),
        Value::Array(items) => {
            fnv(acc, items.len() as u64);
            for item in items {
                walk(item, acc);
            }
        }
        Value::Object(map) => {
            fnv(acc, map.len() as u64);
            for (key, item) in map {
                fnv(acc, key.len() as u64);
                walk(item, acc);
            }
        }
    }
}

fn round(seed: u64, acc: &mut u64) {
    let mut rng = Rng(seed);
    let data = orders(&mut rng, 3000);

    // Typed: serialize, parse back, compare.
    let compact = serde_json::to_string(&data).expect("serialize");
    fnv(acc, compact.len() as u64);
    let parsed: Vec<Order> = serde_json::from_str(&compact).expect("parse typed");
    assert!(parsed == data, "the typed round trip changed the data");

    // Untyped: parse, walk, edit, print pretty, parse again.
    let mut tree: Value = serde_json::from_str(&compact).expect("parse untyped");
    walk(&tree, acc);
    if let Value::Array(list) = &mut tree {
        for order in list.iter_mut() {
            let total: f64 = order["items"]
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .map(|i| {
                            i["price"].as_f64().unwrap_or(0.0)
                                * i["quantity"].as_f64().unwrap_or(0.0)
                        })
                        .sum()
                })
                .unwrap_or(0.0);
            order["total"] = Value::from((total * 100.0).round() / 100.0);
            if let Some(obj) = order.as_object_mut() {
                obj.remove("tags");
            }
        }
    }
    let pretty = serde_json::to_string_pretty(&tree).expect("pretty");
    fnv(acc, pretty.len() as u64);
    let again: Value = serde_json::from_slice(pretty.as_bytes()).expect("parse pretty");
    fnv(acc, u64::from(again == tree));
    let bytes = serde_json::to_vec(&again).expect("to_vec");
    fnv(acc, bytes.len() as u64);
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| {
            eprintln!("usage: json-bench N");
            std::process::exit(2)
        });
    let mut acc = 0xcbf2_9ce4_8422_2325u64;
    for r in 0..n {
        round(0x9e37_79b9_7f4a_7c15 ^ r, &mut acc);
    }
    println!("{acc}");
}
