;; Found by the fuzz slice (validate): the harness's feature set lagged the
;; engine's. Petrel enabled exception handling by default; the oracle's
;; `petrel_features()` did not, so `wasmparser` refused this module Petrel
;; accepts. A module with a tag, a throw and a try_table must get the same
;; verdict from both.
(module
  (tag $t (param i32))
  (func (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $t $h) (throw $t (local.get 0)))
      (i32.const 0))))
