//! Ops on memories other than memory 0 (multi-memory).
//!
//! The dispatch loop caches only memory 0, and its ops name no memory, so
//! the common case pays nothing for the others. An op on another memory is
//! memory 0's op behind an `OnMemory` prefix, whose handler, [`execute`],
//! runs it here, out of line, against the memory it names: loads and
//! stores with the same bounds checks as memory 0's (`memory::load` and
//! `memory::store`), bulk ops through `runtime::bulk` as memory 0's do.

use super::{memory, simd, slots, Stop};
use crate::error::TrapCode;
use crate::interp::bytecode::{simd_ops, Op};
use crate::runtime::{bulk, StoreInner};

use super::slots::{set_slot as set, slot as get};

/// Runs the `OnMemory` prefix at `at` and the op after it, for the frame
/// at `sp` of instance `instance`, and returns the next op to run and
/// whether the op was a `memory.grow` (after which the caller re-reads its
/// cache of memory 0, which may be the same memory imported twice) or a
/// `memory.size` (which may have seen a shared memory 0 grown by another
/// thread).
///
/// Cold and out of line, like the SIMD handler, so that the dispatch
/// loop's code and register allocation stay as they are.
///
/// # Safety
///
/// As for every handler of the dispatch loop: the translator emitted the
/// prefix at `at` and right after it one of the ops it applies to (slot
/// operands inside the frame the value stack holds from `sp`, an `Aux`
/// after it if it reads one), and `consts` is the function's constant
/// pool.
#[cold]
#[inline(never)]
pub(super) unsafe fn execute(
    inner: &mut StoreInner,
    data: *mut (),
    instance: u32,
    at: *const Op,
    sp: *mut u64,
    consts: &[u64],
) -> Result<(*const Op, bool), Stop> {
    // SAFETY: the contract: an op follows the prefix.
    let grew = matches!(
        unsafe { *at.add(1) },
        Op::MemoryGrow { .. } | Op::MemorySize { .. }
    );
    // SAFETY: the contract, passed on.
    let next = unsafe { execute_op(inner, data, instance, at, sp, consts)? };
    Ok((next, grew))
}

/// [`execute`], without the `memory.grow` flag.
///
/// # Safety
/// As for [`execute`].
unsafe fn execute_op(
    inner: &mut StoreInner,
    data: *mut (),
    instance: u32,
    at: *const Op,
    sp: *mut u64,
    consts: &[u64],
) -> Result<*const Op, Stop> {
    // SAFETY: the prefix at `at` is followed by its op (the contract),
    // which is followed by at least one more (its `Aux`, or the function's
    // final return or branch).
    let (prefix, ip, next) = unsafe { (*at, at.add(1), at.add(2)) };
    let Op::OnMemory {
        memory,
        src: src_memory,
    } = prefix
    else {
        return Err(TrapCode::Unreachable.into());
    };
    // SAFETY: as above.
    match unsafe { *ip } {
        Op::MemorySize { dst } => set!(sp, dst, bulk::memory_size_of(inner, instance, memory)),
        Op::MemoryGrow { dst, delta } => {
            // The caller refreshes its cache of memory 0 (which this may
            // be too, imported twice).
            let wide = is_64(inner, instance, memory);
            let delta = address(get!(sp, delta), wide);
            let r = bulk::memory_grow_of(inner, data, instance, memory, delta)?;
            set!(sp, dst, address(r, wide))
        }
        Op::MemoryFill { dst, val, len } => {
            let wide = is_64(inner, instance, memory);
            let (d, v, n) = (
                address(get!(sp, dst), wide),
                get!(sp, val) as u8,
                address(get!(sp, len), wide),
            );
            bulk::memory_fill_of(inner, instance, memory, d, v, n)?;
        }
        Op::MemoryCopy { dst, src, len } => {
            // Each address is its memory's type; the length is 64-bit
            // only if both are.
            let dst_wide = is_64(inner, instance, memory);
            let src_wide = is_64(inner, instance, src_memory);
            let (d, s, n) = (
                address(get!(sp, dst), dst_wide),
                address(get!(sp, src), src_wide),
                address(get!(sp, len), dst_wide && src_wide),
            );
            bulk::memory_copy_between(inner, instance, memory, src_memory, d, s, n)?;
        }
        Op::MemoryInit { dst, src, len } => {
            let seg = slots::aux(next).0;
            let wide = is_64(inner, instance, memory);
            let (d, s, n) = (
                address(get!(sp, dst), wide),
                get!(sp, src) as u32,
                get!(sp, len) as u32,
            );
            bulk::memory_init_of(inner, instance, memory, seg, d, s, n)?;
            // SAFETY: past the `Aux`, still inside the function's ops.
            return Ok(unsafe { next.add(1) });
        }
        // SAFETY: the contract, with `ip` the op after the prefix.
        _ => return Ok(unsafe { access(inner, instance, memory, ip, sp, consts) }?),
    }
    Ok(next)
}

/// Whether memory `memory` of instance `instance` has 64-bit addresses.
fn is_64(inner: &StoreInner, instance: u32, memory: u32) -> bool {
    let m = inner.instances[instance as usize].memories[memory as usize];
    inner.memories[m as usize].ty.memory64
}

/// An address or length operand as the bulk operations take it: a 64-bit
/// memory's whole slot, a 32-bit one's low half (its slot's high half is
/// not kept zero).
fn address(slot: u64, wide: bool) -> u64 {
    if wide {
        slot
    } else {
        slot as u32 as u64
    }
}

/// The address operand of the load or store at `ip`, whole.
///
/// # Safety
/// As for [`access`].
unsafe fn address_slot(ip: *const Op, sp: *mut u64) -> u64 {
    // SAFETY: the contract: a load or store is at `ip`.
    match unsafe { *ip } {
        Op::Load8S { ptr, .. }
        | Op::Load8U { ptr, .. }
        | Op::Load16S { ptr, .. }
        | Op::Load16U { ptr, .. }
        | Op::Load32S { ptr, .. }
        | Op::Load32U { ptr, .. }
        | Op::Load64 { ptr, .. }
        | Op::Store8 { ptr, .. }
        | Op::Store16 { ptr, .. }
        | Op::Store32 { ptr, .. }
        | Op::Store64 { ptr, .. }
        | Op::V128Load { ptr, .. }
        | Op::V128Load8x8S { ptr, .. }
        | Op::V128Load8x8U { ptr, .. }
        | Op::V128Load16x4S { ptr, .. }
        | Op::V128Load16x4U { ptr, .. }
        | Op::V128Load32x2S { ptr, .. }
        | Op::V128Load32x2U { ptr, .. }
        | Op::V128Load8Splat { ptr, .. }
        | Op::V128Load16Splat { ptr, .. }
        | Op::V128Load32Splat { ptr, .. }
        | Op::V128Load64Splat { ptr, .. }
        | Op::V128Load32Zero { ptr, .. }
        | Op::V128Load64Zero { ptr, .. }
        | Op::V128Load8Lane { ptr, .. }
        | Op::V128Load16Lane { ptr, .. }
        | Op::V128Load32Lane { ptr, .. }
        | Op::V128Load64Lane { ptr, .. }
        | Op::V128Store { ptr, .. }
        | Op::V128Store8Lane { ptr, .. }
        | Op::V128Store16Lane { ptr, .. }
        | Op::V128Store32Lane { ptr, .. }
        | Op::V128Store64Lane { ptr, .. } => get!(sp, ptr),
        // Not an access: `access` refuses it.
        _ => 0,
    }
}

/// Runs the load or store at `ip` on memory `memory` of instance
/// `instance` and returns the op after it (and after its `Aux`, if it
/// reads one). Same contract as [`execute`], with `ip` the op after an
/// `OnMemory` prefix.
unsafe fn access(
    inner: &mut StoreInner,
    instance: u32,
    memory: u32,
    ip: *const Op,
    sp: *mut u64,
    consts: &[u64],
) -> Result<*const Op, TrapCode> {
    let m = inner.instances[instance as usize].memories[memory as usize];
    let mem = &mut inner.memories[m as usize];
    let wide = mem.ty.memory64;
    let (mut mem, mut len) = (mem.base(), mem.len());
    if wide {
        // A 64-bit address: the op reads its low 32 bits, as for a 32-bit
        // memory, against the memory rebased by the high ones. The access
        // `ptr + offset + N <= len` is then the same check, `high` taken
        // from both sides; an address whose high part is past the end is
        // out of bounds whatever its low part (offsets are below 2^32
        // here: the translator adds a larger one's high part first).
        // SAFETY: the contract of this function is `address_slot`'s.
        let high = unsafe { address_slot(ip, sp) } & !0xffff_ffff;
        if high > len as u64 {
            return Err(TrapCode::MemoryOutOfBounds);
        }
        // SAFETY: `high <= len`: at most one past the allocation's end.
        mem = unsafe { mem.add(high as usize) };
        len -= high as usize;
    }

    macro_rules! load {
        ($dst:expr, $ptr:expr, $offset:expr, $load:ident) => {
            set!(
                sp,
                $dst,
                memory::$load(mem, len, get!(sp, $ptr) as u32, $offset)?
            )
        };
    }
    macro_rules! store {
        ($ptr:expr, $src:expr, $offset:expr, $store:ident) => {
            memory::$store(mem, len, get!(sp, $ptr) as u32, $offset, get!(sp, $src))?
        };
    }

    // SAFETY: the translator emits a load or store after every prefix.
    let op = unsafe { *ip };
    match op {
        Op::Load8S { dst, ptr, offset } => load!(dst, ptr, offset, load8_s),
        Op::Load8U { dst, ptr, offset } => load!(dst, ptr, offset, load8_u),
        Op::Load16S { dst, ptr, offset } => load!(dst, ptr, offset, load16_s),
        Op::Load16U { dst, ptr, offset } => load!(dst, ptr, offset, load16_u),
        Op::Load32S { dst, ptr, offset } => load!(dst, ptr, offset, load32_s),
        Op::Load32U { dst, ptr, offset } => load!(dst, ptr, offset, load32_u),
        Op::Load64 { dst, ptr, offset } => load!(dst, ptr, offset, load64),
        Op::Store8 { ptr, src, offset } => store!(ptr, src, offset, store8),
        Op::Store16 { ptr, src, offset } => store!(ptr, src, offset, store16),
        Op::Store32 { ptr, src, offset } => store!(ptr, src, offset, store32),
        Op::Store64 { ptr, src, offset } => store!(ptr, src, offset, store64),
        simd_ops!() => {
            // A lane load reads an `Aux` after it.
            let n = match op {
                Op::V128Load8Lane { .. }
                | Op::V128Load16Lane { .. }
                | Op::V128Load32Lane { .. }
                | Op::V128Load64Lane { .. } => 2,
                _ => 1,
            };
            // `simd::execute` runs vector ops until a scalar one: give it
            // a copy of just this op (and its `Aux`) ending in one, so the
            // vector ops after it still run on memory 0.
            let mut one = [Op::Unreachable; 3];
            // SAFETY: the op and, for lane loads, its `Aux` are in the
            // function's ops (the contract).
            one[..n].copy_from_slice(unsafe { core::slice::from_raw_parts(ip, n) });
            // SAFETY: `one` ends in a scalar op; the rest is the contract,
            // with `mem..mem + len` memory `memory`'s live allocation.
            unsafe { simd::execute(one.as_ptr(), sp, mem, len, consts)? };
            // SAFETY: the `n` ops are in the function's ops.
            return Ok(unsafe { ip.add(n) });
        }
        // The translator puts only memory ops after a prefix: another op
        // here is a translator bug (an op added without its arm here).
        other => {
            debug_assert!(false, "{other:?} after an `OnMemory` prefix");
            return Err(TrapCode::Unreachable);
        }
    }
    // SAFETY: the op at `ip` is in the function's ops, which go on after
    // it (they end in a return or a branch).
    Ok(unsafe { ip.add(1) })
}
