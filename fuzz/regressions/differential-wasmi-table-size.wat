;; Not a Petrel bug: wasmi 2.0.0 traps with "integer divide by zero" where
;; the divisor is 1 (Petrel's tiers and wasmtime 48 return 0). Found by the
;; differential campaign of 2026-12-07 and reduced by hand: `table.size`'s
;; result goes to local 2 after a `select` wrote local 1, and
;; `local.get 1; local.set 1` with the value still on the stack; with an
;; `i32.const` in place of `table.size` wasmi is right. Listed in
;; KNOWN-OPEN.txt; the differential target leaves wasmi out of modules
;; with `table.size` (`verdict::wasmi_known_bug`) until a wasmi release
;; fixes it.
(module
  (table 1 funcref)
  (func (export "f") (param i32) (result i32)
    (local i32 i32)
    table.size 0
    local.get 0
    local.set 1
    i32.const 1
    local.get 1
    local.get 1
    i32.eqz
    select
    local.set 1
    local.set 2
    block
      block
        local.get 2
        local.get 1
        local.set 1
        local.tee 2
        i32.const -2147483648
        i32.ne
        br_if 0
        local.get 1
        i32.const -1
        i32.ne
        br_if 0
        i32.const 1
        local.set 1
        br 1
      end
    end
    local.get 2
    local.get 1
    i32.rem_s))
