//! The policy: one declarative table says what each promise allows. The compiler, the
//! reference evaluator, the violation reports, the documentation and `--explain` are all
//! derived from it.
//!
//! A [`Rule`] names system calls, the promises that grant it ([`Needs`]), argument
//! [`Check`]s that must all hold, and a [`Verdict`]. For one system call the rules are tried
//! in table order; the first whose promises are held and whose checks hold decides. When none
//! does, the call is a violation (the penalty applies), except for the calls listed in
//! [`table::FALLBACK_ENOSYS`], which answer ENOSYS so that libraries fall back, and numbers the
//! arch table does not know, which also answer ENOSYS.

pub mod caps;
pub mod describe;
mod eval;
pub mod harmless;
pub mod paths;
pub mod table;

pub use eval::{decide_by_name, evaluate, promise_sets_that_allow, promises_needed, Decision};

use crate::promise::{Promise, Promises};

/// Which promises a rule needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// Every pledge, even `pledge("")`.
    Always,
    /// All of these promises.
    All(&'static [Promise]),
    /// Any one of these promises.
    Any(&'static [Promise]),
    /// Only when violations raise SIGSYS for the library's handler, which reports them (the
    /// default penalty, `scopes::Penalty::Kill`), and all of these promises are held. Under any
    /// other penalty no violation raises SIGSYS, so neither the report channel nor the handler's
    /// protection has anything to do.
    Reporting(&'static [Promise]),
}

impl Needs {
    /// Whether `held` satisfies this requirement.
    pub fn satisfied_by(&self, held: Promises, reporting: bool) -> bool {
        match self {
            Needs::Always => true,
            Needs::All(ps) => ps.iter().all(|p| held.contains(*p)),
            Needs::Any(ps) => ps.iter().any(|p| held.contains(*p)),
            Needs::Reporting(ps) => reporting && ps.iter().all(|p| held.contains(*p)),
        }
    }

    /// The smallest sets of promises that satisfy this requirement (one per alternative).
    pub fn alternatives(&self) -> Vec<Promises> {
        match self {
            Needs::Always => vec![Promises::EMPTY],
            Needs::All(ps) | Needs::Reporting(ps) => vec![ps.iter().copied().collect()],
            Needs::Any(ps) => ps.iter().map(|p| Promises::EMPTY.with(*p)).collect(),
        }
    }
}

/// How much of an argument register a check looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Width {
    /// The low 32 bits: the kernel reads the argument as an `int` or `unsigned int` (fds,
    /// flags, commands, domains, pids), so the upper half must neither bypass nor break a check.
    W32,
    /// The full 64-bit register (pointers and sizes).
    W64,
}

/// A constant of the kernel's interface with the name C code gives it: `F_SETLK`, or several
/// ORed (`S_ISUID|S_ISGID`) or their complement (`~(SOCK_NONBLOCK|SOCK_CLOEXEC)`). The
/// documentation, `--explain`, the exports and the violation reports print the name.
///
/// ```
/// use scopes_core::policy::{table::CONSTANTS, Named};
/// let setlk = CONSTANTS.iter().find(|c| c.name == "F_SETLK");
/// assert_eq!(setlk, Some(&Named { name: "F_SETLK", value: 6 }));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Named {
    /// The name, as C writes it.
    pub name: &'static str,
    /// Its value (the same on every supported arch).
    pub value: u64,
}

/// A value an argument is compared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    /// A number that has no name: 0 as "none of these bits", a pid of 0 meaning oneself.
    Const(u64),
    /// A named constant.
    Named(Named),
    /// The pledging process's pid (captured when the filter is built).
    Pid,
    /// The real user id at pledge time.
    Uid,
    /// The real group id at pledge time.
    Gid,
}

/// One argument condition: `(args[arg] & mask)`, restricted to `width`, is one of `values`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Check {
    /// Argument index, 0 to 5.
    pub arg: u8,
    /// How many bits to compare.
    pub width: Width,
    /// Bits that take part.
    pub mask: u64,
    /// How the table writes `mask` (`O_ACCMODE|O_CREAT`), when it is not the whole width.
    pub mask_name: Option<&'static str>,
    /// Accepted values (after masking).
    pub values: &'static [Value],
}

/// What a matching rule answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The call runs.
    Allow,
    /// The call fails with this errno, without being a violation.
    Errno(i32),
}

/// One line of the policy table.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// The system calls it covers, by name (names an arch lacks are skipped for that arch).
    pub syscalls: &'static [&'static str],
    /// The promises that grant it.
    pub needs: Needs,
    /// Conditions that must all hold.
    pub checks: &'static [Check],
    /// The answer when it matches.
    pub verdict: Verdict,
    /// Why the rule exists, for documentation and `--explain`.
    pub note: &'static str,
}

/// Run-time values a filter is specialised with. Reading them from the calling process is a
/// system call, so it is left to the `scopes` crate (its `CurrentContext` trait).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context {
    /// The process id.
    pub pid: u32,
    /// The real user id.
    pub uid: u32,
    /// The real group id.
    pub gid: u32,
}

impl Context {
    /// Resolves a [`Value`] to a number.
    pub fn resolve(&self, v: Value) -> u64 {
        match v {
            Value::Const(c) => c,
            Value::Named(n) => n.value,
            Value::Pid => self.pid as u64,
            Value::Uid => self.uid as u64,
            Value::Gid => self.gid as u64,
        }
    }
}

impl Value {
    /// Whether the value is the same for every process (a number, not the process's own ids).
    pub fn is_constant(&self) -> bool {
        matches!(self, Value::Const(_) | Value::Named(_))
    }
}

impl Check {
    /// The bits that take part: the mask, restricted to the check's width.
    pub fn effective_mask(&self) -> u64 {
        match self.width {
            Width::W32 => self.mask & 0xffff_ffff,
            Width::W64 => self.mask,
        }
    }

    /// The accepted values for `ctx`, masked, sorted and without repeats: what a filter
    /// compares the masked argument with.
    pub fn resolved_values(&self, ctx: &Context) -> Vec<u64> {
        let mut values: Vec<u64> = self.masked_values(ctx).collect();
        values.sort_unstable();
        values.dedup();
        values
    }

    /// The accepted values for `ctx`, masked, in table order (repeats possible).
    pub fn masked_values<'a>(&'a self, ctx: &'a Context) -> impl Iterator<Item = u64> + 'a {
        let mask = self.effective_mask();
        self.values.iter().map(move |v| ctx.resolve(*v) & mask)
    }

    /// Whether an argument register value passes this check.
    pub fn holds(&self, ctx: &Context, raw: u64) -> bool {
        let mask = self.effective_mask();
        self.values
            .iter()
            .any(|v| raw & mask == ctx.resolve(*v) & mask)
    }
}

impl Verdict {
    /// The seccomp return value for this verdict.
    pub fn action(self) -> u32 {
        match self {
            Verdict::Allow => crate::bpf::ret::ALLOW,
            Verdict::Errno(e) => crate::bpf::ret::ERRNO | e as u32,
        }
    }
}

/// The rules that mention `syscall`, in table order.
pub fn rules_for(syscall: &str) -> impl Iterator<Item = &'static Rule> + '_ {
    table::RULES
        .iter()
        .filter(move |r| r.syscalls.contains(&syscall))
}

/// Every system call name the table mentions, in first-mention order, without repeats.
pub fn syscall_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for rule in table::RULES {
        for name in rule.syscalls {
            if !names.contains(name) {
                names.push(name);
            }
        }
    }
    for name in table::FALLBACK_ENOSYS {
        if !names.contains(name) {
            names.push(name);
        }
    }
    names
}
