//! Globals. The value is raw bits in the interpreter's slot encoding.

use crate::api::types::GlobalType;

/// A global in a store.
pub(crate) struct GlobalEntity {
    pub ty: GlobalType,
    pub value: u64,
}
