//! Counts the requests it has seen in a global, and checks that its
//! memory starts clean: a static array and five pages it grows the
//! memory by (past what the pool keeps resident) must be all zeros, and
//! are dirtied before it answers. A fresh instance answers `1 clean`
//! every time; anything else means one request saw what another left.

use std::sync::atomic::{AtomicU32, Ordering};

static COUNT: AtomicU32 = AtomicU32::new(0);
static mut STATIC_BLOCK: [u8; 100_000] = [0; 100_000];

/// Whether `len` bytes at `ptr` are all zero, read one by one so that
/// nothing assumes what they hold.
fn all_zero(ptr: *const u8, len: usize) -> bool {
    // SAFETY: the caller passes memory of this instance's linear memory.
    (0..len).all(|i| unsafe { ptr.add(i).read_volatile() } == 0)
}

fn main() {
    let count = COUNT.fetch_add(1, Ordering::Relaxed) + 1;
    let block = std::ptr::addr_of_mut!(STATIC_BLOCK).cast::<u8>();
    let mut clean = all_zero(block, 100_000);
    // SAFETY: one thread; nothing else refers to the array.
    unsafe { block.write_bytes(0xAA, 100_000) };
    // Pages the allocator never handed out: what the engine gave.
    let old_pages = core::arch::wasm32::memory_grow(0, 5);
    assert_ne!(old_pages, usize::MAX, "memory.grow failed");
    let grown = (old_pages * 65536) as *mut u8;
    clean &= all_zero(grown, 5 * 65536);
    // SAFETY: the five pages just grown belong to no one else.
    unsafe { grown.write_bytes(0x55, 5 * 65536) };
    let state = if clean { "clean" } else { "dirty" };
    print!("Content-Type: text/plain\n\n{count} {state}\n");
}
