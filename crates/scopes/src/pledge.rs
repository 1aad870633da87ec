//! `pledge()`'s decisions: the typed builder, the penalty, and the plan of a pledge (a
//! function of the process state, the request and what the kernel offers, which changes
//! nothing), then the short application of that plan. The lock that makes promises only
//! shrink, and the entry points that take it, live in `crate::state`.

use std::os::fd::OwnedFd;
use std::path::PathBuf;

use crate::bpf::{ret, Insn};
use crate::compiler::paths::{self, LayerPlan};
use crate::compiler::{compile, Target};
use crate::error::Error;
use crate::policy::Context;
use crate::sys;
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

/// pledge's part of the process state (kept with unveil's in `crate::state`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct State {
    /// The promises in force; `None` before the first pledge.
    pub(crate) promises: Option<Promises>,
    /// The execpromises recorded; `None` when never set.
    pub(crate) exec: Option<Promises>,
    /// The most severe violation action among the filters pledge installed: the kernel answers
    /// a violation with it, whatever later, milder filters say.
    pub(crate) violation: Option<u32>,
}

impl State {
    /// A process that never pledged.
    pub(crate) const NEVER_PLEDGED: State = State {
        promises: None,
        exec: None,
        violation: None,
    };
}

/// Whether seccomp action `a` takes precedence over `b` (the kernel compares the action parts
/// as signed numbers: the smaller wins, so KILL_PROCESS beats TRAP beats ERRNO).
fn more_severe(a: u32, b: u32) -> bool {
    ((a & ret::ACTION_FULL) as i32) < ((b & ret::ACTION_FULL) as i32)
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

    /// Decides everything this pledge does in a process whose pledge state is `current` and
    /// whose unveil state is `unveil`, asking `kernel` only what the decision needs; changes
    /// nothing. On error the pledge is refused and nothing is to change.
    pub(crate) fn plan<K: Kernel>(
        &self,
        current: &State,
        unveil: &crate::unveil::State,
        kernel: &K,
    ) -> Result<Plan<K::Caps>, Error> {
        let held = current.promises;
        let (promises, exec) = self.narrowed(current)?;
        let Some(new) = promises else {
            return Ok(Plan::Record(State { exec, ..*current }));
        };
        let milder_or_same = current
            .violation
            .is_some_and(|installed| !more_severe(self.effective_penalty(new).action(), installed));
        if held == Some(new) && self.penalty != Penalty::Notify && milder_or_same {
            // The same set, and a penalty no stricter than one in force: the filters in place
            // already answer exactly this.
            return Ok(Plan::Record(State { exec, ..*current }));
        }
        if held.is_some_and(|c| !c.contains(Promise::Stdio)) {
            return Err(Error::NeedsStdio);
        }
        let penalty = self.effective_penalty(new);
        for (action, feature) in [
            (ret::KILL_PROCESS, "SECCOMP_RET_KILL_PROCESS (Linux 4.14)"),
            (ret::USER_NOTIF, "seccomp user notification (Linux 5.0)"),
        ] {
            if penalty.action() == action && !kernel.action_available(action) {
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
        let layer = if held == Some(new) {
            None
        } else {
            plan_layer(new, held, unveil, kernel)?
        };
        Ok(Plan::Install(Install {
            promises: new,
            target: target(penalty, kernel.context()),
            layer,
            // Capabilities no promise in force needs go just before the filter (see sys::caps).
            caps: kernel.caps(new)?,
            // Dropping `unveil` locks it: what unveil() collected is enforced with this pledge.
            lock_unveil: unveil.locked_by(new),
            before: State { exec, ..*current },
        }))
    }

    /// The promises and execpromises this pledge leaves in force from `current`, or the error
    /// that refuses it: promises only shrink (under `error` an increase is silently dropped,
    /// as on OpenBSD), and execpromises stay within the promises.
    fn narrowed(&self, current: &State) -> Result<(Option<Promises>, Option<Promises>), Error> {
        let held = current.promises;
        let mut promises = self.promises;
        if let (Some(cur), Some(new)) = (held, promises.as_mut()) {
            if cur.contains(Promise::Error) {
                *new = new.intersection(&cur);
            }
            if !new.is_subset(&cur) {
                return Err(Error::Increase {
                    which: "promises",
                    added: Promises::from_bits(new.bits() & !cur.bits()),
                });
            }
        }
        if let (Some(cur), Some(new)) = (current.exec, self.exec) {
            if !new.is_subset(&cur) {
                return Err(Error::Increase {
                    which: "execpromises",
                    added: Promises::from_bits(new.bits() & !cur.bits()),
                });
            }
        }
        let effective = promises.or(held);
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
            .or(current.exec)
            .map(|e| effective.map_or(e, |p| e.intersection(&p)));
        Ok((promises, exec))
    }
}

/// What the running kernel and process offer a pledge. Each question is asked only when the
/// plan needs its answer: some are system calls that the filter in force may refuse. [`System`]
/// asks the kernel; the plan's tests answer themselves.
pub(crate) trait Kernel {
    /// The capability drop the plan carries.
    type Caps;
    /// The values filters are specialised with (own pid, uid, gid).
    fn context(&self) -> Context;
    /// Whether the kernel knows the seccomp return action `action`.
    fn action_available(&self, action: u32) -> bool;
    /// Whether a seccomp filter is in force (ours or inherited).
    fn filtered(&self) -> bool;
    /// The Landlock ABI for path rules, or why they cannot be enforced (no Landlock, an ABI
    /// too old, or other threads it would leave out): `crate::landlock::check_available`.
    fn landlock(&self) -> Result<i32, Error>;
    /// The entries of `/` outside the kernel's filesystems (`crate::landlock::roots`).
    fn roots(&self, may_list: bool) -> Vec<PathBuf>;
    /// The drop of every capability `promises` do not need, or why it is refused.
    fn caps(&self, promises: Promises) -> Result<Self::Caps, Error>;
}

/// The running kernel and process.
pub(crate) struct System;

impl Kernel for System {
    type Caps = sys::caps::CapDrop;

    fn context(&self) -> Context {
        Context::current()
    }

    fn action_available(&self, action: u32) -> bool {
        sys::action_available(action)
    }

    fn filtered(&self) -> bool {
        sys::filtered()
    }

    fn landlock(&self) -> Result<i32, Error> {
        crate::landlock::check_available()
    }

    fn roots(&self, may_list: bool) -> Vec<PathBuf> {
        crate::landlock::roots(may_list)
    }

    fn caps(&self, promises: Promises) -> Result<sys::caps::CapDrop, Error> {
        sys::caps::plan(promises)
    }
}

/// What a pledge does, decided by [`Pledge::plan`].
#[derive(Debug)]
pub(crate) enum Plan<Caps> {
    /// No filter to install (no promises given, or the filters in force already answer the
    /// request): only the state changes, to this.
    Record(State),
    /// A filter to install, with what goes before it.
    Install(Install<Caps>),
}

/// A filter to install, and everything that goes with it, in the order of [`Install::apply`].
#[derive(Debug)]
pub(crate) struct Install<Caps> {
    /// The promises the filter allows.
    pub(crate) promises: Promises,
    /// What the filter is compiled for; with `reporting`, the SIGSYS handler goes in first.
    pub(crate) target: Target,
    /// The Landlock layer of the promises, with the kernel's ABI; `None` when none is needed
    /// or possible.
    pub(crate) layer: Option<(LayerPlan, i32)>,
    /// The capabilities to drop.
    pub(crate) caps: Caps,
    /// Whether this pledge locks unveil, enforcing what unveil() collected.
    pub(crate) lock_unveil: bool,
    /// The state before the filter goes in, with the execpromises this pledge records.
    pub(crate) before: State,
}

impl Install<sys::caps::CapDrop> {
    /// Performs the plan. Returns the user-notification descriptor (with [`Penalty::Notify`])
    /// and the new pledge state; on error the process is as it was (`unveil` included).
    pub(crate) fn apply(
        self,
        unveil: &mut crate::unveil::State,
    ) -> Result<(Option<OwnedFd>, State), Error> {
        // Everything that can fail without side effects is done before the first change.
        let unveil_layer = if self.lock_unveil {
            Some(unveil.prepare_lock(self.promises)?)
        } else {
            None
        };
        let first_report = self.target.reporting && !sys::report::installed();
        let target = install_reporter(self.promises, self.target)?;
        let undo = |e: Error| {
            if first_report && target.reporting {
                // The program's own SIGSYS action goes back: a failed pledge changes nothing.
                sys::report::restore_after_failure();
            }
            e
        };
        let prog = compile(self.promises, &target);
        sys::set_no_new_privs().map_err(|e| {
            undo(Error::Os {
                call: "prctl(PR_SET_NO_NEW_PRIVS)",
                source: e,
            })
        })?;
        if let Some(layer) = unveil_layer {
            layer.enforce(unveil).map_err(undo)?;
        }
        if let Some((plan, abi)) = &self.layer {
            crate::landlock::enforce(plan, *abi).map_err(undo)?;
        }
        self.caps.apply().map_err(undo)?;
        let listener =
            crate::seccomp::install(&prog, target.violation == ret::USER_NOTIF).map_err(undo)?;
        if target.reporting || sys::report::installed() {
            sys::report::set_promises(self.promises);
        }
        Ok((
            listener,
            self.before.installed(self.promises, target.violation),
        ))
    }
}

impl State {
    /// The state once a filter allowing `promises` and answering violations with `violation`
    /// is installed.
    fn installed(self, promises: Promises, violation: u32) -> State {
        State {
            promises: Some(promises),
            violation: Some(match self.violation {
                Some(installed) if more_severe(installed, violation) => installed,
                _ => violation,
            }),
            ..self
        }
    }
}

/// Installs the SIGSYS handler before a reporting filter (which then refuses to replace it),
/// and returns the target the filter is compiled for: `target` itself, or a quiet kill where a
/// filter this process inherited across exec guards SIGSYS for a handler that exec removed.
/// Violations there already end in SIGSYS's default action, death, so ours end the same way,
/// without a report (the guard cannot be lifted).
fn install_reporter(promises: Promises, target: Target) -> Result<Target, Error> {
    if !target.reporting {
        return Ok(target);
    }
    match sys::report::install(promises, &target.ctx) {
        Ok(()) => Ok(target),
        Err(e) if e.raw_os_error() == Some(libc::EPERM) && sys::filtered() => {
            if !sys::action_available(ret::KILL_PROCESS) {
                return Err(Error::Unsupported {
                    feature: "SECCOMP_RET_KILL_PROCESS (Linux 4.14)".into(),
                    errno: libc::ENOSYS,
                });
            }
            Ok(self::target(Penalty::KillQuietly, target.ctx))
        }
        Err(e) => Err(Error::Os {
            call: "sigaction(SIGSYS)",
            source: e,
        }),
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
fn plan_layer<K: Kernel>(
    new: Promises,
    current: Option<Promises>,
    unveil: &crate::unveil::State,
    kernel: &K,
) -> Result<Option<(LayerPlan, i32)>, Error> {
    let abi = if paths::reaches_paths(new) {
        match kernel.landlock() {
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
        let may_ask = !kernel.filtered() || current.is_some_and(paths::reaches_paths);
        if !may_ask {
            return Ok(None);
        }
        match kernel.landlock() {
            Ok(abi) => abi,
            Err(_) => return Ok(None),
        }
    };
    let roots = if paths::grants(new).any(|g| g.outside_kernel()) {
        // Listing `/` opens it for reading and reads the directory.
        let may_list = !kernel.filtered() || current.is_some_and(paths::reads_directories);
        kernel.roots(may_list)
    } else {
        Vec::new()
    };
    let unveiled = unveil.rules_for_layer(new)?;
    let inputs = paths::Inputs {
        abi,
        roots: &roots,
        unveiled: unveiled.as_deref(),
        extra: &[],
    };
    Ok(Some((paths::plan(new, &inputs), abi)))
}
