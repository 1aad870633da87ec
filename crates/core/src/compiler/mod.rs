//! The filter compiler: a promise set and a target become a classic BPF program.
//!
//! Shape (see `docs/performance.md`):
//! 1. `arch` check: any other arch (i386 `int 0x80`, AArch32) kills the process; then the
//!    few calls of `TESTED_FIRST` whose arguments are checked jump straight to their checks;
//! 2. the dispatch on the system call number (`tree.rs`): a search tree over runs of numbers
//!    that share an answer, cut where it is cheapest, logarithmic in depth. Numbers at or
//!    above the x32 bit kill; numbers the arch table lacks answer ENOSYS;
//! 3. argument checks (`checks.rs`), each system call's rules as a small decision diagram that
//!    loads arguments only inside it, so every call allowed without conditions is decided
//!    from `nr` alone and the kernel's action cache skips the filter for it. Identical
//!    diagrams and sub-diagrams are shared;
//! 4. one shared `ret` per answer, at the end (`layout.rs` copies a `ret` next to a jump that
//!    cannot reach it).
//!
//! Arguments the kernel reads as 32-bit values are compared on their low word only.

mod checks;
mod index;
mod layout;
mod tree;

use checks::{Acc, Check, Diagram, Rules, Step};
use index::RuleIndex;
use layout::{assemble, Label, Op};
use tree::Range;

use crate::abi;
use crate::bpf::{data, ret, Insn, JMP_JEQ_K};
use crate::policy::{table, Context};
use crate::{Arch, Promises};

/// The most instructions the kernel accepts in one filter (`BPF_MAXINSNS`).
pub const MAX_INSNS: usize = 4096;

/// Calls tested before the dispatch when their arguments are checked. openat's path walk
/// evicts each layer's filter from the caches and the branch predictor, and its number sits
/// deep in the dispatch (mmap, also heavy, is decided near the root, on lines every path
/// shares): tested first, it costs ~4 ns less per stacked pledge in a paired C benchmark
/// (docs/performance.md), and its range merges into its neighbours'.
const TESTED_FIRST: [&str; 1] = ["openat"];

/// What a filter is compiled for, besides the promises.
#[derive(Clone, Copy, Debug)]
pub struct Target {
    /// The architecture.
    pub arch: Arch,
    /// Values the argument checks compare with (own pid, uid, gid).
    pub ctx: Context,
    /// The seccomp return value for a violation (`SECCOMP_RET_*`).
    pub violation: u32,
    /// Whether the report channel (write to stderr) is open for the SIGSYS handler.
    pub reporting: bool,
}

/// Maps a reference-evaluator decision to the return value this target's filter gives.
pub fn action_for(decision: crate::policy::Decision, target: &Target) -> u32 {
    use crate::policy::Decision;
    match decision {
        Decision::Allow => ret::ALLOW,
        Decision::Errno(e) => ret::ERRNO | e as u32,
        Decision::Violation => target.violation,
        Decision::Kill => ret::KILL_PROCESS,
    }
}

/// Compiles `promises` for `target`.
///
/// ```
/// use scopes_core::{compiler::{compile, Target}, policy::Context, Arch, bpf::ret};
/// let target = Target {
///     arch: Arch::X86_64,
///     ctx: Context { pid: 1, uid: 0, gid: 0 },
///     violation: ret::KILL_PROCESS,
///     reporting: false,
/// };
/// let prog = compile("stdio".parse().unwrap(), &target);
/// assert!(prog.len() < 210);
/// ```
pub fn compile(promises: Promises, target: &Target) -> Vec<Insn> {
    let mut diagram = Diagram::new();
    let kill = diagram.ret(ret::KILL_PROCESS);
    let enosys = diagram.ret(ret::ERRNO | abi::ENOSYS as u32);

    // Every number of the arch table gets a constant answer or a diagram of argument checks,
    // and the whole number space becomes ranges, merged where neighbours agree. Numbers the
    // arch table does not know (holes, and above its end) answer ENOSYS, as the reference
    // evaluator says; foreign ABIs (x32) kill.
    let syscalls = target.arch.syscalls();
    let index = RuleIndex::new(target.arch, promises, target.reporting);
    let node_label = |id: usize| Label(id as u32);
    // Each range runs to the start of the next; neighbours with one answer are one range.
    let mut ranges: Vec<Range> = Vec::with_capacity(syscalls.len());
    let mut push = |start: u32, node: usize| {
        let to = node_label(node);
        if let Some(last) = ranges.last_mut() {
            if last.to == to {
                return;
            }
            last.end = start - 1;
        }
        ranges.push(Range {
            start,
            end: u32::MAX,
            to,
        });
    };
    let mut expected = 0u32;
    let mut tested_first: Vec<(u32, usize)> = Vec::with_capacity(TESTED_FIRST.len());
    for (position, (name, nr)) in syscalls.iter().enumerate() {
        let (rules, fallback) = index.rules(position);
        let default = if fallback {
            ret::ERRNO | abi::ENOSYS as u32
        } else {
            target.violation
        };
        let node = answer(&mut diagram, rules, default, &target.ctx);
        if nr > expected {
            push(expected, enosys);
        }
        if nr > 0 && TESTED_FIRST.contains(&name) && diagram.checks_arguments(node) {
            // Decided before the dispatch, which never sees this number: the range below
            // (there is one above 0) extends over it, and may merge with the next.
            tested_first.push((nr, node));
        } else {
            push(nr, node);
        }
        expected = nr + 1;
    }
    push(expected, enosys);
    if let Some(base) = target.arch.foreign_nr_base() {
        push(base, kill);
    }

    drop(index);
    diagram.finish_building();

    let mut next_label = diagram.len() as u32;
    let mut fresh = || {
        let l = Label(next_label);
        next_label += 1;
        l
    };

    // More than the dispatch and the diagram's nodes need (no regrowing: capacity that is
    // never written costs nothing).
    let mut ops = Vec::with_capacity(2 * ranges.len() + 8 * diagram.len());
    let arch_ok = fresh();
    ops.push(Op::Plain(Insn::load(data::ARCH)));
    ops.push(Op::Jump {
        code: JMP_JEQ_K,
        k: target.arch.audit_arch(),
        jt: arch_ok,
        jf: node_label(kill),
    });
    ops.push(Op::Mark(arch_ok));
    ops.push(Op::Plain(Insn::load(data::NR)));
    for (nr, node) in tested_first {
        let next = fresh();
        ops.push(Op::Jump {
            code: JMP_JEQ_K,
            k: nr,
            jt: node_label(node),
            jf: next,
        });
        ops.push(Op::Mark(next));
    }
    tree::emit(&ranges, &mut fresh, &mut ops);
    diagram.emit(&node_label, &mut fresh, &mut ops);
    assemble(ops, &mut next_label)
}

/// The node answering a system call with these rules (table indices, in order) and this
/// answer when none matches. Most calls are decided by their first rule, which has no
/// checks: those get their `ret` without building rules.
fn answer(
    diagram: &mut Diagram,
    rules: impl Iterator<Item = usize> + Clone,
    default: u32,
    ctx: &Context,
) -> usize {
    let mut rules = rules.map(|i| &table::RULES[i]).peekable();
    match rules.peek() {
        None => return diagram.ret(default),
        Some(first) if first.checks.is_empty() => return diagram.ret(first.verdict.action()),
        Some(_) => {}
    }
    // Sized at once: grown step by step, the list would move to fresh heap as it doubles.
    let mut steps = Vec::with_capacity(rules.clone().map(|r| r.checks.len() + 1).sum());
    for rule in rules {
        for c in rule.checks {
            steps.push(Step::Check(Check {
                arg: c.arg,
                width: c.width,
                mask: c.effective_mask(),
                values: diagram.pool.intern(c.masked_values(ctx)),
            }));
        }
        steps.push(Step::End(rule.verdict.action()));
    }
    diagram.build(Rules { steps, default }, Acc::Unknown)
}
