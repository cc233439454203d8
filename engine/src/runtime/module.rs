//! A module as the runtime holds it: what decoding found (with its types
//! registered), the bytes that function bodies and data segments point
//! into, and the code its engine's tier made of it.

use crate::module::ModuleInfo;
use alloc::boxed::Box;
use core::any::Any;

/// Shared by every instance of a module, in every store and thread.
pub(crate) struct ModuleShared {
    pub info: ModuleInfo,
    pub bytes: Box<[u8]>,
    /// The tier's code for this module (the interpreter's lazily
    /// translated functions, or the JIT's machine code), read only by that
    /// tier.
    pub code: Box<dyn Any + Send + Sync>,
}

impl ModuleShared {
    /// The tier's code, if it is a `T`.
    pub fn code<T: 'static>(&self) -> Option<&T> {
        self.code.downcast_ref()
    }
}
