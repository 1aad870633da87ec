//! `pledge()`: the string API with OpenBSD's meaning, the typed builder, and the process-wide
//! state that makes promises only shrink.

use std::cell::RefCell;
use std::os::fd::OwnedFd;
use std::sync::{Mutex, MutexGuard, Once};

use crate::bpf::{ret, Insn};
use crate::compiler::paths::{self, LayerPlan};
use crate::compiler::{compile, Target};
use crate::error::Error;
use crate::policy::{Context, CurrentContext as _};
use crate::sys::{self, Installed};
use crate::{Arch, Promise, Promises};

/// What happens when the process makes a system call its promises do not allow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Penalty {
    /// Print one line on stderr naming the call and the promise that would allow it, then the
    /// whole process dies of SIGSYS (OpenBSD's behaviour, with SIGSYS for SIGABRT). Under the
    /// empty promise set, which allows no write, it dies without the report.
    #[default]
    Kill,
    /// The whole process dies of SIGSYS at once, without a report.
    KillQuietly,
    /// The call fails with EPERM and the process carries on.
    Eperm,
    /// The call fails with ENOSYS and the process carries on (what the `error` promise does).
    Enosys,
    /// The call is sent to a supervisor through a seccomp user-notification descriptor, which
    /// [`Pledge::apply`] returns. The supervisor decides (the `pledge` command reports and
    /// answers with EPERM or kills).
    Notify,
}

impl Penalty {
    fn action(self) -> u32 {
        match self {
            Penalty::Kill => ret::TRAP,
            Penalty::KillQuietly => ret::KILL_PROCESS,
            Penalty::Eperm => ret::ERRNO | libc::EPERM as u32,
            Penalty::Enosys => ret::ERRNO | libc::ENOSYS as u32,
            Penalty::Notify => ret::USER_NOTIF,
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct State {
    /// The promises in force; `None` before the first pledge.
    promises: Option<Promises>,
    /// The execpromises recorded; `None` when never set.
    exec: Option<Promises>,
    /// The most severe violation action among the filters pledge installed: the kernel answers
    /// a violation with it, whatever later, milder filters say.
    violation: Option<u32>,
}

/// Whether seccomp action `a` takes precedence over `b` (the kernel compares the action parts
/// as signed numbers: the smaller wins, so KILL_PROCESS beats TRAP beats ERRNO).
fn more_severe(a: u32, b: u32) -> bool {
    ((a & ret::ACTION_FULL) as i32) < ((b & ret::ACTION_FULL) as i32)
}

static STATE: Mutex<State> = Mutex::new(State {
    violation: None,
    promises: None,
    exec: None,
});

/// The promises currently in force, or `None` if this process never pledged.
///
/// ```
/// assert_eq!(scopes::current_promises(), None);
/// ```
pub fn current_promises() -> Option<Promises> {
    lock().promises
}

/// The execpromises recorded by pledge, if any.
pub fn current_execpromises() -> Option<Promises> {
    lock().exec
}

fn lock() -> MutexGuard<'static, State> {
    static FORK_HANDLERS: Once = Once::new();
    FORK_HANDLERS.call_once(|| {
        // Without them a child forked during another thread's pledge() would wait for ever;
        // registration fails only when memory is short, and changes nothing else.
        let _ = sys::at_fork(hold_across_fork, release_after_fork, release_after_fork);
    });
    STATE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

thread_local! {
    /// The lock, held by the forking thread from just before fork() until just after.
    static HELD_ACROSS_FORK: RefCell<Option<MutexGuard<'static, State>>> =
        const { RefCell::new(None) };
}

/// fork() copies the locks as they are, and a child has only the forking thread: a lock
/// another thread held at that moment would stay held in the child for ever. So fork waits
/// until no thread is inside pledge() or unveil() (taking both locks, in their usual order)
/// and releases them on both sides, as glibc does for its own locks.
extern "C" fn hold_across_fork() {
    let state = lock();
    crate::unveil::hold_across_fork();
    HELD_ACROSS_FORK.with(|held| *held.borrow_mut() = Some(state));
}

extern "C" fn release_after_fork() {
    crate::unveil::release_after_fork();
    HELD_ACROSS_FORK.with(|held| drop(held.borrow_mut().take()));
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
    let promises = promises.map(Promises::parse).transpose()?;
    let exec = execpromises.map(Promises::parse).transpose()?;
    let mut builder = Pledge::new();
    builder.promises = promises;
    builder.exec = exec;
    builder.apply().map(drop)
}

/// The typed form of [`pledge`], with options the string form cannot express.
///
/// ```no_run
/// use scopes::{Pledge, Penalty, Promise, Promises};
/// Pledge::new()
///     .promises(Promises::EMPTY.with(Promise::Stdio))
///     .penalty(Penalty::Eperm)
///     .apply()?;
/// # Ok::<(), scopes::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Pledge {
    promises: Option<Promises>,
    exec: Option<Promises>,
    penalty: Penalty,
}

impl Pledge {
    /// A pledge that changes nothing until given promises.
    pub fn new() -> Pledge {
        Pledge::default()
    }

    /// The promises to restrict to.
    #[must_use]
    pub fn promises(mut self, promises: Promises) -> Pledge {
        self.promises = Some(promises);
        self
    }

    /// The promises programs started through [`crate::exec`] run under.
    #[must_use]
    pub fn execpromises(mut self, promises: Promises) -> Pledge {
        self.exec = Some(promises);
        self
    }

    /// What a violation does (default: [`Penalty::Kill`]). The `error` promise overrides it
    /// with ENOSYS.
    #[must_use]
    pub fn penalty(mut self, penalty: Penalty) -> Pledge {
        self.penalty = penalty;
        self
    }

    /// The BPF program this pledge would install in this process (for inspection).
    pub fn filter(&self) -> Vec<Insn> {
        let promises = self.promises.unwrap_or_else(Promises::all);
        compile(
            promises,
            &target(self.effective_penalty(promises), Context::current()),
        )
    }

    /// The penalty in effect for `promises`: `error` turns violations into ENOSYS, and `""`
    /// kills without a report (it allows only exiting, as on OpenBSD: not the report's write).
    fn effective_penalty(&self, promises: Promises) -> Penalty {
        if promises.contains(Promise::Error) && self.penalty != Penalty::Notify {
            Penalty::Enosys
        } else if promises.is_empty() && self.penalty == Penalty::Kill {
            Penalty::KillQuietly
        } else {
            self.penalty
        }
    }

    /// Applies the pledge. Returns the user-notification descriptor with [`Penalty::Notify`].
    /// On error nothing has changed.
    pub fn apply(self) -> Result<Option<OwnedFd>, Error> {
        let mut state = lock();
        let current = state.promises;
        let mut promises = self.promises;
        if let (Some(cur), Some(new)) = (current, promises.as_mut()) {
            if cur.contains(Promise::Error) {
                // OpenBSD: in error mode an increase is silently dropped.
                *new = new.intersection(&cur);
            }
            if !new.is_subset(&cur) {
                return Err(Error::Increase {
                    which: "promises",
                    added: Promises::from_bits(new.bits() & !cur.bits()),
                });
            }
        }
        if let (Some(cur), Some(new)) = (state.exec, self.exec) {
            if !new.is_subset(&cur) {
                return Err(Error::Increase {
                    which: "execpromises",
                    added: Promises::from_bits(new.bits() & !cur.bits()),
                });
            }
        }
        let effective = promises.or(current);
        if let (Some(p), Some(e)) = (effective, self.exec) {
            if !e.is_subset(&p) {
                return Err(Error::ExecPromisesNotSubset {
                    extra: Promises::from_bits(e.bits() & !p.bits()),
                });
            }
        }
        // Execpromises recorded earlier stay within the promises as they narrow.
        let exec = self
            .exec
            .or(state.exec)
            .map(|e| effective.map_or(e, |p| e.intersection(&p)));
        let Some(new) = promises else {
            state.exec = exec;
            return Ok(None);
        };
        let milder_or_same = state
            .violation
            .is_some_and(|installed| !more_severe(self.effective_penalty(new).action(), installed));
        if current == Some(new) && self.penalty != Penalty::Notify && milder_or_same {
            // The same set, and a penalty no stricter than one in force: the filters in place
            // already answer exactly this.
            state.exec = exec;
            return Ok(None);
        }
        if current.is_some_and(|c| !c.contains(Promise::Stdio)) {
            return Err(Error::NeedsStdio);
        }

        let ctx = Context::current();
        let mut penalty = self.effective_penalty(new);
        // Everything that can fail without side effects is checked before the first change.
        for (action, feature) in [
            (ret::KILL_PROCESS, "SECCOMP_RET_KILL_PROCESS (Linux 4.14)"),
            (ret::USER_NOTIF, "seccomp user notification (Linux 5.0)"),
        ] {
            if penalty.action() == action && !sys::action_available(action) {
                return Err(Error::Unsupported {
                    feature: feature.into(),
                    errno: libc::ENOSYS,
                });
            }
        }
        // Every change of promises starts a Landlock domain of its own, so that no process is
        // in the same domain as one holding more promises (Landlock's ptrace scoping keeps
        // /proc/<pid>/mem, and its signal scoping kill(), of processes outside a domain out
        // of reach).
        let layer = if current == Some(new) {
            None
        } else {
            plan_layer(new, current)?
        };
        // Capabilities no promise in force needs go just before the filter (see sys::caps).
        let caps = sys::caps::plan(new)?;
        // Dropping `unveil` locks it: what unveil() collected is enforced with this pledge.
        let unveil_commit = crate::unveil::before_pledge(new)?;
        // The SIGSYS handler goes in before the filter (the filter then refuses to replace it);
        // if this first reporting pledge fails, the program's own action is put back.
        let first_report = penalty == Penalty::Kill && !sys::report::installed();
        if penalty == Penalty::Kill {
            match sys::report::install(new, &ctx) {
                Ok(()) => {}
                // A filter this process inherited across exec guards SIGSYS for a handler that
                // exec removed: violations already end in SIGSYS's default action, death, so
                // ours end the same way, without a report (the guard cannot be lifted).
                Err(e) if e.raw_os_error() == Some(libc::EPERM) && sys::filtered() => {
                    if !sys::action_available(ret::KILL_PROCESS) {
                        return Err(Error::Unsupported {
                            feature: "SECCOMP_RET_KILL_PROCESS (Linux 4.14)".into(),
                            errno: libc::ENOSYS,
                        });
                    }
                    penalty = Penalty::KillQuietly;
                }
                Err(e) => {
                    return Err(Error::Os {
                        call: "sigaction(SIGSYS)",
                        source: e,
                    })
                }
            }
        }
        let reporting = penalty == Penalty::Kill;
        let first_report = first_report && reporting;
        let undo = |e: Error| {
            if first_report {
                sys::report::restore_after_failure();
            }
            e
        };
        let target = target(penalty, ctx);
        let prog = compile(new, &target);
        sys::set_no_new_privs().map_err(|e| {
            undo(Error::Os {
                call: "prctl(PR_SET_NO_NEW_PRIVS)",
                source: e,
            })
        })?;
        if let Some(commit) = unveil_commit {
            commit.enforce().map_err(undo)?;
        }
        if let Some((plan, abi)) = &layer {
            crate::landlock::enforce(plan, *abi).map_err(undo)?;
        }
        caps.apply().map_err(undo)?;
        let listener = install_seccomp(&prog, target.violation == ret::USER_NOTIF).map_err(undo)?;
        if target.reporting || sys::report::installed() {
            sys::report::set_promises(new);
        }
        state.promises = Some(new);
        state.exec = exec;
        state.violation = Some(match state.violation {
            Some(installed) if more_severe(installed, target.violation) => installed,
            _ => target.violation,
        });
        Ok(listener)
    }
}

/// What a filter answering violations with `penalty` is compiled for, on this machine.
fn target(penalty: Penalty, ctx: Context) -> Target {
    Target {
        arch: Arch::native(),
        ctx,
        violation: penalty.action(),
        reporting: penalty == Penalty::Kill,
    }
}

/// The Landlock layer a pledge of `new` (from `current`) adds, with the kernel's ABI; `None`
/// when none is needed or possible.
///
/// Promises that reach paths need one: without Landlock (or with other threads that a kernel
/// before ABI 8 cannot confine) the pledge fails. For the others the layer only adds ptrace,
/// signal and abstract socket scoping behind what the filter already refuses: it is skipped
/// where the kernel lacks Landlock, where the threads cannot all be confined, or where the
/// filter in force holds no promise that reaches paths (it refuses Landlock's calls, and
/// counting threads opens /proc/self/task).
fn plan_layer(new: Promises, current: Option<Promises>) -> Result<Option<(LayerPlan, i32)>, Error> {
    let abi = if paths::reaches_paths(new) {
        match crate::landlock::check_available() {
            Ok(abi) => abi,
            // Other threads, on a kernel that confines only the calling thread: a narrowing
            // that keeps the same path promises keeps the domain in force (the filter still
            // narrows every thread); one that changes what paths are reached cannot be
            // enforced on the other threads, and fails.
            Err(Error::Thread { .. })
                if current.is_some_and(|c| paths::path_side(c) == paths::path_side(new)) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(e),
        }
    } else {
        // The filter in force lets Landlock's calls (and counting threads) through only
        // with a promise that reaches paths.
        let may_ask = !sys::filtered() || current.is_some_and(paths::reaches_paths);
        if !may_ask {
            return Ok(None);
        }
        match crate::landlock::check_available() {
            Ok(abi) => abi,
            Err(_) => return Ok(None),
        }
    };
    let roots = if paths::grants(new).any(|g| g.outside_kernel()) {
        // Listing `/` opens it for reading and reads the directory.
        let may_list = !sys::filtered() || current.is_some_and(paths::reads_directories);
        crate::landlock::roots(may_list)
    } else {
        Vec::new()
    };
    let unveiled = crate::unveil::rules_for_layer(new)?;
    let inputs = paths::Inputs {
        abi,
        roots: &roots,
        unveiled: unveiled.as_deref(),
        extra: &[],
    };
    Ok(Some((paths::plan(new, &inputs), abi)))
}

/// Installs `prog` on every thread (TSYNC), with a user-notification listener if asked, and
/// names what went wrong. no_new_privs must already be set.
pub(crate) fn install_seccomp(prog: &[Insn], listener: bool) -> Result<Option<OwnedFd>, Error> {
    let mut flags = sys::SECCOMP_FILTER_FLAG_TSYNC;
    if listener {
        flags |= sys::SECCOMP_FILTER_FLAG_NEW_LISTENER | sys::SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    }
    match sys::install_filter(prog, flags) {
        Ok(Installed::Done) => Ok(None),
        Ok(Installed::Listener(fd)) => Ok(Some(fd)),
        Ok(Installed::ThreadFailed(tid)) => Err(Error::Thread {
            tid: Some(tid),
            reason: "could not be synchronised to the new filter (TSYNC)",
        }),
        Err(e) => Err(match e.raw_os_error() {
            Some(libc::ENOMEM) => Error::TooManyLayers {
                what: "seccomp filters (32768 instructions in all)",
                errno: libc::ENOMEM,
            },
            Some(libc::ESRCH) => Error::Thread {
                tid: None,
                reason: "another thread could not be synchronised to the new filter (TSYNC)",
            },
            Some(libc::EBUSY) => Error::Unsupported {
                feature: "a second seccomp listener on this thread (one is already installed)"
                    .into(),
                errno: libc::EBUSY,
            },
            _ => Error::Os {
                call: "seccomp(SECCOMP_SET_MODE_FILTER)",
                source: e,
            },
        }),
    }
}
