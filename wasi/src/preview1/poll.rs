//! `poll_oneoff`: waits for clock deadlines and descriptor readiness.
//!
//! Regular files, byte-backed stdin and every output stream are always
//! ready, as on POSIX. The host's stdin and sockets are polled on the
//! host with the nearest clock deadline as the timeout; with nothing to
//! poll, the thread sleeps until that deadline (this is how guests
//! `sleep`).

use super::clocks::{host_clock, now};
use crate::ctx::WasiCtx;
use crate::descriptor::{Descriptor, Socket};
use crate::errno::{Errno, WasiResult};
use crate::guest_memory::GuestMemory;
use crate::types::{
    eventtype, layout, rights, EVENT_FD_READWRITE_HANGUP, SUBSCRIPTION_CLOCK_ABSTIME,
};
use rustix::event::{PollFd, PollFlags};
use std::os::fd::{AsFd, BorrowedFd};
use std::time::{Duration, Instant};

/// One `event` to report.
#[derive(Debug, Clone, Copy)]
struct Event {
    userdata: u64,
    error: u16,
    ty: u8,
    nbytes: u64,
    flags: u16,
}

impl Event {
    fn ready(userdata: u64, ty: u8, nbytes: u64) -> Event {
        Event {
            userdata,
            error: 0,
            ty,
            nbytes,
            flags: 0,
        }
    }

    fn failed(userdata: u64, ty: u8, errno: Errno) -> Event {
        Event {
            userdata,
            error: errno.raw(),
            ty,
            nbytes: 0,
            flags: 0,
        }
    }

    fn encode(&self) -> [u8; layout::EVENT_SIZE as usize] {
        let mut out = [0u8; layout::EVENT_SIZE as usize];
        out[0..8].copy_from_slice(&self.userdata.to_le_bytes());
        out[8..10].copy_from_slice(&self.error.to_le_bytes());
        out[10] = self.ty;
        out[16..24].copy_from_slice(&self.nbytes.to_le_bytes());
        out[24..26].copy_from_slice(&self.flags.to_le_bytes());
        out
    }
}

/// A subscription that has to be asked of the host.
struct Pollable<'a> {
    userdata: u64,
    ty: u8,
    fd: BorrowedFd<'a>,
}

/// Bytes left to read in a regular file: its size past the position.
fn file_remaining(file: &cap_std::fs::File) -> u64 {
    let size = rustix::fs::fstat(file).map_or(0, |st| st.st_size as u64);
    let pos = rustix::fs::seek(file, rustix::fs::SeekFrom::Current(0)).unwrap_or(0);
    size.saturating_sub(pos)
}

/// Whether every one of the `count` subscriptions at `subscriptions` is a
/// clock (a sleep, which needs no descriptor); false if any is not or the
/// array is out of bounds (then `poll_oneoff` says so).
pub(crate) fn only_clocks(mem: &GuestMemory<'_>, subscriptions: u32, count: u32) -> bool {
    mem.check_array(subscriptions, count, layout::SUBSCRIPTION_SIZE)
        .is_ok()
        && (0..count).all(|i| {
            let at = subscriptions + i * layout::SUBSCRIPTION_SIZE;
            mem.read_u8(at + 8) == Ok(eventtype::CLOCK)
        })
}

pub(crate) fn poll_oneoff(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    subscriptions: u32,
    events: u32,
    count: u32,
    nevents: u32,
) -> WasiResult<()> {
    if count == 0 {
        return Err(Errno::Inval);
    }
    mem.check_array(subscriptions, count, layout::SUBSCRIPTION_SIZE)?;
    mem.check_array(events, count, layout::EVENT_SIZE)?;
    mem.check(nevents, 4)?;
    let start = Instant::now();

    let mut ready = Vec::new();
    let mut clocks: Vec<(u64, Duration)> = Vec::new();
    let mut pollables = Vec::new();
    for i in 0..count {
        // In bounds: the whole array was checked above.
        let at = subscriptions + i * layout::SUBSCRIPTION_SIZE;
        let userdata = mem.read_u64(at)?;
        let ty = mem.read_u8(at + 8)?;
        match ty {
            eventtype::CLOCK => {
                let id = mem.read_u32(at + 16)?;
                let timeout = mem.read_u64(at + 24)?;
                let flags = mem.read_u16(at + 40)?;
                let clock = match host_clock(id) {
                    Ok(c) if flags & !SUBSCRIPTION_CLOCK_ABSTIME == 0 => c,
                    _ => {
                        ready.push(Event::failed(userdata, ty, Errno::Inval));
                        continue;
                    }
                };
                let wait = if flags & SUBSCRIPTION_CLOCK_ABSTIME != 0 {
                    timeout.saturating_sub(now(clock))
                } else {
                    timeout
                };
                clocks.push((userdata, Duration::from_nanos(wait)));
            }
            eventtype::FD_READ | eventtype::FD_WRITE => {
                let fd = mem.read_u32(at + 16)?;
                let reading = ty == eventtype::FD_READ;
                let desc = match ctx.fds.get(fd) {
                    Ok(desc) => desc,
                    Err(e) => {
                        ready.push(Event::failed(userdata, ty, e));
                        continue;
                    }
                };
                if desc.rights().require(rights::POLL_FD_READWRITE).is_err() {
                    ready.push(Event::failed(userdata, ty, Errno::NotCapable));
                    continue;
                }
                let fd_of = |fd| Pollable { userdata, ty, fd };
                match (desc, reading) {
                    (Descriptor::File(f), true) => {
                        ready.push(Event::ready(userdata, ty, file_remaining(&f.file)))
                    }
                    (Descriptor::File(_), false) | (Descriptor::Output(..), false) => {
                        ready.push(Event::ready(userdata, ty, 0))
                    }
                    (Descriptor::Input(input, _), true) => match input.ready_bytes() {
                        Some(n) => {
                            let mut event = Event::ready(userdata, ty, n);
                            if n == 0 {
                                event.flags = EVENT_FD_READWRITE_HANGUP;
                            }
                            ready.push(event);
                        }
                        None => pollables.push(fd_of(rustix::stdio::stdin())),
                    },
                    (Descriptor::Socket(Socket::Stream(s), _), _) => {
                        pollables.push(fd_of(s.as_fd()))
                    }
                    (Descriptor::Socket(Socket::Listener(l), _), true) => {
                        pollables.push(fd_of(l.as_fd()))
                    }
                    _ => ready.push(Event::failed(userdata, ty, Errno::Badf)),
                }
            }
            _ => return Err(Errno::Inval),
        }
    }

    let nearest = clocks.iter().map(|&(_, wait)| wait).min();
    let timeout = if ready.is_empty() {
        nearest
    } else {
        Some(Duration::ZERO)
    };
    if !pollables.is_empty() {
        let mut fds: Vec<PollFd<'_>> = pollables
            .iter()
            .map(|p| {
                let interest = if p.ty == eventtype::FD_READ {
                    PollFlags::IN
                } else {
                    PollFlags::OUT
                };
                PollFd::from_borrowed_fd(p.fd, interest)
            })
            .collect();
        loop {
            let left = timeout.map(|t| t.saturating_sub(start.elapsed()));
            let spec = left.map(|d| rustix::time::Timespec {
                tv_sec: d.as_secs() as _,
                tv_nsec: d.subsec_nanos() as _,
            });
            match rustix::event::poll(&mut fds, spec.as_ref()) {
                Err(rustix::io::Errno::INTR) => continue,
                other => other?,
            };
            break;
        }
        for (p, fd) in pollables.iter().zip(&fds) {
            let revents = fd.revents();
            if revents.is_empty() {
                continue;
            }
            let mut event = Event::ready(p.userdata, p.ty, 0);
            if revents.intersects(PollFlags::ERR | PollFlags::NVAL) {
                event.error = Errno::Io.raw();
            } else if p.ty == eventtype::FD_READ {
                event.nbytes = rustix::io::ioctl_fionread(p.fd).unwrap_or(0);
            }
            if revents.contains(PollFlags::HUP) {
                event.flags |= EVENT_FD_READWRITE_HANGUP;
            }
            ready.push(event);
        }
    } else if let (true, Some(wait)) = (ready.is_empty(), timeout) {
        std::thread::sleep(wait);
    }

    // Clocks fire when their time has come; if nothing else happened, the
    // wait ended at the nearest deadline, which has then come whatever the
    // clock's rounding says.
    let nothing_else = ready.is_empty();
    let elapsed = start.elapsed();
    for &(userdata, wait) in &clocks {
        if wait <= elapsed || (nothing_else && Some(wait) == nearest) {
            ready.push(Event::ready(userdata, eventtype::CLOCK, 0));
        }
    }

    for (i, event) in ready.iter().enumerate() {
        mem.write_bytes(events + i as u32 * layout::EVENT_SIZE, &event.encode())?;
    }
    mem.write_u32(nevents, ready.len() as u32)
}
