//! Stopping a guest when containerd signals the container (`ctr task
//! kill`, a pod's deletion). The shim is the container's first process, so
//! a signal it does not handle is ignored. On SIGTERM, SIGINT or SIGQUIT
//! the engine's epoch moves on, and the guest, whose deadline is the next
//! epoch, traps at its next function entry or loop header; the container
//! then exits with 128 + the signal's number, as a process the signal
//! killed. A guest blocked in a host call (a long sleep, a read) does not
//! reach such a point, so the process exits anyway after a grace period.

use petrel::Engine;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::signal::unix::{signal, SignalKind};

/// How long an interrupted guest has to reach a check before the process
/// exits without it.
const GRACE: Duration = Duration::from_secs(2);

/// The signal that stopped the guest, once one has.
#[derive(Clone)]
pub struct Stop {
    signal: Arc<AtomicI32>,
}

impl Stop {
    /// Starts listening for the stopping signals; each of them interrupts
    /// `engine`'s guests. Must run inside the shim's tokio runtime.
    pub fn listen(engine: &Engine) -> std::io::Result<Self> {
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        let mut quit = signal(SignalKind::quit())?;
        let stop = Stop {
            signal: Arc::new(AtomicI32::new(0)),
        };
        let (engine, received) = (engine.clone(), stop.clone());
        tokio::spawn(async move {
            let signal = tokio::select! {
                _ = term.recv() => libc::SIGTERM,
                _ = int.recv() => libc::SIGINT,
                _ = quit.recv() => libc::SIGQUIT,
            };
            log::info!("signal {signal}: interrupting the guest");
            // Noted before the epoch moves: a guest about to start sees
            // one or the other.
            received.signal.store(signal, Ordering::SeqCst);
            engine.increment_epoch();
            tokio::time::sleep(GRACE).await;
            log::info!("the guest did not stop within {GRACE:?}: exiting");
            std::process::exit(128 + signal);
        });
        Ok(stop)
    }

    /// The signal received, if any.
    pub fn signal(&self) -> Option<i32> {
        match self.signal.load(Ordering::SeqCst) {
            0 => None,
            signal => Some(signal),
        }
    }
}
