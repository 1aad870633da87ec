//! `unveil()`: OpenBSD's path restrictions, enforced with Landlock.
//!
//! unveil() calls are collected in the process (each path is opened and held at once, so a
//! bad path fails the call that names it) and enforced as one Landlock layer when the process
//! locks unveil: at `unveil(None, None)`, or at a pledge() whose promises lack `unveil`. The
//! typed [`Unveil`] builder adds what the string API cannot say: TCP port rules, signal and
//! abstract unix socket scoping, paths kept reachable without OpenBSD's "most specific wins"
//! meaning, and best effort with a report of what is not enforced.
//!
//! Where Linux differs from OpenBSD is listed in docs/unveil.md; in short: denials are EACCES
//! (not ENOENT), stat/access/chdir are not restricted, a path cannot be narrowed below a
//! wider unveiled parent (refused, unless best effort), paths must exist, and nothing is
//! enforced before the lock.

mod gap;
mod layer;
mod negotiate;
mod node;
mod permissions;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use landlock::{BitFlags, Scope};

pub use gap::{Gap, UnveilReport};
pub use permissions::Permissions;

use crate::error::Error;
use crate::{Promise, Promises};
use node::Node;

/// How a rule was added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// By unveil(): OpenBSD's meaning, where the most specific path decides, so a narrower
    /// rule below a wider one is checked.
    Unveil,
    /// By [`Unveil::reachable`]: only adds access, like the paths promises imply.
    Reachable,
}

/// One collected rule.
#[derive(Debug)]
struct Rule {
    node: Node,
    permissions: Permissions,
    kind: Kind,
}

/// The process's unveil state (kept with pledge's in `crate::state`). It is copied by fork,
/// like OpenBSD's.
#[derive(Debug)]
pub(crate) struct State {
    rules: Vec<Rule>,
    /// TCP ports connect() may reach; `None`: not restricted.
    connect: Option<BTreeSet<u16>>,
    /// TCP ports bind() may use; `None`: not restricted.
    bind: Option<BTreeSet<u16>>,
    scopes: BitFlags<Scope>,
    /// What the kernel cannot enforce that a best-effort batch accepted (one of each kind):
    /// the commit accepts these kinds, and refuses any other.
    accepted: Vec<Gap>,
    /// Narrowings accepted under best effort, reported at commit.
    narrowing: Vec<Gap>,
    locked: bool,
    report: Option<UnveilReport>,
    /// The rules the lock enforced, held open: later pledge layers re-state them.
    committed: Vec<Rule>,
    /// Collected for another process, single-threaded when it enforces the layer (see
    /// [`Unveil::layer_for_another_process`]), rather than for this one.
    elsewhere: bool,
}

impl State {
    fn pending(&self) -> bool {
        !self.rules.is_empty()
            || self.connect.is_some()
            || self.bind.is_some()
            || !self.scopes.is_empty()
    }

    /// The number of threads of the process that enforces the layer.
    fn threads(&self) -> Result<usize, Error> {
        if self.elsewhere {
            Ok(1)
        } else {
            crate::landlock::thread_count()
        }
    }

    fn locked(&self, promises: Option<Promises>) -> bool {
        self.locked || promises.is_some_and(|p| !p.contains(Promise::Unveil))
    }

    /// Enforces what is pending (if anything) and locks.
    fn commit(&mut self, promises: Option<Promises>) -> Result<UnveilReport, Error> {
        let report = if self.pending() {
            layer::prepare(self, promises)?.enforce()?
        } else {
            UnveilReport::default()
        };
        self.finish(report.clone());
        Ok(report)
    }

    /// Refuses, at commit, a gap that weakens unveil and that no best-effort batch accepted:
    /// best effort is asked per batch, and a gap can appear after every batch was judged
    /// (threads started since, say).
    fn refuse_unaccepted(&self, gaps: &[Gap]) -> Result<(), Error> {
        let accepted = |gap: &Gap| {
            self.accepted
                .iter()
                .any(|a| std::mem::discriminant(a) == std::mem::discriminant(gap))
        };
        match gaps.iter().find(|g| g.weakens() && !accepted(g)) {
            Some(gap) => Err(gap.to_error()),
            None => Ok(()),
        }
    }

    fn finish(&mut self, report: UnveilReport) {
        self.locked = true;
        if report.enforced {
            self.committed.append(&mut self.rules);
        }
        self.rules.clear();
        self.report = Some(report);
    }
}

impl State {
    /// Nothing collected; `elsewhere`: for another process (see
    /// [`Unveil::layer_for_another_process`]).
    pub(crate) const fn new(elsewhere: bool) -> State {
        State {
            rules: Vec::new(),
            connect: None,
            bind: None,
            scopes: BitFlags::EMPTY,
            accepted: Vec::new(),
            narrowing: Vec::new(),
            locked: false,
            report: None,
            committed: Vec::new(),
            elsewhere,
        }
    }
}

impl State {
    /// `unveil(path, permissions)` in a process holding `held` (the public `unveil()`).
    pub(crate) fn unveil(
        &mut self,
        held: Option<Promises>,
        path: Option<&Path>,
        permissions: Option<&str>,
    ) -> Result<(), Error> {
        match (path, permissions) {
            (None, None) => {
                if !self.locked(held) {
                    self.commit(held)?;
                }
                Ok(())
            }
            _ if self.locked(held) => Err(Error::UnveilLocked),
            (Some(path), Some(permissions)) => {
                let permissions = Permissions::parse(permissions)?;
                Unveil::new().path(path, permissions).add_to(self)
            }
            _ => Err(Error::NullArgument),
        }
    }

    /// The report of the layer the last lock committed, or `None` before.
    pub(crate) fn report(&self) -> Option<UnveilReport> {
        self.report.clone()
    }
}

/// The typed form of [`unveil`]: a batch of rules added at once (all or nothing), with what
/// the string form cannot say.
///
/// ```no_run
/// use scopes::{Permissions, Unveil};
/// let report = Unveil::new()
///     .path("/srv/data", Permissions::READ)
///     .connect_ports([443])
///     .scope_signals()
///     .best_effort()
///     .lock()?;
/// for gap in &report.gaps {
///     eprintln!("not enforced: {gap}");
/// }
/// # Ok::<(), scopes::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Unveil {
    paths: Vec<(PathBuf, Permissions, Kind)>,
    implied_by: Option<Promises>,
    connect: Option<Vec<u16>>,
    bind: Option<Vec<u16>>,
    scopes: BitFlags<Scope>,
    best_effort: bool,
}

impl Unveil {
    /// An empty batch.
    pub fn new() -> Unveil {
        Unveil::default()
    }

    /// As `unveil(path, permissions)`.
    #[must_use]
    pub fn path(mut self, path: impl Into<PathBuf>, permissions: Permissions) -> Unveil {
        self.paths.push((path.into(), permissions, Kind::Unveil));
        self
    }

    /// Keeps `path` reachable with `permissions` without OpenBSD's "most specific wins"
    /// meaning: it only adds access and never conflicts with a narrower unveil, like the paths
    /// promises imply (which bypass unveil on OpenBSD). For what a program needs to run (its
    /// binary, interpreter, libraries) rather than what the user restricts. The path must exist.
    #[must_use]
    pub fn reachable(mut self, path: impl Into<PathBuf>, permissions: Permissions) -> Unveil {
        self.paths.push((path.into(), permissions, Kind::Reachable));
        self
    }

    /// Keeps the paths `promises` imply reachable (resolver files for `dns`, `/tmp` for
    /// `tmppath`...), as if the process held them when locking. For a launcher that unveils
    /// before the promises apply, as the `pledge` command does between fork and exec.
    #[must_use]
    pub fn implied_by(mut self, promises: Promises) -> Unveil {
        self.implied_by = Some(promises);
        self
    }

    /// Restricts TCP connect() to these ports (Landlock ABI 4). Calling it with no port
    /// forbids every TCP connect. Ports from several batches add up. UDP is not restricted.
    #[must_use]
    pub fn connect_ports(mut self, ports: impl IntoIterator<Item = u16>) -> Unveil {
        self.connect.get_or_insert_with(Vec::new).extend(ports);
        self
    }

    /// Restricts TCP bind() to these ports (Landlock ABI 4); port 0 allows an ephemeral port.
    /// Calling it with no port forbids every TCP bind.
    #[must_use]
    pub fn bind_ports(mut self, ports: impl IntoIterator<Item = u16>) -> Unveil {
        self.bind.get_or_insert_with(Vec::new).extend(ports);
        self
    }

    /// Forbids signals to processes outside the sandbox (Landlock ABI 6): kill() of the
    /// parent, for one, fails with EPERM.
    #[must_use]
    pub fn scope_signals(mut self) -> Unveil {
        self.scopes |= Scope::Signal;
        self
    }

    /// Forbids connecting to abstract unix sockets created outside the sandbox (ABI 6).
    #[must_use]
    pub fn scope_abstract_unix_sockets(mut self) -> Unveil {
        self.scopes |= Scope::AbstractUnixSocket;
        self
    }

    /// Enforces what the kernel can and lists the rest in the [`UnveilReport`] instead of
    /// failing: no Landlock, missing rights or rules of an older ABI, other threads, narrowing
    /// below a wider directory, one file unveiled under two names with different permissions.
    ///
    /// It applies to this batch only: a later batch or unveil() call without it is refused
    /// (EOPNOTSUPP) when what it asks cannot be enforced. What this batch accepted stays
    /// accepted and reported at the lock; since the layer is one Landlock ruleset, a missing
    /// kernel feature it accepts (no Landlock, an older ABI, other threads) is accepted for
    /// the whole layer.
    #[must_use]
    pub fn best_effort(mut self) -> Unveil {
        self.best_effort = true;
        self
    }

    /// [`Unveil::add`] on `state`, in a process holding `held`.
    pub(crate) fn add_with(self, state: &mut State, held: Option<Promises>) -> Result<(), Error> {
        if state.locked(held) {
            return Err(Error::UnveilLocked);
        }
        self.add_to(state)
    }

    /// [`Unveil::lock`] on `state`, in a process holding `held`.
    pub(crate) fn lock_with(
        self,
        state: &mut State,
        held: Option<Promises>,
    ) -> Result<UnveilReport, Error> {
        let empty = self.paths.is_empty()
            && self.connect.is_none()
            && self.bind.is_none()
            && self.scopes.is_empty();
        if state.locked(held) {
            return if empty {
                Ok(state.report.clone().unwrap_or_default())
            } else {
                Err(Error::UnveilLocked)
            };
        }
        let implied = self.implied_by.or(held);
        if !empty || self.best_effort {
            self.add_to(state)?;
        }
        state.commit(implied)
    }

    /// Builds the layer [`Unveil::lock`] would enforce in a new, never pledged,
    /// single-threaded process, enforcing nothing and leaving this process's unveil state
    /// alone: for a launcher (the `pledge` command) that prepares the layer of the program it
    /// starts, which enforces it on itself. The paths are opened here, by the calling process.
    /// `None`: nothing to enforce (nothing asked, or best effort and the kernel cannot).
    pub fn layer_for_another_process(self) -> Result<Option<crate::supervised::Layer>, Error> {
        let implied = self.implied_by;
        let mut state = State::new(true);
        self.add_to(&mut state)?;
        if !state.pending() {
            return Ok(None);
        }
        Ok(layer::prepare(&state, implied)?.into_layer())
    }

    fn add_to(self, state: &mut State) -> Result<(), Error> {
        let mut added = Vec::with_capacity(self.paths.len());
        for (path, permissions, kind) in &self.paths {
            added.push(Rule {
                node: Node::open(path)?,
                permissions: *permissions,
                kind: *kind,
            });
        }
        let gaps = self.kernel_gaps(state, !added.is_empty())?;
        let narrowing = self.narrowings_with(state, &added)?;

        for rule in added {
            let same = |r: &Rule| r.kind == rule.kind && r.node.same_place(&rule.node);
            match state.rules.iter().position(same) {
                Some(i) => state.rules[i] = rule,
                None => state.rules.push(rule),
            }
        }
        state.narrowing = narrowing;
        if let Some(ports) = self.connect {
            state
                .connect
                .get_or_insert_with(BTreeSet::new)
                .extend(ports);
        }
        if let Some(ports) = self.bind {
            state.bind.get_or_insert_with(BTreeSet::new).extend(ports);
        }
        state.scopes |= self.scopes;
        if self.best_effort {
            state.accept(gaps);
        }
        Ok(())
    }

    /// What the kernel cannot enforce of this batch (added to `state`; `paths`: it unveils
    /// paths): an error now, rather than at the lock, unless best effort. A strict batch is
    /// judged on what it asks; gaps that earlier best-effort batches accepted are theirs. A
    /// best-effort batch is judged on the whole layer, which is what it accepts gaps for.
    fn kernel_gaps(&self, state: &State, paths: bool) -> Result<Vec<Gap>, Error> {
        let mut probe = if self.best_effort {
            layer::want(state, None)
        } else {
            negotiate::Want::default()
        };
        if paths {
            probe.fs = layer::handled_fs();
        }
        if self.connect.is_some() {
            probe.net |= landlock::AccessNet::ConnectTcp;
        }
        if self.bind.is_some() {
            probe.net |= landlock::AccessNet::BindTcp;
        }
        probe.scopes |= self.scopes;
        let plan = negotiate::negotiate(
            crate::sys::landlock_abi(),
            state.threads()?,
            &probe,
            self.best_effort,
        )?;
        Ok(plan.gaps)
    }

    /// Every narrowing among `state`'s rules once `added` joins them, or the error for one
    /// that `added` is part of, unless best effort. Unveiling a file again in the same place
    /// replaces its rule, as on OpenBSD (a symbolic link leads to the place of the file it
    /// names).
    fn narrowings_with(&self, state: &State, added: &[Rule]) -> Result<Vec<Gap>, Error> {
        let mut merged: Vec<Entry<'_>> = state
            .rules
            .iter()
            .map(|r| Entry {
                node: &r.node,
                permissions: r.permissions,
                kind: r.kind,
                new: false,
            })
            .collect();
        for rule in added {
            let entry = Entry {
                node: &rule.node,
                permissions: rule.permissions,
                kind: rule.kind,
                new: true,
            };
            match merged.iter().position(|e| e.replaced_by(&entry)) {
                Some(i) => merged[i] = entry,
                None => merged.push(entry),
            }
        }
        let narrowing = narrowings(&merged);
        if !self.best_effort {
            // Only narrowings this batch is part of: those between earlier rules were accepted
            // under best effort by the batch that made them.
            if let Some((gap, _)) = narrowing.iter().find(|(_, new)| *new) {
                return Err(gap.to_error());
            }
        }
        Ok(narrowing.into_iter().map(|(gap, _)| gap).collect())
    }
}

impl State {
    /// Records the gaps a best-effort batch accepted that weaken unveil (one of each kind).
    fn accept(&mut self, gaps: Vec<Gap>) {
        for gap in gaps.into_iter().filter(Gap::weakens) {
            let kind = std::mem::discriminant(&gap);
            if !self
                .accepted
                .iter()
                .any(|a| std::mem::discriminant(a) == kind)
            {
                self.accepted.push(gap);
            }
        }
    }
}

/// A rule as the narrowing check sees it.
struct Entry<'a> {
    node: &'a Node,
    permissions: Permissions,
    kind: Kind,
    /// Added (or replaced) by the batch being judged.
    new: bool,
}

impl Entry<'_> {
    /// Whether `later` replaces this rule: the same kind of rule for the same place.
    fn replaced_by(&self, later: &Entry<'_>) -> bool {
        self.kind == later.kind && self.node.same_place(later.node)
    }
}

/// Every place where an unveil() gets more than it asked, because Landlock rules only add
/// access and attach to files, not names: a path beneath a wider unveiled directory (OpenBSD
/// gives the nearer path its own permissions, Landlock the union of both), and a file
/// unveiled under two names (hard links, two mounts) with different permissions. Each gap
/// comes with whether a rule of the batch being judged is part of it.
fn narrowings(rules: &[Entry<'_>]) -> Vec<(Gap, bool)> {
    let mut gaps = Vec::new();
    for (i, inner) in rules.iter().enumerate() {
        for (j, outer) in rules.iter().enumerate() {
            let both_unveil = inner.kind == Kind::Unveil && outer.kind == Kind::Unveil;
            if i == j || !both_unveil || inner.permissions.contains(outer.permissions) {
                continue;
            }
            let gap = if outer.node.id == inner.node.id {
                Gap::SameFile {
                    path: inner.node.path.clone(),
                    permissions: inner.permissions,
                    other: outer.node.path.clone(),
                    other_permissions: outer.permissions,
                }
            } else if outer.node.covers(inner.node) {
                Gap::Narrowing {
                    path: inner.node.path.clone(),
                    permissions: inner.permissions,
                    parent: outer.node.path.clone(),
                    parent_permissions: outer.permissions,
                }
            } else {
                continue;
            };
            gaps.push((gap, inner.new || outer.new));
        }
    }
    gaps
}

impl State {
    /// The unveil rules a pledge layer for `new` must re-state: those a lock enforced, and
    /// those this pledge is about to enforce (when `new` lacks `unveil`); `None` when no path
    /// was unveiled. Within them, the promises' grants on `/` mean "everywhere unveil left
    /// visible", while the files promises imply stay reachable however they were unveiled.
    pub(crate) fn rules_for_layer(
        &self,
        new: Promises,
    ) -> Result<Option<Vec<crate::compiler::paths::Unveiled>>, Error> {
        use std::os::fd::AsRawFd as _;
        let locking = !new.contains(Promise::Unveil) && !self.locked;
        let pending = self.rules.iter().filter(|_| locking);
        let mut rules = Vec::new();
        for r in self.committed.iter().chain(pending) {
            if !r.node.still_open() {
                // The program closed the descriptor held since unveil() (closefrom?): its
                // number may name another file now, so no rule may be attached through it.
                return Err(Error::Path {
                    path: r.node.path.clone(),
                    source: std::io::Error::from_raw_os_error(libc::EBADF),
                });
            }
            rules.push(crate::compiler::paths::Unveiled {
                place: crate::compiler::paths::Place::Held(r.node.file.as_raw_fd()),
                access: r.permissions.rights(),
            });
        }
        Ok((!rules.is_empty()).then_some(rules))
    }

    /// Whether a pledge of `new` locks unveil with something to enforce: `new` lacks `unveil`
    /// (OpenBSD locks unveil there) and what was collected is not enforced yet.
    pub(crate) fn locked_by(&self, new: Promises) -> bool {
        !new.contains(Promise::Unveil) && !self.locked && self.pending()
    }

    /// Prepares the layer a pledge of `new` that [locks](State::locked_by) unveil enforces:
    /// the paths `new` implies stay reachable, and signals and abstract sockets are scoped
    /// when `new` lacks `proc` or `unix`. Changes nothing.
    pub(crate) fn prepare_lock(&self, new: Promises) -> Result<PledgeCommit, Error> {
        layer::prepare(self, Some(new)).map(PledgeCommit)
    }
}

/// What pledge() enforces for unveil before installing its filter.
pub(crate) struct PledgeCommit(layer::Layer);

impl PledgeCommit {
    /// Enforces the layer and locks unveil in `state`.
    pub(crate) fn enforce(self, state: &mut State) -> Result<(), Error> {
        let report = self.0.enforce()?;
        state.finish(report);
        Ok(())
    }
}

#[cfg(test)]
impl State {
    /// A state that collected something without opening a file (a signal scope), for tests
    /// of the decisions that depend on it.
    pub(crate) fn collecting_for_test() -> State {
        let mut state = State::new(false);
        state.scopes = Scope::Signal.into();
        state
    }

    /// That state, locked.
    pub(crate) fn locked_for_test() -> State {
        let mut state = State::collecting_for_test();
        state.finish(UnveilReport::default());
        state
    }
}
