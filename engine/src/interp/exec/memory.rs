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

/// The scalar loads and stores, by name: what `other_memory` runs for them.
/// The dispatch loop keeps its own inline copies of the same handlers for
/// memory 0 (see the note on its slot accessors in `mod.rs`), so a new
/// width is added in both places.
macro_rules! scalar_loads {
    ($($name:ident, $n:literal, |$b:ident| $e:expr;)*) => {$(
        /// The scalar load of that name: the value, as its slot holds it.
        #[inline(always)]
        pub(super) fn $name(mem: *const u8, len: usize, ptr: u32, offset: u32) -> Result<u64, TrapCode> {
            let $b = load::<$n>(mem, len, ptr, offset)?;
            Ok($e)
        }
    )*};
}

scalar_loads! {
    load8_s, 1, |b| i8::from_le_bytes(b) as i64 as u64;
    load8_u, 1, |b| b[0] as u64;
    load16_s, 2, |b| i16::from_le_bytes(b) as i64 as u64;
    load16_u, 2, |b| u16::from_le_bytes(b) as u64;
    load32_s, 4, |b| i32::from_le_bytes(b) as i64 as u64;
    load32_u, 4, |b| u32::from_le_bytes(b) as u64;
    load64, 8, |b| u64::from_le_bytes(b);
}

macro_rules! scalar_stores {
    ($($name:ident, |$v:ident| $e:expr;)*) => {$(
        /// The scalar store of that name, of the value in slot form.
        #[inline(always)]
        pub(super) fn $name(mem: *mut u8, len: usize, ptr: u32, offset: u32, $v: u64) -> Result<(), TrapCode> {
            store(mem, len, ptr, offset, &$e)
        }
    )*};
}

scalar_stores! {
    store8, |v| [v as u8];
    store16, |v| (v as u16).to_le_bytes();
    store32, |v| (v as u32).to_le_bytes();
    store64, |v| v.to_le_bytes();
}
