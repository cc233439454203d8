//! The waiters of one shared memory: `memory.atomic.wait32/64` park a
//! host thread here, keyed by the byte address they wait on, and
//! `memory.atomic.notify` wakes them in the order they came.
//!
//! One mutex guards the queue of every waiter of the memory; a waiter
//! checks the memory's value and joins the queue under it, and a notify
//! takes it to remove waiters, so no notify can fall between a waiter's
//! check and its sleep. A woken waiter knows it was notified because its
//! ticket has left the queue; a spurious wake-up finds it still there and
//! sleeps again.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WaitOutcome {
    /// A notify woke it (the guest sees 0, "ok").
    Woken,
    /// The memory did not hold the expected value (1, "not-equal").
    Mismatch,
    /// The timeout passed first (2, "timed-out").
    TimedOut,
    /// The store's epoch deadline passed (the caller traps).
    Interrupted,
}

/// How often a waiter with no notify and no timeout yet looks at its
/// store's epoch deadline, when the engine has epoch interruption on.
const INTERRUPT_POLL: Duration = Duration::from_millis(5);

#[derive(Default)]
struct Queue {
    next_ticket: u64,
    /// `(address, ticket)` of every waiter, oldest first.
    waiting: VecDeque<(u64, u64)>,
}

/// The waiters of one shared memory.
#[derive(Default)]
pub(crate) struct ParkingLot {
    queue: Mutex<Queue>,
    wake: Condvar,
}

impl ParkingLot {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // The queue is consistent between any two statements that can
        // panic, so a poisoned lock is still usable.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Parks the calling thread on `addr` while `still_expected()` (read
    /// under the lock) holds, until a notify of `addr`, `timeout` (none:
    /// forever) or, when `interrupted` is given, until it returns true
    /// (checked every few milliseconds).
    pub(crate) fn wait(
        &self,
        addr: u64,
        still_expected: impl FnOnce() -> bool,
        timeout: Option<Duration>,
        interrupted: Option<&dyn Fn() -> bool>,
    ) -> WaitOutcome {
        let mut queue = self.lock();
        if !still_expected() {
            return WaitOutcome::Mismatch;
        }
        // A deadline too far to represent is no deadline.
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        if timeout == Some(Duration::ZERO) {
            return WaitOutcome::TimedOut;
        }
        let ticket = queue.next_ticket;
        queue.next_ticket += 1;
        queue.waiting.push_back((addr, ticket));
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            let nap = match (left, interrupted.is_some()) {
                (Some(left), true) => Some(left.min(INTERRUPT_POLL)),
                (Some(left), false) => Some(left),
                (None, true) => Some(INTERRUPT_POLL),
                (None, false) => None,
            };
            queue = match nap {
                Some(nap) => {
                    self.wake
                        .wait_timeout(queue, nap)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
                None => self.wake.wait(queue).unwrap_or_else(|e| e.into_inner()),
            };
            let Some(at) = queue.waiting.iter().position(|&(_, t)| t == ticket) else {
                return WaitOutcome::Woken;
            };
            if deadline.is_some_and(|d| Instant::now() >= d) {
                queue.waiting.remove(at);
                return WaitOutcome::TimedOut;
            }
            if interrupted.is_some_and(|f| f()) {
                queue.waiting.remove(at);
                return WaitOutcome::Interrupted;
            }
        }
    }

    /// Wakes up to `count` of the threads waiting on `addr`, oldest first;
    /// returns how many it woke.
    pub(crate) fn notify(&self, addr: u64, count: u32) -> u32 {
        if count == 0 {
            return 0;
        }
        let mut queue = self.lock();
        let mut woken = 0;
        queue.waiting.retain(|&(a, _)| {
            if a == addr && woken < count {
                woken += 1;
                false
            } else {
                true
            }
        });
        drop(queue);
        if woken > 0 {
            self.wake.notify_all();
        }
        woken
    }
}
