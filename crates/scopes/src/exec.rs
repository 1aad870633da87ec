//! Starting programs under `execpromises`.
//!
//! On Linux a seccomp filter survives `execve` and cannot be removed, so a program started by
//! a pledged process always runs under the caller's promises (never more). When pledge() was
//! given `execpromises`, programs started through [`CommandExt::pledged`] are narrowed further
//! to exactly those promises (plus `exec`, which the `execve` that starts them needs) just
//! before `execve`, paths included: a Landlock layer planned from the execpromises alone (the
//! files `getpw`, `dns`, `tmppath`... imply, and no more) goes in first. It lets the started
//! program be executed anywhere, and read only the very file the `execve` names, so programs
//! that need their dynamic loader and libraries need `rpath` (and `prot_exec`) among the
//! execpromises. A direct `execve` that bypasses this narrowing still runs under the
//! caller's own promises, so it gains nothing the caller did not already have.

use std::process::Command;

use crate::bpf::{ret, Insn, JMP_JEQ_K};
use crate::compiler::{compile, Target};
use crate::policy::{Context, CurrentContext as _};
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
        // Compiled here, in the parent: the child after fork must not allocate. It binds the
        // filter to its own pid before installing it. A layer that cannot be built makes the
        // spawn fail.
        if let Some((prog, layer)) = with_recorded(|r| r.map(|r| (r.filter(), r.layer()))) {
            let program = resolve(self.get_program());
            install_before_exec(self, layer, program, prog);
        }
        self
    }
}

/// The program `Command` will execute, as a C string: a name without `/` is looked up in
/// `PATH` as the exec family does; `None` when not found (the execve then fails on its own).
fn resolve(program: &std::ffi::OsStr) -> Option<std::ffi::CString> {
    use std::os::unix::ffi::OsStrExt as _;
    let path = if program.as_bytes().contains(&b'/') {
        std::path::PathBuf::from(program)
    } else {
        let dirs = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
        std::env::split_paths(&dirs)
            .map(|d| d.join(program))
            .find(|p| p.is_file())?
    };
    std::ffi::CString::new(path.as_os_str().as_bytes()).ok()
}

pub use crate::sys::landlock::Executed;

/// What a program started under the recorded execpromises gets before its `execve`, besides
/// the filter: a Landlock layer for their paths, and the drop of the capabilities they do not
/// need. Prepared before fork (it allocates), applied after with [`ExecLayer::apply`], which
/// does not.
#[derive(Debug)]
pub struct ExecLayer {
    pub(crate) landlock: Option<crate::sys::landlock::Prepared>,
    pub(crate) caps: crate::sys::caps::CapDrop,
}

impl ExecLayer {
    /// Restricts the calling thread (and the program its `execve` starts) to the layer,
    /// letting `executed` be read and executed, and drops the capabilities; the errno on
    /// failure. Allocates nothing (but to describe a failed capability drop).
    pub fn apply(&self, executed: Option<Executed>) -> Result<(), i32> {
        if let Some(landlock) = &self.landlock {
            landlock.apply_with(executed).map_err(|f| f.errno)?;
        }
        self.caps.apply().map_err(|e| e.errno())
    }
}

/// The execpromises recorded by [`crate::pledge`], seen under the lock pledge() takes (see
/// [`with_recorded`]): the filter and the layer made from it hold the same promises.
///
/// ```no_run
/// scopes::pledge(Some("stdio proc exec"), Some("stdio"))?;
/// let filter = scopes::exec::with_recorded(|recorded| recorded.map(|r| r.filter()));
/// assert!(filter.is_some_and(|program| !program.is_empty()));
/// # Ok::<(), scopes::Error>(())
/// ```
pub struct Recorded<'a> {
    exec: crate::Promises,
    process: &'a crate::state::Process,
}

impl Recorded<'_> {
    /// The execpromises.
    pub fn promises(&self) -> crate::Promises {
        self.exec
    }

    /// The filter a program started by exec is narrowed with: the execpromises plus `exec`.
    /// Violations kill the process without a report (ENOSYS under `error`). Compile it before
    /// fork, since compiling allocates; after fork, on the thread that calls `execve`,
    /// [`bind_to_pid`] and install it.
    pub fn filter(&self) -> Vec<Insn> {
        let target = Target {
            arch: Arch::native(),
            ctx: Context {
                pid: UNBOUND_PID,
                ..Context::current()
            },
            violation: if self.exec.contains(Promise::Error) {
                ret::ERRNO | libc::ENOSYS as u32
            } else {
                ret::KILL_PROCESS
            },
            reporting: false,
        };
        compile(self.exec.with(Promise::Exec), &target)
    }

    /// The layer that goes in before the filter. Without Landlock, execpromises that reach no
    /// path get no Landlock layer (the filter alone holds them); those that do fail.
    pub fn layer(&self) -> Result<ExecLayer, crate::Error> {
        Ok(ExecLayer {
            landlock: execpromises_landlock(self.exec, self.process)?,
            caps: crate::sys::caps::plan_for_exec(self.exec.with(Promise::Exec))?,
        })
    }
}

/// Calls `f` with the recorded execpromises (`None` when none were recorded), under the lock
/// pledge() and unveil() take: no pledge() changes them meanwhile, and fork() waits for the
/// lock, so what `f` keeps beside the library (libpledge's compiled filters) is never copied
/// half-written into a child. `f` must not call the library: the lock is not reentrant.
///
/// ```
/// // A process that never pledged recorded none.
/// assert!(scopes::exec::with_recorded(|recorded| recorded.is_none()));
/// ```
pub fn with_recorded<R>(f: impl FnOnce(Option<Recorded<'_>>) -> R) -> R {
    let process = crate::state::lock();
    let recorded = process.pledge.exec.map(|exec| Recorded {
        exec,
        process: &process,
    });
    f(recorded)
}

fn execpromises_landlock(
    exec: crate::Promises,
    process: &crate::state::Process,
) -> Result<Option<crate::sys::landlock::Prepared>, crate::Error> {
    use crate::compiler::paths;
    let abi = match crate::sys::landlock_abi() {
        Ok(abi) if abi >= crate::landlock::MIN_ABI => abi,
        _ if !paths::reaches_paths(exec) => return Ok(None),
        // The error that names what the kernel lacks.
        _ => crate::landlock::check_available()?,
    };
    let roots = if paths::grants(exec).any(|g| g.outside_kernel()) {
        let may_list = !crate::sys::filtered()
            || process
                .pledge
                .promises
                .is_some_and(paths::reads_directories);
        crate::landlock::roots(may_list)
    } else {
        Vec::new()
    };
    let unveiled = process.unveil.rules_for_layer(exec.with(Promise::Unveil))?;
    // Starting a program needs Execute on it (and on its ELF interpreter): allowed
    // everywhere, as the filter refuses execve itself unless the execpromises hold `exec`.
    let extra = [(
        std::path::PathBuf::from("/"),
        landlock::AccessFs::Execute.into(),
    )];
    let inputs = paths::Inputs {
        abi,
        roots: &roots,
        unveiled: unveiled.as_deref(),
        extra: &extra,
    };
    let plan = paths::plan(exec, &inputs);
    // The thread that makes the execve is the one restricted, and the only one exec keeps.
    crate::sys::landlock::Prepared::new(&plan, false).map(Some)
}

/// The pid [`Recorded::filter`] compiles its "own pid" checks with, until
/// [`bind_to_pid`] puts in the pid of the process that makes the `execve`. Linux never
/// gives a pid this high (at most 2^22), so an unbound filter names no process.
pub const UNBOUND_PID: u32 = 0x7fff_fffe;

/// Makes the "own pid" checks of a filter from [`Recorded::filter`] name `pid`: that of the
/// process making the `execve`, which the started program keeps, so that it may signal itself
/// (`raise`, `abort`) as its promises allow. It writes in place and allocates nothing, so it
/// may run between fork and exec (with `std::process::id()`, a plain getpid). Own-pid values
/// are compared with `jeq` and sort above every other value of their lists (only 0), so the
/// bound filter decides as compiling with that pid would, and is that very program for any
/// pid above 1 (tests/filter_equivalence.rs compares them).
///
/// ```
/// use scopes::bpf::Insn;
/// // jeq #UNBOUND_PID (BPF_JMP | BPF_JEQ | BPF_K)
/// let mut prog = [Insn { code: 0x15, jt: 0, jf: 1, k: scopes::exec::UNBOUND_PID }];
/// scopes::exec::bind_to_pid(&mut prog, 4242);
/// assert_eq!(prog[0].k, 4242);
/// ```
pub fn bind_to_pid(prog: &mut [Insn], pid: u32) {
    for insn in prog {
        if insn.code == JMP_JEQ_K && insn.k == UNBOUND_PID {
            insn.k = pid;
        }
    }
}

/// Installs `layer` (when there is one) and `prog` in the child of `cmd`, between fork and
/// exec; a layer that could not be built makes the spawn fail with its errno. `prog` is bound
/// to the child's pid there ([`bind_to_pid`]).
fn install_before_exec(
    cmd: &mut std::process::Command,
    layer: Result<ExecLayer, crate::Error>,
    program: Option<std::ffi::CString>,
    prog: Vec<Insn>,
) {
    let (refuse, landlock, caps) = match layer {
        Ok(layer) => (None, layer.landlock.map(|l| l.raw), layer.caps.raw),
        Err(e) => (Some(e.errno()), None, scopes_sys::caps::CapDrop::nothing()),
    };
    scopes_sys::exec::narrow_before_exec(
        cmd,
        scopes_sys::exec::Narrowing {
            refuse,
            landlock,
            caps,
            program,
            filter: prog.iter().map(crate::sys::raw).collect(),
            pid_slots: pid_slots(&prog),
        },
    );
}

/// The instructions of `prog` that [`bind_to_pid`] binds: those it changes when
/// binding to a pid other than the placeholder.
fn pid_slots(prog: &[Insn]) -> Vec<usize> {
    let mut bound = prog.to_vec();
    bind_to_pid(&mut bound, 0);
    (0..prog.len()).filter(|&i| bound[i] != prog[i]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_slots_are_the_placeholder_comparisons() {
        let jeq = JMP_JEQ_K;
        let unbound = UNBOUND_PID;
        let prog = [
            Insn {
                code: jeq,
                jt: 0,
                jf: 1,
                k: 5,
            },
            Insn {
                code: jeq,
                jt: 0,
                jf: 1,
                k: unbound,
            },
            // Not a comparison: the same constant elsewhere stays.
            Insn {
                code: 0x06,
                jt: 0,
                jf: 0,
                k: unbound,
            },
            Insn {
                code: jeq,
                jt: 1,
                jf: 0,
                k: unbound,
            },
        ];
        assert_eq!(pid_slots(&prog), [1, 3]);
    }
}
