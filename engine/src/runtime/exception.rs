//! Exception handling (Wasm 3.0): tags, and the exceptions thrown with
//! them. Both live in the store.
//!
//! An exception is created by `throw` (or by a host function that throws)
//! and is what an `exnref` points at: its raw value is the exception's
//! index plus one. There is no garbage collector, so an exception some
//! `exnref` may still point at (one caught with `catch_ref` or
//! `catch_all_ref`, or handed to the host) lives as long as its store;
//! one no `exnref` ever saw is freed when a handler catches it, so a guest
//! that throws and catches in a loop runs in constant memory.

use super::StoreInner;
use crate::error::{Error, ThrownException};
use crate::types::{FuncType, TypeId};
use alloc::boxed::Box;
use alloc::vec::Vec;

/// An exception tag. Tags are compared by identity (their store index),
/// not by type: two tags of one type are different tags.
pub(crate) struct TagEntity {
    /// The id of the tag's type, a function type without results whose
    /// parameters are the payload.
    pub ty: TypeId,
    pub sig: FuncType,
}

/// A thrown exception.
pub(crate) struct ExceptionObject {
    /// The store index of its tag.
    pub tag: u32,
    /// Its payload, in the raw slot encoding (two slots per `v128`).
    pub payload: Box<[u64]>,
    /// Whether an `exnref` to it may exist (so it must be kept).
    pub referenced: bool,
}

/// A store's exceptions, by index.
#[derive(Default)]
pub(crate) struct Exceptions {
    objects: Vec<ExceptionObject>,
    /// Indices of freed objects, reused first.
    free: Vec<u32>,
}

impl Exceptions {
    /// A new exception; returns its index.
    pub fn alloc(&mut self, tag: u32, payload: Box<[u64]>) -> u32 {
        let object = ExceptionObject {
            tag,
            payload,
            referenced: false,
        };
        match self.free.pop() {
            Some(i) => {
                self.objects[i as usize] = object;
                i
            }
            None => {
                self.objects.push(object);
                self.objects.len() as u32 - 1
            }
        }
    }

    pub fn get(&self, index: u32) -> &ExceptionObject {
        &self.objects[index as usize]
    }

    /// Notes that an `exnref` to exception `index` now exists.
    pub fn mark_referenced(&mut self, index: u32) {
        self.objects[index as usize].referenced = true;
    }

    /// Frees exception `index` once a handler caught it, unless an
    /// `exnref` may point at it.
    pub fn release(&mut self, index: u32) {
        let object = &mut self.objects[index as usize];
        if !object.referenced {
            object.payload = Box::new([]);
            self.free.push(index);
        }
    }

    /// How many exceptions are kept.
    #[cfg(test)]
    fn live(&self) -> usize {
        self.objects.len() - self.free.len()
    }
}

impl StoreInner {
    /// The error exception `exn` is once it has left the activation that
    /// threw it uncaught: the host (or an outer activation) may hold it, so
    /// it is kept.
    pub(crate) fn uncaught_exception(&mut self, exn: u32) -> Error {
        self.exceptions.mark_referenced(exn);
        Error::Exception(ThrownException {
            store: self.id.raw(),
            index: exn,
            tag: self.exceptions.get(exn).tag,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caught_exceptions_no_exnref_saw_are_reused_and_referenced_ones_kept() {
        let mut exns = Exceptions::default();
        for i in 0..1000 {
            let e = exns.alloc(0, Box::new([i]));
            exns.release(e);
        }
        assert_eq!(exns.objects.len(), 1, "a throw-catch loop reuses one slot");
        let kept = exns.alloc(1, Box::new([7]));
        exns.mark_referenced(kept);
        exns.release(kept);
        let other = exns.alloc(2, Box::new([]));
        assert_ne!(kept, other, "a referenced exception is never reused");
        assert_eq!(exns.get(kept).payload[..], [7]);
        assert_eq!(exns.live(), 2);
    }
}
