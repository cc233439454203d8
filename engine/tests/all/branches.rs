//! Conditional branches on bit tests (`i32.and` then `br_if` or `if`),
//! which the interpreter fuses into test-and-branch ops: every tier takes
//! the same way for masks in a slot and constant ones, including the sign
//! bit and masks wider than 16 bits.

use crate::every_tier;

const MASKS: [i32; 6] = [1, 0x80, 0x1_0000, 0x7fff_ffff, i32::MIN, -1];
const VALUES: [i32; 7] = [0, 1, 0x80, 0x1_0000, 0x4000_0000, i32::MIN, -1];

fn module() -> String {
    let mut wat = String::from(
        r#"(module
  (func (export "br_if") (param i32 i32) (result i32)
    (block $yes
      (br_if $yes (i32.and (local.get 0) (local.get 1)))
      (return (i32.const 0)))
    (i32.const 1))
  (func (export "if") (param i32 i32) (result i32)
    (if (result i32) (i32.and (local.get 0) (local.get 1))
      (then (i32.const 1)) (else (i32.const 0))))
"#,
    );
    for (k, mask) in MASKS.iter().enumerate() {
        wat.push_str(&format!(
            r#"  (func (export "br_if {k}") (param i32) (result i32)
    (block $yes
      (br_if $yes (i32.and (local.get 0) (i32.const {mask})))
      (return (i32.const 0)))
    (i32.const 1))
  (func (export "if {k}") (param i32) (result i32)
    (if (result i32) (i32.and (local.get 0) (i32.const {mask}))
      (then (i32.const 1)) (else (i32.const 0))))
"#
        ));
    }
    wat.push(')');
    wat
}

#[test]
fn bit_tests_branch_alike_on_every_tier() {
    let wat = module();
    for (tier, engine) in every_tier(|_| {}) {
        let (mut store, instance) = crate::instantiate_in(&engine, &wat);
        for shape in ["br_if", "if"] {
            let slot = instance
                .get_typed_func::<(i32, i32), i32>(&store, shape)
                .unwrap();
            for (k, &mask) in MASKS.iter().enumerate() {
                let imm = instance
                    .get_typed_func::<i32, i32>(&store, &format!("{shape} {k}"))
                    .unwrap();
                for &x in &VALUES {
                    let expected = i32::from(x & mask != 0);
                    let what = format!("{tier}: {shape} {x:#x} & {mask:#x}");
                    assert_eq!(
                        slot.call(&mut store, (x, mask)).unwrap(),
                        expected,
                        "{what}"
                    );
                    assert_eq!(
                        imm.call(&mut store, x).unwrap(),
                        expected,
                        "{what} (constant)"
                    );
                }
            }
        }
    }
}
