//! Relaxed SIMD operators (Wasm 3.0): each has a deterministic lowering,
//! the result `Config::relaxed_simd_deterministic` fixes on every ISA and
//! the interpreter always gives (wasmtime's choices: the strict
//! counterpart where there is one, a fused multiply-add, signed dot
//! products that wrap), and, where the machine has a faster form whose
//! results the proposal also allows, that form otherwise: on x86-64 with
//! SSSE3, `pshufb` for `relaxed_swizzle`, `cvttps2dq`/`cvttpd2dq` for the
//! signed truncations, `pmulhrsw` for `relaxed_q15mulr_s`, `pmaddubsw`
//! for the dot products, and `minps`/`maxps`-shaped selects for
//! `relaxed_min`/`max`; a multiply and an add for `relaxed_madd` where
//! there is no FMA instruction. Elsewhere (aarch64, riscv64) the
//! deterministic lowering is the native one. With
//! `Config::nan_canonicalization` on, the lowerings that could let a
//! NaN's bits through unchanged are the deterministic ones.
//!
//! `relaxed_laneselect` is always `bitselect`: Cranelift has no
//! `blendv`-shaped instruction to ask for.

use super::simd::V128;
use super::Translator;
use crate::jit::compile::isa::has_flag;
use crate::runtime::vm::Builtin;
use cranelift_codegen::ir::types::{self, F32X4, F64X2, I16X8, I32X4, I64X2, I8X16};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Type, Value};
use wasmparser::Operator;

impl Translator<'_, '_> {
    /// Whether relaxed SIMD may take x86-64's native forms: the results
    /// need not be deterministic, NaNs need not be canonical, and the CPU
    /// has SSSE3 (`pshufb`, `pmulhrsw`, `pmaddubsw`).
    fn relaxed_x86(&self) -> bool {
        let checks = self.env.checks;
        !checks.relaxed_simd_deterministic
            && !checks.canonical_nans
            && self.env.isa.name() == "x64"
            && has_flag(self.env.isa, "has_ssse3")
    }

    /// Whether the CPU fuses a multiply-add in one instruction (every
    /// aarch64 and riscv64 with vectors does; x86-64 only with FMA).
    fn native_fma(&self) -> bool {
        self.env.isa.name() != "x64" || has_flag(self.env.isa, "has_fma")
    }

    /// Lowers `op` if it is a relaxed SIMD operator; `false` if not.
    pub(super) fn relaxed_simd_operator(&mut self, op: &Operator<'_>) -> bool {
        use Operator as O;
        let native = self.relaxed_x86();
        match op {
            O::I8x16RelaxedSwizzle => self.v_binary(I8X16, |b, x, s| match native {
                // Lanes of `s` in 16..=127 pick `x[s % 16]` instead of 0.
                true => b.ins().x86_pshufb(x, s),
                false => b.ins().swizzle(x, s),
            }),
            O::I32x4RelaxedTruncF32x4S => self.v_unary(F32X4, |b, x| match native {
                // NaN and out-of-range lanes become `i32::MIN`.
                true => b.ins().x86_cvtt2dq(I32X4, x),
                false => b.ins().fcvt_to_sint_sat(I32X4, x),
            }),
            O::I32x4RelaxedTruncF32x4U => {
                self.v_unary(F32X4, |b, x| b.ins().fcvt_to_uint_sat(I32X4, x))
            }
            O::I32x4RelaxedTruncF64x2SZero => {
                let x = self.pop_vector(F64X2);
                let t = match native {
                    true => self.b.ins().x86_cvtt2dq(I64X2, x),
                    false => self.b.ins().fcvt_to_sint_sat(I64X2, x),
                };
                let zero = self.vector_const(I64X2, 0);
                let v = self.b.ins().snarrow(t, zero);
                self.push_vector(v);
            }
            O::I32x4RelaxedTruncF64x2UZero => {
                let x = self.pop_vector(F64X2);
                let t = self.b.ins().fcvt_to_uint_sat(I64X2, x);
                let zero = self.vector_const(I64X2, 0);
                let v = self.b.ins().uunarrow(t, zero);
                self.push_vector(v);
            }
            O::F32x4RelaxedMadd => self.relaxed_madd(F32X4, false),
            O::F32x4RelaxedNmadd => self.relaxed_madd(F32X4, true),
            O::F64x2RelaxedMadd => self.relaxed_madd(F64X2, false),
            O::F64x2RelaxedNmadd => self.relaxed_madd(F64X2, true),
            O::I8x16RelaxedLaneselect
            | O::I16x8RelaxedLaneselect
            | O::I32x4RelaxedLaneselect
            | O::I64x2RelaxedLaneselect => {
                let c = self.pop_vector(V128);
                let y = self.pop_vector(V128);
                let x = self.pop_vector(V128);
                let v = self.b.ins().bitselect(c, x, y);
                self.stack.push(v);
            }
            O::F32x4RelaxedMin => self.relaxed_min_max(F32X4, false, native),
            O::F32x4RelaxedMax => self.relaxed_min_max(F32X4, true, native),
            O::F64x2RelaxedMin => self.relaxed_min_max(F64X2, false, native),
            O::F64x2RelaxedMax => self.relaxed_min_max(F64X2, true, native),
            O::I16x8RelaxedQ15mulrS => self.v_binary(I16X8, |b, x, y| match native {
                // `i16::MIN * i16::MIN` wraps to `i16::MIN`.
                true => b.ins().x86_pmulhrsw(x, y),
                false => b.ins().sqmul_round_sat(x, y),
            }),
            O::I16x8RelaxedDotI8x16I7x16S => {
                let y = self.pop_vector(I8X16);
                let x = self.pop_vector(I8X16);
                let v = self.relaxed_dot(x, y, native);
                self.push_vector(v);
            }
            O::I32x4RelaxedDotI8x16I7x16AddS => {
                let c = self.pop_vector(I32X4);
                let y = self.pop_vector(I8X16);
                let x = self.pop_vector(I8X16);
                let dot = self.relaxed_dot(x, y, native);
                let lo = self.b.ins().swiden_low(dot);
                let hi = self.b.ins().swiden_high(dot);
                let dot32 = self.b.ins().iadd_pairwise(lo, hi);
                let v = self.b.ins().iadd(dot32, c);
                self.push_vector(v);
            }
            _ => return false,
        }
        true
    }

    /// `relaxed_madd` (or, with `negate`, `relaxed_nmadd`: `-a * b + c`)
    /// on lanes of `ty`: fused where the CPU fuses, or where the result
    /// must be deterministic (then, without an FMA instruction, a builtin
    /// per lane); otherwise a multiply and an add.
    fn relaxed_madd(&mut self, ty: Type, negate: bool) {
        let c = self.pop_vector(ty);
        let b = self.pop_vector(ty);
        let a = self.pop_vector(ty);
        let a = match negate {
            true => self.b.ins().fneg(a),
            false => a,
        };
        let v = if self.native_fma() {
            self.b.ins().fma(a, b, c)
        } else if self.env.checks.relaxed_simd_deterministic {
            self.fma_by_lanes(ty, a, b, c)
        } else {
            let product = self.b.ins().fmul(a, b);
            self.b.ins().fadd(product, c)
        };
        self.push_vector(v);
    }

    /// A fused multiply-add of each lane of `a`, `b` and `c` (of type `ty`)
    /// through the `fma_f32`/`fma_f64` builtins, for a CPU without FMA.
    fn fma_by_lanes(&mut self, ty: Type, a: Value, b: Value, c: Value) -> Value {
        let (lane_ty, bits_ty, builtin) = match ty {
            F32X4 => (types::F32, types::I32, Builtin::FmaF32),
            _ => (types::F64, types::I64, Builtin::FmaF64),
        };
        let mut v = a;
        for lane in 0..ty.lane_count() as u8 {
            let mut args = [a, b, c];
            for arg in &mut args {
                let x = self.b.ins().extractlane(*arg, lane);
                *arg = self.b.ins().bitcast(bits_ty, MemFlagsData::new(), x);
            }
            let r = self
                .env
                .builtin(&mut self.b, builtin, &args)
                .expect("the fma builtins return a value");
            let r = self.b.ins().bitcast(lane_ty, MemFlagsData::new(), r);
            v = self.b.ins().insertlane(v, r, lane);
        }
        v
    }

    /// `relaxed_min` (or, with `max`, `relaxed_max`) on lanes of `ty`:
    /// Wasm's `min`/`max`, or with `native` the shape of `pmin`/`pmax`,
    /// which the x86 backend matches to `minps`/`maxps` (an operand NaN,
    /// or a pair of zeros, gives the first operand).
    fn relaxed_min_max(&mut self, ty: Type, max: bool, native: bool) {
        match (native, max) {
            (true, _) => self.v_pminmax(ty, max),
            (false, false) => self.v_binary(ty, |b, x, y| b.ins().fmin(x, y)),
            (false, true) => self.v_binary(ty, |b, x, y| b.ins().fmax(x, y)),
        }
    }

    /// The 16-bit dot product of `relaxed_dot_i8x16_i7x16_s`: both
    /// operands signed, pair sums wrapping; with `native`, `pmaddubsw`
    /// (`y` unsigned, pair sums saturating: the same for the `i7` lanes
    /// the proposal defines).
    fn relaxed_dot(&mut self, x: Value, y: Value, native: bool) -> Value {
        if native {
            return self.b.ins().x86_pmaddubsw(x, y);
        }
        let (xl, yl) = (self.b.ins().swiden_low(x), self.b.ins().swiden_low(y));
        let lo = self.b.ins().imul(xl, yl);
        let (xh, yh) = (self.b.ins().swiden_high(x), self.b.ins().swiden_high(y));
        let hi = self.b.ins().imul(xh, yh);
        self.b.ins().iadd_pairwise(lo, hi)
    }
}
