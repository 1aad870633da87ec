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
use crate::policy::{Context, CurrentContext as _};
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
    promises: Promises,
    /// What the filter is compiled for; with `reporting`, the SIGSYS handler goes in first.
    target: Target,
    /// The Landlock layer of the promises, with the kernel's ABI; `None` when none is needed
    /// or possible.
    layer: Option<(LayerPlan, i32)>,
    /// The capabilities to drop.
    caps: Caps,
    /// Whether this pledge locks unveil, enforcing what unveil() collected.
    lock_unveil: bool,
    /// The state before the filter goes in, with the execpromises this pledge records.
    before: State,
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
        let first_report = self.target.reporting && !crate::report::installed();
        let target = install_reporter(self.promises, self.target)?;
        let undo = |e: Error| {
            if first_report && target.reporting {
                // The program's own SIGSYS action goes back: a failed pledge changes nothing.
                crate::report::restore_after_failure();
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
        if target.reporting || crate::report::installed() {
            crate::report::set_promises(self.promises);
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
    match crate::report::install(promises, &target.ctx) {
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

#[cfg(test)]
mod tests {
    //! The plan of a pledge, decided against a kernel that answers from fields: no system call.

    use std::cell::RefCell;

    use super::*;
    use crate::unveil::State as UnveilState;

    /// A kernel answering from fields, recording the questions it was asked.
    struct Fake {
        filtered: bool,
        kill_process: bool,
        user_notif: bool,
        landlock: fn() -> Result<i32, Error>,
        caps_refused: bool,
        asked: RefCell<Vec<String>>,
    }

    impl Fake {
        /// An unfiltered process on a kernel with everything, Landlock ABI 7.
        fn new() -> Fake {
            Fake {
                filtered: false,
                kill_process: true,
                user_notif: true,
                landlock: || Ok(7),
                caps_refused: false,
                asked: RefCell::new(Vec::new()),
            }
        }

        fn filtered(mut self) -> Fake {
            self.filtered = true;
            self
        }

        fn landlock(mut self, answer: fn() -> Result<i32, Error>) -> Fake {
            self.landlock = answer;
            self
        }

        fn was_asked(&self, question: &str) -> bool {
            self.asked.borrow().iter().any(|q| q == question)
        }
    }

    impl Kernel for Fake {
        /// The promises the drop was planned for.
        type Caps = Promises;

        fn context(&self) -> Context {
            Context {
                pid: 7,
                uid: 1000,
                gid: 1000,
            }
        }

        fn action_available(&self, action: u32) -> bool {
            match action {
                ret::KILL_PROCESS => self.kill_process,
                ret::USER_NOTIF => self.user_notif,
                _ => true,
            }
        }

        fn filtered(&self) -> bool {
            self.filtered
        }

        fn landlock(&self) -> Result<i32, Error> {
            self.asked.borrow_mut().push("landlock".into());
            (self.landlock)()
        }

        fn roots(&self, may_list: bool) -> Vec<PathBuf> {
            self.asked.borrow_mut().push(format!("roots {may_list}"));
            vec![PathBuf::from("/usr")]
        }

        fn caps(&self, promises: Promises) -> Result<Promises, Error> {
            if self.caps_refused {
                return Err(Error::Thread {
                    tid: None,
                    reason: "other threads would keep the capabilities",
                });
            }
            Ok(promises)
        }
    }

    fn set(s: &str) -> Promises {
        s.parse().unwrap()
    }

    /// The state after a reporting pledge of `promises` (and execpromises `exec`).
    fn pledged(promises: &str, exec: Option<&str>) -> State {
        State {
            promises: Some(set(promises)),
            exec: exec.map(set),
            violation: Some(ret::TRAP),
        }
    }

    fn request(promises: &str) -> Pledge {
        Pledge::new().promises(set(promises))
    }

    fn plan(
        pledge: &Pledge,
        current: &State,
        unveil: &UnveilState,
        kernel: &Fake,
    ) -> Result<Plan<Promises>, Error> {
        pledge.plan(current, unveil, kernel)
    }

    fn install(pledge: &Pledge, current: &State, kernel: &Fake) -> Install<Promises> {
        match plan(pledge, current, &UnveilState::new(false), kernel) {
            Ok(Plan::Install(install)) => install,
            other => panic!("expected a filter to install, got {other:?}"),
        }
    }

    fn refusal(pledge: &Pledge, current: &State, kernel: &Fake) -> Error {
        match plan(pledge, current, &UnveilState::new(false), kernel) {
            Err(e) => e,
            Ok(other) => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn the_first_pledge_installs_a_reporting_filter_with_its_layer_and_caps() {
        let kernel = Fake::new();
        let install = install(&request("stdio rpath"), &State::NEVER_PLEDGED, &kernel);
        assert_eq!(install.promises, set("stdio rpath"));
        assert_eq!(install.target.violation, ret::TRAP);
        assert!(install.target.reporting);
        assert_eq!(install.target.ctx.pid, 7);
        assert_eq!(install.caps, set("stdio rpath"));
        let (layer, abi) = install.layer.expect("a Landlock layer");
        assert_eq!(abi, 7);
        assert_eq!(layer.scopes, paths::scopes_for(set("stdio rpath")));
        assert!(!install.lock_unveil);
        assert_eq!(install.before, State::NEVER_PLEDGED);
        let after = install
            .before
            .installed(install.promises, install.target.violation);
        assert_eq!(after, pledged("stdio rpath", None));
    }

    #[test]
    fn narrowing_is_planned_and_widening_refused_with_what_it_adds() {
        let kernel = Fake::new();
        let current = pledged("stdio rpath wpath", None);
        let install = install(&request("stdio rpath"), &current, &kernel);
        assert_eq!(install.promises, set("stdio rpath"));
        match refusal(&request("stdio rpath inet"), &current, &kernel) {
            Error::Increase { which, added } => {
                assert_eq!(which, "promises");
                assert_eq!(added, set("inet"));
            }
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn under_error_an_increase_is_dropped_and_violations_answer_enosys() {
        let kernel = Fake::new();
        let current = State {
            violation: Some(ret::ERRNO | libc::ENOSYS as u32),
            ..pledged("stdio rpath error", None)
        };
        let install = install(&request("stdio inet error"), &current, &kernel);
        assert_eq!(install.promises, set("stdio error"));
        assert_eq!(install.target.violation, ret::ERRNO | libc::ENOSYS as u32);
        assert!(!install.target.reporting);
    }

    #[test]
    fn a_process_without_stdio_cannot_pledge_again() {
        let kernel = Fake::new();
        let current = pledged("rpath wpath", None);
        assert!(matches!(
            refusal(&request("rpath"), &current, &kernel),
            Error::NeedsStdio
        ));
    }

    #[test]
    fn execpromises_stay_within_the_promises_and_only_shrink() {
        let kernel = Fake::new();
        let current = pledged("stdio rpath proc exec", Some("stdio rpath"));
        // Widening the execpromises.
        let wider = Pledge::new().execpromises(set("stdio rpath inet"));
        match refusal(&wider, &current, &kernel) {
            Error::Increase { which, added } => {
                assert_eq!(which, "execpromises");
                assert_eq!(added, set("inet"));
            }
            e => panic!("{e:?}"),
        }
        // Beyond the promises the pledge leaves.
        let beyond = request("stdio proc exec").execpromises(set("stdio rpath"));
        match refusal(&beyond, &current, &kernel) {
            Error::ExecPromisesNotSubset { extra } => assert_eq!(extra, set("rpath")),
            e => panic!("{e:?}"),
        }
        // Execpromises alone are recorded without a filter.
        let only = Pledge::new().execpromises(set("stdio"));
        match plan(&only, &current, &UnveilState::new(false), &kernel) {
            Ok(Plan::Record(state)) => {
                assert_eq!(state, pledged("stdio rpath proc exec", Some("stdio")))
            }
            other => panic!("{other:?}"),
        }
        // Those recorded earlier narrow with the promises.
        let install = install(&request("stdio proc exec"), &current, &kernel);
        assert_eq!(install.before.exec, Some(set("stdio")));
    }

    #[test]
    fn the_same_promises_install_nothing_unless_the_penalty_is_stricter() {
        let kernel = Fake::new();
        let eperm = State {
            violation: Some(ret::ERRNO | libc::EPERM as u32),
            ..pledged("stdio", None)
        };
        let milder = request("stdio").penalty(Penalty::Eperm);
        match plan(
            &milder,
            &pledged("stdio", None),
            &UnveilState::new(false),
            &kernel,
        ) {
            Ok(Plan::Record(state)) => assert_eq!(state, pledged("stdio", None)),
            other => panic!("{other:?}"),
        }
        // A reporting kill is stricter than EPERM: a filter goes in, without a new layer.
        let install = install(&request("stdio"), &eperm, &kernel);
        assert!(install.layer.is_none());
        assert!(!kernel.was_asked("landlock"));
        // A notifying pledge always installs its filter, for its descriptor.
        let notify = request("stdio").penalty(Penalty::Notify);
        let install = self::install(&notify, &pledged("stdio", None), &kernel);
        assert_eq!(install.target.violation, ret::USER_NOTIF);
    }

    #[test]
    fn the_empty_set_kills_quietly_where_the_kernel_can() {
        let install = install(&request(""), &pledged("stdio", None), &Fake::new());
        assert_eq!(install.target.violation, ret::KILL_PROCESS);
        assert!(!install.target.reporting);
        let old = Fake {
            kill_process: false,
            ..Fake::new()
        };
        let e = refusal(&request(""), &pledged("stdio", None), &old);
        assert!(
            matches!(
                e,
                Error::Unsupported {
                    errno: libc::ENOSYS,
                    ..
                }
            ),
            "{e:?}"
        );
        let no_notif = Fake {
            user_notif: false,
            ..Fake::new()
        };
        let notify = request("stdio").penalty(Penalty::Notify);
        let e = refusal(&notify, &State::NEVER_PLEDGED, &no_notif);
        assert!(
            matches!(
                e,
                Error::Unsupported {
                    errno: libc::ENOSYS,
                    ..
                }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn a_pledge_without_unveil_locks_what_unveil_collected() {
        let kernel = Fake::new();
        let collecting = UnveilState::collecting_for_test();
        let lock = |promises: &str, unveil: &UnveilState| match plan(
            &request(promises),
            &State::NEVER_PLEDGED,
            unveil,
            &kernel,
        ) {
            Ok(Plan::Install(install)) => install.lock_unveil,
            other => panic!("{other:?}"),
        };
        assert!(lock("stdio rpath", &collecting));
        assert!(!lock("stdio rpath unveil", &collecting), "unveil kept");
        assert!(
            !lock("stdio rpath", &UnveilState::locked_for_test()),
            "already locked"
        );
        assert!(
            !lock("stdio rpath", &UnveilState::new(false)),
            "nothing collected"
        );
    }

    #[test]
    fn promises_that_reach_paths_need_landlock_the_others_do_without() {
        let none = || {
            Err(Error::Unsupported {
                feature: "Landlock".into(),
                errno: libc::ENOSYS,
            })
        };
        let kernel = Fake::new().landlock(none);
        let e = refusal(&request("stdio rpath"), &State::NEVER_PLEDGED, &kernel);
        assert_eq!(e.errno(), libc::ENOSYS);
        let install = install(&request("stdio inet"), &State::NEVER_PLEDGED, &kernel);
        assert!(install.layer.is_none());
    }

    #[test]
    fn other_threads_before_abi_8_keep_the_domain_only_for_the_same_path_promises() {
        let threads = || {
            Err(Error::Thread {
                tid: None,
                reason: "other threads",
            })
        };
        let kernel = Fake::new().landlock(threads);
        let current = pledged("stdio rpath inet", None);
        // Same path side: the filter narrows every thread, the domain in force stays.
        let install = install(&request("stdio rpath"), &current, &kernel);
        assert!(install.layer.is_none());
        // Another path side cannot be enforced on the other threads.
        let e = refusal(
            &request("stdio wpath"),
            &pledged("stdio rpath wpath", None),
            &kernel,
        );
        assert!(matches!(e, Error::Thread { .. }), "{e:?}");
    }

    #[test]
    fn a_filter_that_refuses_landlock_is_not_asked_through() {
        // Under "stdio inet" the filter in force refuses Landlock's calls and /proc: the plan
        // must not ask, and goes without the scoping layer.
        let kernel = Fake::new().filtered();
        let install = install(&request("stdio"), &pledged("stdio inet", None), &kernel);
        assert!(install.layer.is_none());
        assert!(!kernel.was_asked("landlock"));
        // Under a promise that reaches paths it may ask.
        let install = self::install(&request("stdio"), &pledged("stdio rpath", None), &kernel);
        assert!(install.layer.is_some());
        assert!(kernel.was_asked("landlock"));
    }

    #[test]
    fn the_root_directory_is_listed_only_where_the_filter_lets_it() {
        let kernel = Fake::new().filtered();
        install(
            &request("stdio wpath"),
            &pledged("stdio wpath cpath", None),
            &kernel,
        );
        assert!(kernel.was_asked("roots false"));
        let kernel = Fake::new().filtered();
        install(
            &request("stdio wpath"),
            &pledged("stdio rpath wpath", None),
            &kernel,
        );
        assert!(kernel.was_asked("roots true"));
        let kernel = Fake::new();
        install(&request("stdio wpath"), &State::NEVER_PLEDGED, &kernel);
        assert!(kernel.was_asked("roots true"));
    }

    #[test]
    fn a_refused_capability_drop_refuses_the_pledge() {
        let kernel = Fake {
            caps_refused: true,
            ..Fake::new()
        };
        let e = refusal(&request("stdio"), &State::NEVER_PLEDGED, &kernel);
        assert!(matches!(e, Error::Thread { .. }), "{e:?}");
    }

    #[test]
    fn the_most_severe_violation_action_stays_in_force() {
        let quiet = State {
            violation: Some(ret::KILL_PROCESS),
            ..pledged("stdio rpath", None)
        };
        let after = quiet.installed(set("stdio"), ret::TRAP);
        assert_eq!(after.violation, Some(ret::KILL_PROCESS));
        let after = pledged("stdio rpath", None).installed(set("stdio"), ret::KILL_PROCESS);
        assert_eq!(after.violation, Some(ret::KILL_PROCESS));
    }
}
