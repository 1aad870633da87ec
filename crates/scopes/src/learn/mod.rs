//! Learning: from the system calls and paths a program was seen to use, the smallest pledge
//! that would have let it do all of it, with one example call per promise.
//!
//! An observer (the `pledge --learn` command) feeds [`Learner::record`] with each call and
//! [`Learner::touched`] with each path; [`Learner::suggest`] then computes:
//! - the promises: a minimum hitting set ([`minimum_hitting_set`]) over each call's
//!   alternatives, which [`judge`] reads from the policy table the filter is compiled from;
//! - the calls no promise allows, with what will happen to them under the suggestion;
//! - the unveil entries ([`Touched::entries`]), minus what the promises already reach.
//!
//! How calls are judged (fallbacks, errno answers, path-limited promises) is explained in
//! [`judge`]; how paths are collapsed in [`Touched`].

mod hitting;
mod judge;
mod paths;

use std::path::{Path, PathBuf};

pub use hitting::{breadth, minimum_hitting_set};
pub use judge::{
    fallback, implied, is_fallback_errno, judge, reaches, sets_avoiding_violation, Requirement,
};
pub use paths::{normalize, Touched, Use, MANY};

use crate::policy::{decide_by_name, Context, Decision};
use crate::{Permissions, Promise, Promises};

/// Who made a call and what it looked like, for the explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Example {
    /// The process (or thread) id.
    pub pid: u32,
    /// Its program name (`comm`).
    pub program: String,
    /// The call with decoded arguments, e.g. `openat(AT_FDCWD, "/etc/hosts", O_RDONLY)`.
    pub call: String,
}

/// One observed system call.
#[derive(Clone, Debug)]
pub struct Observed {
    /// The system call's name on this architecture.
    pub name: &'static str,
    /// Its six argument registers.
    pub args: [u64; 6],
    /// The flags word read from the caller's memory for calls libc retries after ENOSYS:
    /// `clone_args.flags | exit_signal` (clone3), `open_how.flags` (openat2).
    pub struct_flags: Option<u64>,
    /// The paths the call reaches, absolute, with the access Landlock checks on each.
    pub paths: Vec<(PathBuf, Permissions)>,
    /// The call fails whatever the promises (a connect to a unix socket that does not
    /// exist): it makes no promise necessary.
    pub fails_anyway: bool,
}

impl Observed {
    /// A call whose arguments are all in its registers.
    pub fn plain(name: &'static str, args: [u64; 6]) -> Observed {
        Observed {
            name,
            args,
            struct_flags: None,
            paths: Vec::new(),
            fails_anyway: false,
        }
    }
}

/// What happens under the suggested promises to a call they do not let through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It fails with this errno (not a violation).
    Errno(i32),
    /// It is a violation: reported, and it fails with EPERM (or kills, with `-k`).
    Violation,
}

/// A call the suggestion cannot make succeed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unmet {
    /// The first such call seen.
    pub example: Example,
    /// What will happen to it.
    pub outcome: Outcome,
    /// It failed in the observed run too.
    pub failed_anyway: bool,
}

/// The result of learning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    /// The smallest promise set under which every observed call would have been allowed.
    pub promises: Promises,
    /// For each promise, a call that needed it (none other in the set would do).
    pub reasons: Vec<(Promise, Example)>,
    /// Calls no promise set lets through, with their fate.
    pub unmet: Vec<Unmet>,
    /// Unveil entries: path and permissions, sorted by path.
    pub unveil: Vec<(PathBuf, Permissions)>,
}

/// One distinct requirement and the first call that had it.
#[derive(Clone, Debug)]
struct Seen {
    name: &'static str,
    args: [u64; 6],
    requirement: Requirement,
    fails_anyway: bool,
    example: Example,
}

/// Collects observations; see the module notes.
#[derive(Clone, Debug)]
pub struct Learner {
    ctx: Context,
    seen: Vec<Seen>,
    touched: Touched,
    calls: u64,
    /// Requirements of calls the table decides on the number alone, by name.
    by_name: std::collections::HashMap<&'static str, Requirement>,
}

impl Learner {
    /// A learner whose argument checks compare with `ctx` (the pid the command's filter
    /// will be compiled with, and the user's ids).
    pub fn new(ctx: Context) -> Learner {
        Learner {
            ctx,
            seen: Vec::new(),
            touched: Touched::new(),
            calls: 0,
            by_name: Default::default(),
        }
    }

    /// Records one call made by the program (not by its dynamic loader at start-up).
    /// `example` describes it; it is only asked for when the call is the first of its kind.
    pub fn record(&mut self, call: Observed, example: impl FnOnce() -> Example) {
        self.calls += 1;
        let requirement = if call.paths.is_empty() && decided_by_number(call.name) {
            // Most calls (read, write, mmap without PROT_EXEC...) take this way: judged once.
            let ctx = self.ctx;
            self.by_name
                .entry(call.name)
                .or_insert_with(|| judge(&ctx, call.name, &call.args, None, &[]))
                .clone()
        } else {
            judge(
                &self.ctx,
                call.name,
                &call.args,
                call.struct_flags,
                &call.paths,
            )
        };
        let known = self.seen.iter().any(|s| {
            s.name == call.name && s.requirement == requirement && s.fails_anyway == call.fails_anyway
                // Calls nothing allows are told apart by their arguments (each its own line).
                && (!requirement.alternatives.is_empty() || s.args == call.args)
        });
        if !known {
            self.seen.push(Seen {
                name: call.name,
                args: call.args,
                requirement,
                fails_anyway: call.fails_anyway,
                example: example(),
            });
        }
    }

    /// The paths seen so far, for the observer to add to.
    pub fn touched(&mut self) -> &mut Touched {
        &mut self.touched
    }

    /// How many calls were recorded.
    pub fn calls(&self) -> u64 {
        self.calls
    }

    /// The suggestion. `exists` says whether a path exists now (unveil needs existing paths);
    /// `reachable_anyway(path, access, promises)` says whether the unveiling side keeps a
    /// path reachable by itself under the suggested promises, so that it needs no entry: the
    /// program and its interpreter, and, where unveil keeps them, the paths the promises
    /// imply ([`implied`]).
    pub fn suggest(
        &self,
        exists: impl Fn(&Path) -> bool,
        reachable_anyway: impl Fn(&Path, Permissions, Promises) -> bool,
    ) -> Suggestion {
        let requirements = requirements_for(self);
        let counted: Vec<Vec<Promises>> = self
            .seen
            .iter()
            .zip(&requirements)
            .filter(|(s, _)| !s.fails_anyway)
            .map(|(_, r)| r.clone())
            .collect();
        let promises = minimum_hitting_set(&counted);

        let satisfied =
            |s: &Seen, set: Promises| s.requirement.alternatives.iter().any(|a| a.is_subset(&set));
        let mut reasons = Vec::new();
        for p in promises.iter() {
            let without = promises.without(p);
            // The set is minimum, so some call loses its last alternative without `p`; the
            // example is the first of those with the fewest alternatives (the most telling).
            let needed_by = self
                .seen
                .iter()
                .zip(&requirements)
                .filter(|(s, reqs)| {
                    !s.fails_anyway
                        && reqs.iter().any(|a| a.is_subset(&promises))
                        && !reqs.iter().any(|a| a.is_subset(&without))
                })
                .min_by_key(|(_, reqs)| reqs.len());
            if let Some((s, _)) = needed_by {
                reasons.push((p, s.example.clone()));
            }
        }

        let unmet = self
            .seen
            .iter()
            .filter(|s| s.fails_anyway || !satisfied(s, promises))
            .map(|s| Unmet {
                example: s.example.clone(),
                outcome: match decide_by_name(promises, false, &self.ctx, s.name, &s.args) {
                    Decision::Errno(e) => Outcome::Errno(e),
                    _ => Outcome::Violation,
                },
                failed_anyway: s.fails_anyway,
            })
            .collect();

        let unveil = self
            .touched
            .entries(&exists, |path, access| {
                reachable_anyway(path, access, promises)
            })
            .into_iter()
            .filter(|(_, access)| !access.is_empty())
            .collect();
        Suggestion {
            promises,
            reasons,
            unmet,
            unveil,
        }
    }
}

/// Whether the table decides `name` without looking at its arguments (no rule for it has a
/// check, and it has no fallback to judge).
fn decided_by_number(name: &str) -> bool {
    !crate::policy::table::FALLBACK_ENOSYS.contains(&name)
        && crate::policy::rules_for(name).all(|r| r.checks.is_empty())
}

/// Each seen call's requirement as the hitting set saw it (alternatives, or the sets that
/// keep a call nothing allows from being a violation).
fn requirements_for(l: &Learner) -> Vec<Vec<Promises>> {
    l.seen
        .iter()
        .map(|s| {
            if s.requirement.alternatives.is_empty() {
                sets_avoiding_violation(&l.ctx, s.name, &s.args)
            } else {
                s.requirement.alternatives.clone()
            }
        })
        .collect()
}
