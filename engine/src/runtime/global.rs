//! Globals. The value is raw bits in the interpreter's slot encoding.

use crate::api::types::GlobalType;
use alloc::boxed::Box;

/// A global in a store. The value is boxed so that it has one address for
/// the store's lifetime: compiled code reads and writes it there.
pub(crate) struct GlobalEntity {
    pub ty: GlobalType,
    pub value: Box<u64>,
}

impl GlobalEntity {
    pub fn new(ty: GlobalType, value: u64) -> Self {
        Self {
            ty,
            value: Box::new(value),
        }
    }
}
