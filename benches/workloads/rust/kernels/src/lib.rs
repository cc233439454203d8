//! The Rust compute kernels. `no_std` with `alloc` so that the same code
//! builds into an import-free wasm module (`kernels-run`), a WASI command
//! and a native executable (`kernels-main`). Each kernel is scaled by `n`
//! and returns a checksum that the harness compares with the native one.

#![no_std]

extern crate alloc;

use alloc::vec::Vec;
use core::hash::{BuildHasherDefault, Hasher};

/// A kernel: scaled by `n`, returns its checksum.
pub type Kernel = fn(u32) -> u64;

/// The kernels by name, as `kernels-main NAME N` and the harness know them.
pub const KERNELS: &[(&str, Kernel)] = &[("hashmap", hashmap), ("vm", vm)];

/// xorshift64: cheap deterministic data, identical everywhere.
fn xorshift64(state: &mut u64) -> u64 {
    let mut x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    x
}

/// FxHash (rustc's hasher): fixed, so results do not depend on a random
/// seed, which would also need an import to obtain.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type FxMap<K, V> = hashbrown::HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// hashmap: `hashbrown` (the table behind std's `HashMap`) under a mix of
/// inserts, updates, hits, misses and removals over a key space of 256 Ki,
/// n rounds of 64 Ki operations each.
pub fn hashmap(n: u32) -> u64 {
    let mut map: FxMap<u64, u64> = FxMap::default();
    let mut seed = 0x1319_8A2E_0370_7344;
    let mut checksum = 0u64;
    for round in 0..u64::from(n) {
        for i in 0..65_536u64 {
            let r = xorshift64(&mut seed);
            let key = r & 0x3_FFFF;
            match r >> 60 {
                0..=7 => *map.entry(key).or_insert(0) += i ^ round,
                8..=12 => {
                    if let Some(v) = map.get(&key) {
                        checksum = checksum.wrapping_add(*v);
                    } else {
                        checksum = checksum.wrapping_mul(3);
                    }
                }
                _ => {
                    if let Some(v) = map.remove(&key) {
                        checksum ^= v;
                    }
                }
            }
        }
        checksum = checksum.wrapping_mul(31).wrapping_add(map.len() as u64);
    }
    checksum
}

/// One instruction of the `vm` kernel's register machine.
#[derive(Clone, Copy)]
enum Op {
    Mov { dst: u8, src: u8 },
    Imm { dst: u8, value: i64 },
    Add { dst: u8, a: u8, b: u8 },
    AddImm { dst: u8, a: u8, value: i64 },
    MulImm { dst: u8, a: u8, value: i64 },
    ShrImm { dst: u8, a: u8, shift: u8 },
    AndImm { dst: u8, a: u8, value: i64 },
    JumpIfEqImm { a: u8, value: i64, target: u16 },
    JumpIfZero { a: u8, target: u16 },
    JumpIfLe { a: u8, b: u8, target: u16 },
    Jump { target: u16 },
    Halt { result: u8 },
}

/// Runs `program` on a machine with 8 registers, `r7` preloaded with
/// `input`, until `Halt`.
fn execute(program: &[Op], input: i64) -> i64 {
    let mut regs = [0i64; 8];
    regs[7] = input;
    let mut pc = 0usize;
    loop {
        let op = program[pc];
        pc += 1;
        match op {
            Op::Mov { dst, src } => regs[dst as usize] = regs[src as usize],
            Op::Imm { dst, value } => regs[dst as usize] = value,
            Op::Add { dst, a, b } => {
                regs[dst as usize] = regs[a as usize].wrapping_add(regs[b as usize])
            }
            Op::AddImm { dst, a, value } => {
                regs[dst as usize] = regs[a as usize].wrapping_add(value)
            }
            Op::MulImm { dst, a, value } => {
                regs[dst as usize] = regs[a as usize].wrapping_mul(value)
            }
            Op::ShrImm { dst, a, shift } => regs[dst as usize] = regs[a as usize] >> shift,
            Op::AndImm { dst, a, value } => regs[dst as usize] = regs[a as usize] & value,
            Op::JumpIfEqImm { a, value, target } => {
                if regs[a as usize] == value {
                    pc = target as usize;
                }
            }
            Op::JumpIfZero { a, target } => {
                if regs[a as usize] == 0 {
                    pc = target as usize;
                }
            }
            Op::JumpIfLe { a, b, target } => {
                if regs[a as usize] <= regs[b as usize] {
                    pc = target as usize;
                }
            }
            Op::Jump { target } => pc = target as usize,
            Op::Halt { result } => return regs[result as usize],
        }
    }
}

/// vm: a small bytecode interpreter (a `match` dispatch loop, which
/// becomes a `br_table` in wasm) running a program that sums the Collatz
/// stopping times of 1..=n*1000.
pub fn vm(n: u32) -> u64 {
    use Op::*;
    // r0: i, r1: total steps, r2: x, r3: scratch, r7: limit.
    let program: Vec<Op> = alloc::vec![
        /* 0 */ Imm { dst: 0, value: 1 },
        /* 1 */ Imm { dst: 1, value: 0 },
        /* 2 */ Mov { dst: 2, src: 0 }, // outer:
        /* 3 */
        JumpIfEqImm {
            a: 2,
            value: 1,
            target: 11
        }, // inner:
        /* 4 */ AndImm {
            dst: 3,
            a: 2,
            value: 1
        },
        /* 5 */ JumpIfZero { a: 3, target: 9 },
        /* 6 */ MulImm {
            dst: 2,
            a: 2,
            value: 3
        },
        /* 7 */ AddImm {
            dst: 2,
            a: 2,
            value: 1
        },
        /* 8 */ Jump { target: 10 },
        /* 9 */ ShrImm {
            dst: 2,
            a: 2,
            shift: 1
        },
        /* 10 */ AddImm {
            dst: 1,
            a: 1,
            value: 1
        },
        /* 11 */
        JumpIfEqImm {
            a: 2,
            value: 1,
            target: 13
        },
        /* 12 */ Jump { target: 4 },
        /* 13 */ AddImm {
            dst: 0,
            a: 0,
            value: 1
        },
        /* 14 */ JumpIfLe {
            a: 0,
            b: 7,
            target: 2
        },
        /* 15 */ Add { dst: 1, a: 1, b: 0 },
        /* 16 */ Halt { result: 1 },
    ];
    execute(&program, i64::from(n) * 1000) as u64
}
