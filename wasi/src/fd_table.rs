//! [`FdTable`]: the guest's file descriptor numbers. Like POSIX, a new
//! descriptor gets the lowest free number; stdio are 0-2 and preopens
//! follow from 3 in the order they were given.

use crate::descriptor::{Descriptor, DirDesc, FileDesc};
use crate::errno::{Errno, WasiResult};

/// Most descriptors a guest may hold open at once, whatever the host's own
/// limit: a guest cannot grow the table without bound.
const MAX_FDS: usize = 1 << 16;

/// The guest's open descriptors, indexed by number.
#[derive(Debug, Default)]
pub(crate) struct FdTable {
    slots: Vec<Option<Descriptor>>,
}

impl FdTable {
    /// Adds `desc` under the lowest free number.
    pub(crate) fn push(&mut self, desc: Descriptor) -> WasiResult<u32> {
        let index = match self.slots.iter().position(Option::is_none) {
            Some(free) => {
                self.slots[free] = Some(desc);
                free
            }
            None if self.slots.len() < MAX_FDS => {
                self.slots.push(Some(desc));
                self.slots.len() - 1
            }
            None => return Err(Errno::Mfile),
        };
        Ok(index as u32)
    }

    /// The descriptor `fd`, or `EBADF`.
    pub(crate) fn get(&self, fd: u32) -> WasiResult<&Descriptor> {
        self.slots
            .get(fd as usize)
            .and_then(Option::as_ref)
            .ok_or(Errno::Badf)
    }

    /// The descriptor `fd`, mutably, or `EBADF`.
    pub(crate) fn get_mut(&mut self, fd: u32) -> WasiResult<&mut Descriptor> {
        self.slots
            .get_mut(fd as usize)
            .and_then(Option::as_mut)
            .ok_or(Errno::Badf)
    }

    /// Closes `fd`, returning what it referred to.
    pub(crate) fn remove(&mut self, fd: u32) -> WasiResult<Descriptor> {
        let desc = self
            .slots
            .get_mut(fd as usize)
            .and_then(Option::take)
            .ok_or(Errno::Badf)?;
        while matches!(self.slots.last(), Some(None)) {
            self.slots.pop();
        }
        Ok(desc)
    }

    /// Moves `from` to `to`, closing what `to` referred to. Both must be
    /// open (`EBADF`), as preview1 requires.
    pub(crate) fn renumber(&mut self, from: u32, to: u32) -> WasiResult<()> {
        self.get(from)?;
        self.get(to)?;
        if from != to {
            let desc = self.remove(from)?;
            self.slots[to as usize] = Some(desc);
        }
        Ok(())
    }

    /// The regular file `fd`: `EBADF` if it is not open or not a file.
    pub(crate) fn file(&mut self, fd: u32) -> WasiResult<&mut FileDesc> {
        match self.get_mut(fd)? {
            Descriptor::File(f) => Ok(f),
            _ => Err(Errno::Badf),
        }
    }

    /// The directory `fd`: `EBADF` if not open, `ENOTDIR` if open but not
    /// a directory.
    pub(crate) fn dir(&self, fd: u32) -> WasiResult<&DirDesc> {
        match self.get(fd)? {
            Descriptor::Dir(d) => Ok(d),
            _ => Err(Errno::NotDir),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stdio::{Input, Output};

    #[test]
    fn new_descriptors_take_the_lowest_free_number() {
        let mut table = FdTable::default();
        for expected in 0..4 {
            assert_eq!(
                table.push(Descriptor::output(Output::Discard)),
                Ok(expected)
            );
        }
        table.remove(1).unwrap();
        table.remove(2).unwrap();
        assert_eq!(table.push(Descriptor::input(Input::Empty)), Ok(1));
        assert_eq!(table.push(Descriptor::input(Input::Empty)), Ok(2));
        assert_eq!(table.push(Descriptor::input(Input::Empty)), Ok(4));
    }

    #[test]
    fn renumber_needs_both_open_and_closes_the_target() {
        let mut table = FdTable::default();
        table.push(Descriptor::input(Input::Empty)).unwrap();
        table.push(Descriptor::output(Output::Discard)).unwrap();
        assert_eq!(table.renumber(0, 5), Err(Errno::Badf));
        table.renumber(1, 0).unwrap();
        assert!(matches!(table.get(0), Ok(Descriptor::Output(..))));
        assert_eq!(table.get(1).err(), Some(Errno::Badf));
        assert_eq!(table.remove(7).err(), Some(Errno::Badf));
    }
}
