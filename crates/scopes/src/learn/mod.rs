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
pub use paths::{normalize, Entry, Touched, Use, MANY};

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
    /// The call is a probe, not a need: see [`Probe`].
    pub probe: Option<Probe>,
    /// Promises that must not be suggested for this call even though they would let it
    /// through: `ps` for a process reading its own `/proc/self` (any promise that reads paths
    /// does that, and `ps` would open every other process's), `tmppath` for a file in /tmp the
    /// program did not create (it is an input like any other, and `tmppath` would let the
    /// program create and remove anything there). Ignored when no other alternative remains.
    pub avoid: Promises,
    /// A path metadata query (stat, access, readlink): Landlock does not restrict it, so any
    /// promise the table lets it through with will do; `paths` then only choose the promise
    /// when none of those the other calls need does (a `readlink("/proc/self/exe")` alone
    /// asks for `rpath`, not for `getpw`).
    pub metadata: bool,
}

/// Why an observed call is not a need of the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Probe {
    /// It looked a path up that did not exist (an open without `O_CREAT`, a stat, an execve
    /// along `$PATH`, an unlink): it fails with ENOENT whatever the promises. Under a
    /// suggestion without a promise that lets it through, it fails with EPERM instead, and is
    /// reported (killing under `-k`); replay tells whether the program minds.
    Missing,
    /// A read the command answers itself ([`crate::policy::harmless`]): a message catalog,
    /// the time zone, `/dev/null`.
    Harmless,
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
            probe: None,
            avoid: Promises::EMPTY,
            metadata: false,
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

/// A probe the suggestion leaves out, and what becomes of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeftOut {
    /// The first such call seen.
    pub example: Example,
    /// Why it is not a need.
    pub probe: Probe,
    /// What will happen to it under the suggestion: `None` when the promises let it through
    /// anyway (or, for a harmless read, when the command answers it).
    pub outcome: Option<Outcome>,
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
    /// For each unveil entry (same order), the first call that used it or a path beneath it.
    pub unveil_reasons: Vec<Option<Example>>,
    /// Probes that were not counted as needs, one per kind of call.
    pub left_out: Vec<LeftOut>,
    /// The smallest promise set that also lets through the probes for missing paths: what to
    /// fall back to should the program not survive their refusal.
    pub with_probes: Promises,
    /// Paths the program used that no suggestion opens up by itself (secrets, directories
    /// that hold them): the user must add them knowingly.
    pub withheld: Vec<(PathBuf, Permissions)>,
}

/// One distinct requirement and the first call that had it.
#[derive(Clone, Debug)]
struct Seen {
    name: &'static str,
    args: [u64; 6],
    requirement: Requirement,
    /// For a metadata query, what lets it through whatever its path.
    loose: Option<Vec<Promises>>,
    fails_anyway: bool,
    probe: Option<Probe>,
    example: Example,
}

impl Seen {
    /// Whether the call makes a promise necessary.
    fn counts(&self) -> bool {
        !self.fails_anyway && self.probe.is_none()
    }
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
    /// For each path used (as the unveil entries name it), the first call that used it.
    used_by: std::collections::BTreeMap<PathBuf, Example>,
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
            used_by: Default::default(),
        }
    }

    /// Records one call made by the program (not by its dynamic loader at start-up).
    /// `example` describes it; it is only asked for when the call is the first of its kind.
    pub fn record(&mut self, call: Observed, example: impl FnOnce() -> Example) {
        self.calls += 1;
        let mut requirement = if call.paths.is_empty() && decided_by_number(call.name) {
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
        let avoiding = |alternatives: &mut Vec<Promises>| {
            let kept: Vec<Promises> = alternatives
                .iter()
                .filter(|a| a.intersection(&call.avoid).is_empty())
                .copied()
                .collect();
            if !kept.is_empty() {
                *alternatives = kept;
            }
        };
        avoiding(&mut requirement.alternatives);
        let loose = call.metadata.then(|| {
            let mut alts =
                judge(&self.ctx, call.name, &call.args, call.struct_flags, &[]).alternatives;
            avoiding(&mut alts);
            alts
        });
        let known = self.seen.iter().any(|s| {
            s.name == call.name && s.requirement == requirement && s.fails_anyway == call.fails_anyway
                && s.probe == call.probe && s.loose == loose
                // Calls nothing allows are told apart by their arguments (each its own line).
                && (!requirement.alternatives.is_empty() || s.args == call.args)
        });
        if !known {
            self.seen.push(Seen {
                name: call.name,
                args: call.args,
                requirement,
                loose,
                fails_anyway: call.fails_anyway,
                probe: call.probe,
                example: example(),
            });
        }
    }

    /// The paths seen so far, for the observer to add to.
    pub fn touched(&mut self) -> &mut Touched {
        &mut self.touched
    }

    /// Notes that `path` (as [`Touched`] names it) was used by the call `example` describes,
    /// unless a call was already noted for it: the explanation of its unveil entry.
    pub fn used_by(&mut self, path: &Path, example: impl FnOnce() -> Example) {
        if !self.used_by.contains_key(path) {
            self.used_by.insert(path.to_path_buf(), example());
        }
    }

    /// How many calls were recorded.
    pub fn calls(&self) -> u64 {
        self.calls
    }

    /// The suggestion. `exists` says whether a path exists now (unveil needs existing paths);
    /// `reachable_anyway(path, access, promises)` says whether the unveiling side keeps a
    /// path reachable by itself under the suggested promises, so that it needs no entry: the
    /// program and its interpreter, and, where unveil keeps them, the paths the promises
    /// imply ([`implied`]). `home` is the user's home directory, never suggested wholesale.
    pub fn suggest(
        &self,
        exists: impl Fn(&Path) -> bool,
        reachable_anyway: impl Fn(&Path, Permissions, Promises) -> bool,
        home: Option<&Path>,
    ) -> Suggestion {
        // Metadata queries first take whatever the other calls need, if it lets them through.
        let strict: Vec<Vec<Promises>> = self
            .seen
            .iter()
            .zip(requirements_for(self, None))
            .filter(|(s, _)| s.counts() && s.loose.is_none())
            .map(|(_, r)| r)
            .collect();
        let base = minimum_hitting_set(&strict);
        let requirements = requirements_for(self, Some(base));
        let counted: Vec<Vec<Promises>> = self
            .seen
            .iter()
            .zip(&requirements)
            .filter(|(s, _)| s.counts())
            .map(|(_, r)| r.clone())
            .collect();
        let promises = minimum_hitting_set(&counted);
        let mut wider = counted.clone();
        wider.extend(
            self.seen
                .iter()
                .filter(|s| !s.fails_anyway && s.probe == Some(Probe::Missing))
                .map(|s| s.requirement.alternatives.clone()),
        );
        let with_probes = minimum_hitting_set(&wider).union(&promises);

        let satisfied = |s: &Seen, set: Promises| {
            s.requirement.alternatives.iter().any(|a| a.is_subset(&set))
                || s.loose.iter().flatten().any(|a| a.is_subset(&set))
        };
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
                    s.counts()
                        && reqs.iter().any(|a| a.is_subset(&promises))
                        && !reqs.iter().any(|a| a.is_subset(&without))
                })
                .min_by_key(|(_, reqs)| reqs.len());
            if let Some((s, _)) = needed_by {
                reasons.push((p, s.example.clone()));
            }
        }

        let fate = |s: &Seen| match decide_by_name(promises, false, &self.ctx, s.name, &s.args) {
            Decision::Errno(e) => Outcome::Errno(e),
            _ => Outcome::Violation,
        };
        // glibc's nscd probe: under a promise that answers socket(AF_UNIX) with an errno (dns,
        // getpw), the socket is never made, so the connect after it never happens.
        let unix_sockets: Vec<&Seen> = self
            .seen
            .iter()
            .filter(|s| s.name == "socket" && s.args[0] == libc::AF_UNIX as u64)
            .collect();
        let unix_sockets_refused = !unix_sockets.is_empty()
            && unix_sockets
                .iter()
                .all(|s| matches!(fate(s), Outcome::Errno(e) if is_fallback_errno(e)));
        let unmet = self
            .seen
            .iter()
            .filter(|s| s.probe.is_none() && (s.fails_anyway || !satisfied(s, promises)))
            .filter(|s| !(s.fails_anyway && s.name == "connect" && unix_sockets_refused))
            .map(|s| Unmet {
                example: s.example.clone(),
                outcome: fate(s),
                failed_anyway: s.fails_anyway,
            })
            .collect();
        let left_out = self
            .seen
            .iter()
            .filter_map(|s| {
                let probe = s.probe?;
                let outcome = match probe {
                    Probe::Harmless => None,
                    Probe::Missing if satisfied(s, promises) => None,
                    Probe::Missing => Some(fate(s)),
                };
                Some(LeftOut {
                    example: s.example.clone(),
                    probe,
                    outcome,
                })
            })
            .collect();

        let (unveil, withheld) = self.touched.entries_guarded(
            &exists,
            |path, access| reachable_anyway(path, access, promises),
            home,
        );
        let unveil: Vec<(PathBuf, Permissions)> = unveil
            .into_iter()
            .filter(|(_, access)| !access.is_empty())
            .collect();
        let unveil_reasons = unveil
            .iter()
            .map(|(path, _)| {
                self.used_by.get(path).cloned().or_else(|| {
                    self.used_by
                        .iter()
                        .find(|(p, _)| p.starts_with(path))
                        .map(|(_, e)| e.clone())
                })
            })
            .collect();
        Suggestion {
            promises,
            reasons,
            unmet,
            unveil,
            unveil_reasons,
            left_out,
            with_probes,
            withheld,
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
/// keep a call nothing allows from being a violation). A metadata query takes its loose
/// alternatives when one of them is in `base` (what the other calls need).
fn requirements_for(l: &Learner, base: Option<Promises>) -> Vec<Vec<Promises>> {
    l.seen
        .iter()
        .map(|s| {
            if let (Some(loose), Some(base)) = (&s.loose, base) {
                if loose.iter().any(|a| a.is_subset(&base)) {
                    return loose.clone();
                }
            }
            if s.requirement.alternatives.is_empty() {
                sets_avoiding_violation(&l.ctx, s.name, &s.args)
            } else {
                s.requirement.alternatives.clone()
            }
        })
        .collect()
}
