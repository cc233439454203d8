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
use std::cell::UnsafeCell;
use std::ops::Range;
use std::sync::atomic::{AtomicU8, Ordering};

/// A guest's linear memory, borrowed for one WASI call.
pub struct GuestMemory<'a> {
    bytes: Bytes<'a>,
}

/// The memory's bytes: a store's own memory, borrowed exclusively for the
/// call, or a shared memory (threads), whose bytes other threads may read
/// and write while the call runs.
enum Bytes<'a> {
    Unique(&'a mut [u8]),
    /// Never borrowed as `&[u8]` or `&mut [u8]`: other threads may change
    /// any byte at any time, so every byte is read and written once, with
    /// a relaxed atomic access (a racing guest sees some interleaving of
    /// whole bytes; the host never holds a reference that a write breaks).
    Shared(&'a [UnsafeCell<u8>]),
}

/// Reads for a call on a shared memory go through a host buffer of at
/// most this many bytes (a shorter read is a legal short read).
const SHARED_READ_CHUNK: usize = 1 << 20;

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
        Self {
            bytes: Bytes::Unique(bytes),
        }
    }

    /// Wraps a shared memory's bytes (`petrel::SharedMemory::data`).
    pub fn shared(bytes: &'a [UnsafeCell<u8>]) -> Self {
        Self {
            bytes: Bytes::Shared(bytes),
        }
    }

    fn len(&self) -> usize {
        match &self.bytes {
            Bytes::Unique(b) => b.len(),
            Bytes::Shared(b) => b.len(),
        }
    }

    /// The host range of `len` bytes at guest address `ptr`, or `EFAULT`
    /// if any of them lies outside the memory.
    fn range(&self, ptr: u32, len: u64) -> WasiResult<Range<usize>> {
        let start = u64::from(ptr);
        let end = start.checked_add(len).ok_or(Errno::Fault)?;
        if end > self.len() as u64 {
            return Err(Errno::Fault);
        }
        // Both fit in usize: they are at most the memory's length.
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

    /// Copies the bytes of `range` (in bounds) into `out` (as long).
    fn copy_out(&self, range: Range<usize>, out: &mut [u8]) {
        match &self.bytes {
            Bytes::Unique(b) => out.copy_from_slice(&b[range]),
            Bytes::Shared(b) => {
                for (o, cell) in out.iter_mut().zip(&b[range]) {
                    *o = shared_byte(cell).load(Ordering::Relaxed);
                }
            }
        }
    }

    /// Copies `data` into the bytes of `range` (in bounds, as long).
    fn copy_in(&mut self, range: Range<usize>, data: &[u8]) {
        match &mut self.bytes {
            Bytes::Unique(b) => b[range].copy_from_slice(data),
            Bytes::Shared(b) => {
                for (cell, &d) in b[range].iter().zip(data) {
                    shared_byte(cell).store(d, Ordering::Relaxed);
                }
            }
        }
    }

    /// `len` bytes at `ptr`, copied out.
    pub fn read_bytes(&self, ptr: u32, len: u32) -> WasiResult<Vec<u8>> {
        let range = self.range(ptr, u64::from(len))?;
        let mut out = vec![0; range.len()];
        self.copy_out(range, &mut out);
        Ok(out)
    }

    /// Lets `fill` write `len` bytes at `ptr` (all of them: it is given
    /// them zeroed on a shared memory, and the whole buffer is copied in).
    pub fn fill(
        &mut self,
        ptr: u32,
        len: u32,
        fill: impl FnOnce(&mut [u8]) -> WasiResult<()>,
    ) -> WasiResult<()> {
        let range = self.range(ptr, u64::from(len))?;
        match &mut self.bytes {
            Bytes::Unique(b) => fill(&mut b[range]),
            Bytes::Shared(_) => {
                let mut buf = vec![0; range.len()];
                fill(&mut buf)?;
                self.copy_in(range, &buf);
                Ok(())
            }
        }
    }

    /// Copies `data` to `ptr`.
    pub fn write_bytes(&mut self, ptr: u32, data: &[u8]) -> WasiResult<()> {
        let range = self.range(ptr, data.len() as u64)?;
        self.copy_in(range, data);
        Ok(())
    }

    fn array<const N: usize>(&self, ptr: u32) -> WasiResult<[u8; N]> {
        let range = self.range(ptr, N as u64)?;
        let mut out = [0; N];
        self.copy_out(range, &mut out);
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
    pub fn read_str(&self, ptr: u32, len: u32) -> WasiResult<String> {
        String::from_utf8(self.read_bytes(ptr, len)?).map_err(|_| Errno::Ilseq)
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
            let range = self.range(iov.ptr, u64::from(iov.len))?;
            let at = out.len();
            out.resize(at + range.len(), 0);
            self.copy_out(range, &mut out[at..]);
        }
        Ok(out)
    }

    /// Lets `read` fill the first non-empty buffer of `iovs` (what a read
    /// fills: a read that fills only it is a legal short read, and
    /// overlapping iovecs can never alias two host borrows); `read`
    /// returns how many bytes it wrote, and so does this. On a shared
    /// memory `read` fills a host buffer (of at most 1 MiB) whose first
    /// bytes are then copied in.
    pub fn read_into(
        &mut self,
        iovs: &[IoVec],
        read: impl FnOnce(&mut [u8]) -> WasiResult<usize>,
    ) -> WasiResult<usize> {
        let Some(iov) = iovs.iter().find(|iov| iov.len > 0) else {
            return read(&mut []);
        };
        let range = self.range(iov.ptr, u64::from(iov.len))?;
        match &mut self.bytes {
            Bytes::Unique(b) => read(&mut b[range]),
            Bytes::Shared(_) => {
                let mut buf = vec![0; range.len().min(SHARED_READ_CHUNK)];
                let n = read(&mut buf)?.min(buf.len());
                self.copy_in(range.start..range.start + n, &buf[..n]);
                Ok(n)
            }
        }
    }
}

/// One byte of a shared memory, to be accessed atomically.
fn shared_byte(cell: &UnsafeCell<u8>) -> &AtomicU8 {
    // SAFETY: the pointer is valid for the cell's lifetime, `u8` needs no
    // alignment, and this module only ever accesses a shared memory's
    // bytes atomically (guest threads access them with their own atomic or
    // plain instructions, as they do among themselves).
    unsafe { AtomicU8::from_ptr(cell.get()) }
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
        assert_eq!(mem.read_str(0, 2).as_deref(), Ok("ok"));
        assert_eq!(mem.read_str(0, 3), Err(Errno::Ilseq));
    }

    /// A shared memory's bytes, as `petrel::SharedMemory::data` gives
    /// them.
    fn cells(bytes: &mut [u8]) -> &[UnsafeCell<u8>] {
        // SAFETY: `UnsafeCell<u8>` has `u8`'s layout, and the exclusive
        // borrow is held as long as the cells are.
        unsafe { &*(bytes as *mut [u8] as *const [UnsafeCell<u8>]) }
    }

    #[test]
    fn a_shared_memory_has_the_same_bounds_and_contents() {
        let mut bytes = [0u8; 32];
        bytes[0..4].copy_from_slice(&8u32.to_le_bytes());
        bytes[4..8].copy_from_slice(&100u32.to_le_bytes());
        let mut mem = GuestMemory::shared(cells(&mut bytes));
        assert_eq!(mem.check(28, 4), Ok(()));
        assert_eq!(mem.check(29, 4), Err(Errno::Fault));
        assert_eq!(mem.check(u32::MAX, u32::MAX), Err(Errno::Fault));
        assert_eq!(mem.iovecs(0, 1), Err(Errno::Fault));
        assert_eq!(mem.read_u32(0), Ok(8));
        mem.write_u64(20, 0x0807_0605_0403_0201).unwrap();
        assert_eq!(mem.read_bytes(20, 3), Ok(vec![1, 2, 3]));
        assert_eq!(mem.read_bytes(30, 3), Err(Errno::Fault));
        assert_eq!(mem.write_bytes(31, b"ab"), Err(Errno::Fault));
        mem.write_bytes(8, b"path").unwrap();
        assert_eq!(mem.read_str(8, 4).as_deref(), Ok("path"));
        assert_eq!(&bytes[20..28], &[1, 2, 3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn reads_into_a_shared_memory_copy_what_was_read_and_no_more() {
        let mut bytes = [0xAAu8; 32];
        let iovs = [
            IoVec { ptr: 0, len: 0 },
            IoVec { ptr: 4, len: 8 },
            IoVec { ptr: 20, len: 4 },
        ];
        let mut mem = GuestMemory::shared(cells(&mut bytes));
        let n = mem
            .read_into(&iovs, |buf| {
                assert_eq!(buf.len(), 8);
                buf[..3].copy_from_slice(b"abc");
                Ok(3)
            })
            .unwrap();
        assert_eq!(n, 3);
        // A reader that claims more than it was given is held to the
        // buffer.
        let n = mem.read_into(&iovs[1..2], |_| Ok(100)).unwrap();
        assert_eq!(n, 8);
        let out_of_bounds = [IoVec { ptr: 30, len: 4 }];
        assert_eq!(mem.read_into(&out_of_bounds, |_| Ok(0)), Err(Errno::Fault));
        mem.fill(24, 4, |b| {
            b.copy_from_slice(b"wxyz");
            Ok(())
        })
        .unwrap();
        assert_eq!(mem.fill(30, 4, |_| Ok(())), Err(Errno::Fault));
        assert_eq!(&bytes[0..4], &[0xAA; 4]);
        assert_eq!(&bytes[4..12], &[0; 8]);
        assert_eq!(&bytes[24..28], b"wxyz");
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
