//! Counts the requests it has seen in a global, and checks that its
//! memory starts clean: a static array and a heap block larger than a
//! page must be all zeros, and are dirtied before it answers. A fresh
//! instance answers `1 clean` every time; anything else means one
//! request saw what another left.

use std::sync::atomic::{AtomicU32, Ordering};

static COUNT: AtomicU32 = AtomicU32::new(0);
static mut STATIC_BLOCK: [u8; 100_000] = [0; 100_000];

fn main() {
    let count = COUNT.fetch_add(1, Ordering::Relaxed) + 1;
    // SAFETY: one thread; nothing else refers to the array.
    let block = unsafe { &mut *std::ptr::addr_of_mut!(STATIC_BLOCK) };
    let mut clean = block.iter().all(|&b| b == 0);
    block.fill(0xAA);
    // A fresh instance's heap is fresh memory too: `alloc_zeroed` may
    // skip zeroing it, so the check reads what the engine gave.
    let mut heap = vec![0u8; 300_000];
    clean &= heap.iter().all(|&b| b == 0);
    heap.fill(0x55);
    std::hint::black_box(&heap);
    let state = if clean { "clean" } else { "dirty" };
    print!("Content-Type: text/plain\n\n{count} {state}\n");
}
