//! One system call's decision as disjoint regions of argument space, for formats that cannot
//! express the table's "first matching rule decides" order.
//!
//! libseccomp (and so every OCI runtime) gives no order between rules of one system call, so
//! regions with different answers must never overlap. The rules of the table are turned into
//! a decision tree over the arguments: at each level one argument's values are split into
//! classes that every check on it treats alike, and classes that lead to the same subtree are
//! merged. Each class is a union of [`Pattern`]s, "these bits have these values", which an OCI
//! profile writes as one `SCMP_CMP_MASKED_EQ` (or `SCMP_CMP_EQ`/`SCMP_CMP_NE` for full 64-bit
//! values). Checks on 32-bit arguments only ever fix bits of the low word, so the upper half of
//! the register stays free exactly as in the compiled filter.

use crate::abi;
use crate::bpf::ret;
use crate::policy::{table, Context};
use crate::Promises;

/// Values with some bits fixed: `v & mask == value` (`value` has no bits outside `mask`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Pattern {
    pub mask: u64,
    pub value: u64,
}

impl Pattern {
    /// Every value.
    pub const ANY: Pattern = Pattern { mask: 0, value: 0 };

    fn new(mask: u64, value: u64) -> Pattern {
        Pattern {
            mask,
            value: value & mask,
        }
    }

    fn intersect(self, other: Pattern) -> Option<Pattern> {
        if (self.value ^ other.value) & self.mask & other.mask != 0 {
            return None;
        }
        Some(Pattern {
            mask: self.mask | other.mask,
            value: self.value | other.value,
        })
    }

    /// `self` without `other`, as disjoint patterns: for each bit `other` fixes and `self`
    /// leaves free (highest first), the values that agree with `other` on the bits before it
    /// and differ on it.
    fn minus(self, other: Pattern) -> Vec<Pattern> {
        if self.intersect(other).is_none() {
            return vec![self];
        }
        let free = other.mask & !self.mask;
        let mut agreeing = self;
        let mut out = Vec::new();
        for bit in (0..64).rev().map(|b| 1u64 << b).filter(|m| free & m != 0) {
            out.push(Pattern {
                mask: agreeing.mask | bit,
                value: agreeing.value | (!other.value & bit),
            });
            agreeing = Pattern {
                mask: agreeing.mask | bit,
                value: agreeing.value | (other.value & bit),
            };
        }
        out
    }

    /// Whether every value of `self` is in `other`.
    fn within(self, other: Pattern) -> bool {
        other.mask & !self.mask == 0 && self.value & other.mask == other.value
    }
}

/// One argument condition as a profile can write it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Literal {
    /// `arg & mask == value` (an equality when the mask has all 64 bits).
    Bits(Pattern),
    /// `arg != value`, all 64 bits.
    Ne(u64),
}

/// A decision tree for one system call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tree {
    /// The answer (a seccomp return value) and the table rule that gives it (`None`: no rule
    /// matched, the system call's default).
    Leaf { action: u32, rule: Option<usize> },
    /// Branch on one argument: each branch holds when any of its literals holds. Branches are
    /// disjoint and together cover every value.
    Split {
        arg: u8,
        branches: Vec<(Vec<Literal>, Tree)>,
    },
}

/// One path through a tree: every condition holds → `action`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Region {
    /// (argument index, condition), at most one per argument, in argument order.
    pub conditions: Vec<(u8, Literal)>,
    pub action: u32,
    pub rule: Option<usize>,
}

impl Tree {
    /// Every path, in branch order.
    pub fn regions(&self) -> Vec<Region> {
        let mut out = Vec::new();
        self.collect(&mut Vec::new(), &mut out);
        out
    }

    fn collect(&self, prefix: &mut Vec<(u8, Literal)>, out: &mut Vec<Region>) {
        match self {
            Tree::Leaf { action, rule } => out.push(Region {
                conditions: prefix.clone(),
                action: *action,
                rule: *rule,
            }),
            Tree::Split { arg, branches } => {
                for (literals, sub) in branches {
                    for literal in literals {
                        prefix.push((*arg, *literal));
                        sub.collect(prefix, out);
                        prefix.pop();
                    }
                }
            }
        }
    }

    /// The answers this tree can give.
    pub fn actions(&self) -> Vec<u32> {
        let mut out: Vec<u32> = self.regions().iter().map(|r| r.action).collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// A table check resolved against a context: `(args[arg] & mask)` is one of `values`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ResolvedCheck {
    pub arg: u8,
    pub mask: u64,
    pub values: Vec<u64>,
}

impl ResolvedCheck {
    fn holds(&self, v: u64) -> bool {
        self.values.contains(&(v & self.mask))
    }

    fn patterns(&self) -> Vec<Pattern> {
        self.values
            .iter()
            .map(|v| Pattern::new(self.mask, *v))
            .collect()
    }
}

/// A table rule for one system call, resolved: all checks hold → `action`.
#[derive(Clone, Debug)]
pub(crate) struct ResolvedRule {
    pub index: usize,
    pub checks: Vec<ResolvedCheck>,
    pub action: u32,
}

/// The rules that apply to `name` under `promises` (no report channel: an exported filter has
/// no SIGSYS handler), in table order, and the answer when none matches.
pub(crate) fn rules_for(
    name: &str,
    promises: Promises,
    ctx: &Context,
    violation: u32,
) -> (Vec<ResolvedRule>, u32) {
    let mut rules = Vec::new();
    for (index, rule) in table::RULES.iter().enumerate() {
        if !rule.syscalls.contains(&name) || !rule.needs.satisfied_by(promises, false) {
            continue;
        }
        let action = rule.verdict.action();
        let checks = rule
            .checks
            .iter()
            .map(|c| ResolvedCheck {
                arg: c.arg,
                mask: c.effective_mask(),
                values: c.resolved_values(ctx),
            })
            .collect();
        rules.push(ResolvedRule {
            index,
            checks,
            action,
        });
    }
    let default = if table::FALLBACK_ENOSYS.contains(&name) {
        ret::ERRNO | abi::ENOSYS as u32
    } else {
        violation
    };
    (rules, default)
}

/// The decision tree for `name` under `promises`.
pub(crate) fn tree_for(name: &str, promises: Promises, ctx: &Context, violation: u32) -> Tree {
    let (rules, default) = rules_for(name, promises, ctx, violation);
    build(&rules, default)
}

fn build(rules: &[ResolvedRule], default: u32) -> Tree {
    let Some(first) = rules.first() else {
        return Tree::Leaf {
            action: default,
            rule: None,
        };
    };
    if first.checks.is_empty() {
        return Tree::Leaf {
            action: first.action,
            rule: Some(first.index),
        };
    }
    let arg = rules
        .iter()
        .flat_map(|r| r.checks.iter().map(|c| c.arg))
        .min()
        .expect("a rule with checks");
    let classes = partition(
        rules
            .iter()
            .flat_map(|r| r.checks.iter())
            .filter(|c| c.arg == arg),
    );

    // Each class: the rules that still apply, without their checks on `arg`.
    let mut groups: Vec<(Vec<Pattern>, Tree)> = Vec::new();
    for class in classes {
        let sample = class[0].value;
        let remaining: Vec<ResolvedRule> = rules
            .iter()
            .filter(|r| {
                r.checks
                    .iter()
                    .filter(|c| c.arg == arg)
                    .all(|c| c.holds(sample))
            })
            .map(|r| ResolvedRule {
                index: r.index,
                checks: r.checks.iter().filter(|c| c.arg != arg).cloned().collect(),
                action: r.action,
            })
            .collect();
        let sub = build(&remaining, default);
        match groups.iter_mut().find(|(_, t)| *t == sub) {
            Some((patterns, _)) => patterns.extend(class),
            None => groups.push((class, sub)),
        }
    }
    if groups.len() == 1 {
        return groups.pop().expect("one group").1;
    }
    let minimized: Vec<Vec<Pattern>> = groups.iter().map(|(p, _)| minimize(p.clone())).collect();
    let branches = groups
        .into_iter()
        .enumerate()
        .map(|(i, (_, sub))| {
            let others: Vec<Pattern> = minimized
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .flat_map(|(_, p)| p.iter().copied())
                .collect();
            // "Everything but one 64-bit value" is one SCMP_CMP_NE rather than 64 patterns.
            let literals = match others.as_slice() {
                [single] if single.mask == u64::MAX && minimized[i].len() > 1 => {
                    vec![Literal::Ne(single.value)]
                }
                _ => minimized[i].iter().map(|p| Literal::Bits(*p)).collect(),
            };
            (literals, sub)
        })
        .collect();
    Tree::Split { arg, branches }
}

/// Splits an argument's values into classes on which each check is uniformly true or false.
fn partition<'a>(checks: impl Iterator<Item = &'a ResolvedCheck>) -> Vec<Vec<Pattern>> {
    let mut classes: Vec<Vec<Pattern>> = vec![vec![Pattern::ANY]];
    let mut seen: Vec<&ResolvedCheck> = Vec::new();
    for check in checks {
        if seen.contains(&check) {
            continue;
        }
        seen.push(check);
        let set = check.patterns();
        let mut next = Vec::new();
        for class in classes {
            let inside: Vec<Pattern> = class
                .iter()
                .flat_map(|p| set.iter().filter_map(|q| p.intersect(*q)))
                .collect();
            let mut outside = class;
            for q in &set {
                outside = outside.into_iter().flat_map(|p| p.minus(*q)).collect();
            }
            next.extend([inside, outside].into_iter().filter(|c| !c.is_empty()));
        }
        classes = next;
    }
    classes
}

/// Merges patterns that differ in one fixed bit and drops those inside another, so a set of
/// values is written with few conditions. The union stays the same.
fn minimize(mut patterns: Vec<Pattern>) -> Vec<Pattern> {
    patterns.sort_unstable();
    patterns.dedup();
    loop {
        let mut changed = false;
        'outer: for i in 0..patterns.len() {
            for j in 0..patterns.len() {
                if i == j {
                    continue;
                }
                let (a, b) = (patterns[i], patterns[j]);
                if a.within(b) {
                    patterns.remove(i);
                    changed = true;
                    break 'outer;
                }
                let diff = a.value ^ b.value;
                if a.mask == b.mask && diff.count_ones() == 1 {
                    let merged = Pattern::new(a.mask & !diff, a.value);
                    patterns.retain(|p| *p != a && *p != b);
                    patterns.push(merged);
                    changed = true;
                    break 'outer;
                }
            }
        }
        if !changed {
            patterns.sort_unstable();
            return patterns;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{decide_by_name, Decision};

    fn literal_holds(literal: Literal, v: u64) -> bool {
        match literal {
            Literal::Bits(p) => v & p.mask == p.value,
            Literal::Ne(x) => v != x,
        }
    }

    const CTX: Context = Context {
        pid: 0x7fff_ffff,
        uid: u32::MAX,
        gid: u32::MAX,
    };

    fn decides(regions: &[Region], args: &[u64; 6]) -> u32 {
        let matching: Vec<&Region> = regions
            .iter()
            .filter(|r| {
                r.conditions
                    .iter()
                    .all(|(a, l)| literal_holds(*l, args[*a as usize]))
            })
            .collect();
        assert_eq!(
            matching.len(),
            1,
            "regions must be disjoint and cover everything: {args:x?}"
        );
        matching[0].action
    }

    #[test]
    fn minus_is_disjoint_and_exact() {
        let all = Pattern::ANY;
        let q = Pattern::new(0xffff_ffff, 41);
        let pieces = all.minus(q);
        assert_eq!(pieces.len(), 32);
        for v in [0u64, 40, 41, 42, 41 | 1 << 32, u64::MAX, 0x8000_0029] {
            let n = pieces.iter().filter(|p| v & p.mask == p.value).count();
            assert_eq!(n, usize::from(v as u32 != 41), "{v:#x}");
        }
    }

    #[test]
    fn trees_agree_with_the_reference_evaluator() {
        let sets: Vec<Promises> = [
            "",
            "stdio",
            "stdio rpath wpath cpath",
            "stdio inet dns unix getpw fattr",
            "stdio error",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .chain([Promises::all()])
        .collect();
        let violation = ret::KILL_PROCESS;
        for set in sets {
            for name in crate::policy::syscall_names() {
                let regions = tree_for(name, set, &CTX, violation).regions();
                // Generic values, and each constant the name's rules mention, perturbed.
                let mut values: Vec<u64> =
                    vec![0, 1, 2, 31, 0x7fff_ffff, u32::MAX as u64, u64::MAX, 1 << 32];
                for check in crate::policy::rules_for(name).flat_map(|r| r.checks) {
                    for v in check.values {
                        let v = CTX.resolve(*v);
                        values.extend([v, v | 1 << 33, v ^ check.mask, v & !1]);
                    }
                }
                for (i, v) in values.iter().enumerate() {
                    for arg in 0..6 {
                        let mut args = [values[(i * 7 + arg) % values.len()]; 6];
                        args[arg] = *v;
                        let expected = match decide_by_name(set, false, &CTX, name, &args) {
                            Decision::Allow => ret::ALLOW,
                            Decision::Errno(e) => ret::ERRNO | e as u32,
                            Decision::Violation | Decision::Kill => violation,
                        };
                        assert_eq!(
                            decides(&regions, &args),
                            expected,
                            "{name} \"{set}\" {args:x?}"
                        );
                    }
                }
            }
        }
    }
}
