//! Pairs of ops the interpreter fuses in place (the first does the
//! second's work too and skips it): copies in a row, a copy before a
//! branch, and integer pairs such as two adds of a constant. On every tier
//! they run in order, and a branch that lands on the second op of a pair
//! runs only that one.

use crate::every_tier;

const WAT: &str = r#"(module
  ;; Fibonacci by shuffling locals: `a = b; b = t` is two copies in a
  ;; row, and the loop's back edge follows a copy.
  (func (export "fib") (param $n i32) (result i32)
    (local $a i32) (local $b i32) (local $t i32)
    (local.set $b (i32.const 1))
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $t (i32.add (local.get $a) (local.get $b)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))
        (br $l)))
    (local.get $a))
  ;; Copies whose order matters: `t = x; x = t` leaves `x` as it was.
  (func (export "order") (param $x i32) (param $y i32) (result i32)
    (local $t i32)
    (local.set $t (local.get $x))
    (local.set $x (local.get $t))
    (local.set $y (local.get $x))
    (local.get $y))
  ;; A loop whose head is the second of two copies: the back edge must
  ;; not run the first (`a = x`) again.
  (func (export "head") (param $x i32) (param $n i32) (result i32)
    (local $a i32) (local $b i32)
    (local.set $a (local.get $x))
    (loop $l
      (local.set $b (local.get $a))
      (local.set $a (i32.add (local.get $a) (i32.const 10)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))
    (local.get $b))
  ;; Two adds of a constant in a row, the second a loop's head: the back
  ;; edge must not run the first (`a = x + 1`) again.
  (func (export "add_head") (param $x i32) (param $n i32) (result i32)
    (local $a i32)
    (local.set $a (i32.add (local.get $x) (i32.const 1)))
    (loop $l
      (local.set $x (i32.add (local.get $x) (i32.const 100)))
      (local.set $n (i32.add (local.get $n) (i32.const -1)))
      (br_if $l (local.get $n)))
    (i32.add (local.get $x) (local.get $a)))
  ;; A field of a packed word, then its address: shift, mask, shift, add,
  ;; each reading the one before.
  (func (export "field") (param $w i32) (param $base i32) (result i32)
    (i32.add (local.get $base)
      (i32.shl (i32.and (i32.shr_u (local.get $w) (i32.const 7)) (i32.const 255))
        (i32.const 2)))))"#;

#[test]
fn fused_pairs_keep_their_order_and_their_branch_targets() {
    for (tier, engine) in every_tier(|_| {}) {
        let (mut store, instance) = crate::instantiate_in(&engine, WAT);
        let fib = instance.get_typed_func::<i32, i32>(&store, "fib").unwrap();
        for (n, expected) in [(0, 0), (1, 1), (2, 1), (10, 55), (30, 832_040)] {
            assert_eq!(
                fib.call(&mut store, n).unwrap(),
                expected,
                "{tier}: fib {n}"
            );
        }
        let order = instance
            .get_typed_func::<(i32, i32), i32>(&store, "order")
            .unwrap();
        assert_eq!(order.call(&mut store, (5, 9)).unwrap(), 5, "{tier}: order");
        let head = instance
            .get_typed_func::<(i32, i32), i32>(&store, "head")
            .unwrap();
        // b is a's value in the last iteration: x + 10 * (n - 1).
        assert_eq!(head.call(&mut store, (3, 4)).unwrap(), 33, "{tier}: head");
        let add_head = instance
            .get_typed_func::<(i32, i32), i32>(&store, "add_head")
            .unwrap();
        // x + 100 n, plus a = x + 1.
        assert_eq!(
            add_head.call(&mut store, (5, 3)).unwrap(),
            311,
            "{tier}: add_head"
        );
        let field = instance
            .get_typed_func::<(i32, i32), i32>(&store, "field")
            .unwrap();
        for w in [0, 0x7f80, -1, 0x1234_5678] {
            let expected = 1000 + ((((w as u32) >> 7) & 255) << 2) as i32;
            assert_eq!(
                field.call(&mut store, (w, 1000)).unwrap(),
                expected,
                "{tier}: field {w:#x}"
            );
        }
    }
}
