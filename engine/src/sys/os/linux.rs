//! Linux: address-space reservations, the trap signal handler and
//! per-thread alternate signal stacks. The handler knows nothing of the
//! engine: it asks the callback it was installed with whether a fault is
//! a trap, and reads and redirects the interrupted registers through the
//! architecture's module.

use super::arch::{pc_and_fp, redirect_to_resume};
use super::FaultHandler;
use core::ptr;
use core::sync::atomic::{AtomicUsize, Ordering};
use std::os::fd::AsRawFd;
use std::sync::Once;

/// A reservation of address space: `accessible` bytes from the start are
/// readable and writable, the rest faults on any access. Unmapped on drop.
pub(crate) struct Reservation {
    base: *mut u8,
    size: usize,
    accessible: usize,
    /// Whether part of it maps an [`ImageSource`] (until the next reset).
    image_mapped: bool,
}

// SAFETY: the reservation is plain memory owned by this value; moving it
// to another thread moves that ownership.
unsafe impl Send for Reservation {}
// SAFETY: through `&` a reservation yields only its base address (a value)
// and takes no action: `make_accessible` needs `&mut`, and the bytes are
// accessed through the owning memory's `&mut` or by compiled code under
// the store's exclusive borrow, never through a shared reservation.
unsafe impl Sync for Reservation {}

impl Reservation {
    /// Reserves `size` bytes of inaccessible address space (a multiple of
    /// the page size), without committing memory.
    pub(crate) fn new(size: usize) -> Option<Self> {
        // SAFETY: an anonymous private mapping at an address the kernel
        // picks touches no existing memory.
        let base = unsafe {
            libc::mmap(
                ptr::null_mut(),
                size,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return None;
        }
        Some(Self {
            base: base.cast(),
            size,
            accessible: 0,
            image_mapped: false,
        })
    }

    /// Makes the first `len` bytes accessible (never shrinks). New bytes
    /// read as zero.
    pub(crate) fn make_accessible(&mut self, len: usize) -> Option<()> {
        if len > self.size {
            return None;
        }
        if len <= self.accessible {
            return Some(());
        }
        let start = self.accessible;
        // SAFETY: `[start, len)` lies inside this reservation (checked
        // above), which this value owns; anonymous pages read as zero.
        let r = unsafe {
            libc::mprotect(
                self.base.add(start).cast(),
                len - start,
                libc::PROT_READ | libc::PROT_WRITE,
            )
        };
        if r != 0 {
            return None;
        }
        self.accessible = len;
        Some(())
    }

    /// Grows the reservation to `size` bytes (more than it has), with its
    /// first `accessible` bytes (at least as many as now) accessible,
    /// keeping the accessible bytes' contents, by having the kernel move
    /// its pages (`mremap`): no byte is copied, so a large memory costs
    /// neither the copy's time nor a second resident copy at its peak.
    /// The base may change. `None` if the kernel refused, or if part of it
    /// maps an image (another mapping, which `mremap` cannot move with it):
    /// the reservation is then where it was, with its contents, and its
    /// fields describe its mappings.
    pub(crate) fn grow_moving(&mut self, size: usize, accessible: usize) -> Option<()> {
        if size <= self.size
            || accessible > size
            || accessible < self.accessible
            || self.image_mapped
        {
            return None;
        }
        let prot = |base: *mut u8, from: usize, to: usize, prot: libc::c_int| {
            // SAFETY: callers pass `[from, to)` inside the reservation at
            // `base`, which this value owns; changing its protection
            // affects nothing else.
            to <= from || unsafe { libc::mprotect(base.add(from).cast(), to - from, prot) } == 0
        };
        // One mapping for `mremap` to move: the inaccessible rest made
        // accessible too (it is untouched, so it commits nothing).
        let rw = libc::PROT_READ | libc::PROT_WRITE;
        // Back to inaccessible after a failure; if even that fails, the
        // fields say the whole of it is accessible (it is bounds-checked
        // memory, and reads as zero past the memory's length).
        let undo = |this: &mut Self| {
            if !prot(this.base, this.accessible, this.size, libc::PROT_NONE) {
                this.accessible = this.size;
            }
        };
        if !prot(self.base, self.accessible, self.size, rw) {
            undo(self);
            return None;
        }
        // SAFETY: `[base, base + size)` is this value's own mapping, now
        // one private anonymous read-write range; `MREMAP_MAYMOVE` lets
        // the kernel place the larger one anywhere free, unmapping the old
        // range in the same call, so no other mapping is touched.
        let moved =
            unsafe { libc::mremap(self.base.cast(), self.size, size, libc::MREMAP_MAYMOVE) };
        if moved == libc::MAP_FAILED {
            undo(self);
            return None;
        }
        self.base = moved.cast();
        self.size = size;
        // All of it is accessible now; the added bytes read as zero (new
        // anonymous pages), and so do the old ones past the old
        // `accessible` (never accessible before). Past the new
        // `accessible`, inaccessible again: nothing can fail after the
        // move but that, which leaves more accessible, never less.
        self.accessible = size;
        if prot(self.base, accessible, size, libc::PROT_NONE) {
            self.accessible = accessible;
        }
        Some(())
    }

    /// The first byte of the reservation.
    pub(crate) fn base(&self) -> *mut u8 {
        self.base
    }

    /// The reservation's size in bytes.
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// Makes the first `len` bytes exactly accessible, the rest not: for
    /// a recycled reservation, which may have more or fewer accessible
    /// bytes than its next memory needs. Every accessible byte reads as
    /// zero (a recycled reservation was reset).
    pub(crate) fn set_accessible(&mut self, len: usize) -> Option<()> {
        if len >= self.accessible {
            return self.make_accessible(len);
        }
        // SAFETY: `[len, accessible)` lies inside this reservation, which
        // this value owns; revoking access to it affects nothing else.
        let r = unsafe {
            libc::mprotect(
                self.base.add(len).cast(),
                self.accessible - len,
                libc::PROT_NONE,
            )
        };
        if r != 0 {
            return None;
        }
        self.accessible = len;
        Some(())
    }

    /// Makes the reservation as good as new for another memory, none of
    /// the old bytes surviving: the first `keep_resident` accessible bytes
    /// (a whole number of pages) are zeroed in place and stay accessible
    /// and resident (so the small memory of the next per-request instance
    /// costs no system call and no page fault), and anything beyond is
    /// replaced by a fresh inaccessible anonymous mapping at the same
    /// address (not `madvise`, which emulators may ignore). `None` if the
    /// kernel refused.
    pub(crate) fn reset(&mut self, keep_resident: usize) -> Option<()> {
        // A mapped image's pages are the file's: replace them all.
        let keep = if self.image_mapped {
            0
        } else {
            self.accessible.min(keep_resident)
        };
        // SAFETY: `[base, base + keep)` is accessible memory of this
        // reservation, which this value owns and nothing else refers to
        // (the memory that used it is being dropped).
        unsafe { ptr::write_bytes(self.base, 0, keep) };
        if self.accessible > keep {
            // SAFETY: `[keep, accessible)` lies inside this reservation,
            // owned as above; MAP_FIXED replaces exactly it.
            let r = unsafe {
                libc::mmap(
                    self.base.add(keep).cast(),
                    self.accessible - keep,
                    libc::PROT_NONE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_FIXED,
                    -1,
                    0,
                )
            };
            if r == libc::MAP_FAILED {
                return None;
            }
        }
        self.accessible = keep;
        self.image_mapped = false;
        Some(())
    }

    /// Maps `image` copy-on-write over `[offset, offset + len)`, which
    /// must be accessible and page-aligned: its bytes then read as the
    /// image's, and a write copies only the page written. `None` if the
    /// range is not inside the accessible part or the kernel refused (the
    /// bytes are then unchanged).
    pub(crate) fn map_image(
        &mut self,
        offset: usize,
        len: usize,
        image: &ImageSource,
    ) -> Option<()> {
        if offset.checked_add(len)? > self.accessible || len == 0 {
            return None;
        }
        // SAFETY: `[offset, offset + len)` lies inside this reservation's
        // accessible part (checked above), which this value owns; MAP_FIXED
        // replaces exactly those pages with a private mapping of the
        // image's file, which the kernel keeps alive while it is mapped.
        let r = unsafe {
            libc::mmap(
                self.base.add(offset).cast(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_FIXED,
                image.fd.as_raw_fd(),
                image.offset as libc::off_t,
            )
        };
        if r == libc::MAP_FAILED {
            return None;
        }
        self.image_mapped = true;
        Some(())
    }
}

/// The bytes of a linear memory's initial image in a file: an anonymous
/// sealed `memfd` holding them, or a page-aligned range of an artifact.
/// Memories map it copy-on-write instead of copying their data segments.
pub(crate) struct ImageSource {
    fd: std::os::fd::OwnedFd,
    offset: u64,
}

impl ImageSource {
    /// An anonymous file holding `bytes`, sealed against any change; `None`
    /// if the kernel cannot make one.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<Self> {
        use std::io::Write;
        use std::os::fd::FromRawFd;
        // SAFETY: the name is a NUL-terminated string; the flags are valid.
        let fd = unsafe {
            libc::memfd_create(
                c"petrel-memory-image".as_ptr(),
                libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING,
            )
        };
        if fd < 0 {
            return None;
        }
        // SAFETY: `memfd_create` just returned this descriptor, owned by
        // nothing else.
        let mut file = unsafe { std::fs::File::from_raw_fd(fd) };
        file.write_all(bytes).ok()?;
        // Sealed so that nothing (not even a bug of ours) can change an
        // image that memories map. Best effort: an unsealed image works.
        // SAFETY: `fcntl` on a descriptor we own, with valid seal flags.
        unsafe {
            libc::fcntl(
                fd,
                libc::F_ADD_SEALS,
                libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE | libc::F_SEAL_SEAL,
            )
        };
        Some(Self {
            fd: file.into(),
            offset: 0,
        })
    }

    /// The bytes of `file` from `offset` (a multiple of the page size).
    pub(crate) fn from_file(file: &std::fs::File, offset: u64) -> Option<Self> {
        Some(Self {
            fd: file.try_clone().ok()?.into(),
            offset,
        })
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        // SAFETY: `base`/`size` is exactly the mapping `new` created, and
        // nothing refers to it any more (the owner is being dropped).
        unsafe { libc::munmap(self.base.cast(), self.size) };
    }
}

const SIGNALS: [libc::c_int; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];

/// The handlers that were installed before ours, by signal (indexed like
/// `SIGNALS`); written once, before our handler is installed.
static mut PREVIOUS: [core::mem::MaybeUninit<libc::sigaction>; 4] =
    [const { core::mem::MaybeUninit::zeroed() }; 4];

/// The callback that decides whether a fault is a trap (a `FaultHandler`
/// as an address; 0 until installed).
static ON_FAULT: AtomicUsize = AtomicUsize::new(0);

/// Installs the trap handler for SIGSEGV, SIGBUS, SIGILL and SIGFPE once
/// per process, with `on_fault` deciding which faults are traps. Any other
/// fault is passed to the handler that was there before. The first call's
/// callback is the one used.
pub(crate) fn install_signal_handlers(on_fault: FaultHandler) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        ON_FAULT.store(on_fault as usize, Ordering::Release);
        for (i, &sig) in SIGNALS.iter().enumerate() {
            // SAFETY: `sigaction` with a zeroed, then filled, action; the
            // previous action is saved before ours takes effect and is
            // never written again, so the handler reads it without races.
            unsafe {
                let mut action: libc::sigaction = core::mem::zeroed();
                action.sa_sigaction = trap_handler as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
                libc::sigemptyset(&mut action.sa_mask);
                let prev = (*ptr::addr_of_mut!(PREVIOUS))[i].as_mut_ptr();
                libc::sigaction(sig, &action, prev);
            }
        }
    });
}

extern "C" fn trap_handler(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    let uc = ctx.cast::<libc::ucontext_t>();
    // SAFETY: the kernel passes this thread's interrupted context.
    let (pc, fp) = unsafe { pc_and_fp(uc) };
    let on_fault = ON_FAULT.load(Ordering::Acquire);
    if on_fault != 0 {
        // SAFETY: only `install_signal_handlers` stores here, and it
        // stores a `FaultHandler`.
        let on_fault: FaultHandler =
            unsafe { core::mem::transmute::<usize, FaultHandler>(on_fault) };
        if let Some(buf) = on_fault(pc, fp) {
            // SAFETY: the callback returns only the live recovery point of
            // this thread's innermost entry into compiled code, for a
            // fault at one of that code's trap sites.
            unsafe { redirect_to_resume(uc, buf) };
            return;
        }
    }
    chain(sig, info, ctx);
}

/// Passes a fault that is not a Wasm trap to the previous handler.
fn chain(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    let Some(i) = SIGNALS.iter().position(|&s| s == sig) else {
        return;
    };
    // SAFETY: `PREVIOUS[i]` was written before our handler was installed
    // and is never written again.
    let prev = unsafe { (*ptr::addr_of!(PREVIOUS))[i].assume_init_ref() };
    let handler = prev.sa_sigaction;
    if handler == libc::SIG_DFL || handler == libc::SIG_IGN {
        // Restore the previous disposition and return: the faulting
        // instruction runs again and gets the default action (for these
        // signals, the process dies with the right signal).
        // SAFETY: reinstalling a saved action.
        unsafe { libc::sigaction(sig, prev, ptr::null_mut()) };
    } else if prev.sa_flags & libc::SA_SIGINFO != 0 {
        // SAFETY: the previous handler was installed with SA_SIGINFO, so
        // this is its signature.
        let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
            unsafe { core::mem::transmute(handler) };
        f(sig, info, ctx);
    } else {
        // SAFETY: a classic one-argument handler.
        let f: extern "C" fn(libc::c_int) = unsafe { core::mem::transmute(handler) };
        f(sig);
    }
}

/// Bytes of each alternate signal stack Petrel installs.
const ALT_STACK_SIZE: usize = 64 * 1024;

struct AltStack {
    map: *mut libc::c_void,
    size: usize,
}

impl Drop for AltStack {
    fn drop(&mut self) {
        // SAFETY: disable the alternate stack this thread installed, then
        // unmap it; the thread is exiting, so no handler runs on it.
        unsafe {
            let disable = libc::stack_t {
                ss_sp: ptr::null_mut(),
                ss_flags: libc::SS_DISABLE,
                ss_size: 0,
            };
            libc::sigaltstack(&disable, ptr::null_mut());
            libc::munmap(self.map, self.size);
        }
    }
}

std::thread_local! {
    /// Whether this thread's alternate stack was checked (and, if it had
    /// none, installed).
    static ALT_STACK_CHECKED: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
    /// The alternate stack Petrel installed on this thread, if any.
    static ALT_STACK: core::cell::RefCell<Option<AltStack>> = const { core::cell::RefCell::new(None) };
}

/// Makes sure this thread has an alternate signal stack, so the trap
/// handler runs even when the fault is on an exhausted stack. Threads that
/// Rust's standard library started already have one; others get a 64 KiB
/// stack (plus a guard page), freed when the thread exits. Runs on every
/// entry into compiled code: the check is inline, the work out of line.
#[inline]
pub(crate) fn ensure_alt_stack() {
    if !ALT_STACK_CHECKED.with(|c| c.get()) {
        install_alt_stack();
    }
}

#[cold]
#[inline(never)]
fn install_alt_stack() {
    ALT_STACK_CHECKED.with(|c| c.set(true));
    ALT_STACK.with(|slot| {
        // SAFETY: querying the current alternate stack.
        let mut current: libc::stack_t = unsafe { core::mem::zeroed() };
        // SAFETY: `current` is a valid `stack_t` to write the answer to.
        if unsafe { libc::sigaltstack(ptr::null(), &mut current) } != 0 {
            return;
        }
        if current.ss_flags & libc::SS_DISABLE == 0 {
            return;
        }
        let page = 4096;
        let size = ALT_STACK_SIZE + page;
        // SAFETY: a fresh anonymous mapping; its lowest page is made a
        // guard page so a handler overflowing the stack faults.
        unsafe {
            let map = libc::mmap(
                ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            if map == libc::MAP_FAILED {
                return;
            }
            libc::mprotect(map, page, libc::PROT_NONE);
            let stack = libc::stack_t {
                ss_sp: map.cast::<u8>().add(page).cast(),
                ss_flags: 0,
                ss_size: ALT_STACK_SIZE,
            };
            if libc::sigaltstack(&stack, ptr::null_mut()) != 0 {
                libc::munmap(map, size);
                return;
            }
            *slot.borrow_mut() = Some(AltStack { map, size });
        }
    });
}

/// Makes every thread of the process discard instructions it may have
/// fetched before new code was written (after the writer cleaned the
/// caches): `membarrier` with `PRIVATE_EXPEDITED_SYNC_CORE`, registered
/// on first use. Kernels (and emulators) without it leave the cache
/// maintenance alone to do the work, which suffices for the writing
/// thread; other threads then only see the code after their next context
/// switch, as before membarrier existed.
#[allow(dead_code)]
pub(crate) fn sync_cores() {
    const REGISTER_SYNC_CORE: libc::c_long = 1 << 6;
    const SYNC_CORE: libc::c_long = 1 << 5;
    static REGISTERED: Once = Once::new();
    static AVAILABLE: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
    REGISTERED.call_once(|| {
        // SAFETY: a system call with integer arguments only.
        let r = unsafe { libc::syscall(libc::SYS_membarrier, REGISTER_SYNC_CORE, 0, 0) };
        AVAILABLE.store(r == 0, Ordering::Release);
    });
    if AVAILABLE.load(Ordering::Acquire) {
        // SAFETY: as above.
        unsafe { libc::syscall(libc::SYS_membarrier, SYNC_CORE, 0, 0) };
    }
}

/// Whether directory `dir` exists (created, private to the user, if it
/// did not) and is safe to keep code in: owned by this process's user and
/// writable by no one else.
pub(crate) fn private_dir(dir: &std::path::Path) -> bool {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let _ = std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir);
    let Ok(meta) = std::fs::metadata(dir) else {
        return false;
    };
    // SAFETY: `geteuid` has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    meta.is_dir() && meta.uid() == me && meta.mode() & 0o022 == 0
}
