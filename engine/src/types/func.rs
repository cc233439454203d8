//! Function types.

use super::{TypeIndex, ValType};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

/// The signature of a function. Clones share one allocation.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct FuncType {
    /// Parameters then results.
    types: Arc<[ValType]>,
    num_params: usize,
}

impl FuncType {
    pub fn new(
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> Self {
        let mut types: Vec<ValType> = params.into_iter().collect();
        let num_params = types.len();
        types.extend(results);
        Self {
            types: types.into(),
            num_params,
        }
    }

    pub fn params(&self) -> &[ValType] {
        &self.types[..self.num_params]
    }

    pub fn results(&self) -> &[ValType] {
        &self.types[self.num_params..]
    }

    /// Raw slots the parameters take (two for each `v128`).
    pub fn param_slots(&self) -> usize {
        slot_count(self.params())
    }

    /// Raw slots the results take.
    pub fn result_slots(&self) -> usize {
        slot_count(self.results())
    }

    /// Slots of a buffer that holds the arguments on entry and the results
    /// on return (the array-call convention of every host boundary).
    pub fn array_slots(&self) -> usize {
        self.param_slots().max(self.result_slots())
    }

    /// `self` with every concrete type index replaced by `f` of it.
    pub fn map_index(&self, f: &mut impl FnMut(TypeIndex) -> TypeIndex) -> Self {
        let params: Vec<ValType> = self.params().iter().map(|t| t.map_index(f)).collect();
        let results: Vec<ValType> = self.results().iter().map(|t| t.map_index(f)).collect();
        FuncType::new(params, results)
    }
}

/// How many raw slots values of `types` take together.
pub(crate) fn slot_count(types: &[ValType]) -> usize {
    types.iter().map(|t| t.slots()).sum()
}

impl fmt::Debug for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(func")?;
        if !self.params().is_empty() {
            f.write_str(" (param")?;
            for p in self.params() {
                write!(f, " {p}")?;
            }
            f.write_str(")")?;
        }
        if !self.results().is_empty() {
            f.write_str(" (result")?;
            for r in self.results() {
                write!(f, " {r}")?;
            }
            f.write_str(")")?;
        }
        f.write_str(")")
    }
}
