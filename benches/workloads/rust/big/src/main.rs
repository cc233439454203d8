//! big: a large real program (several MB of wasm: regex with its Unicode
//! tables, serde_json, syn and prettyplease, wat, pulldown-cmark) doing a
//! little of everything,
//! so that running it costs mostly what it takes an engine to load,
//! compile and start a big module. Prints one checksum line.

use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use syn::visit::Visit;

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Record {
    id: u32,
    name: String,
    tags: Vec<String>,
    score: f64,
    attributes: BTreeMap<String, String>,
}

fn records() -> Vec<Record> {
    (0..200)
        .map(|id| Record {
            id,
            name: format!("record-{id:04}"),
            tags: (0..id % 5).map(|t| format!("tag{t}")).collect(),
            score: f64::from(id) * 1.25,
            attributes: (0..3)
                .map(|k| (format!("key{k}"), format!("value {} of {id}", k * id)))
                .collect(),
        })
        .collect()
}

/// Counts the items and expressions in a parsed file.
#[derive(Default)]
struct Counter {
    items: u64,
    exprs: u64,
}

impl<'ast> Visit<'ast> for Counter {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        self.items += 1;
        syn::visit::visit_item(self, item);
    }
    fn visit_expr(&mut self, expr: &'ast syn::Expr) {
        self.exprs += 1;
        syn::visit::visit_expr(self, expr);
    }
}

fn main() {
    let mut checksum: u64 = 0;
    let mut mix = |v: u64| checksum = checksum.wrapping_mul(1_000_003).wrapping_add(v);

    // serde_json: serialize, parse as typed data and as a dynamic Value.
    let data = records();
    let text = serde_json::to_string_pretty(&data).expect("serialize");
    let back: Vec<Record> = serde_json::from_str(&text).expect("parse typed");
    assert_eq!(back, data);
    let value: serde_json::Value = serde_json::from_str(&text).expect("parse value");
    mix(text.len() as u64);
    mix(value.as_array().map_or(0, Vec::len) as u64);

    // regex: Unicode-aware patterns over the JSON text.
    let patterns = [
        r#""name": "record-(\d+)""#,
        r"\bvalue (\d+) of (\d+)\b",
        r"(?i)TAG[0-4]",
        r"\p{Greek}+|\p{Cyrillic}+|[\p{L}&&\p{Lu}]{3,}",
        r"(\d+)\.(\d+)",
    ];
    for pattern in patterns {
        let re = Regex::new(pattern).expect("regex");
        let matches = re.find_iter(&text).count() as u64;
        mix(matches);
    }

    // syn + prettyplease: parse this very file and print it back.
    let source = include_str!("main.rs");
    let file = syn::parse_file(source).expect("parse Rust");
    let mut counter = Counter::default();
    counter.visit_file(&file);
    mix(counter.items);
    mix(counter.exprs);
    let pretty = prettyplease::unparse(&file);
    mix(pretty.lines().count() as u64);

    // wat: assemble a module from the text format.
    let wasm = wat::parse_str(
        r#"(module
             (func $fib (export "fib") (param i32) (result i32)
               (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
                 (then (local.get 0))
                 (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                                (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
             (memory (export "memory") 1)
             (data (i32.const 16) "petrel"))"#,
    )
    .expect("assemble");
    mix(wasm.len() as u64);

    // pulldown-cmark: render Markdown to HTML.
    let markdown = "# Petrel\n\nA *WebAssembly* engine with [two tiers](#tiers).\n\n\
                    | tier | speed |\n| --- | --- |\n| interp | ok |\n\n- one\n- two\n";
    let mut html = String::new();
    pulldown_cmark::html::push_html(
        &mut html,
        pulldown_cmark::Parser::new_ext(markdown, pulldown_cmark::Options::all()),
    );
    mix(html.len() as u64);

    println!("{}", checksum as i64);
}
