;; Not a bug: a guard for the JIT's signal-based traps (SIGSEGV on the
;; guard region, SIGFPE for division, the trap instruction) as the
;; differential target sees them, with the three voices compared. Each
;; export traps a different way; all three engines must report the same
;; trap codes, and the memory and global written before each trap must
;; agree.
(module
  (memory (export "mem") 1 2)
  (global (export "g") (mut i32) (i32.const 0))
  (func (export "oob_load") (result i32)
    (global.set 0 (i32.const 1))
    (i32.load (i32.const 65533)))
  (func (export "oob_store_far")
    (i32.store8 (i32.const 0) (i32.const 7))
    (i64.store (i32.const -8) (i64.const 1)))
  (func (export "div_zero") (result i32)
    (i32.div_s (global.get 0) (i32.const 0)))
  (func (export "div_overflow") (result i32)
    (i32.div_s (i32.const 0x80000000) (i32.const -1)))
  (func (export "rem_ok") (result i32)
    (i32.rem_s (i32.const 0x80000000) (i32.const -1)))
  (func (export "unreachable")
    unreachable)
  (func (export "grow_then_load") (result i32)
    (drop (memory.grow (i32.const 1)))
    (i32.store (i32.const 131068) (i32.const 42))
    (i32.load (i32.const 131068)))
  (func (export "after_grow_oob") (result i32)
    (i32.load (i32.const 196608))))
