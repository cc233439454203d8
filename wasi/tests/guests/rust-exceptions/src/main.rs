//! Rust panics as Wasm exceptions: `catch_unwind` is a `try_table` with a
//! catch-all clause, a panic is a `throw` of the `__cpp_exception` tag,
//! and every frame with something to drop unwinds through a cleanup
//! handler (`catch_all_ref` ... `throw_ref`). Run with no argument, it
//! prints what it caught and dropped; with `uncaught`, it panics out of
//! `main`, which the standard library turns into exit status 101.
#![feature(link_llvm_intrinsics)]
#![feature(asm_experimental_arch)]

use std::cell::Cell;
use std::panic;

// What wasi-sdk's libunwind gives a wasm32-wasip1 program built with
// `-C panic=unwind`; Debian's wasi-libc has no libunwind. Rust's
// `catch_unwind` catches everything, so no personality routine is ever
// called: the tag LLVM throws with and two entry points are all it needs.
core::arch::global_asm!(
    ".globl __cpp_exception",
    ".tagtype __cpp_exception i32",
    "__cpp_exception:",
);

unsafe extern "C-unwind" {
    /// LLVM's `throw` instruction with tag 0, `__cpp_exception`.
    #[link_name = "llvm.wasm.throw"]
    fn wasm_throw(tag: i32, exception: *mut u8) -> !;
}

/// Raises a panic's exception object: a Wasm `throw`.
#[no_mangle]
unsafe extern "C-unwind" fn _Unwind_RaiseException(exception: *mut u8) -> i32 {
    // SAFETY: the object comes from `panic_unwind`, which catches it back.
    unsafe { wasm_throw(0, exception) }
}

/// The head of an Itanium `_Unwind_Exception`.
#[repr(C)]
struct UnwindException {
    class: u64,
    cleanup: Option<unsafe extern "C" fn(i32, *mut UnwindException)>,
}

/// Frees a caught exception object through its own cleanup routine.
#[no_mangle]
unsafe extern "C" fn _Unwind_DeleteException(exception: *mut UnwindException) {
    // SAFETY: `panic_unwind` passes an object it created.
    if let Some(cleanup) = unsafe { (*exception).cleanup } {
        // SAFETY: as above; 1 is `_URC_FOREIGN_EXCEPTION_CAUGHT`.
        unsafe { cleanup(1, exception) };
    }
}

thread_local! {
    static DROPS: Cell<u32> = const { Cell::new(0) };
}

/// Counts its drop: proves a frame's cleanup ran while a panic passed.
struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        DROPS.with(|d| d.set(d.get() + 1));
    }
}

fn risky(n: u32) -> u32 {
    if n % 3 == 0 {
        panic!("multiple of three: {n}");
    }
    n * 2
}

/// Panics `depth` frames down, each frame holding a guard.
#[inline(never)]
fn deep(depth: u32) -> u32 {
    let _guard = Guard;
    if depth == 0 {
        panic::panic_any(depth + 1000);
    }
    std::hint::black_box(deep(depth - 1)) + 1
}

fn message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(n) = payload.downcast_ref::<u32>() {
        format!("u32 {n}")
    } else {
        "?".to_string()
    }
}

fn main() {
    panic::set_hook(Box::new(|_| {}));
    if std::env::args().nth(1).as_deref() == Some("uncaught") {
        let _ = panic::take_hook();
        deep(3);
        return;
    }

    let (mut caught, mut sum, mut last) = (0, 0, String::new());
    for i in 1..=10 {
        match panic::catch_unwind(|| risky(i)) {
            Ok(v) => sum += v,
            Err(e) => {
                caught += 1;
                last = message(&*e);
            }
        }
    }
    println!("caught {caught} of 10, sum {sum}, last: {last}");

    let payload = panic::catch_unwind(|| deep(20)).unwrap_err();
    println!(
        "deep: {}, drops {}",
        message(&*payload),
        DROPS.with(Cell::get)
    );

    // A panic caught, inspected and resumed inside another catch.
    let outer = panic::catch_unwind(|| {
        let inner = panic::catch_unwind(|| risky(6)).unwrap_err();
        let text = message(&*inner);
        assert_eq!(text, "multiple of three: 6");
        panic::resume_unwind(Box::new(format!("resumed: {text}")));
    })
    .unwrap_err();
    println!("{}", message(&*outer));

    // Many throws in a loop: caught exceptions are freed.
    let mut n = 0u32;
    for i in 0..20_000 {
        if panic::catch_unwind(|| risky(i * 3)).is_err() {
            n += 1;
        }
    }
    println!("loop caught {n}");
}
