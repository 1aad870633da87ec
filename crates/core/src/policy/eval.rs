//! The reference evaluator: decides a system call straight from the table, the way the
//! compiled filter must. Tests compare the two; violation reports and learning use it to name
//! the promise a call needed. It allocates nothing, so the SIGSYS handler may call it.

use super::{table, Context, Needs, Rule, Verdict};
use crate::abi;
use crate::bpf::interp::SeccompData;
use crate::promise::{Promise, Promises};
use crate::Arch;

/// What the policy says about one system call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The call runs.
    Allow,
    /// The call fails with this errno and is not a violation.
    Errno(i32),
    /// A violation: the penalty applies.
    Violation,
    /// A foreign architecture or ABI (i386 `int 0x80`, x32): always kills the process.
    Kill,
}

/// Decides `data` for a process holding `held` on `arch`. `reporting` says whether the
/// library's SIGSYS report channel is part of the filter.
///
/// ```
/// use scopes_core::{policy::{evaluate, Context, Decision}, Arch, Promises};
/// use scopes_core::bpf::interp::SeccompData;
/// let ctx = Context { pid: 100, uid: 1000, gid: 1000 };
/// let stdio: Promises = "stdio".parse().unwrap();
/// let getpid = SeccompData { nr: 39, arch: Arch::X86_64.audit_arch(), ..Default::default() };
/// assert_eq!(evaluate(stdio, false, &ctx, Arch::X86_64, &getpid), Decision::Allow);
/// let socket = SeccompData { nr: 41, arch: Arch::X86_64.audit_arch(), args: [2, 1, 0, 0, 0, 0], ..Default::default() };
/// assert_eq!(evaluate(stdio, false, &ctx, Arch::X86_64, &socket), Decision::Violation);
/// ```
pub fn evaluate(
    held: Promises,
    reporting: bool,
    ctx: &Context,
    arch: Arch,
    data: &SeccompData,
) -> Decision {
    if data.arch != arch.audit_arch() {
        return Decision::Kill;
    }
    let nr = data.nr as u32;
    if arch.foreign_nr_base().is_some_and(|base| nr >= base) {
        return Decision::Kill;
    }
    let Some(name) = arch.syscall_name(nr) else {
        return Decision::Errno(abi::ENOSYS);
    };
    decide_by_name(held, reporting, ctx, name, &data.args)
}

/// Decides a call given by name (the arch table already resolved).
pub fn decide_by_name(
    held: Promises,
    reporting: bool,
    ctx: &Context,
    name: &str,
    args: &[u64; 6],
) -> Decision {
    for rule in table::RULES {
        if rule.syscalls.contains(&name)
            && rule.needs.satisfied_by(held, reporting)
            && matches(rule, ctx, args)
        {
            return match rule.verdict {
                Verdict::Allow => Decision::Allow,
                Verdict::Errno(e) => Decision::Errno(e),
            };
        }
    }
    if table::FALLBACK_ENOSYS.contains(&name) {
        Decision::Errno(abi::ENOSYS)
    } else {
        Decision::Violation
    }
}

fn matches(rule: &Rule, ctx: &Context, args: &[u64; 6]) -> bool {
    rule.checks
        .iter()
        .all(|c| c.holds(ctx, args[c.arg as usize]))
}

/// Whether a report should name `p` only when no general promise would do: the path-limited
/// promises (and `unveil`, whose O_PATH opens reach no data), so that `open("/etc/x", O_CREAT)`
/// says "cpath", not "tmppath".
fn last_resort(p: Promise) -> bool {
    crate::policy::paths::PATH_LIMITED.contains(&p) || p == Promise::Unveil
}

/// The smallest set of promises that, added to `held`, would allow the call: general promises
/// first (up to three together, as `O_RDWR|O_CREAT` needs rpath wpath cpath), then one
/// path-limited promise. `None` when nothing would. Allocation-free: the SIGSYS handler uses it.
///
/// ```
/// use scopes_core::{policy::{promises_needed, Context}, Promises};
/// let ctx = Context { pid: 1, uid: 0, gid: 0 };
/// let stdio: Promises = "stdio".parse().unwrap();
/// let needed = promises_needed(stdio, &ctx, "socket", &[2, 1, 0, 0, 0, 0]).unwrap();
/// assert_eq!(needed.to_string(), "inet");
/// assert_eq!(promises_needed(stdio, &ctx, "ptrace", &[0; 6]), None);
/// ```
pub fn promises_needed(
    held: Promises,
    ctx: &Context,
    name: &str,
    args: &[u64; 6],
) -> Option<Promises> {
    let base = held.without(Promise::Error);
    let allows = |extra: Promises| {
        decide_by_name(base.union(&extra), false, ctx, name, args) == Decision::Allow
    };
    let general = |p: &&Promise| !held.contains(**p) && **p != Promise::Error && !last_resort(**p);
    // One promise: first in the order the matching rules name them (a rule lists its narrowest
    // promise first: sendmsg names sendfd before inet), then in canonical order.
    for rule in table::RULES {
        if !rule.syscalls.contains(&name)
            || rule.verdict != Verdict::Allow
            || !matches(rule, ctx, args)
        {
            continue;
        }
        let named: &[Promise] = match rule.needs {
            Needs::Any(ps) => ps,
            Needs::All(ps) if ps.len() == 1 => ps,
            _ => &[],
        };
        for a in named.iter().filter(general) {
            let one = Promises::EMPTY.with(*a);
            if allows(one) {
                return Some(one);
            }
        }
    }
    let candidates = || Promise::ALL.iter().filter(general);
    for a in candidates() {
        let one = Promises::EMPTY.with(*a);
        if allows(one) {
            return Some(one);
        }
    }
    for (i, a) in candidates().enumerate() {
        for b in candidates().skip(i + 1) {
            let two = Promises::EMPTY.with(*a).with(*b);
            if allows(two) {
                return Some(two);
            }
        }
    }
    for (i, a) in candidates().enumerate() {
        for (j, b) in candidates().enumerate().skip(i + 1) {
            for c in candidates().skip(j + 1) {
                let three = Promises::EMPTY.with(*a).with(*b).with(*c);
                if allows(three) {
                    return Some(three);
                }
            }
        }
    }
    Promise::ALL
        .iter()
        .filter(|p| last_resort(**p) && !held.contains(**p))
        .map(|p| Promises::EMPTY.with(*p))
        .find(|one| allows(*one))
}

/// The smallest sets of promises (by size, then canonical order) that allow the call, added
/// to `held`: used by reports when one promise is not enough, and by learning.
pub fn promise_sets_that_allow(
    held: Promises,
    ctx: &Context,
    name: &str,
    args: &[u64; 6],
) -> Vec<Promises> {
    let mut found: Vec<Promises> = Vec::new();
    for rule in table::RULES {
        if !rule.syscalls.contains(&name)
            || rule.verdict != Verdict::Allow
            || !matches(rule, ctx, args)
        {
            continue;
        }
        for alt in rule.needs.alternatives() {
            let extra = Promises::from_bits(alt.bits() & !held.bits());
            if decide_by_name(held.union(&extra), false, ctx, name, args) == Decision::Allow
                && !found.iter().any(|f| f.is_subset(&extra))
            {
                found.retain(|f| !extra.is_subset(f));
                found.push(extra);
            }
        }
    }
    found.sort_by_key(|s| (s.iter().count(), s.bits()));
    found
}
