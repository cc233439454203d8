//! Local copies in a row and copies before a branch, which the
//! interpreter fuses in place (a copy does the next copy's or branch's
//! work too): on every tier they run in order, and a branch that lands on
//! the second of two copies runs only that one.

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
    (local.get $b)))"#;

#[test]
fn fused_copies_keep_their_order_and_their_branch_targets() {
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
    }
}
