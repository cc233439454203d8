//! Globals. The value is raw bits in the interpreter's slot encoding,
//! widened to 128 bits so a `v128` fits.

use crate::types::GlobalType;
use alloc::boxed::Box;

/// A global in a store. The value is boxed so that it has one address for
/// the store's lifetime: compiled code reads and writes it there.
///
/// The value is two 64-bit halves, low half first: every scalar lives in
/// `value[0]` (at the box's address, where compiled code expects it) and a
/// `v128` spans both, in the same order as its two interpreter slots.
pub(crate) struct GlobalEntity {
    pub ty: GlobalType,
    pub value: Box<[u64; 2]>,
}

impl GlobalEntity {
    pub fn new(ty: GlobalType, raw: u128) -> Self {
        Self {
            ty,
            value: Box::new([raw as u64, (raw >> 64) as u64]),
        }
    }

    /// The raw value, 128 bits wide (scalars are zero-extended).
    pub fn get(&self) -> u128 {
        self.value[0] as u128 | (self.value[1] as u128) << 64
    }

    /// Sets the raw value.
    pub fn set(&mut self, raw: u128) {
        *self.value = [raw as u64, (raw >> 64) as u64];
    }

    /// The address compiled code reads and writes the value at.
    pub fn value_ptr(&mut self) -> *mut u64 {
        self.value.as_mut_ptr()
    }
}

/// The addresses of an instance's global values, by module global index
/// (imports first): what the interpreter's `global.get` and `global.set`
/// read and write, and what compiled code's context points at. Each points
/// into a [`GlobalEntity`]'s box, which keeps its address while the store
/// lives (the store never drops a global).
pub(crate) struct GlobalValues(pub Box<[*mut u64]>);

// SAFETY: (Send and Sync) the pointers point into boxes owned by the same
// store, and are only dereferenced while that store is borrowed mutably
// (by the code it runs); moving them to another thread moves the store
// with them, and nothing they point at is tied to a thread.
unsafe impl Send for GlobalValues {}
// SAFETY: as for `Send`.
unsafe impl Sync for GlobalValues {}
