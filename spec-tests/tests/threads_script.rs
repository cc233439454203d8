//! The `(thread ...)` and `(wait ...)` script directives: each thread runs
//! on its own host thread with its own store, sharing the shared memories
//! of the module it names; its directives count (and fail) in the script's
//! report.

use petrel::{Config, Tier};

const SCRIPT: &str = r#"
(module $Mem
  (memory (export "shared") 1 1 shared)
  (func (export "get") (result i32) (i32.atomic.load (i32.const 0))))

(thread $Writer (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "run")
      (i32.atomic.store (i32.const 0) (i32.const 42))
      (drop (memory.atomic.notify (i32.const 0) (i32.const 1)))))
  (invoke "run"))

(thread $Reader (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "run") (result i32)
      (block $done
        (loop $again
          (br_if $done (i32.eq (i32.atomic.load (i32.const 0)) (i32.const 42)))
          (drop (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 1000000000)))
          (br $again)))
      (i32.atomic.load (i32.const 0))))
  (assert_return (invoke "run") (i32.const 42)))

(wait $Writer)
(wait $Reader)
(assert_return (invoke $Mem "get") (i32.const 42))
"#;

fn configs() -> Vec<(&'static str, Config)> {
    let mut interp = Config::new();
    interp.tier(Tier::Interpreter);
    let mut jit = Config::new();
    jit.tier(Tier::Jit);
    let mut explicit = Config::new();
    explicit.tier(Tier::Jit).signals_based_traps(false);
    vec![("interp", interp), ("jit", jit), ("jit-explicit", explicit)]
}

#[test]
fn threads_share_a_memory_and_are_waited_for() {
    for (tier, config) in configs() {
        let report = petrel_spec::run_wast("threads.wast", SCRIPT, &config);
        assert_eq!(report.failed, 0, "{tier}: {:?}", report.failures);
        // 1 module, 2 threads (with 3 + 3 directives), 2 waits, 1 assert.
        assert_eq!(report.passed, 12, "{tier}");
    }
}

#[test]
fn a_failure_inside_a_thread_fails_the_script() {
    let script = r#"
        (module $M (memory (export "m") 1 1 shared))
        (thread $T (shared (module $M))
          (register "m" $M)
          (module (memory (import "m" "m") 1 1 shared)
            (func (export "f") (result i32) (i32.atomic.load (i32.const 0))))
          (assert_return (invoke "f") (i32.const 1)))
        (wait $T)
    "#;
    for (tier, config) in configs() {
        let report = petrel_spec::run_wast("fail.wast", script, &config);
        assert_eq!(report.failed, 1, "{tier}: {:?}", report.failures);
        assert_eq!(report.failures[0].line, 7, "{tier}");
    }
}
