//! The Rust kernels as a wasm module with no imports: `run_hashmap(n)` and
//! `run_vm(n)` return the checksum as an i64. Memory comes from a bump
//! allocator over `memory.grow`; nothing is ever freed, which the kernels'
//! allocation patterns (a growing table, one program) can afford.

#![no_std]

use core::alloc::{GlobalAlloc, Layout};
use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

const PAGE: usize = 65_536;

struct Bump {
    next: AtomicUsize,
    end: AtomicUsize,
}

unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let start = (self.next.load(Relaxed) + layout.align() - 1) & !(layout.align() - 1);
        let new_next = start + layout.size();
        let end = self.end.load(Relaxed);
        if start == 0 || new_next > end {
            // Fresh pages at the end of memory; the old tail is abandoned.
            let pages = layout.size().div_ceil(PAGE) + 1;
            let old = core::arch::wasm32::memory_grow(0, pages);
            if old == usize::MAX {
                return core::ptr::null_mut();
            }
            let base = (old * PAGE + layout.align() - 1) & !(layout.align() - 1);
            self.next.store(base + layout.size(), Relaxed);
            self.end.store((old + pages) * PAGE, Relaxed);
            return base as *mut u8;
        }
        self.next.store(new_next, Relaxed);
        start as *mut u8
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[global_allocator]
static ALLOCATOR: Bump = Bump {
    next: AtomicUsize::new(0),
    end: AtomicUsize::new(0),
};

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[no_mangle]
pub extern "C" fn run_hashmap(n: i32) -> i64 {
    kernels::hashmap(n as u32) as i64
}

#[no_mangle]
pub extern "C" fn run_vm(n: i32) -> i64 {
    kernels::vm(n as u32) as i64
}
