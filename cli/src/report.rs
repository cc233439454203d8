//! How a failed command is shown to the user and which exit status it
//! gets.

use std::fmt::Write as _;
use std::io;

/// Exit status for errors: an unreadable or invalid module, a link error,
/// bad arguments to the invoked function, failed validation or tests.
pub const EXIT_ERROR: u8 = 1;
// 2 is clap's status for a malformed command line (unknown flag, missing
// value, ...); clap exits with it before any command runs.
/// Exit status when guest code traps: 128 + SIGABRT, as wasmtime uses on
/// unix, so scripts can tell a trapping program from one that failed to
/// load.
pub const EXIT_TRAP: u8 = 134;

/// Backtrace frames shown for a trap; a runaway recursion would otherwise
/// print thousands of identical lines.
const MAX_FRAMES_SHOWN: usize = 20;

/// The exit status for `err`.
pub fn exit_status(err: &anyhow::Error) -> u8 {
    if err
        .chain()
        .any(|cause| trap_of(cause).is_some() || is_unknown_import_call(cause))
    {
        EXIT_TRAP
    } else {
        EXIT_ERROR
    }
}

/// `err` as anyhow's `{:#}` shows it (each cause after the last, joined by
/// `: `), but with a trap's backtrace cut to its innermost frames.
pub fn render(err: &anyhow::Error) -> String {
    let causes: Vec<String> = err
        .chain()
        .map(|cause| match trap_of(cause) {
            Some(trap) => render_trap(trap),
            None => cause.to_string(),
        })
        .collect();
    causes.join(": ")
}

/// Whether `err` only says that stdout was closed under us (output piped
/// into `head` and the like), which is no reason to complain.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn trap_of<'a>(cause: &'a (dyn std::error::Error + 'static)) -> Option<&'a petrel::Trap> {
    cause.downcast_ref::<petrel::Trap>().or_else(|| {
        cause
            .downcast_ref::<petrel::Error>()
            .and_then(petrel::Error::as_trap)
    })
}

/// Whether the guest called an import that `-W unknown-imports-trap`
/// stood in for: a trap to the user, though the engine reports it as the
/// host function's error.
fn is_unknown_import_call(cause: &(dyn std::error::Error + 'static)) -> bool {
    cause
        .downcast_ref::<petrel::Error>()
        .and_then(petrel::Error::downcast_ref::<petrel::UnknownImportError>)
        .is_some()
}

/// Like `Trap`'s `Display`, which lists every frame.
fn render_trap(trap: &petrel::Trap) -> String {
    let mut text = format!("wasm trap: {}", trap.code());
    let frames = trap.backtrace();
    if !frames.is_empty() {
        text.push_str("\nwasm backtrace:");
        for (i, frame) in frames.iter().take(MAX_FRAMES_SHOWN).enumerate() {
            let _ = write!(text, "\n  {i}: {frame}");
        }
        if frames.len() > MAX_FRAMES_SHOWN {
            let _ = write!(
                text,
                "\n  ... {} more frames",
                frames.len() - MAX_FRAMES_SHOWN
            );
        }
    }
    text
}
