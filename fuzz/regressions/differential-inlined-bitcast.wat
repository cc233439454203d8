;; Found by `instantiate_and_run` (2026-11-24, engine 57c7588): the JIT
;; inlines a small function's calls to itself, and marking the inlined
;; copy's trap sites also rewrote the flags of `bitcast` (which carries
;; memory flags for its lane order), so Cranelift's verifier rejected the
;; function: "The bitcast instruction only accepts the `big` or `little`
;; memory flags". A valid module must compile on every tier.
(module
  (func $f (export "f") (param i32 f32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.reinterpret_f32 (local.get 1)))
      (else
        (i32.add
          (call $f
            (i32.sub (local.get 0) (i32.const 1))
            (f32.reinterpret_i32
              (i32.add (i32.reinterpret_f32 (local.get 1)) (i32.const 1))))
          (i32x4.extract_lane 1 (i32x4.splat (local.get 0))))))))
