//! OpenBSD's `pledge()` and `unveil()` for Linux.
//!
//! A process that has opened what it needs promises to do nothing else; from then on the
//! kernel refuses every other system call. Promises are compiled to a seccomp-BPF filter; the
//! paths some promises imply (resolver files for `dns`, `/tmp` for `tmppath`...) are enforced
//! with Landlock.
//!
//! ```no_run
//! // Open what the program needs first, then promise to do nothing else.
//! let input = std::fs::File::open("/etc/hostname")?;
//! scopes::pledge(Some("stdio"), None)?;
//! // From here on, opening a file or a socket kills the process with SIGSYS, after a report:
//! //   pledge: myprog[1234]: openat(...) needs promise "rpath"
//! # drop(input);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Layout: [`policy`] holds the table (the single source of truth), [`compiler`] turns it into
//! BPF ([`bpf`] has the instruction set, an interpreter and the kernel's cache rule), and the
//! `pledge` and `landlock` modules install the result. Architecture tables live in [`arch`].
//! The table, the compiler, BPF, the architecture tables and the exports are the `scopes-core`
//! crate, which makes no system call and has no `unsafe` code; this crate re-exports them and
//! adds what touches the process: reading its ids, seccomp and Landlock, the SIGSYS report.

pub mod compiler;
pub mod exec;
mod landlock;
pub mod learn;
mod pledge;
pub mod policy;
mod report;
mod seccomp;
mod state;
pub mod supervised;
mod sys;
mod unveil;

// The pure core, under the paths it had before it became a crate of its own (`error` for the
// modules here that name `crate::error::Error`).
use scopes_core::error;
#[doc(inline)]
pub use scopes_core::{arch, bpf, export};

pub use pledge::{Penalty, Pledge};
#[doc(inline)]
pub use scopes_core::{Arch, Error, Promise, Promises, OPENBSD_ONLY};
pub use state::{current_execpromises, current_promises, pledge, unveil, unveil_report};
pub use unveil::{Gap, Permissions, Unveil, UnveilReport};

/// Formats the one-line violation report for a denied call, as the library's SIGSYS handler
/// and the `pledge` command print it.
///
/// ```
/// use scopes::{policy::Context, report_line};
/// let ctx = Context { pid: 7, uid: 0, gid: 0 };
/// let line = report_line("cat", 7, "stdio".parse().unwrap(), &ctx, "socket", &[2, 1, 0, 0, 0, 0]);
/// assert_eq!(line, "pledge: cat[7]: socket(AF_INET, 0x1, 0) needs promise \"inet\"\n");
/// ```
pub fn report_line(
    comm: &str,
    pid: u32,
    held: Promises,
    ctx: &policy::Context,
    name: &str,
    args: &[u64; 6],
) -> String {
    let mut out = String::new();
    let _ = report::format_report(&mut out, comm, pid, held, ctx, name, args);
    out
}
