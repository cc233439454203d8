//! Numeric operators: constants, comparisons, integer and float
//! arithmetic, conversions. Division and trapping conversions check their
//! traps before the machine instruction, so it never faults.

use super::{pop, Translator};
use crate::error::TrapCode;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{self, types, InstBuilder, MemFlagsData, Type, Value};
use cranelift_frontend::FunctionBuilder;
use wasmparser::Operator;

impl<'f> Translator<'_, 'f> {
    /// Lowers `op` if it is a numeric operator; `false` if it is not.
    pub(super) fn numeric_operator(&mut self, op: &Operator<'_>) -> bool {
        use Operator as O;
        let i32t = types::I32;
        let i64t = types::I64;
        match op {
            O::I32Const { value } => {
                let v = self.b.ins().iconst(i32t, *value as i64);
                self.stack.push(v);
            }
            O::I64Const { value } => {
                let v = self.b.ins().iconst(i64t, *value);
                self.stack.push(v);
            }
            O::F32Const { value } => {
                let v = self
                    .b
                    .ins()
                    .f32const(ir::immediates::Ieee32::with_bits(value.bits()));
                self.stack.push(v);
            }
            O::F64Const { value } => {
                let v = self
                    .b
                    .ins()
                    .f64const(ir::immediates::Ieee64::with_bits(value.bits()));
                self.stack.push(v);
            }

            O::I32Eqz | O::I64Eqz => self.eqz(),
            O::I32Eq | O::I64Eq => self.icmp(IntCC::Equal),
            O::I32Ne | O::I64Ne => self.icmp(IntCC::NotEqual),
            O::I32LtS | O::I64LtS => self.icmp(IntCC::SignedLessThan),
            O::I32LtU | O::I64LtU => self.icmp(IntCC::UnsignedLessThan),
            O::I32GtS | O::I64GtS => self.icmp(IntCC::SignedGreaterThan),
            O::I32GtU | O::I64GtU => self.icmp(IntCC::UnsignedGreaterThan),
            O::I32LeS | O::I64LeS => self.icmp(IntCC::SignedLessThanOrEqual),
            O::I32LeU | O::I64LeU => self.icmp(IntCC::UnsignedLessThanOrEqual),
            O::I32GeS | O::I64GeS => self.icmp(IntCC::SignedGreaterThanOrEqual),
            O::I32GeU | O::I64GeU => self.icmp(IntCC::UnsignedGreaterThanOrEqual),
            O::I32Clz | O::I64Clz => self.unary(|b, x| b.ins().clz(x)),
            O::I32Ctz | O::I64Ctz => self.unary(|b, x| b.ins().ctz(x)),
            O::I32Popcnt | O::I64Popcnt => self.unary(|b, x| b.ins().popcnt(x)),
            O::I32Add | O::I64Add => self.binary(|b, x, y| b.ins().iadd(x, y)),
            O::I32Sub | O::I64Sub => self.binary(|b, x, y| b.ins().isub(x, y)),
            O::I32Mul | O::I64Mul => self.binary(|b, x, y| b.ins().imul(x, y)),
            O::I32DivS | O::I64DivS => self.div(true, false),
            O::I32DivU | O::I64DivU => self.div(false, false),
            O::I32RemS | O::I64RemS => self.div(true, true),
            O::I32RemU | O::I64RemU => self.div(false, true),
            O::I32And | O::I64And => self.binary(|b, x, y| b.ins().band(x, y)),
            O::I32Or | O::I64Or => self.binary(|b, x, y| b.ins().bor(x, y)),
            O::I32Xor | O::I64Xor => self.binary(|b, x, y| b.ins().bxor(x, y)),
            O::I32Shl | O::I64Shl => self.binary(|b, x, y| b.ins().ishl(x, y)),
            O::I32ShrS | O::I64ShrS => self.binary(|b, x, y| b.ins().sshr(x, y)),
            O::I32ShrU | O::I64ShrU => self.binary(|b, x, y| b.ins().ushr(x, y)),
            O::I32Rotl | O::I64Rotl => self.binary(|b, x, y| b.ins().rotl(x, y)),
            O::I32Rotr | O::I64Rotr => self.binary(|b, x, y| b.ins().rotr(x, y)),

            O::F32Eq | O::F64Eq => self.fcmp(FloatCC::Equal),
            O::F32Ne | O::F64Ne => self.fcmp(FloatCC::NotEqual),
            O::F32Lt | O::F64Lt => self.fcmp(FloatCC::LessThan),
            O::F32Gt | O::F64Gt => self.fcmp(FloatCC::GreaterThan),
            O::F32Le | O::F64Le => self.fcmp(FloatCC::LessThanOrEqual),
            O::F32Ge | O::F64Ge => self.fcmp(FloatCC::GreaterThanOrEqual),
            O::F32Abs | O::F64Abs => self.unary(|b, x| b.ins().fabs(x)),
            O::F32Neg | O::F64Neg => self.unary(|b, x| b.ins().fneg(x)),
            O::F32Ceil | O::F64Ceil => self.unary(|b, x| b.ins().ceil(x)),
            O::F32Floor | O::F64Floor => self.unary(|b, x| b.ins().floor(x)),
            O::F32Trunc | O::F64Trunc => self.unary(|b, x| b.ins().trunc(x)),
            O::F32Nearest | O::F64Nearest => self.unary(|b, x| b.ins().nearest(x)),
            O::F32Sqrt | O::F64Sqrt => self.unary(|b, x| b.ins().sqrt(x)),
            O::F32Add | O::F64Add => self.binary(|b, x, y| b.ins().fadd(x, y)),
            O::F32Sub | O::F64Sub => self.binary(|b, x, y| b.ins().fsub(x, y)),
            O::F32Mul | O::F64Mul => self.binary(|b, x, y| b.ins().fmul(x, y)),
            O::F32Div | O::F64Div => self.binary(|b, x, y| b.ins().fdiv(x, y)),
            O::F32Min | O::F64Min => self.binary(|b, x, y| b.ins().fmin(x, y)),
            O::F32Max | O::F64Max => self.binary(|b, x, y| b.ins().fmax(x, y)),
            O::F32Copysign | O::F64Copysign => self.binary(|b, x, y| b.ins().fcopysign(x, y)),

            O::I32WrapI64 => self.unary(|b, x| b.ins().ireduce(types::I32, x)),
            O::I64ExtendI32S => self.unary(|b, x| b.ins().sextend(types::I64, x)),
            O::I64ExtendI32U => self.unary(|b, x| b.ins().uextend(types::I64, x)),
            O::I32TruncF32S | O::I32TruncF64S => self.trunc(i32t, true),
            O::I32TruncF32U | O::I32TruncF64U => self.trunc(i32t, false),
            O::I64TruncF32S | O::I64TruncF64S => self.trunc(i64t, true),
            O::I64TruncF32U | O::I64TruncF64U => self.trunc(i64t, false),
            O::I32TruncSatF32S | O::I32TruncSatF64S => {
                self.unary(|b, x| b.ins().fcvt_to_sint_sat(types::I32, x))
            }
            O::I32TruncSatF32U | O::I32TruncSatF64U => {
                self.unary(|b, x| b.ins().fcvt_to_uint_sat(types::I32, x))
            }
            O::I64TruncSatF32S | O::I64TruncSatF64S => {
                self.unary(|b, x| b.ins().fcvt_to_sint_sat(types::I64, x))
            }
            O::I64TruncSatF32U | O::I64TruncSatF64U => {
                self.unary(|b, x| b.ins().fcvt_to_uint_sat(types::I64, x))
            }
            O::F32ConvertI32S | O::F32ConvertI64S => {
                self.unary(|b, x| b.ins().fcvt_from_sint(types::F32, x))
            }
            O::F32ConvertI32U | O::F32ConvertI64U => {
                self.unary(|b, x| b.ins().fcvt_from_uint(types::F32, x))
            }
            O::F64ConvertI32S | O::F64ConvertI64S => {
                self.unary(|b, x| b.ins().fcvt_from_sint(types::F64, x))
            }
            O::F64ConvertI32U | O::F64ConvertI64U => {
                self.unary(|b, x| b.ins().fcvt_from_uint(types::F64, x))
            }
            O::F32DemoteF64 => self.unary(|b, x| b.ins().fdemote(types::F32, x)),
            O::F64PromoteF32 => self.unary(|b, x| b.ins().fpromote(types::F64, x)),
            O::I32ReinterpretF32 => {
                self.unary(|b, x| b.ins().bitcast(types::I32, MemFlagsData::new(), x))
            }
            O::I64ReinterpretF64 => {
                self.unary(|b, x| b.ins().bitcast(types::I64, MemFlagsData::new(), x))
            }
            O::F32ReinterpretI32 => {
                self.unary(|b, x| b.ins().bitcast(types::F32, MemFlagsData::new(), x))
            }
            O::F64ReinterpretI64 => {
                self.unary(|b, x| b.ins().bitcast(types::F64, MemFlagsData::new(), x))
            }
            O::I32Extend8S => self.sign_extend(i32t, types::I8),
            O::I32Extend16S => self.sign_extend(i32t, types::I16),
            O::I64Extend8S => self.sign_extend(i64t, types::I8),
            O::I64Extend16S => self.sign_extend(i64t, types::I16),
            O::I64Extend32S => self.sign_extend(i64t, types::I32),

            O::I64Add128 => self.wide_binary(|b, x, y| b.ins().iadd(x, y)),
            O::I64Sub128 => self.wide_binary(|b, x, y| b.ins().isub(x, y)),
            O::I64MulWideS => self.mul_wide(true),
            O::I64MulWideU => self.mul_wide(false),

            _ => return false,
        }
        true
    }

    pub(super) fn binary(
        &mut self,
        op: impl FnOnce(&mut FunctionBuilder<'f>, Value, Value) -> Value,
    ) {
        let y = pop!(self);
        let x = pop!(self);
        let v = op(&mut self.b, x, y);
        self.stack.push(v);
    }

    pub(super) fn unary(&mut self, op: impl FnOnce(&mut FunctionBuilder<'f>, Value) -> Value) {
        let x = pop!(self);
        let v = op(&mut self.b, x);
        self.stack.push(v);
    }

    /// `i64.add128` or `i64.sub128`: `op` on the 128-bit values made of
    /// the two pairs of halves on the stack (low half first), whose result
    /// goes back as two halves. Cranelift lowers 128-bit arithmetic to the
    /// machine's carrying add or borrowing subtract.
    fn wide_binary(&mut self, op: impl FnOnce(&mut FunctionBuilder<'f>, Value, Value) -> Value) {
        let y_hi = pop!(self);
        let y_lo = pop!(self);
        let x_hi = pop!(self);
        let x_lo = pop!(self);
        let x = self.b.ins().iconcat(x_lo, x_hi);
        let y = self.b.ins().iconcat(y_lo, y_hi);
        let v = op(&mut self.b, x, y);
        let (lo, hi) = self.b.ins().isplit(v);
        self.stack.push(lo);
        self.stack.push(hi);
    }

    /// `i64.mul_wide_s` or `i64.mul_wide_u`: the full 128-bit product,
    /// low half then high half.
    fn mul_wide(&mut self, signed: bool) {
        let y = pop!(self);
        let x = pop!(self);
        let lo = self.b.ins().imul(x, y);
        let hi = match signed {
            true => self.b.ins().smulhi(x, y),
            false => self.b.ins().umulhi(x, y),
        };
        self.stack.push(lo);
        self.stack.push(hi);
    }

    pub(super) fn icmp(&mut self, cc: IntCC) {
        self.binary(|b, x, y| {
            let c = b.ins().icmp(cc, x, y);
            b.ins().uextend(types::I32, c)
        });
    }

    pub(super) fn fcmp(&mut self, cc: FloatCC) {
        self.binary(|b, x, y| {
            let c = b.ins().fcmp(cc, x, y);
            b.ins().uextend(types::I32, c)
        });
    }

    pub(super) fn eqz(&mut self) {
        self.unary(|b, x| {
            let c = b.ins().icmp_imm_s(IntCC::Equal, x, 0);
            b.ins().uextend(types::I32, c)
        });
    }

    /// Integer division and remainder, with the traps checked first so the
    /// machine instruction never faults.
    pub(super) fn div(&mut self, signed: bool, rem: bool) {
        let y = pop!(self);
        let x = pop!(self);
        let ty = self.b.func.dfg.value_type(x);
        let zero = self.b.ins().icmp_imm_s(IntCC::Equal, y, 0);
        self.env
            .trap_if(&mut self.b, zero, TrapCode::IntegerDivideByZero);
        let v = match (signed, rem) {
            (false, false) => self.b.ins().udiv(x, y),
            (false, true) => self.b.ins().urem(x, y),
            (true, false) => {
                let min = if ty == types::I32 {
                    i32::MIN as i64
                } else {
                    i64::MIN
                };
                let x_min = self.b.ins().icmp_imm_s(IntCC::Equal, x, min);
                let y_neg1 = self.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
                let overflow = self.b.ins().band(x_min, y_neg1);
                self.env
                    .trap_if(&mut self.b, overflow, TrapCode::IntegerOverflow);
                self.b.ins().sdiv(x, y)
            }
            (true, true) => {
                // x rem -1 is 0; x rem 1 is too, without the overflow case.
                let y_neg1 = self.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
                let one = self.b.ins().iconst(ty, 1);
                let y = self.b.ins().select(y_neg1, one, y);
                self.b.ins().srem(x, y)
            }
        };
        self.stack.push(v);
    }

    pub(super) fn fconst(&mut self, ty: Type, v: f64) -> Value {
        if ty == types::F32 {
            self.b.ins().f32const(v as f32)
        } else {
            self.b.ins().f64const(v)
        }
    }

    /// Trapping float-to-int conversion: NaN and out-of-range inputs trap
    /// before the (saturating, never faulting) conversion runs.
    pub(super) fn trunc(&mut self, to: Type, signed: bool) {
        let x = pop!(self);
        let fty = self.b.func.dfg.value_type(x);
        let nan = self.b.ins().fcmp(FloatCC::Unordered, x, x);
        self.env
            .trap_if(&mut self.b, nan, TrapCode::BadConversionToInteger);
        let bits = to.bits() as i32;
        // Out of range below: `x <= lo` or `x < lo`, with `lo` exact in
        // the float type.
        let (lo, lo_cc) = if !signed {
            (-1.0, FloatCC::LessThanOrEqual)
        } else if to == types::I32 && fty == types::F64 {
            (-2147483649.0, FloatCC::LessThanOrEqual)
        } else {
            (-(2f64.powi(bits - 1)), FloatCC::LessThan)
        };
        let hi = if signed {
            2f64.powi(bits - 1)
        } else {
            2f64.powi(bits)
        };
        let lo = self.fconst(fty, lo);
        let hi = self.fconst(fty, hi);
        let below = self.b.ins().fcmp(lo_cc, x, lo);
        let above = self.b.ins().fcmp(FloatCC::GreaterThanOrEqual, x, hi);
        let out = self.b.ins().bor(below, above);
        self.env
            .trap_if(&mut self.b, out, TrapCode::IntegerOverflow);
        let v = if signed {
            self.b.ins().fcvt_to_sint_sat(to, x)
        } else {
            self.b.ins().fcvt_to_uint_sat(to, x)
        };
        self.stack.push(v);
    }

    pub(super) fn sign_extend(&mut self, ty: Type, from: Type) {
        self.unary(|b, x| {
            let narrow = b.ins().ireduce(from, x);
            b.ins().sextend(ty, narrow)
        });
    }
}
