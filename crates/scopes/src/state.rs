//! The process's pledge and unveil state, under one lock, and the calls that read or change
//! it. A pledge decides from one look at both (the promises in force, whether unveil is
//! locked, which rules it collected) and changes both, so no unveil() can slip in between.

use std::cell::RefCell;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::error::Error;
use crate::pledge::{self, Plan, Pledge, System};
use crate::sys;
use crate::unveil::{self, Unveil, UnveilReport};
use crate::Promises;

/// Everything pledge() and unveil() keep for the process. fork copies it, as OpenBSD's.
pub(crate) struct Process {
    /// The promises and execpromises in force.
    pub(crate) pledge: pledge::State,
    /// What unveil() collected, and whether it is locked.
    pub(crate) unveil: unveil::State,
}

static PROCESS: Mutex<Process> = Mutex::new(Process {
    pledge: pledge::State::NEVER_PLEDGED,
    unveil: unveil::State::new(false),
});

/// The process state, for as long as the guard lives. Not reentrant: nothing that holds it
/// calls back into the functions here.
pub(crate) fn lock() -> MutexGuard<'static, Process> {
    // Without the fork handlers a child forked during another thread's pledge() or unveil()
    // would wait for ever. They are registered before the lock is first taken, with nothing a
    // child could wait on: a `Once` caught mid-registration by another thread's fork stays
    // "running" in the child for ever. Two threads may both register; the handlers allow it.
    // Registration fails only when memory is short, and changes nothing else.
    static FORK_HANDLERS: AtomicBool = AtomicBool::new(false);
    if !FORK_HANDLERS.load(Ordering::Acquire) {
        let _ = sys::at_fork(hold_across_fork, release_after_fork, release_after_fork);
        FORK_HANDLERS.store(true, Ordering::Release);
    }
    lock_without_registering()
}

/// The lock alone, for the fork handler: registering from inside fork() would wait for the
/// lock fork holds on its handlers.
fn lock_without_registering() -> MutexGuard<'static, Process> {
    PROCESS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

thread_local! {
    /// The lock, held by the forking thread from just before fork() until just after.
    static HELD_ACROSS_FORK: RefCell<Option<MutexGuard<'static, Process>>> =
        const { RefCell::new(None) };
}

/// fork() copies the lock as it is, and a child has only the forking thread: a lock another
/// thread held at that moment would stay held in the child for ever. So fork waits until no
/// thread is inside pledge() or unveil() and releases the lock on both sides, as glibc does
/// for its own locks.
extern "C" fn hold_across_fork() {
    // Registered twice, the handler runs twice: the second finds the lock already held here.
    if HELD_ACROSS_FORK.with(|held| held.borrow().is_none()) {
        let process = lock_without_registering();
        HELD_ACROSS_FORK.with(|held| *held.borrow_mut() = Some(process));
    }
}

extern "C" fn release_after_fork() {
    HELD_ACROSS_FORK.with(|held| drop(held.borrow_mut().take()));
}

/// The promises currently in force, or `None` if this process never pledged.
///
/// ```
/// assert_eq!(scopes::current_promises(), None);
/// ```
pub fn current_promises() -> Option<Promises> {
    lock().pledge.promises
}

/// The execpromises recorded by pledge, if any.
pub fn current_execpromises() -> Option<Promises> {
    lock().pledge.exec
}

/// Restricts the process to `promises`, with OpenBSD's meaning.
///
/// - `None` leaves that side unchanged; `Some("")` allows only exiting (and reading clocks).
/// - Promises only shrink: asking for one not currently held fails with EPERM and changes
///   nothing (under the `error` promise the increase is silently dropped, as on OpenBSD).
/// - Violations kill the whole process with SIGSYS after a one-line report on stderr; with the
///   `error` promise they fail with ENOSYS instead.
/// - `execpromises` must be a subset of `promises`: on Linux, programs started by exec keep
///   the caller's filter. They are narrowed to `execpromises` when started through
///   [`crate::exec`]; see the docs on exec.
///
/// Every thread of the process is restricted, including threads started before the call.
/// Each change of promises starts a Landlock domain of its own (so that no process can reach
/// one holding more promises), and a process holding capabilities (root) keeps only those its
/// promises need. Both belong to the calling thread on kernels before Landlock ABI 8 and for
/// capabilities always: where they are needed, a pledge with other threads running fails
/// (EOPNOTSUPP), changing nothing. Pledge before starting threads.
///
/// ```no_run
/// scopes::pledge(Some("stdio rpath"), None)?;
/// let text = std::fs::read_to_string("/etc/hostname")?; // rpath: fine
/// scopes::pledge(Some("stdio"), None)?;                 // narrower: fine
/// assert!(scopes::pledge(Some("stdio rpath"), None).is_err()); // wider: EPERM
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn pledge(promises: Option<&str>, execpromises: Option<&str>) -> Result<(), Error> {
    let mut builder = Pledge::new();
    if let Some(promises) = promises.map(Promises::parse).transpose()? {
        builder = builder.promises(promises);
    }
    if let Some(exec) = execpromises.map(Promises::parse).transpose()? {
        builder = builder.execpromises(exec);
    }
    builder.apply().map(drop)
}

impl Pledge {
    /// Applies the pledge. Returns the user-notification descriptor with
    /// [`Penalty::Notify`](crate::Penalty::Notify). On error nothing has changed.
    pub fn apply(self) -> Result<Option<OwnedFd>, Error> {
        let mut process = lock();
        let Process { pledge, unveil } = &mut *process;
        match self.plan(pledge, unveil, &System)? {
            Plan::Record(state) => {
                *pledge = state;
                Ok(None)
            }
            Plan::Install(install) => {
                let (listener, state) = install.apply(unveil)?;
                *pledge = state;
                Ok(listener)
            }
        }
    }
}

/// Restricts the filesystem view, with OpenBSD's meaning as far as Landlock allows.
///
/// - `unveil(Some(path), Some(permissions))`: `path` (and, for a directory, everything
///   beneath it) gets `permissions`, any of `r`, `w`, `x`, `c`; `""` hides it. The first call
///   hides everything not unveiled. Unveiling a path again replaces its permissions. Symbolic
///   links are followed: a path is judged by the file it leads to, where that file is.
/// - `unveil(None, None)`: enforces what was collected and locks; every later unveil fails with
///   EPERM. A pledge() without the `unveil` promise does the same.
///
/// Errors (nothing changes): EPERM ([`Error::UnveilLocked`]) after the lock; EFAULT
/// ([`Error::NullArgument`]) when only one argument is `None`; EINVAL
/// ([`Error::BadPermissions`]) for another letter; ENOENT ([`Error::Path`]) when the path does
/// not exist (on Linux, even when only its last component is missing); EAGAIN when it was
/// renamed or replaced while being resolved; EOPNOTSUPP when the permissions would narrow a
/// wider unveiled directory above it, or differ from those another name of the same file (a
/// hard link) was unveiled with, which Landlock cannot do;
/// ENOSYS or EOPNOTSUPP when the kernel lacks Landlock; EOPNOTSUPP ([`Error::Thread`]) when
/// other threads exist on a kernel that can only confine the calling thread.
///
/// Rules take effect at the lock, not at once as on OpenBSD. Denied accesses then fail with
/// EACCES (OpenBSD: ENOENT for paths not unveiled).
///
/// ```no_run
/// use std::path::Path;
/// scopes::unveil(Some(Path::new("/var/www")), Some("r"))?;
/// scopes::unveil(Some(Path::new("/tmp")), Some("rwc"))?;
/// scopes::unveil(None, None)?; // enforced from here on
/// assert!(std::fs::read("/etc/hostname").is_err()); // EACCES
/// # Ok::<(), scopes::Error>(())
/// ```
pub fn unveil(path: Option<&Path>, permissions: Option<&str>) -> Result<(), Error> {
    let mut process = lock();
    let held = process.pledge.promises;
    process.unveil.unveil(held, path, permissions)
}

/// The report of the layer the last lock committed (by `unveil(None, None)`, [`Unveil::lock`]
/// or a pledge() that dropped `unveil`), or `None` before.
pub fn unveil_report() -> Option<UnveilReport> {
    lock().unveil.report()
}

impl Unveil {
    /// Adds the batch to the process's unveil state, as unveil() calls would; enforced at the
    /// lock. On error nothing is added.
    pub fn add(self) -> Result<(), Error> {
        let mut process = lock();
        let held = process.pledge.promises;
        self.add_with(&mut process.unveil, held)
    }

    /// Adds the batch, then enforces everything collected and locks, as
    /// `unveil(None, None)`. Returns what is enforced. After the lock, an empty batch returns
    /// the last report; a non-empty one fails with EPERM.
    pub fn lock(self) -> Result<UnveilReport, Error> {
        let mut process = lock();
        let held = process.pledge.promises;
        self.lock_with(&mut process.unveil, held)
    }
}
