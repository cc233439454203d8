//! The `filestat` structure and `fstflags` time updates, shared by the
//! `fd_filestat_*` and `path_filestat_*` functions.

use crate::errno::{Errno, WasiResult};
use crate::guest_memory::GuestMemory;
use crate::types::{fstflags, layout};

/// A file's status as preview1 reports it.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Filestat {
    pub dev: u64,
    pub ino: u64,
    pub filetype: u8,
    pub nlink: u64,
    pub size: u64,
    pub atim: u64,
    pub mtim: u64,
    pub ctim: u64,
}

/// Seconds and nanoseconds since the epoch as preview1's `timestamp`;
/// times before 1970 read as 0.
pub(crate) fn timestamp(secs: i64, nsecs: i64) -> u64 {
    u64::try_from(secs)
        .ok()
        .and_then(|s| s.checked_mul(1_000_000_000))
        .and_then(|ns| ns.checked_add(u64::try_from(nsecs).unwrap_or(0)))
        .unwrap_or(if secs < 0 { 0 } else { u64::MAX })
}

impl Filestat {
    // `Stat`'s field types differ between rustix's backends and targets;
    // the casts are the identity only on some of them.
    #[allow(clippy::unnecessary_cast)]
    pub(crate) fn from_stat(st: &rustix::fs::Stat) -> Filestat {
        Filestat {
            dev: st.st_dev as u64,
            ino: st.st_ino as u64,
            filetype: crate::descriptor::filetype_of_mode(st.st_mode as u32),
            nlink: st.st_nlink as u64,
            size: st.st_size as u64,
            atim: timestamp(st.st_atime as i64, st.st_atime_nsec as i64),
            mtim: timestamp(st.st_mtime as i64, st.st_mtime_nsec as i64),
            ctim: timestamp(st.st_ctime as i64, st.st_ctime_nsec as i64),
        }
    }

    pub(crate) fn from_metadata(meta: &cap_std::fs::Metadata) -> Filestat {
        use cap_fs_ext::OsMetadataExt;
        Filestat {
            dev: meta.dev(),
            ino: meta.ino(),
            filetype: crate::descriptor::filetype_of(meta.file_type()),
            nlink: meta.nlink(),
            size: meta.len(),
            atim: timestamp(meta.atime(), meta.atime_nsec()),
            mtim: timestamp(meta.mtime(), meta.mtime_nsec()),
            ctim: timestamp(meta.ctime(), meta.ctime_nsec()),
        }
    }
}

pub(crate) fn write_filestat(mem: &mut GuestMemory<'_>, ptr: u32, st: &Filestat) -> WasiResult<()> {
    let mut out = [0u8; layout::FILESTAT_SIZE as usize];
    out[0..8].copy_from_slice(&st.dev.to_le_bytes());
    out[8..16].copy_from_slice(&st.ino.to_le_bytes());
    out[16] = st.filetype;
    out[24..32].copy_from_slice(&st.nlink.to_le_bytes());
    out[32..40].copy_from_slice(&st.size.to_le_bytes());
    out[40..48].copy_from_slice(&st.atim.to_le_bytes());
    out[48..56].copy_from_slice(&st.mtim.to_le_bytes());
    out[56..64].copy_from_slice(&st.ctim.to_le_bytes());
    mem.write_bytes(ptr, &out)
}

/// What to do with one of a file's times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeUpdate {
    Keep,
    Now,
    At(u64),
}

/// The access and modification time updates an `fstflags` asks for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FileTimes {
    pub atime: TimeUpdate,
    pub mtime: TimeUpdate,
}

impl FileTimes {
    /// `EINVAL` for unknown bits, or for both "set to" and "now" on the
    /// same time.
    pub(crate) fn parse(atim: u64, mtim: u64, flags: u32) -> WasiResult<FileTimes> {
        let flags = u16::try_from(flags)
            .ok()
            .filter(|f| f & !fstflags::ALL == 0)
            .ok_or(Errno::Inval)?;
        let one = |set: u16, now: u16, value: u64| match (flags & set != 0, flags & now != 0) {
            (true, true) => Err(Errno::Inval),
            (true, false) => Ok(TimeUpdate::At(value)),
            (false, true) => Ok(TimeUpdate::Now),
            (false, false) => Ok(TimeUpdate::Keep),
        };
        Ok(FileTimes {
            atime: one(fstflags::ATIM, fstflags::ATIM_NOW, atim)?,
            mtime: one(fstflags::MTIM, fstflags::MTIM_NOW, mtim)?,
        })
    }

    /// As `futimens` takes them.
    pub(crate) fn to_timestamps(self) -> rustix::fs::Timestamps {
        let spec = |update| match update {
            TimeUpdate::Keep => rustix::fs::Timespec {
                tv_sec: 0,
                tv_nsec: rustix::fs::UTIME_OMIT,
            },
            TimeUpdate::Now => rustix::fs::Timespec {
                tv_sec: 0,
                tv_nsec: rustix::fs::UTIME_NOW,
            },
            TimeUpdate::At(ns) => rustix::fs::Timespec {
                tv_sec: (ns / 1_000_000_000) as _,
                tv_nsec: (ns % 1_000_000_000) as _,
            },
        };
        rustix::fs::Timestamps {
            last_access: spec(self.atime),
            last_modification: spec(self.mtime),
        }
    }

    /// As cap-fs-ext's `set_times` takes them (`None` keeps the time).
    pub(crate) fn to_specs(
        self,
    ) -> (
        Option<cap_fs_ext::SystemTimeSpec>,
        Option<cap_fs_ext::SystemTimeSpec>,
    ) {
        let spec = |update| match update {
            TimeUpdate::Keep => None,
            TimeUpdate::Now => Some(cap_fs_ext::SystemTimeSpec::SymbolicNow),
            TimeUpdate::At(ns) => Some(cap_fs_ext::SystemTimeSpec::Absolute(
                cap_std::time::SystemTime::from_std(
                    std::time::UNIX_EPOCH + std::time::Duration::from_nanos(ns),
                ),
            )),
        };
        (spec(self.atime), spec(self.mtime))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_and_now_on_the_same_time_is_einval() {
        let both = u32::from(fstflags::ATIM | fstflags::ATIM_NOW);
        assert_eq!(FileTimes::parse(0, 0, both).err(), Some(Errno::Inval));
        assert_eq!(FileTimes::parse(0, 0, 1 << 4).err(), Some(Errno::Inval));
        let t = FileTimes::parse(5, 7, u32::from(fstflags::ATIM | fstflags::MTIM_NOW)).unwrap();
        assert_eq!((t.atime, t.mtime), (TimeUpdate::At(5), TimeUpdate::Now));
    }

    #[test]
    fn timestamps_saturate_instead_of_wrapping() {
        assert_eq!(timestamp(-5, 0), 0);
        assert_eq!(timestamp(1, 5), 1_000_000_005);
        assert_eq!(timestamp(i64::MAX, 0), u64::MAX);
    }
}
