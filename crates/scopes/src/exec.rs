//! Starting programs under `execpromises`.
//!
//! On Linux a seccomp filter survives `execve` and cannot be removed, so a program started by
//! a pledged process always runs under the caller's promises (never more). When pledge() was
//! given `execpromises`, programs started through [`CommandExt::pledged`] are narrowed further
//! to exactly those promises (plus `exec`, which the `execve` that starts them needs) just
//! before `execve`. A direct `execve` that bypasses this narrowing still runs under the
//! caller's own promises, so it gains nothing the caller did not already have.

use std::process::Command;

use crate::bpf::ret;
use crate::compiler::{compile, Target};
use crate::policy::Context;
use crate::{Arch, Promise};

/// Narrowing for [`std::process::Command`].
pub trait CommandExt {
    /// Runs the program under the execpromises recorded by [`crate::pledge`] (nothing changes
    /// when none were recorded). A program without the library's SIGSYS handler dies of SIGSYS
    /// on a violation, without a report.
    ///
    /// ```no_run
    /// use scopes::exec::CommandExt;
    /// scopes::pledge(Some("stdio rpath proc exec"), Some("stdio rpath"))?;
    /// let status = std::process::Command::new("/bin/cat").arg("/etc/hostname").pledged().status()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn pledged(&mut self) -> &mut Self;
}

impl CommandExt for Command {
    fn pledged(&mut self) -> &mut Self {
        // Compiled here, in the parent: the child after fork must not allocate.
        if let Some(prog) = execpromises_filter() {
            crate::sys::install_before_exec(self, prog);
        }
        self
    }
}

/// The filter a program started by exec is narrowed with: the execpromises recorded by
/// [`crate::pledge`] plus `exec`, or `None` when none were recorded. Violations kill the
/// process without a report (ENOSYS under `error`). Install it on the thread that calls
/// `execve`, after fork; compile it before fork, since compiling allocates.
pub fn execpromises_filter() -> Option<Vec<crate::bpf::Insn>> {
    let exec = crate::pledge::current_execpromises()?;
    let target = Target {
        arch: Arch::native(),
        ctx: Context::current(),
        violation: if exec.contains(Promise::Error) {
            ret::ERRNO | libc::ENOSYS as u32
        } else {
            ret::KILL_PROCESS
        },
        reporting: false,
    };
    Some(compile(exec.with(Promise::Exec), &target))
}
