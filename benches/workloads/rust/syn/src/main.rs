//! `syn-bench N`: a compiler front end. N rounds of: generate about
//! 150 kB of Rust source (structs, enums, traits, generic functions,
//! matches, closures, loops), lex and parse it with syn, walk the syntax
//! tree with a visitor, print it back with prettyplease and parse the
//! printed text again. Prints a checksum of what it counted.

use syn::visit::{self, Visit};

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
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const NAMES: [&str; 10] = [
    "count", "total", "index", "buffer", "state", "value", "limit", "offset", "result", "cursor",
];

fn name(rng: &mut Rng) -> String {
    format!("{}_{}", NAMES[rng.below(10) as usize], rng.below(100))
}

/// An expression of the given depth.
fn expr(rng: &mut Rng, depth: u32) -> String {
    if depth == 0 {
        return match rng.below(4) {
            0 => rng.below(1000).to_string(),
            1 => name(rng),
            2 => format!("{}.len()", name(rng)),
            _ => format!("\"s{}\".len()", rng.below(50)),
        };
    }
    let a = expr(rng, depth - 1);
    let b = expr(rng, depth - 1);
    match rng.below(7) {
        0 => format!("({a} + {b})"),
        1 => format!("{a}.wrapping_mul({b})"),
        2 => format!("if {a} > {b} {{ {a} }} else {{ {b} }}"),
        3 => format!("helper_{}({a}, {b})", rng.below(20)),
        4 => format!("[{a}, {b}].iter().copied().max().unwrap_or(0)"),
        5 => format!("(|x: usize| x ^ {a})({b})"),
        _ => format!("match {a} % 3 {{ 0 => {b}, 1 => {a}, _ => 7 }}"),
    }
}

fn function(rng: &mut Rng, i: u64) -> String {
    let generic = rng.below(3) == 0;
    let mut s = String::new();
    s.push_str(&format!(
        "/// Function number {i}.\n#[inline]\npub fn work_{i}{}(input: &[usize], {}: usize) -> usize {{\n",
        if generic { "<T: Clone + std::fmt::Debug>" } else { "" },
        name(rng)
    ));
    for _ in 0..2 + rng.below(4) {
        let var = name(rng);
        let depth = 2 + rng.below(2) as u32;
        let e = expr(rng, depth);
        match rng.below(4) {
            0 => s.push_str(&format!("    let {var}: usize = {e};\n")),
            1 => s.push_str(&format!(
                "    let mut {var} = 0usize;\n    for item in input.iter().filter(|v| **v % 2 == 0) {{\n        {var} += item * {e};\n    }}\n"
            )),
            2 => s.push_str(&format!(
                "    let {var} = input.iter().map(|x| x + {e}).fold(0, |a, b| a ^ b);\n"
            )),
            _ => s.push_str(&format!(
                "    let {var} = loop {{\n        if {e} > 10 {{ break 1; }}\n        break 2;\n    }};\n"
            )),
        }
    }
    s.push_str(&format!("    {}\n}}\n\n", expr(rng, 2)));
    s
}

fn item(rng: &mut Rng, i: u64) -> String {
    match rng.below(5) {
        0 => format!(
            "#[derive(Debug, Clone, PartialEq)]\npub struct Record{i}<'a, T> {{\n    pub {}: usize,\n    pub name: &'a str,\n    data: Vec<T>,\n    map: std::collections::HashMap<String, Option<Box<T>>>,\n}}\n\n",
            name(rng)
        ),
        1 => format!(
            "pub enum Message{i} {{\n    Quit,\n    Move {{ x: i32, y: i32 }},\n    Write(String),\n    Color(u8, u8, u8),\n}}\n\nimpl Message{i} {{\n    pub fn weight(&self) -> usize {{\n        match self {{\n            Self::Quit => 0,\n            Self::Move {{ x, y }} => (*x as usize) + (*y as usize),\n            Self::Write(s) if s.is_empty() => 1,\n            Self::Write(s) => s.len(),\n            Self::Color(r, g, b) => *r as usize + *g as usize + *b as usize,\n        }}\n    }}\n}}\n\n"
        ),
        2 => format!(
            "pub trait Visitor{i} {{\n    type Output;\n    fn visit(&mut self, depth: usize) -> Self::Output;\n    fn done(&self) -> bool {{ false }}\n}}\n\nimpl<T: Default> Visitor{i} for Vec<T> {{\n    type Output = usize;\n    fn visit(&mut self, depth: usize) -> usize {{\n        self.push(T::default());\n        self.len() * depth\n    }}\n}}\n\n"
        ),
        _ => function(rng, i),
    }
}

fn source(rng: &mut Rng, items: u64) -> String {
    let mut s =
        String::from("//! Generated.\n#![allow(dead_code)]\nuse std::collections::HashMap;\n\n");
    for i in 0..20 {
        s.push_str(&format!(
            "fn helper_{i}(a: usize, b: usize) -> usize {{ a.rotate_left({i}) ^ b }}\n"
        ));
    }
    for i in 0..items {
        s.push_str(&item(rng, i));
    }
    s.push_str("mod nested {\n    pub mod deeper {\n        pub const LIMIT: usize = 1 << 20;\n        pub static NAMES: [&str; 3] = [\"a\", \"b\", \"c\"];\n    }\n}\n");
    s
}

/// Counts the nodes it is shown.
#[derive(Default)]
struct Counter {
    items: u64,
    exprs: u64,
    idents: u64,
    types: u64,
    literals: u64,
    ident_bytes: u64,
}

impl<'ast> Visit<'ast> for Counter {
    fn visit_item(&mut self, node: &'ast syn::Item) {
        self.items += 1;
        visit::visit_item(self, node);
    }
    fn visit_expr(&mut self, node: &'ast syn::Expr) {
        self.exprs += 1;
        visit::visit_expr(self, node);
    }
    fn visit_ident(&mut self, node: &'ast proc_macro2::Ident) {
        self.idents += 1;
        self.ident_bytes += node.to_string().len() as u64;
    }
    fn visit_type(&mut self, node: &'ast syn::Type) {
        self.types += 1;
        visit::visit_type(self, node);
    }
    fn visit_lit(&mut self, node: &'ast syn::Lit) {
        self.literals += 1;
        visit::visit_lit(self, node);
    }
}

fn fnv(acc: &mut u64, value: u64) {
    for b in value.to_le_bytes() {
        *acc ^= u64::from(b);
        *acc = acc.wrapping_mul(0x100_0000_01b3);
    }
}

fn count(file: &syn::File, acc: &mut u64) {
    let mut counter = Counter::default();
    counter.visit_file(file);
    for v in [
        counter.items,
        counter.exprs,
        counter.idents,
        counter.types,
        counter.literals,
        counter.ident_bytes,
    ] {
        fnv(acc, v);
    }
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| {
            eprintln!("usage: syn-bench N");
            std::process::exit(2)
        });
    let mut acc = 0xcbf2_9ce4_8422_2325u64;
    for r in 0..n {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d ^ (r + 1));
        let text = source(&mut rng, 400);
        fnv(&mut acc, text.len() as u64);
        let file = syn::parse_file(&text).expect("the generated source parses");
        count(&file, &mut acc);
        let printed = prettyplease::unparse(&file);
        fnv(&mut acc, printed.len() as u64);
        let again = syn::parse_file(&printed).expect("the printed source parses");
        count(&again, &mut acc);
        fnv(&mut acc, u64::from(again == file));
    }
    println!("{acc}");
}
