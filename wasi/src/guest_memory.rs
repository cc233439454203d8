//! **Security-critical.** Every access a WASI function makes to guest
//! linear memory goes through [`GuestMemory`], and this file owns every
//! bounds check. Pointers and lengths come straight from the guest: any
//! `(ptr, len)` whose end lies past the memory, or overflows, is
//! [`Errno::Fault`], never a host panic or an out-of-bounds host access.
//! Arithmetic is done in `u64`, where `u32 + u32` cannot overflow, before
//! converting to `usize`. Substantive changes here need two reviews.
//!
//! Unaligned pointers are accepted: Wasm memory has no alignment faults,
//! and every multi-byte value is read and written as little-endian bytes.

use crate::errno::{Errno, WasiResult};
use crate::types::layout::IOVEC_SIZE;
use std::ops::Range;

/// A guest's linear memory, borrowed for one WASI call.
pub struct GuestMemory<'a> {
    bytes: &'a mut [u8],
}

/// One `iovec`/`ciovec` as the guest wrote it: checked to lie in memory
/// when it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IoVec {
    /// Guest address of the buffer.
    pub ptr: u32,
    /// Its length in bytes.
    pub len: u32,
}

impl<'a> GuestMemory<'a> {
    /// Wraps the memory's bytes.
    pub fn new(bytes: &'a mut [u8]) -> Self {
        Self { bytes }
    }

    /// The host range of `len` bytes at guest address `ptr`, or `EFAULT`
    /// if any of them lies outside the memory.
    fn range(&self, ptr: u32, len: u64) -> WasiResult<Range<usize>> {
        let start = u64::from(ptr);
        let end = start.checked_add(len).ok_or(Errno::Fault)?;
        if end > self.bytes.len() as u64 {
            return Err(Errno::Fault);
        }
        // Both fit in usize: they are at most the slice's length.
        Ok(start as usize..end as usize)
    }

    /// Fails with `EFAULT` unless `len` bytes at `ptr` are in memory. Used
    /// to check out-pointers before doing anything with side effects.
    pub fn check(&self, ptr: u32, len: u32) -> WasiResult<()> {
        self.range(ptr, u64::from(len)).map(drop)
    }

    /// Fails with `EFAULT` unless `count` records of `size` bytes at
    /// `ptr` are in memory.
    pub fn check_array(&self, ptr: u32, count: u32, size: u32) -> WasiResult<()> {
        self.range(ptr, u64::from(count) * u64::from(size))
            .map(drop)
    }

    /// `len` bytes at `ptr`.
    pub fn slice(&self, ptr: u32, len: u32) -> WasiResult<&[u8]> {
        let range = self.range(ptr, u64::from(len))?;
        Ok(&self.bytes[range])
    }

    /// `len` bytes at `ptr`, writable.
    pub fn slice_mut(&mut self, ptr: u32, len: u32) -> WasiResult<&mut [u8]> {
        let range = self.range(ptr, u64::from(len))?;
        Ok(&mut self.bytes[range])
    }

    /// Copies `data` to `ptr`.
    pub fn write_bytes(&mut self, ptr: u32, data: &[u8]) -> WasiResult<()> {
        let range = self.range(ptr, data.len() as u64)?;
        self.bytes[range].copy_from_slice(data);
        Ok(())
    }

    fn array<const N: usize>(&self, ptr: u32) -> WasiResult<[u8; N]> {
        let range = self.range(ptr, N as u64)?;
        let mut out = [0; N];
        out.copy_from_slice(&self.bytes[range]);
        Ok(out)
    }

    /// The `u8` at `ptr`.
    pub fn read_u8(&self, ptr: u32) -> WasiResult<u8> {
        Ok(u8::from_le_bytes(self.array(ptr)?))
    }

    /// The little-endian `u16` at `ptr`.
    pub fn read_u16(&self, ptr: u32) -> WasiResult<u16> {
        Ok(u16::from_le_bytes(self.array(ptr)?))
    }

    /// The little-endian `u32` at `ptr`.
    pub fn read_u32(&self, ptr: u32) -> WasiResult<u32> {
        Ok(u32::from_le_bytes(self.array(ptr)?))
    }

    /// The little-endian `u64` at `ptr`.
    pub fn read_u64(&self, ptr: u32) -> WasiResult<u64> {
        Ok(u64::from_le_bytes(self.array(ptr)?))
    }

    /// Writes a `u8` at `ptr`.
    pub fn write_u8(&mut self, ptr: u32, value: u8) -> WasiResult<()> {
        self.write_bytes(ptr, &value.to_le_bytes())
    }

    /// Writes a little-endian `u16` at `ptr`.
    pub fn write_u16(&mut self, ptr: u32, value: u16) -> WasiResult<()> {
        self.write_bytes(ptr, &value.to_le_bytes())
    }

    /// Writes a little-endian `u32` at `ptr`.
    pub fn write_u32(&mut self, ptr: u32, value: u32) -> WasiResult<()> {
        self.write_bytes(ptr, &value.to_le_bytes())
    }

    /// Writes a little-endian `u64` at `ptr`.
    pub fn write_u64(&mut self, ptr: u32, value: u64) -> WasiResult<()> {
        self.write_bytes(ptr, &value.to_le_bytes())
    }

    /// The UTF-8 string of `len` bytes at `ptr` (a path, usually):
    /// `EFAULT` if out of bounds, `EILSEQ` if not UTF-8, as wasmtime.
    pub fn read_str(&self, ptr: u32, len: u32) -> WasiResult<&str> {
        std::str::from_utf8(self.slice(ptr, len)?).map_err(|_| Errno::Ilseq)
    }

    /// The `count` iovecs at `ptr`: the array and every buffer it names
    /// must lie in memory, or the whole call is `EFAULT` before any I/O.
    pub fn iovecs(&self, ptr: u32, count: u32) -> WasiResult<Vec<IoVec>> {
        self.check_array(ptr, count, IOVEC_SIZE)?;
        (0..count)
            .map(|i| {
                // In bounds: checked just above for the whole array.
                let at = ptr + i * IOVEC_SIZE;
                let iov = IoVec {
                    ptr: self.read_u32(at)?,
                    len: self.read_u32(at + 4)?,
                };
                self.check(iov.ptr, iov.len)?;
                Ok(iov)
            })
            .collect()
    }

    /// The bytes of all `iovs`, concatenated (what a gathering write
    /// sends).
    pub fn gather(&self, iovs: &[IoVec]) -> WasiResult<Vec<u8>> {
        let mut out = Vec::new();
        for iov in iovs {
            out.extend_from_slice(self.slice(iov.ptr, iov.len)?);
        }
        Ok(out)
    }

    /// The first non-empty buffer of `iovs`, writable (what a read fills:
    /// a read that fills only it is a legal short read, and overlapping
    /// iovecs can never alias two host borrows).
    pub fn first_nonempty_mut(&mut self, iovs: &[IoVec]) -> WasiResult<&mut [u8]> {
        match iovs.iter().find(|iov| iov.len > 0) {
            Some(iov) => self.slice_mut(iov.ptr, iov.len),
            None => Ok(&mut []),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_ending_at_the_last_byte_are_in_bounds() {
        let mut bytes = [0u8; 16];
        let mem = GuestMemory::new(&mut bytes);
        assert!(mem.check(12, 4).is_ok());
        assert!(mem.check(16, 0).is_ok());
        assert_eq!(mem.check(13, 4), Err(Errno::Fault));
        assert_eq!(mem.check(17, 0), Err(Errno::Fault));
    }

    #[test]
    fn overflowing_pointer_plus_length_is_efault() {
        let mut bytes = [0u8; 16];
        let mem = GuestMemory::new(&mut bytes);
        assert_eq!(mem.check(u32::MAX, u32::MAX), Err(Errno::Fault));
        assert_eq!(mem.read_u64(u32::MAX - 3), Err(Errno::Fault));
        assert_eq!(mem.check_array(0, u32::MAX, 48), Err(Errno::Fault));
    }

    #[test]
    fn iovecs_with_a_buffer_out_of_bounds_are_efault() {
        let mut bytes = [0u8; 32];
        bytes[0..4].copy_from_slice(&8u32.to_le_bytes());
        bytes[4..8].copy_from_slice(&100u32.to_le_bytes());
        let mem = GuestMemory::new(&mut bytes);
        assert_eq!(mem.iovecs(0, 1), Err(Errno::Fault));
        assert_eq!(mem.iovecs(28, 1), Err(Errno::Fault));
    }

    #[test]
    fn strings_must_be_utf8() {
        let mut bytes = *b"ok\xff";
        let mem = GuestMemory::new(&mut bytes);
        assert_eq!(mem.read_str(0, 2), Ok("ok"));
        assert_eq!(mem.read_str(0, 3), Err(Errno::Ilseq));
    }

    #[test]
    fn values_are_little_endian_and_may_be_unaligned() {
        let mut bytes = [0u8; 16];
        let mut mem = GuestMemory::new(&mut bytes);
        mem.write_u32(3, 0x0403_0201).unwrap();
        assert_eq!(mem.read_u8(3), Ok(1));
        assert_eq!(mem.read_u16(4), Ok(0x0302));
        mem.write_u64(8, u64::MAX).unwrap();
        assert_eq!(mem.read_u64(8), Ok(u64::MAX));
    }
}
