//! The approximations every exported seccomp filter shares, derived from the table: values
//! that depend on the process, paths (Landlock in the library), and violation reports.

use super::{Approximation, Direction, STATIC_CONTEXT};
use crate::policy::paths::PATH_GRANTS;
use crate::policy::{decide_by_name, table, Context, Needs, Value, Verdict};
use crate::{Promise, Promises};

/// A context like a real process's, to find where the static one decides differently.
const SAMPLE_PROCESS: Context = Context {
    pid: 4242,
    uid: 1000,
    gid: 1000,
};

/// The notes for a seccomp filter (OCI profile or raw BPF) built for `promises`, about the
/// system calls `present` says exist in the target.
pub(crate) fn seccomp_notes(
    promises: Promises,
    present: &dyn Fn(&str) -> bool,
) -> Vec<Approximation> {
    let mut notes = own_ids(promises, present);
    notes.extend(paths(promises));
    if !promises.contains(Promise::Error) {
        notes.push(Approximation {
            direction: Direction::Other,
            subject: "violations".into(),
            detail: "a call the promises do not allow kills the process at once with SIGSYS; the library's report \
                     line naming the call and the missing promise comes from its SIGSYS handler, which an exported \
                     filter does not have"
                .into(),
        });
    }
    notes
}

/// Rules that name the process's own pid, uid or gid, where the static context decides
/// differently from a real process.
pub(crate) fn own_ids(promises: Promises, present: &dyn Fn(&str) -> bool) -> Vec<Approximation> {
    let mut notes = Vec::new();
    for rule in table::RULES {
        if rule.verdict != Verdict::Allow || !rule.needs.satisfied_by(promises, false) {
            continue;
        }
        let dynamic: Vec<Value> = rule
            .checks
            .iter()
            .flat_map(|c| c.values.iter().copied())
            .filter(|v| !v.is_constant())
            .collect();
        if dynamic.is_empty() {
            continue;
        }
        let mut args = [0u64; 6];
        for check in rule.checks {
            let own = check.values.iter().find(|v| !v.is_constant());
            args[check.arg as usize] = SAMPLE_PROCESS.resolve(*own.unwrap_or(&check.values[0]));
        }
        let names: Vec<&str> = rule
            .syscalls
            .iter()
            .copied()
            .filter(|n| present(n))
            .filter(|n| {
                decide_by_name(promises, false, &SAMPLE_PROCESS, n, &args)
                    != decide_by_name(promises, false, &STATIC_CONTEXT, n, &args)
            })
            .collect();
        if names.is_empty() {
            continue;
        }
        let mut what: Vec<&str> = dynamic
            .iter()
            .map(|v| match v {
                Value::Pid => "process id",
                Value::Uid => "user id",
                _ => "group id",
            })
            .collect();
        what.dedup();
        notes.push(Approximation {
            direction: Direction::Stricter,
            subject: names.join(", "),
            detail: format!(
                "the promises allow these for the process's own {} ({}); a static filter cannot know it, so the \
                 export refuses them (own pid matched as {:#x}, which no process has; own ids as -1)",
                what.join(" and "),
                rule.note,
                STATIC_CONTEXT.pid
            ),
        });
    }
    notes
}

/// The path side of the promises, which the library enforces with Landlock and no seccomp
/// format can express.
pub(crate) fn paths(promises: Promises) -> Vec<Approximation> {
    let held = crate::policy::paths::path_side(promises);
    if held.is_empty() {
        return Vec::new();
    }
    let mut notes = vec![Approximation {
        direction: Direction::Wider,
        subject: format!("paths ({held})"),
        detail: "the library also builds a Landlock domain from the path table for these promises; seccomp cannot \
                 see paths, so this export limits file access only by system call and open flags (use the \
                 container's or unit's own mounts to narrow it)"
            .into(),
    }];
    // The same domain scopes processes, which no seccomp format can express either: an
    // exported profile leaves that to the container's or unit's own isolation.
    let mut scoped = vec![
        "no ptrace-style access (writing another process's /proc/PID/mem, reading its environ)",
    ];
    if !promises.contains(Promise::Proc) {
        scoped.push(
            "no signals (kill(0, sig) reaches only the confined processes, not the rest of the \
             process group)",
        );
    }
    if !promises.contains(Promise::Unix) {
        scoped.push("no connecting to abstract unix sockets bound outside it");
    }
    notes.push(Approximation {
        direction: Direction::Wider,
        subject: "processes outside the sandbox".into(),
        detail: format!(
            "the library's Landlock domain also keeps the confined processes from reaching processes \
             outside it: {} (signals and abstract sockets need Landlock ABI 6). A seccomp profile cannot \
             say this: the processes it confines reach others of the same user as far as the container's \
             own isolation lets them (its pid namespace, Yama's ptrace_scope)",
            scoped.join("; ")
        ),
    });
    let root_access: String = PATH_GRANTS
        .iter()
        .filter(|g| g.unlimited() && g.needs.satisfied_by(promises, false))
        .map(|g| g.access)
        .collect();
    let mut by_needs: Vec<(Needs, Vec<String>)> = Vec::new();
    for grant in PATH_GRANTS {
        if grant.unlimited()
            || grant.needs == Needs::Always
            || !grant.needs.satisfied_by(promises, false)
        {
            continue;
        }
        let extra: String = grant
            .access
            .chars()
            .filter(|c| !root_access.contains(*c))
            .collect();
        if extra.is_empty() {
            continue;
        }
        let text = format!("{} ({extra})", grant.path);
        match by_needs.iter_mut().find(|(n, _)| *n == grant.needs) {
            Some((_, paths)) => paths.push(text),
            None => by_needs.push((grant.needs, vec![text])),
        }
    }
    for (needs, paths) in by_needs {
        let words: Vec<&str> = match needs {
            Needs::All(ps) | Needs::Any(ps) => ps
                .iter()
                .filter(|p| promises.contains(**p))
                .map(|p| p.word())
                .collect(),
            Needs::Always | Needs::Reporting(_) => Vec::new(),
        };
        notes.push(Approximation {
            direction: Direction::Wider,
            subject: words.join(", "),
            detail: format!(
                "the library limits this access to {} (r read, w write, c create/remove, d devices); the export \
                 allows the same system calls on every path",
                paths.join(", ")
            ),
        });
    }
    notes
}
