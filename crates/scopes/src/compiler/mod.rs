//! The filter compiler: a promise set and a target become a classic BPF program.
//!
//! Shape (see `docs/filter.md`):
//! 1. `arch` check: any other arch (i386 `int 0x80`, AArch32) kills the process;
//! 2. a binary search over the system call number, whose leaves are either a shared `ret` or
//!    the argument-check block of one system call. Numbers at or above the x32 bit kill; numbers
//!    above the arch table answer ENOSYS. Runs of numbers with the same answer are merged;
//! 3. the shared returns;
//! 4. argument-check blocks, loaded only inside the block of their own system call, so every
//!    call allowed without conditions is decided from `nr` alone and the kernel's action cache
//!    skips the filter for it. Identical blocks are shared.
//!
//! Arguments the kernel reads as 32-bit values are compared on their low word only.

mod layout;

use std::collections::HashMap;

use layout::{assemble, Label, Op};

use crate::bpf::{data, ret, Insn, ALU_AND_K, JMP_JEQ_K, JMP_JGE_K, JMP_JGT_K};
use crate::policy::{table, Context, Verdict, Width};
use crate::{Arch, Promises};

/// The most instructions the kernel accepts in one filter (`BPF_MAXINSNS`).
pub const MAX_INSNS: usize = 4096;

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

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct ResolvedCheck {
    arg: u8,
    width: Width,
    mask: u64,
    values: Vec<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Block {
    /// Rules in order: all checks hold → the action.
    rules: Vec<(Vec<ResolvedCheck>, u32)>,
    /// When no rule matches.
    default: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Leaf {
    Ret(u32),
    Block(usize),
}

/// Compiles `promises` for `target`.
///
/// ```
/// use scopes::{compiler::{compile, Target}, policy::Context, Arch, bpf::ret};
/// let target = Target {
///     arch: Arch::X86_64,
///     ctx: Context { pid: 1, uid: 0, gid: 0 },
///     violation: ret::KILL_PROCESS,
///     reporting: false,
/// };
/// let prog = compile("stdio".parse().unwrap(), &target);
/// assert!(prog.len() < 195);
/// ```
pub fn compile(promises: Promises, target: &Target) -> Vec<Insn> {
    let mut blocks: Vec<Block> = Vec::new();
    let mut block_ids: HashMap<Block, usize> = HashMap::new();

    // Decide every known number: a constant answer or a block of argument checks.
    let syscalls = target.arch.syscalls();
    let mut known: Vec<(u32, Leaf)> = Vec::with_capacity(syscalls.len());
    for (name, nr) in syscalls {
        let block = block_for(name, promises, target);
        let leaf = if block.rules.is_empty() {
            Leaf::Ret(block.default)
        } else {
            let next = blocks.len();
            let id = *block_ids.entry(block.clone()).or_insert_with(|| {
                blocks.push(block);
                next
            });
            Leaf::Block(id)
        };
        known.push((*nr, leaf));
    }

    // Intervals over the whole number space, merged where neighbours agree. Holes inside the
    // table are not system calls: they are violations like any unlisted call.
    let max_known = known.last().map(|k| k.0).unwrap_or(0);
    let mut intervals: Vec<(u32, Leaf)> = Vec::new(); // (start, leaf); each runs to the next start
    let push = |start: u32, leaf: Leaf, intervals: &mut Vec<(u32, Leaf)>| {
        if intervals.last().map(|l| l.1) != Some(leaf) {
            intervals.push((start, leaf));
        }
    };
    let mut expected = 0u32;
    for (nr, leaf) in &known {
        if *nr > expected {
            push(expected, Leaf::Ret(target.violation), &mut intervals);
        }
        push(*nr, *leaf, &mut intervals);
        expected = nr + 1;
    }
    push(max_known + 1, Leaf::Ret(ret::ERRNO | libc::ENOSYS as u32), &mut intervals);
    if let Some(base) = target.arch.foreign_nr_base() {
        push(base, Leaf::Ret(ret::KILL_PROCESS), &mut intervals);
    }

    if std::env::var_os("DBG_INTERVALS").is_some() { eprintln!("{} intervals: {:?}", intervals.len(), intervals.iter().map(|i| (i.0, match i.1 { Leaf::Ret(k) => format!("{:x}", k>>16), Leaf::Block(b) => format!("B{b}") })).collect::<Vec<_>>()); }
    let mut next_label = 0u32;
    let mut fresh = || {
        let l = Label(next_label);
        next_label += 1;
        l
    };
    let kill = fresh();
    let mut ret_labels: Vec<(u32, Label)> = vec![(ret::KILL_PROCESS, kill)];
    let block_labels: Vec<Label> = blocks.iter().map(|_| fresh()).collect();
    for leaf in intervals.iter().map(|i| i.1).chain([Leaf::Ret(target.violation)]) {
        if let Leaf::Ret(k) = leaf {
            if !ret_labels.iter().any(|(r, _)| *r == k) {
                ret_labels.push((k, fresh()));
            }
        }
    }
    let leaf_label = |leaf: Leaf| match leaf {
        Leaf::Ret(k) => ret_labels.iter().find(|(r, _)| *r == k).unwrap().1,
        Leaf::Block(id) => block_labels[id],
    };

    let ranges: Vec<(u32, u32, Leaf)> = intervals
        .iter()
        .enumerate()
        .map(|(i, (start, leaf))| {
            let end = intervals.get(i + 1).map_or(u32::MAX, |next| next.0 - 1);
            (*start, end, *leaf)
        })
        .collect();
    let mut ops = Vec::new();
    let arch_ok = fresh();
    ops.push(Op::Plain(Insn::load(data::ARCH)));
    ops.push(Op::Jump { code: JMP_JEQ_K, k: target.arch.audit_arch(), jt: arch_ok, jf: kill });
    ops.push(Op::Mark(arch_ok));
    ops.push(Op::Plain(Insn::load(data::NR)));
    search_tree(&ranges, (0, u32::MAX), &leaf_label, &mut fresh, &mut ops);
    for (k, label) in &ret_labels {
        ops.push(Op::Mark(*label));
        ops.push(Op::Plain(Insn::ret(*k)));
    }
    // Blocks jump forward to one shared set of returns after the last block.
    let mut block_rets: Vec<(u32, Label)> = Vec::new();
    for (block, label) in blocks.iter().zip(&block_labels) {
        ops.push(Op::Mark(*label));
        emit_block(block, &mut block_rets, &mut fresh, &mut ops);
    }
    for (k, label) in &block_rets {
        ops.push(Op::Mark(*label));
        ops.push(Op::Plain(Insn::ret(*k)));
    }
    assemble(ops, &mut next_label)
}

/// The rules that apply to `name` under `promises`, resolved for `target`.
fn block_for(name: &str, promises: Promises, target: &Target) -> Block {
    let mut rules: Vec<(Vec<ResolvedCheck>, u32)> = Vec::new();
    let default = if table::FALLBACK_ENOSYS.contains(&name) {
        ret::ERRNO | libc::ENOSYS as u32
    } else {
        target.violation
    };
    for rule in table::RULES {
        if !rule.syscalls.contains(&name) || !rule.needs.satisfied_by(promises, target.reporting) {
            continue;
        }
        let action = match rule.verdict {
            Verdict::Allow => ret::ALLOW,
            Verdict::Errno(e) => ret::ERRNO | e as u32,
        };
        if rule.checks.is_empty() {
            // Always matches: it decides everything the earlier rules did not.
            return finish(rules, action);
        }
        let checks = rule
            .checks
            .iter()
            .map(|c| {
                let width_mask = if c.width == Width::W32 { 0xffff_ffff } else { u64::MAX };
                let mask = c.mask & width_mask;
                let mut values: Vec<u64> = c.values.iter().map(|v| target.ctx.resolve(*v) & mask).collect();
                values.dedup();
                ResolvedCheck { arg: c.arg, width: c.width, mask, values }
            })
            .collect();
        let rule = (checks, action);
        if !rules.contains(&rule) {
            rules.push(rule);
        }
    }
    finish(rules, default)
}

/// Drops trailing rules whose action equals the default: they change nothing.
fn finish(mut rules: Vec<(Vec<ResolvedCheck>, u32)>, default: u32) -> Block {
    while rules.last().is_some_and(|r| r.1 == default) {
        rules.pop();
    }
    Block { rules, default }
}

/// How many ranges a search-tree leaf tests one after another before the tree splits again.
const LEAF_RANGES: usize = 6;

/// Emits a binary search with `nr` in the accumulator. `ranges` (start, end inclusive,
/// answer) are sorted and cover `lo..=hi`, the numbers that can reach this point.
///
/// When all but at most [`LEAF_RANGES`] of them share one answer (the background, chosen per
/// subtree: violations where allowed calls are sparse, ALLOW where they are dense), the others
/// are tested in a row and the rest falls to the background. Otherwise the tree splits on a
/// range start. Bounds learnt on the way make most tests a single instruction, so the tree
/// costs about one instruction per range, as a linear list would, with logarithmic depth.
fn search_tree(
    ranges: &[(u32, u32, Leaf)],
    (mut lo, mut hi): (u32, u32),
    leaf_label: &dyn Fn(Leaf) -> Label,
    fresh: &mut dyn FnMut() -> Label,
    ops: &mut Vec<Op>,
) {
    let background = most_common(ranges);
    let exceptions: Vec<&(u32, u32, Leaf)> = ranges.iter().filter(|r| r.2 != background).collect();
    if exceptions.len() <= LEAF_RANGES {
        let background = leaf_label(background);
        for (i, (start, end, leaf)) in exceptions.iter().enumerate() {
            let next = if i + 1 == exceptions.len() { background } else { fresh() };
            let target = leaf_label(*leaf);
            if *start <= lo && *end >= hi {
                ops.push(Op::Goto(target));
                return;
            } else if *start <= lo {
                ops.push(Op::Jump { code: JMP_JGT_K, k: *end, jt: next, jf: target });
                lo = end + 1;
            } else if *end >= hi {
                ops.push(Op::Jump { code: JMP_JGE_K, k: *start, jt: target, jf: next });
                hi = start - 1;
            } else if start == end {
                ops.push(Op::Jump { code: JMP_JEQ_K, k: *start, jt: target, jf: next });
            } else {
                let lower = fresh();
                ops.push(Op::Jump { code: JMP_JGT_K, k: *end, jt: next, jf: lower });
                ops.push(Op::Mark(lower));
                // Below `start` and above the previous exception: the background answer.
                ops.push(Op::Jump { code: JMP_JGE_K, k: *start, jt: target, jf: background });
                lo = end + 1;
            }
            if next != background {
                ops.push(Op::Mark(next));
            }
        }
        if exceptions.is_empty() {
            ops.push(Op::Goto(background));
        }
        return;
    }
    let (left, right) = ranges.split_at(ranges.len() / 2);
    let (left_label, right_label) = (fresh(), fresh());
    let at = right[0].0;
    ops.push(Op::Jump { code: JMP_JGE_K, k: at, jt: right_label, jf: left_label });
    ops.push(Op::Mark(left_label));
    search_tree(left, (lo, at - 1), leaf_label, fresh, ops);
    ops.push(Op::Mark(right_label));
    search_tree(right, (at, hi), leaf_label, fresh, ops);
}

/// The answer most ranges share (the first such in order, for deterministic output).
fn most_common(ranges: &[(u32, u32, Leaf)]) -> Leaf {
    let count = |leaf: Leaf| ranges.iter().filter(|r| r.2 == leaf).count();
    let mut best = ranges[0].2;
    for r in ranges {
        if count(r.2) > count(best) {
            best = r.2;
        }
    }
    best
}

/// Emits one system call's argument checks, jumping to the shared returns in `rets`.
fn emit_block(block: &Block, rets: &mut Vec<(u32, Label)>, fresh: &mut dyn FnMut() -> Label, ops: &mut Vec<Op>) {
    let mut ret_label = |k: u32, fresh: &mut dyn FnMut() -> Label| {
        if let Some((_, l)) = rets.iter().find(|(r, _)| *r == k) {
            return *l;
        }
        let l = fresh();
        rets.push((k, l));
        l
    };
    let default = ret_label(block.default, fresh);
    for (r, (checks, action)) in block.rules.iter().enumerate() {
        let pass = ret_label(*action, fresh);
        let last_rule = r + 1 == block.rules.len();
        let fail = if last_rule { default } else { fresh() };
        for (i, check) in checks.iter().enumerate() {
            let next = if i + 1 == checks.len() { pass } else { fresh() };
            emit_check(check, next, fail, fresh, ops);
            if next != pass {
                ops.push(Op::Mark(next));
            }
        }
        if !last_rule {
            ops.push(Op::Mark(fail));
        }
    }
}

/// Jumps to `pass` when the check holds, to `fail` otherwise.
fn emit_check(check: &ResolvedCheck, pass: Label, fail: Label, fresh: &mut dyn FnMut() -> Label, ops: &mut Vec<Op>) {
    let lo_mask = check.mask as u32;
    match check.width {
        Width::W32 => {
            ops.push(Op::Plain(Insn::load(data::arg_lo(check.arg))));
            if lo_mask != u32::MAX {
                ops.push(Op::Plain(Insn { code: ALU_AND_K, jt: 0, jf: 0, k: lo_mask }));
            }
            emit_membership(&check.values, pass, fail, fresh, ops);
        }
        Width::W64 => {
            let hi_mask = (check.mask >> 32) as u32;
            for (i, v) in check.values.iter().enumerate() {
                let last = i + 1 == check.values.len();
                let next_value = if last { fail } else { fresh() };
                let hi = fresh();
                ops.push(Op::Plain(Insn::load(data::arg_lo(check.arg))));
                if lo_mask != u32::MAX {
                    ops.push(Op::Plain(Insn { code: ALU_AND_K, jt: 0, jf: 0, k: lo_mask }));
                }
                ops.push(Op::Jump { code: JMP_JEQ_K, k: *v as u32, jt: hi, jf: next_value });
                ops.push(Op::Mark(hi));
                ops.push(Op::Plain(Insn::load(data::arg_hi(check.arg))));
                if hi_mask != u32::MAX {
                    ops.push(Op::Plain(Insn { code: ALU_AND_K, jt: 0, jf: 0, k: hi_mask }));
                }
                ops.push(Op::Jump { code: JMP_JEQ_K, k: (*v >> 32) as u32, jt: pass, jf: next_value });
                if !last {
                    ops.push(Op::Mark(next_value));
                }
            }
        }
    }
}

/// Jumps to `pass` when the accumulator is one of `values`, to `fail` otherwise, testing runs
/// of consecutive values as ranges.
fn emit_membership(values: &[u64], pass: Label, fail: Label, fresh: &mut dyn FnMut() -> Label, ops: &mut Vec<Op>) {
    let mut sorted: Vec<u32> = values.iter().map(|v| *v as u32).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for v in sorted {
        match runs.last_mut() {
            Some((_, end)) if end.checked_add(1) == Some(v) => *end = v,
            _ => runs.push((v, v)),
        }
    }
    for (i, (start, end)) in runs.iter().enumerate() {
        let next = if i + 1 == runs.len() { fail } else { fresh() };
        if start == end {
            ops.push(Op::Jump { code: JMP_JEQ_K, k: *start, jt: pass, jf: next });
        } else if *start == 0 {
            ops.push(Op::Jump { code: JMP_JGT_K, k: *end, jt: next, jf: pass });
        } else {
            let lower = fresh();
            ops.push(Op::Jump { code: JMP_JGT_K, k: *end, jt: next, jf: lower });
            ops.push(Op::Mark(lower));
            // Below `start` and above every earlier run: in no run at all.
            ops.push(Op::Jump { code: JMP_JGE_K, k: *start, jt: pass, jf: fail });
        }
        if next != fail {
            ops.push(Op::Mark(next));
        }
    }
}
