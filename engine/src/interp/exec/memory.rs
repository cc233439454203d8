//! Bounds-checked loads and stores on linear memory.
//!
//! SECURITY-CRITICAL: these checks are what keep a guest inside its own
//! memory. Get two reviews on any substantive change.

use crate::error::TrapCode;

/// Reads `N` bytes at `ptr + offset`, or traps if any of them is past
/// `len`.
#[inline(always)]
pub(super) fn load<const N: usize>(
    mem: *const u8,
    len: usize,
    ptr: u32,
    offset: u32,
) -> Result<[u8; N], TrapCode> {
    // Both are 32-bit, so the sum cannot overflow 64 bits.
    let addr = ptr as u64 + offset as u64;
    if addr + N as u64 > len as u64 {
        return Err(TrapCode::MemoryOutOfBounds);
    }
    // SAFETY: `mem..mem + len` is the memory's live allocation (the cache
    // is refreshed after anything that can grow or move it) and
    // `addr + N <= len` was just checked.
    Ok(unsafe { core::ptr::read_unaligned(mem.add(addr as usize) as *const [u8; N]) })
}

/// Writes `bytes` at `ptr + offset`, or traps if any of them is past `len`.
#[inline(always)]
pub(super) fn store<const N: usize>(
    mem: *mut u8,
    len: usize,
    ptr: u32,
    offset: u32,
    bytes: &[u8; N],
) -> Result<(), TrapCode> {
    let addr = ptr as u64 + offset as u64;
    if addr + N as u64 > len as u64 {
        return Err(TrapCode::MemoryOutOfBounds);
    }
    // SAFETY: as in `load`.
    unsafe { core::ptr::write_unaligned(mem.add(addr as usize) as *mut [u8; N], *bytes) };
    Ok(())
}
