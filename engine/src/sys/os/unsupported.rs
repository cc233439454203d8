//! Operating systems without reservations or signal-based traps:
//! memories are heap allocations and the JIT compiles an explicit check
//! for every trap, so none of these is ever used to run code.

use super::FaultHandler;

/// Never constructed: `new` always fails here.
pub(crate) struct Reservation(core::convert::Infallible);

impl Reservation {
    pub(crate) fn new(_size: usize) -> Option<Self> {
        None
    }
    pub(crate) fn make_accessible(&mut self, _len: usize) -> Option<()> {
        match self.0 {}
    }
    pub(crate) fn set_accessible(&mut self, _len: usize) -> Option<()> {
        match self.0 {}
    }
    pub(crate) fn grow_moving(&mut self, _size: usize, _accessible: usize) -> Option<()> {
        match self.0 {}
    }
    pub(crate) fn base(&self) -> *mut u8 {
        match self.0 {}
    }
    pub(crate) fn size(&self) -> usize {
        match self.0 {}
    }
    pub(crate) fn reset(&mut self, _keep_resident: usize) -> Option<()> {
        match self.0 {}
    }
    pub(crate) fn map_image(&mut self, _: usize, _: usize, _: &ImageSource) -> Option<()> {
        match self.0 {}
    }
}

/// Never constructed: without copy-on-write mappings, data segments are
/// copied.
pub(crate) struct ImageSource(core::convert::Infallible);

impl ImageSource {
    pub(crate) fn from_bytes(_bytes: &[u8]) -> Option<Self> {
        None
    }
    pub(crate) fn from_file(_file: &std::fs::File, _offset: u64) -> Option<Self> {
        None
    }
}

pub(crate) fn install_signal_handlers(_on_fault: FaultHandler) {}

pub(crate) fn ensure_alt_stack() {}

/// Nothing to synchronize where no code is generated.
#[allow(dead_code)]
pub(crate) fn sync_cores() {}

/// Whether directory `dir` is safe to keep code in. Without a way to
/// check who may write it, never.
pub(crate) fn private_dir(_dir: &std::path::Path) -> bool {
    false
}
