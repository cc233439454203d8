//! Bytecode shape with `v128`s: two slots per vector in locals, on the
//! operand stack and at labels, and the same retargeting as scalars.

use super::translate;
use crate::interp::bytecode::Op;
use crate::module::parse_and_validate;
use alloc::vec::Vec;

fn ops_of(wat: &str) -> Vec<Op> {
    let bytes = wat::parse_str(wat).expect("test WAT parses");
    let features = crate::module::features(&crate::Config::default());
    let info = parse_and_validate(&bytes, features).expect("test module validates");
    let f = translate(&info, &bytes, 0, Default::default()).expect("translates");
    f.ops.into_vec()
}

#[test]
fn v128_locals_take_two_slots() {
    let ops = ops_of(r#"(module (func (param v128 i32) (result i32) (local.get 1)))"#);
    assert_eq!(ops, [Op::Return1 { src: 2 }]);
}

#[test]
fn local_set_retargets_a_vector_op_onto_a_v128_local() {
    let ops = ops_of(
        r#"(module (func (param v128 v128) (result v128) (local $r v128)
            (local.set $r (i8x16.add (local.get 0) (local.get 1)))
            (local.get $r)))"#,
    );
    assert_eq!(
        ops,
        [
            Op::I8x16Add { dst: 4, a: 0, b: 2 },
            Op::ReturnN { start: 4, count: 2 },
        ]
    );
}

#[test]
fn operand_homes_are_prefix_sums_of_widths() {
    // The vector takes slots 1 and 2, so the i32 above it lives in 3.
    let ops = ops_of(
        r#"(module (func (param i32) (result v128 i32)
            (v128.const i32x4 1 2 3 4)
            (i32.add (local.get 0) (i32.const 1))))"#,
    );
    assert_eq!(
        ops,
        [
            Op::V128Const { dst: 1, index: 0 },
            Op::I32AddImm {
                dst: 3,
                a: 0,
                imm: 1,
            },
            Op::ReturnN { start: 1, count: 3 },
        ]
    );
}

#[test]
fn label_homes_follow_the_label_types() {
    // The block's results are (i32, v128) at slots 1 and 2..4; the values
    // are pushed above an unrelated i64, so `br` copies them down.
    let ops = ops_of(
        r#"(module (func (param i32) (result i32 v128)
            (block (result i32 v128)
              (i64.const 0)
              (local.get 0)
              (v128.const i64x2 0 0)
              (br 0))))"#,
    );
    assert_eq!(
        ops[..3],
        [
            Op::V128Const { dst: 3, index: 0 },
            Op::Copy { dst: 1, src: 0 },
            Op::Copy2 { dst: 2, src: 3 },
        ],
        "{ops:?}"
    );
    assert_eq!(ops.last(), Some(&Op::ReturnN { start: 1, count: 3 }));
}
