//! Embeds Petrel: compiles a module from text, gives it a host function
//! that reads and counts through the store's data, and calls an export.
//!
//! Run with `cargo run -p petrel --example host_function`.

use petrel::{Caller, Engine, Linker, Module, Store};

struct Host {
    logged: Vec<String>,
}

fn main() -> petrel::Result<()> {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"
        (module
          (import "host" "log" (func $log (param i32 i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "hello from wasm")
          (func $fib (export "fib") (param $n i32) (result i32)
            (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
              (then (local.get $n))
              (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                             (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
          (func (export "greet") (call $log (i32.const 16) (i32.const 15))))
        "#,
    )?;

    let mut linker = Linker::<Host>::new(&engine);
    linker.func_wrap(
        "host",
        "log",
        |mut caller: Caller<'_, Host>, ptr: i32, len: i32| {
            let memory = caller
                .get_export("memory")
                .and_then(|e| e.into_memory())
                .ok_or_else(|| petrel::Error::msg("the guest has no exported memory"))?;
            let mut buf = vec![0u8; len as usize];
            memory.read(&caller, ptr as usize, &mut buf)?;
            let text = String::from_utf8_lossy(&buf).into_owned();
            caller.data_mut().logged.push(text);
            Ok(())
        },
    )?;

    let mut store = Store::new(&engine, Host { logged: Vec::new() });
    let instance = linker.instantiate(&mut store, &module)?;

    instance
        .get_typed_func::<(), ()>(&store, "greet")?
        .call(&mut store, ())?;
    let fib = instance.get_typed_func::<i32, i32>(&store, "fib")?;
    let result = fib.call(&mut store, 20)?;

    println!("host saw: {:?}", store.data().logged);
    println!("fib(20) = {result}");
    Ok(())
}
