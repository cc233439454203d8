//! The ops whose semantics need nothing but their operands, the frame's
//! slots and memory 0: what both executors run, written once.
//!
//! `pure_ops!(m! { tokens })` expands to `m! { tokens arms }`, where each
//! arm is `Kind { operands } => { body }`. The bodies name no variable of
//! the executor; they reach its state only through macros each executor
//! defines for itself:
//!
//! - `get!(slot)`, `set!(slot, value)`, the typed readers `i32!`, `f32!`,
//!   `f64!`, and the shapes built on them (`bin32!`, `imm32!`, `bin64!`,
//!   `imm64!`, `f32op!`, `f32cmp!`, `f32un!`, `f64op!`, `f64cmp!`, `f64un!`,
//!   `conv!`);
//! - `load!(dst, address, offset, width, |bytes| value)` and
//!   `store!(address, offset, bytes)` on memory 0, bounds-checked
//!   (`memory.rs`), the address a `u32`;
//! - `next_op!()`, a pointer to the op after this one, and `then!`, built
//!   on it and `branch!`, which runs that op too (the pairs);
//! - `branch!(offset)` (relative to the branching op), `br_cmp!`,
//!   `br_imm!`, and `table_branch!(n)` (go where the `Br` `n` places
//!   after the next op goes: a branch table's entry);
//! - `global_get!(index)` and `global_set!(index, value)` on the running
//!   instance's global `index` (module index space; scalars only, the
//!   value's low 64 bits);
//! - `trap!(code)` and `try_op!(result)`, which stop at this op with a
//!   trap;
//! - `charge_fuel!(amount)`, `check_fuel!(amount)` and `check_epoch!()`;
//!
//! and `num` for `crate::semantics::scalar`, imported by each executor.
//!
//! Rule for every body: it decides whether it traps before it writes
//! anything (a slot, memory or the fuel). The threaded executor relies on
//! it: a handler that would stop hands the same op, untouched, to the
//! `loop { match }` executor, which runs it again and stops there with the
//! full context (the trap's frame, the suspension's state).

/// Expands `$m! { $pre... arms }` with every pure op's arm (see the module
/// docs for the arms' form and the macros they use).
macro_rules! pure_ops {
    ($m:ident! { $($pre:tt)* }) => {
        $m! { $($pre)*
            Copy { dst, src } => { set!(dst, get!(src)) }
            CopyPair { dst, src, dst2, src2 } => {
                set!(dst, get!(src));
                set!(dst2, get!(src2));
                // Past the copy after this op, which this one just did.
                branch!(2)
            }
            I32AddImmThenAddImm { dst, a, imm } => {
                imm32!(dst, a, imm, |x, y| x.wrapping_add(y));
                then!(I32AddImm { dst, a, imm } => imm32!(dst, a, imm, |x, y| x.wrapping_add(y)))
            }
            I32AddThenAddImm { dst, a, b } => {
                bin32!(dst, a, b, |x, y| x.wrapping_add(y));
                then!(I32AddImm { dst, a, imm } => imm32!(dst, a, imm, |x, y| x.wrapping_add(y)))
            }
            I32ShrUImmThenAndImm { dst, a, imm } => {
                imm32!(dst, a, imm, |x, y| x.wrapping_shr(y));
                then!(I32AndImm { dst, a, imm } => imm32!(dst, a, imm, |x, y| x & y))
            }
            I32AndImmThenShlImm { dst, a, imm } => {
                imm32!(dst, a, imm, |x, y| x & y);
                then!(I32ShlImm { dst, a, imm } => imm32!(dst, a, imm, |x, y| x.wrapping_shl(y)))
            }
            I32AndImmThenAdd { dst, a, imm } => {
                imm32!(dst, a, imm, |x, y| x & y);
                then!(I32Add { dst, a, b } => bin32!(dst, a, b, |x, y| x.wrapping_add(y)))
            }
            I32ShlImmThenAdd { dst, a, imm } => {
                imm32!(dst, a, imm, |x, y| x.wrapping_shl(y));
                then!(I32Add { dst, a, b } => bin32!(dst, a, b, |x, y| x.wrapping_add(y)))
            }
            CopyBr { dst, src, offset } => {
                set!(dst, get!(src));
                branch!(offset)
            }
            Const32 { dst, value } => { set!(dst, value as u64) }
            Const64S { dst, value } => { set!(dst, value as i64 as u64) }
            Const64 { dst, lo, hi } => { set!(dst, (hi as u64) << 32 | lo as u64) }
            GlobalGet { dst, index } => { set!(dst, global_get!(index)) }
            GlobalSet { src, index } => { global_set!(index, get!(src)) }
            Select { dst, cond, a, b } => {
                let v = if i32!(cond) != 0 { get!(a) } else { get!(b) };
                set!(dst, v)
            }
            I32Eqz { dst, a } => { set!(dst, (i32!(a) == 0) as u64) }
            I32Eq { dst, a, b } => { bin32!(dst, a, b, |x, y| x == y) }
            I32Ne { dst, a, b } => { bin32!(dst, a, b, |x, y| x != y) }
            I32LtS { dst, a, b } => { bin32!(dst, a, b, |x, y| (x as i32) < (y as i32)) }
            I32LtU { dst, a, b } => { bin32!(dst, a, b, |x, y| x < y) }
            I32GtS { dst, a, b } => { bin32!(dst, a, b, |x, y| (x as i32) > (y as i32)) }
            I32GtU { dst, a, b } => { bin32!(dst, a, b, |x, y| x > y) }
            I32LeS { dst, a, b } => { bin32!(dst, a, b, |x, y| (x as i32) <= (y as i32)) }
            I32LeU { dst, a, b } => { bin32!(dst, a, b, |x, y| x <= y) }
            I32GeS { dst, a, b } => { bin32!(dst, a, b, |x, y| (x as i32) >= (y as i32)) }
            I32GeU { dst, a, b } => { bin32!(dst, a, b, |x, y| x >= y) }
            I32Clz { dst, a } => { set!(dst, i32!(a).leading_zeros() as u64) }
            I32Ctz { dst, a } => { set!(dst, i32!(a).trailing_zeros() as u64) }
            I32Popcnt { dst, a } => { set!(dst, i32!(a).count_ones() as u64) }
            I32Add { dst, a, b } => { bin32!(dst, a, b, |x, y| x.wrapping_add(y)) }
            I32Sub { dst, a, b } => { bin32!(dst, a, b, |x, y| x.wrapping_sub(y)) }
            I32Mul { dst, a, b } => { bin32!(dst, a, b, |x, y| x.wrapping_mul(y)) }
            I32DivS { dst, a, b } => {
                bin32!(dst, a, b, |x, y| try_op!(num::i32_div_s(x as i32, y as i32)))
            }
            I32DivU { dst, a, b } => { bin32!(dst, a, b, |x, y| try_op!(num::i32_div_u(x, y))) }
            I32RemS { dst, a, b } => {
                bin32!(dst, a, b, |x, y| try_op!(num::i32_rem_s(x as i32, y as i32)))
            }
            I32RemU { dst, a, b } => { bin32!(dst, a, b, |x, y| try_op!(num::i32_rem_u(x, y))) }
            I32And { dst, a, b } => { bin32!(dst, a, b, |x, y| x & y) }
            I32Or { dst, a, b } => { bin32!(dst, a, b, |x, y| x | y) }
            I32Xor { dst, a, b } => { bin32!(dst, a, b, |x, y| x ^ y) }
            I32Shl { dst, a, b } => { bin32!(dst, a, b, |x, y| x.wrapping_shl(y)) }
            I32ShrS { dst, a, b } => { bin32!(dst, a, b, |x, y| (x as i32).wrapping_shr(y)) }
            I32ShrU { dst, a, b } => { bin32!(dst, a, b, |x, y| x.wrapping_shr(y)) }
            I32Rotl { dst, a, b } => { bin32!(dst, a, b, |x, y| x.rotate_left(y)) }
            I32Rotr { dst, a, b } => { bin32!(dst, a, b, |x, y| x.rotate_right(y)) }
            I32EqImm { dst, a, imm } => { imm32!(dst, a, imm, |x, y| x == y) }
            I32NeImm { dst, a, imm } => { imm32!(dst, a, imm, |x, y| x != y) }
            I32LtSImm { dst, a, imm } => { imm32!(dst, a, imm, |x, y| (x as i32) < (y as i32)) }
            I32LtUImm { dst, a, imm } => { imm32!(dst, a, imm, |x, y| x < y) }
            I32GtSImm { dst, a, imm } => { imm32!(dst, a, imm, |x, y| (x as i32) > (y as i32)) }
            I32GtUImm { dst, a, imm } => { imm32!(dst, a, imm, |x, y| x > y) }
            I32LeSImm { dst, a, imm } => {
                imm32!(dst, a, imm, |x, y| (x as i32) <= (y as i32))
            }
            I32LeUImm { dst, a, imm } => { imm32!(dst, a, imm, |x, y| x <= y) }
            I32GeSImm { dst, a, imm } => {
                imm32!(dst, a, imm, |x, y| (x as i32) >= (y as i32))
            }
            I32GeUImm { dst, a, imm } => { imm32!(dst, a, imm, |x, y| x >= y) }
            I32AddImm { dst, a, imm } => { imm32!(dst, a, imm, |x, y| x.wrapping_add(y)) }
            I32MulImm { dst, a, imm } => { imm32!(dst, a, imm, |x, y| x.wrapping_mul(y)) }
            I32AndImm { dst, a, imm } => { imm32!(dst, a, imm, |x, y| x & y) }
            I32OrImm { dst, a, imm } => { imm32!(dst, a, imm, |x, y| x | y) }
            I32XorImm { dst, a, imm } => { imm32!(dst, a, imm, |x, y| x ^ y) }
            I32ShlImm { dst, a, imm } => { imm32!(dst, a, imm, |x, y| x.wrapping_shl(y)) }
            I32ShrSImm { dst, a, imm } => {
                imm32!(dst, a, imm, |x, y| (x as i32).wrapping_shr(y))
            }
            I32ShrUImm { dst, a, imm } => { imm32!(dst, a, imm, |x, y| x.wrapping_shr(y)) }
            I32RotlImm { dst, a, imm } => { imm32!(dst, a, imm, |x, y| x.rotate_left(y)) }
            I32RotrImm { dst, a, imm } => { imm32!(dst, a, imm, |x, y| x.rotate_right(y)) }
            I64Eqz { dst, a } => { set!(dst, (get!(a) == 0) as u64) }
            I64Eq { dst, a, b } => { bin64!(dst, a, b, |x, y| x == y) }
            I64Ne { dst, a, b } => { bin64!(dst, a, b, |x, y| x != y) }
            I64LtS { dst, a, b } => { bin64!(dst, a, b, |x, y| (x as i64) < (y as i64)) }
            I64LtU { dst, a, b } => { bin64!(dst, a, b, |x, y| x < y) }
            I64GtS { dst, a, b } => { bin64!(dst, a, b, |x, y| (x as i64) > (y as i64)) }
            I64GtU { dst, a, b } => { bin64!(dst, a, b, |x, y| x > y) }
            I64LeS { dst, a, b } => { bin64!(dst, a, b, |x, y| (x as i64) <= (y as i64)) }
            I64LeU { dst, a, b } => { bin64!(dst, a, b, |x, y| x <= y) }
            I64GeS { dst, a, b } => { bin64!(dst, a, b, |x, y| (x as i64) >= (y as i64)) }
            I64GeU { dst, a, b } => { bin64!(dst, a, b, |x, y| x >= y) }
            I64Clz { dst, a } => { set!(dst, get!(a).leading_zeros() as u64) }
            I64Ctz { dst, a } => { set!(dst, get!(a).trailing_zeros() as u64) }
            I64Popcnt { dst, a } => { set!(dst, get!(a).count_ones() as u64) }
            I64Add { dst, a, b } => { bin64!(dst, a, b, |x, y| x.wrapping_add(y)) }
            I64Sub { dst, a, b } => { bin64!(dst, a, b, |x, y| x.wrapping_sub(y)) }
            I64Mul { dst, a, b } => { bin64!(dst, a, b, |x, y| x.wrapping_mul(y)) }
            I64DivS { dst, a, b } => {
                bin64!(dst, a, b, |x, y| try_op!(num::i64_div_s(x as i64, y as i64)))
            }
            I64DivU { dst, a, b } => { bin64!(dst, a, b, |x, y| try_op!(num::i64_div_u(x, y))) }
            I64RemS { dst, a, b } => {
                bin64!(dst, a, b, |x, y| try_op!(num::i64_rem_s(x as i64, y as i64)))
            }
            I64RemU { dst, a, b } => { bin64!(dst, a, b, |x, y| try_op!(num::i64_rem_u(x, y))) }
            I64And { dst, a, b } => { bin64!(dst, a, b, |x, y| x & y) }
            I64Or { dst, a, b } => { bin64!(dst, a, b, |x, y| x | y) }
            I64Xor { dst, a, b } => { bin64!(dst, a, b, |x, y| x ^ y) }
            I64Shl { dst, a, b } => { bin64!(dst, a, b, |x, y| x.wrapping_shl(y as u32)) }
            I64ShrS { dst, a, b } => {
                bin64!(dst, a, b, |x, y| (x as i64).wrapping_shr(y as u32))
            }
            I64ShrU { dst, a, b } => { bin64!(dst, a, b, |x, y| x.wrapping_shr(y as u32)) }
            I64Rotl { dst, a, b } => { bin64!(dst, a, b, |x, y| x.rotate_left((y & 63) as u32)) }
            I64Rotr { dst, a, b } => {
                bin64!(dst, a, b, |x, y| x.rotate_right((y & 63) as u32))
            }
            I64EqImm { dst, a, imm } => { imm64!(dst, a, imm, |x, y| x == y) }
            I64NeImm { dst, a, imm } => { imm64!(dst, a, imm, |x, y| x != y) }
            I64LtSImm { dst, a, imm } => { imm64!(dst, a, imm, |x, y| (x as i64) < (y as i64)) }
            I64LtUImm { dst, a, imm } => { imm64!(dst, a, imm, |x, y| x < y) }
            I64GtSImm { dst, a, imm } => { imm64!(dst, a, imm, |x, y| (x as i64) > (y as i64)) }
            I64GtUImm { dst, a, imm } => { imm64!(dst, a, imm, |x, y| x > y) }
            I64LeSImm { dst, a, imm } => {
                imm64!(dst, a, imm, |x, y| (x as i64) <= (y as i64))
            }
            I64LeUImm { dst, a, imm } => { imm64!(dst, a, imm, |x, y| x <= y) }
            I64GeSImm { dst, a, imm } => {
                imm64!(dst, a, imm, |x, y| (x as i64) >= (y as i64))
            }
            I64GeUImm { dst, a, imm } => { imm64!(dst, a, imm, |x, y| x >= y) }
            I64AddImm { dst, a, imm } => { imm64!(dst, a, imm, |x, y| x.wrapping_add(y)) }
            I64MulImm { dst, a, imm } => { imm64!(dst, a, imm, |x, y| x.wrapping_mul(y)) }
            I64AndImm { dst, a, imm } => { imm64!(dst, a, imm, |x, y| x & y) }
            I64OrImm { dst, a, imm } => { imm64!(dst, a, imm, |x, y| x | y) }
            I64XorImm { dst, a, imm } => { imm64!(dst, a, imm, |x, y| x ^ y) }
            I64ShlImm { dst, a, imm } => {
                imm64!(dst, a, imm, |x, y| x.wrapping_shl(y as u32))
            }
            I64ShrSImm { dst, a, imm } => {
                imm64!(dst, a, imm, |x, y| (x as i64).wrapping_shr(y as u32))
            }
            I64ShrUImm { dst, a, imm } => {
                imm64!(dst, a, imm, |x, y| x.wrapping_shr(y as u32))
            }
            I64RotlImm { dst, a, imm } => {
                imm64!(dst, a, imm, |x, y| x.rotate_left((y & 63) as u32))
            }
            I64RotrImm { dst, a, imm } => {
                imm64!(dst, a, imm, |x, y| x.rotate_right((y & 63) as u32))
            }
            F32Eq { dst, a, b } => { f32cmp!(dst, a, b, |x, y| x == y) }
            F32Ne { dst, a, b } => { f32cmp!(dst, a, b, |x, y| x != y) }
            F32Lt { dst, a, b } => { f32cmp!(dst, a, b, |x, y| x < y) }
            F32Gt { dst, a, b } => { f32cmp!(dst, a, b, |x, y| x > y) }
            F32Le { dst, a, b } => { f32cmp!(dst, a, b, |x, y| x <= y) }
            F32Ge { dst, a, b } => { f32cmp!(dst, a, b, |x, y| x >= y) }
            F32Abs { dst, a } => { f32un!(dst, a, num::f32_abs) }
            F32Neg { dst, a } => { f32un!(dst, a, num::f32_neg) }
            F32Ceil { dst, a } => { f32un!(dst, a, num::f32_ceil) }
            F32Floor { dst, a } => { f32un!(dst, a, num::f32_floor) }
            F32Trunc { dst, a } => { f32un!(dst, a, num::f32_trunc) }
            F32Nearest { dst, a } => { f32un!(dst, a, num::f32_nearest) }
            F32Sqrt { dst, a } => { f32un!(dst, a, num::f32_sqrt) }
            F32Add { dst, a, b } => { f32op!(dst, a, b, |x, y| x + y) }
            F32Sub { dst, a, b } => { f32op!(dst, a, b, |x, y| x - y) }
            F32Mul { dst, a, b } => { f32op!(dst, a, b, |x, y| x * y) }
            F32Div { dst, a, b } => { f32op!(dst, a, b, |x, y| x / y) }
            F32Min { dst, a, b } => { f32op!(dst, a, b, |x, y| num::f32_min(x, y)) }
            F32Max { dst, a, b } => { f32op!(dst, a, b, |x, y| num::f32_max(x, y)) }
            F32Copysign { dst, a, b } => { f32op!(dst, a, b, |x, y| num::f32_copysign(x, y)) }
            F64Eq { dst, a, b } => { f64cmp!(dst, a, b, |x, y| x == y) }
            F64Ne { dst, a, b } => { f64cmp!(dst, a, b, |x, y| x != y) }
            F64Lt { dst, a, b } => { f64cmp!(dst, a, b, |x, y| x < y) }
            F64Gt { dst, a, b } => { f64cmp!(dst, a, b, |x, y| x > y) }
            F64Le { dst, a, b } => { f64cmp!(dst, a, b, |x, y| x <= y) }
            F64Ge { dst, a, b } => { f64cmp!(dst, a, b, |x, y| x >= y) }
            F64Abs { dst, a } => { f64un!(dst, a, num::f64_abs) }
            F64Neg { dst, a } => { f64un!(dst, a, num::f64_neg) }
            F64Ceil { dst, a } => { f64un!(dst, a, num::f64_ceil) }
            F64Floor { dst, a } => { f64un!(dst, a, num::f64_floor) }
            F64Trunc { dst, a } => { f64un!(dst, a, num::f64_trunc) }
            F64Nearest { dst, a } => { f64un!(dst, a, num::f64_nearest) }
            F64Sqrt { dst, a } => { f64un!(dst, a, num::f64_sqrt) }
            F64Add { dst, a, b } => { f64op!(dst, a, b, |x, y| x + y) }
            F64Sub { dst, a, b } => { f64op!(dst, a, b, |x, y| x - y) }
            F64Mul { dst, a, b } => { f64op!(dst, a, b, |x, y| x * y) }
            F64Div { dst, a, b } => { f64op!(dst, a, b, |x, y| x / y) }
            F64Min { dst, a, b } => { f64op!(dst, a, b, |x, y| num::f64_min(x, y)) }
            F64Max { dst, a, b } => { f64op!(dst, a, b, |x, y| num::f64_max(x, y)) }
            F64Copysign { dst, a, b } => { f64op!(dst, a, b, |x, y| num::f64_copysign(x, y)) }
            I32TruncF32S { dst, a } => { conv!(dst, try_op!(num::i32_trunc_f32_s(f32!(a))) as u32 as u64) }
            I32TruncF32U { dst, a } => { conv!(dst, try_op!(num::i32_trunc_f32_u(f32!(a))) as u64) }
            I32TruncF64S { dst, a } => { conv!(dst, try_op!(num::i32_trunc_f64_s(f64!(a))) as u32 as u64) }
            I32TruncF64U { dst, a } => { conv!(dst, try_op!(num::i32_trunc_f64_u(f64!(a))) as u64) }
            I64ExtendI32S { dst, a } => { conv!(dst, i32!(a) as i32 as i64 as u64) }
            I64ExtendI32U { dst, a } => { conv!(dst, i32!(a) as u64) }
            I64TruncF32S { dst, a } => { conv!(dst, try_op!(num::i64_trunc_f32_s(f32!(a))) as u64) }
            I64TruncF32U { dst, a } => { conv!(dst, try_op!(num::i64_trunc_f32_u(f32!(a)))) }
            I64TruncF64S { dst, a } => { conv!(dst, try_op!(num::i64_trunc_f64_s(f64!(a))) as u64) }
            I64TruncF64U { dst, a } => { conv!(dst, try_op!(num::i64_trunc_f64_u(f64!(a)))) }
            F32ConvertI32S { dst, a } => {
                conv!(dst, num::f32_convert_i32_s(i32!(a) as i32).to_bits() as u64)
            }
            F32ConvertI32U { dst, a } => {
                conv!(dst, num::f32_convert_i32_u(i32!(a)).to_bits() as u64)
            }
            F32ConvertI64S { dst, a } => {
                conv!(dst, num::f32_convert_i64_s(get!(a) as i64).to_bits() as u64)
            }
            F32ConvertI64U { dst, a } => {
                conv!(dst, num::f32_convert_i64_u(get!(a)).to_bits() as u64)
            }
            F32DemoteF64 { dst, a } => {
                conv!(dst, num::f32_demote_f64(f64!(a)).to_bits() as u64)
            }
            F64ConvertI32S { dst, a } => {
                conv!(dst, num::f64_convert_i32_s(i32!(a) as i32).to_bits())
            }
            F64ConvertI32U { dst, a } => { conv!(dst, num::f64_convert_i32_u(i32!(a)).to_bits()) }
            F64ConvertI64S { dst, a } => {
                conv!(dst, num::f64_convert_i64_s(get!(a) as i64).to_bits())
            }
            F64ConvertI64U { dst, a } => { conv!(dst, num::f64_convert_i64_u(get!(a)).to_bits()) }
            F64PromoteF32 { dst, a } => { conv!(dst, num::f64_promote_f32(f32!(a)).to_bits()) }
            I32Extend8S { dst, a } => { conv!(dst, i32!(a) as i8 as i32 as u32 as u64) }
            I32Extend16S { dst, a } => { conv!(dst, i32!(a) as i16 as i32 as u32 as u64) }
            I64Extend8S { dst, a } => { conv!(dst, get!(a) as i8 as i64 as u64) }
            I64Extend16S { dst, a } => { conv!(dst, get!(a) as i16 as i64 as u64) }
            I32TruncSatF32S { dst, a } => {
                conv!(dst, num::i32_trunc_sat_f32_s(f32!(a)) as u32 as u64)
            }
            I32TruncSatF32U { dst, a } => { conv!(dst, num::i32_trunc_sat_f32_u(f32!(a)) as u64) }
            I32TruncSatF64S { dst, a } => {
                conv!(dst, num::i32_trunc_sat_f64_s(f64!(a)) as u32 as u64)
            }
            I32TruncSatF64U { dst, a } => { conv!(dst, num::i32_trunc_sat_f64_u(f64!(a)) as u64) }
            I64TruncSatF32S { dst, a } => { conv!(dst, num::i64_trunc_sat_f32_s(f32!(a)) as u64) }
            I64TruncSatF32U { dst, a } => { conv!(dst, num::i64_trunc_sat_f32_u(f32!(a))) }
            I64TruncSatF64S { dst, a } => { conv!(dst, num::i64_trunc_sat_f64_s(f64!(a)) as u64) }
            I64TruncSatF64U { dst, a } => { conv!(dst, num::i64_trunc_sat_f64_u(f64!(a))) }
            Load8S { dst, ptr, offset } => {
                load!(dst, i32!(ptr), offset, 1, |b| i8::from_le_bytes(b) as i64 as u64)
            }
            AddressHigh { dst, ptr, high } => {
                match get!(ptr).checked_add((high as u64) << 32) {
                    Some(address) => set!(dst, address),
                    None => trap!(MemoryOutOfBounds),
                }
            }
            ClampU32 { dst, a } => { set!(dst, get!(a).min(u32::MAX as u64)) }
            Load8U { dst, ptr, offset } => { load!(dst, i32!(ptr), offset, 1, |b| b[0] as u64) }
            Load16S { dst, ptr, offset } => {
                load!(dst, i32!(ptr), offset, 2, |b| i16::from_le_bytes(b) as i64 as u64)
            }
            Load16U { dst, ptr, offset } => {
                load!(dst, i32!(ptr), offset, 2, |b| u16::from_le_bytes(b) as u64)
            }
            Load32S { dst, ptr, offset } => {
                load!(dst, i32!(ptr), offset, 4, |b| i32::from_le_bytes(b) as i64 as u64)
            }
            Load32U { dst, ptr, offset } => {
                load!(dst, i32!(ptr), offset, 4, |b| u32::from_le_bytes(b) as u64)
            }
            Load64 { dst, ptr, offset } => {
                load!(dst, i32!(ptr), offset, 8, |b| u64::from_le_bytes(b))
            }
            Store8 { ptr, src, offset } => { store!(i32!(ptr), offset, [get!(src) as u8]) }
            Store16 { ptr, src, offset } => {
                store!(i32!(ptr), offset, (get!(src) as u16).to_le_bytes())
            }
            Store32 { ptr, src, offset } => {
                store!(i32!(ptr), offset, (get!(src) as u32).to_le_bytes())
            }
            Store64 { ptr, src, offset } => { store!(i32!(ptr), offset, get!(src).to_le_bytes()) }
            Store8Imm { ptr, offset, value } => { store!(i32!(ptr), offset, [value as u8]) }
            Store16Imm { ptr, offset, value } => {
                store!(i32!(ptr), offset, (value as u16).to_le_bytes())
            }
            Store32Imm { ptr, offset, value } => { store!(i32!(ptr), offset, value.to_le_bytes()) }
            Store64Imm { ptr, offset, value } => {
                store!(i32!(ptr), offset, (value as i64).to_le_bytes())
            }
            Load8SAdd { dst, a, b, offset } => {
                load!(dst, i32!(a).wrapping_add(i32!(b)), offset, 1, |v| i8::from_le_bytes(v) as i64 as u64)
            }
            Load8UAdd { dst, a, b, offset } => {
                load!(dst, i32!(a).wrapping_add(i32!(b)), offset, 1, |v| v[0] as u64)
            }
            Load16SAdd { dst, a, b, offset } => {
                load!(dst, i32!(a).wrapping_add(i32!(b)), offset, 2, |v| i16::from_le_bytes(v) as i64 as u64)
            }
            Load16UAdd { dst, a, b, offset } => {
                load!(dst, i32!(a).wrapping_add(i32!(b)), offset, 2, |v| u16::from_le_bytes(v) as u64)
            }
            Load32SAdd { dst, a, b, offset } => {
                load!(dst, i32!(a).wrapping_add(i32!(b)), offset, 4, |v| i32::from_le_bytes(v) as i64 as u64)
            }
            Load32UAdd { dst, a, b, offset } => {
                load!(dst, i32!(a).wrapping_add(i32!(b)), offset, 4, |v| u32::from_le_bytes(v) as u64)
            }
            Load64Add { dst, a, b, offset } => {
                load!(dst, i32!(a).wrapping_add(i32!(b)), offset, 8, |v| u64::from_le_bytes(v))
            }
            Store8Add { a, b, src, offset } => {
                store!(i32!(a).wrapping_add(i32!(b)), offset, [get!(src) as u8])
            }
            Store16Add { a, b, src, offset } => {
                store!(i32!(a).wrapping_add(i32!(b)), offset, (get!(src) as u16).to_le_bytes())
            }
            Store32Add { a, b, src, offset } => {
                store!(i32!(a).wrapping_add(i32!(b)), offset, (get!(src) as u32).to_le_bytes())
            }
            Store64Add { a, b, src, offset } => {
                store!(i32!(a).wrapping_add(i32!(b)), offset, get!(src).to_le_bytes())
            }
            Store8ImmAdd { a, b, value, offset } => {
                store!(i32!(a).wrapping_add(i32!(b)), offset, [value])
            }
            Store16ImmAdd { a, b, value, offset } => {
                store!(i32!(a).wrapping_add(i32!(b)), offset, value.to_le_bytes())
            }
            Unreachable => { trap!(Unreachable) }
            Br { offset } => { branch!(offset) }
            BrIfNez { cond, offset } => {
                if i32!(cond) != 0 {
                    branch!(offset)
                }
            }
            BrIfEqz { cond, offset } => {
                if i32!(cond) == 0 {
                    branch!(offset)
                }
            }
            BrTable { index, len } => {
                let i = i32!(index).min(len);
                // Go where entry `i` (a `Br`) goes, without running it:
                // the table's `len` entries and its default follow it, and
                // `i <= len`.
                table_branch!(i)
            }
            BrI32Eq { a, b, offset } => { br_cmp!(a, b, offset, |x, y| x as u32 == y as u32) }
            BrI32Ne { a, b, offset } => { br_cmp!(a, b, offset, |x, y| x as u32 != y as u32) }
            BrI32LtS { a, b, offset } => { br_cmp!(a, b, offset, |x, y| (x as i32) < (y as i32)) }
            BrI32LtU { a, b, offset } => { br_cmp!(a, b, offset, |x, y| (x as u32) < (y as u32)) }
            BrI32GtS { a, b, offset } => { br_cmp!(a, b, offset, |x, y| (x as i32) > (y as i32)) }
            BrI32GtU { a, b, offset } => { br_cmp!(a, b, offset, |x, y| (x as u32) > (y as u32)) }
            BrI32LeS { a, b, offset } => {
                br_cmp!(a, b, offset, |x, y| (x as i32) <= (y as i32))
            }
            BrI32LeU { a, b, offset } => {
                br_cmp!(a, b, offset, |x, y| (x as u32) <= (y as u32))
            }
            BrI32GeS { a, b, offset } => {
                br_cmp!(a, b, offset, |x, y| (x as i32) >= (y as i32))
            }
            BrI32GeU { a, b, offset } => {
                br_cmp!(a, b, offset, |x, y| (x as u32) >= (y as u32))
            }
            BrI64Eq { a, b, offset } => { br_cmp!(a, b, offset, |x, y| x == y) }
            BrI64Ne { a, b, offset } => { br_cmp!(a, b, offset, |x, y| x != y) }
            BrI64LtS { a, b, offset } => { br_cmp!(a, b, offset, |x, y| (x as i64) < (y as i64)) }
            BrI64LtU { a, b, offset } => { br_cmp!(a, b, offset, |x, y| x < y) }
            BrI64GtS { a, b, offset } => { br_cmp!(a, b, offset, |x, y| (x as i64) > (y as i64)) }
            BrI64GtU { a, b, offset } => { br_cmp!(a, b, offset, |x, y| x > y) }
            BrI64LeS { a, b, offset } => {
                br_cmp!(a, b, offset, |x, y| (x as i64) <= (y as i64))
            }
            BrI64LeU { a, b, offset } => { br_cmp!(a, b, offset, |x, y| x <= y) }
            BrI64GeS { a, b, offset } => {
                br_cmp!(a, b, offset, |x, y| (x as i64) >= (y as i64))
            }
            BrI64GeU { a, b, offset } => { br_cmp!(a, b, offset, |x, y| x >= y) }
            BrI32EqImm { a, imm, offset } => { br_imm!(a, imm, offset, |x, y| x == y) }
            BrI32NeImm { a, imm, offset } => { br_imm!(a, imm, offset, |x, y| x != y) }
            BrI32LtSImm { a, imm, offset } => {
                br_imm!(a, imm, offset, |x, y| (x as i32) < (y as i32))
            }
            BrI32LtUImm { a, imm, offset } => { br_imm!(a, imm, offset, |x, y| x < y) }
            BrI32GtSImm { a, imm, offset } => {
                br_imm!(a, imm, offset, |x, y| (x as i32) > (y as i32))
            }
            BrI32GtUImm { a, imm, offset } => { br_imm!(a, imm, offset, |x, y| x > y) }
            BrI32LeSImm { a, imm, offset } => {
                br_imm!(a, imm, offset, |x, y| (x as i32) <= (y as i32))
            }
            BrI32LeUImm { a, imm, offset } => { br_imm!(a, imm, offset, |x, y| x <= y) }
            BrI32GeSImm { a, imm, offset } => {
                br_imm!(a, imm, offset, |x, y| (x as i32) >= (y as i32))
            }
            BrI32GeUImm { a, imm, offset } => { br_imm!(a, imm, offset, |x, y| x >= y) }
            BrI32AndEqz { a, b, offset } => { br_cmp!(a, b, offset, |x, y| x as u32 & y as u32 == 0) }
            BrI32AndNez { a, b, offset } => { br_cmp!(a, b, offset, |x, y| x as u32 & y as u32 != 0) }
            BrI32AndImmEqz { a, imm, offset } => { br_imm!(a, imm, offset, |x, y| x & y == 0) }
            BrI32AndImmNez { a, imm, offset } => { br_imm!(a, imm, offset, |x, y| x & y != 0) }
            BrI64Nez { a, offset } => {
                if get!(a) != 0 {
                    branch!(offset)
                }
            }
            BrI64Eqz { a, offset } => {
                if get!(a) == 0 {
                    branch!(offset)
                }
            }
            TrapIfNull { src } => {
                if get!(src) == 0 {
                    trap!(NullReference);
                }
            }
            ConsumeFuel { amount } => { charge_fuel!(amount) }
            ConsumeFuelCheck { amount } => { check_fuel!(amount) }
            CheckEpoch => { check_epoch!() }
            OsrPoint { ordinal } => { osr_point!(ordinal) }
        }
    };
}

pub(super) use pure_ops;

/// Defines the typed slot readers (`i32!`, `f32!`, `f64!`) and the shapes
/// of the bodies above (`bin32!` ... `conv!`, `br_cmp!`, `br_imm!`) in
/// terms of the executor's own `get!`, `set!` and `branch!`: invoked by
/// each executor after those, as `shape_macros!($)` (`$d` is that `$`,
/// for the defined macros' metavariables).
macro_rules! shape_macros {
    ($d:tt) => {
        macro_rules! i32 {
            ($d s:expr) => {
                (get!($d s) as u32)
            };
        }
        macro_rules! f32 {
            ($d s:expr) => {
                f32::from_bits(get!($d s) as u32)
            };
        }
        macro_rules! f64 {
            ($d s:expr) => {
                f64::from_bits(get!($d s))
            };
        }
        macro_rules! bin32 {
            ($d dst:expr, $d a:expr, $d b:expr, |$d x:ident, $d y:ident| $d e:expr) => {{
                let $d x = i32!($d a);
                let $d y = i32!($d b);
                set!($d dst, ($d e) as u32 as u64)
            }};
        }
        // The second op of a pair (see `Op::I32AddImmThenAddImm`): if the
        // op after this one is `$kind`, runs `$body` with its operands and
        // goes past it.
        macro_rules! then {
            ($d kind:ident { $d($d f:ident),* } => $d body:expr) => {{
                // SAFETY: every op is followed by another one (the ops end
                // in a return or an unconditional branch).
                let next: &Op = unsafe { &*next_op!() };
                if let &Op::$d kind { $d($d f),* } = next {
                    $d body;
                    branch!(2)
                }
            }};
        }
        macro_rules! imm32 {
            ($d dst:expr, $d a:expr, $d imm:expr, |$d x:ident, $d y:ident| $d e:expr) => {{
                let $d x = i32!($d a);
                let $d y = $d imm as u32;
                set!($d dst, ($d e) as u32 as u64)
            }};
        }
        macro_rules! bin64 {
            ($d dst:expr, $d a:expr, $d b:expr, |$d x:ident, $d y:ident| $d e:expr) => {{
                let $d x = get!($d a);
                let $d y = get!($d b);
                set!($d dst, ($d e) as u64)
            }};
        }
        macro_rules! imm64 {
            ($d dst:expr, $d a:expr, $d imm:expr, |$d x:ident, $d y:ident| $d e:expr) => {{
                let $d x = get!($d a);
                let $d y = $d imm as i64 as u64;
                set!($d dst, ($d e) as u64)
            }};
        }
        macro_rules! f32op {
            ($d dst:expr, $d a:expr, $d b:expr, |$d x:ident, $d y:ident| $d e:expr) => {{
                let $d x = f32!($d a);
                let $d y = f32!($d b);
                let r: f32 = $d e;
                set!($d dst, r.to_bits() as u64)
            }};
        }
        macro_rules! f32cmp {
            ($d dst:expr, $d a:expr, $d b:expr, |$d x:ident, $d y:ident| $d e:expr) => {{
                let $d x = f32!($d a);
                let $d y = f32!($d b);
                set!($d dst, ($d e) as u64)
            }};
        }
        macro_rules! f32un {
            ($d dst:expr, $d a:expr, $d f:expr) => {{
                let r: f32 = $d f(f32!($d a));
                set!($d dst, r.to_bits() as u64)
            }};
        }
        macro_rules! f64op {
            ($d dst:expr, $d a:expr, $d b:expr, |$d x:ident, $d y:ident| $d e:expr) => {{
                let $d x = f64!($d a);
                let $d y = f64!($d b);
                let r: f64 = $d e;
                set!($d dst, r.to_bits())
            }};
        }
        macro_rules! f64cmp {
            ($d dst:expr, $d a:expr, $d b:expr, |$d x:ident, $d y:ident| $d e:expr) => {{
                let $d x = f64!($d a);
                let $d y = f64!($d b);
                set!($d dst, ($d e) as u64)
            }};
        }
        macro_rules! f64un {
            ($d dst:expr, $d a:expr, $d f:expr) => {{
                let r: f64 = $d f(f64!($d a));
                set!($d dst, r.to_bits())
            }};
        }
        macro_rules! conv {
            ($d dst:expr, $d v:expr) => {
                set!($d dst, $d v)
            };
        }
        macro_rules! br_cmp {
            ($d a:expr, $d b:expr, $d offset:expr, |$d x:ident, $d y:ident| $d cond:expr) => {{
                let $d x = get!($d a);
                let $d y = get!($d b);
                if $d cond {
                    branch!($d offset)
                }
            }};
        }
        macro_rules! br_imm {
            ($d a:expr, $d imm:expr, $d offset:expr, |$d x:ident, $d y:ident| $d cond:expr) => {{
                let $d x = i32!($d a);
                let $d y = $d imm as i32 as u32;
                if $d cond {
                    branch!($d offset)
                }
            }};
        }
    };
}

pub(super) use shape_macros;
