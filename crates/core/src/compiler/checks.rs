//! Argument checks: the rules of one system call become a small decision diagram.
//!
//! Rules are tried in table order, so the diagram tests the first check of the first rule
//! still possible, then carries what the answer proves into the rest: after `cmd == 3` held,
//! a later check `cmd ∈ {1, 6}` is known false and disappears; after it failed, `cmd ∈ {3, 4}`
//! shrinks to `cmd == 4`. The accumulator's content is tracked too, so consecutive tests of
//! one argument word load it once. Identical sub-diagrams (same remaining rules, same
//! accumulator) are built once and shared, within a system call and across system calls.

use std::collections::HashMap;
use std::hash::{BuildHasher as _, BuildHasherDefault, Hasher};

use super::layout::{Label, Op};
use crate::bpf::{data, Insn, JMP_JEQ_K, JMP_JGE_K, JMP_JGT_K, JMP_JSET_K};
use crate::policy::Width;

/// A sorted list of values without repeats, kept in the diagram's pool. Lists are interned:
/// equal lists have equal handles, so checks compare and hash without reading the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct Values {
    start: u32,
    len: u32,
}

/// One argument condition, resolved for a target: `(args[arg] & mask)` is one of `values`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct Check {
    pub arg: u8,
    pub width: Width,
    /// Already restricted to the width.
    pub mask: u64,
    /// Already masked.
    pub values: Values,
}

impl Check {
    /// Whether `other` looks at exactly the same bits, so one's outcome says something
    /// about the other.
    fn same_bits(&self, other: &Check) -> bool {
        self.arg == other.arg && self.width == other.width && self.mask == other.mask
    }
}

/// One step of [`Rules`]: a check of the current rule, or the end of a rule with its action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Step {
    Check(Check),
    End(u32),
}

/// The rules of one system call, flattened: each rule's checks, then its end. The first rule
/// whose checks all hold gives its action; when none does, `default`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct Rules {
    pub steps: Vec<Step>,
    pub default: u32,
}

impl Rules {
    /// Canonical form: a rule without checks always matches, so it ends the list and becomes
    /// the default; trailing rules that answer the default change nothing.
    fn normalized(mut self) -> Rules {
        let mut rule_start = 0;
        for i in 0..self.steps.len() {
            if let Step::End(action) = self.steps[i] {
                if i == rule_start {
                    self.default = action;
                    self.steps.truncate(rule_start);
                    break;
                }
                rule_start = i + 1;
            }
        }
        // Drop trailing rules that answer the default.
        while let Some(Step::End(action)) = self.steps.last() {
            if *action != self.default {
                break;
            }
            self.steps.pop();
            while matches!(self.steps.last(), Some(Step::Check(_))) {
                self.steps.pop();
            }
        }
        self
    }

    /// The first check of the first rule, if any rule is left.
    fn first_check(&self) -> Option<Check> {
        match self.steps.first() {
            Some(Step::Check(c)) => Some(*c),
            _ => None,
        }
    }

    /// What remains once `check` is known to be `outcome`.
    fn assuming(&self, check: &Check, outcome: bool, pool: &mut Pool) -> Rules {
        let mut steps = Vec::with_capacity(self.steps.len());
        let mut rule_start = 0; // in `steps`
        let mut dead = false; // the current rule can no longer match
        for step in &self.steps {
            match *step {
                Step::End(action) => {
                    if dead {
                        steps.truncate(rule_start);
                    } else {
                        steps.push(Step::End(action));
                    }
                    rule_start = steps.len();
                    dead = false;
                }
                Step::Check(_) if dead => {}
                Step::Check(c) if !c.same_bits(check) => steps.push(Step::Check(c)),
                Step::Check(c) => {
                    // x ∈ check is known; x ∈ c then means x ∈ (c ∩ check), or x ∈ (c \ check).
                    let narrowed = pool.filter(c.values, check.values, outcome);
                    if narrowed.len == 0 {
                        dead = true;
                    } else if !(outcome && narrowed.len == check.values.len) {
                        steps.push(Step::Check(Check {
                            values: narrowed,
                            ..c
                        }));
                    } // else: proved true
                }
            }
        }
        Rules {
            steps,
            default: self.default,
        }
        .normalized()
    }
}

/// The value lists of one compile. Lists are appended and never removed; an interned list
/// is looked up among the earlier ones, which are few (tens per filter).
#[derive(Default)]
pub(super) struct Pool {
    values: Vec<u64>,
    /// Every list, with its [`digest`]: lists are compared value by value only when their
    /// digests agree (comparing every earlier list was most of a compile's `memcmp`).
    lists: Vec<(Values, u64)>,
}

/// A digest of a list of values, for telling lists apart quickly.
fn digest(values: &[u64]) -> u64 {
    values.iter().fold(0xcbf2_9ce4_8422_2325, |h, v| {
        (h ^ v).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Pool {
    /// The values of a list.
    pub fn get(&self, v: Values) -> &[u64] {
        &self.values[v.start as usize..(v.start + v.len) as usize]
    }

    /// Interns `values` (sorted and deduplicated here).
    pub fn intern(&mut self, values: impl Iterator<Item = u64>) -> Values {
        let start = self.values.len();
        self.values.extend(values);
        self.values[start..].sort_unstable();
        let mut kept = start;
        for i in start..self.values.len() {
            if kept == start || self.values[i] != self.values[kept - 1] {
                self.values[kept] = self.values[i];
                kept += 1;
            }
        }
        self.values.truncate(kept);
        self.finish(start)
    }

    /// The values of `a` that are (`keep == true`) or are not in `b`, interned.
    fn filter(&mut self, a: Values, b: Values, keep: bool) -> Values {
        let start = self.values.len();
        for i in a.start..a.start + a.len {
            let v = self.values[i as usize];
            if self.get(b).binary_search(&v).is_ok() == keep {
                self.values.push(v);
            }
        }
        if self.values.len() - start == a.len as usize {
            // Every value kept: the list is `a`, which interning would find again.
            self.values.truncate(start);
            return a;
        }
        self.finish(start)
    }

    /// Makes the list `values[start..]` a handle, reusing an equal earlier list.
    fn finish(&mut self, start: usize) -> Values {
        let new = Values {
            start: start as u32,
            len: (self.values.len() - start) as u32,
        };
        let (earlier, added) = self.values.split_at(start);
        let digest = digest(added);
        let same = self.lists.iter().find(|(l, d)| {
            *d == digest
                && l.len == new.len
                && &earlier[l.start as usize..(l.start + l.len) as usize] == added
        });
        match same {
            Some(&(l, _)) => {
                self.values.truncate(start);
                l
            }
            None => {
                self.lists.push((new, digest));
                new
            }
        }
    }
}

/// FNV-1a: the memo's keys come from the static table, so a fast hash without flood
/// protection is safe, and SipHash was a visible part of pledge()'s time.
pub(super) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // A word at a time (keys are mostly slices of u64): FNV's mixing step per word.
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let word = u64::from_le_bytes(c.try_into().expect("8 bytes"));
            self.write_u64(word);
        }
        for b in chunks.remainder() {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0 ^ word)
            .wrapping_mul(0x0100_0000_01b3)
            .rotate_left(29);
    }
    fn write_u32(&mut self, word: u32) {
        self.write_u64(u64::from(word));
    }
    fn write_u8(&mut self, byte: u8) {
        self.write_u64(u64::from(byte));
    }
    fn write_usize(&mut self, word: usize) {
        self.write_u64(word as u64);
    }
}

/// What the accumulator holds when a node starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Acc {
    /// Unknown (or `nr`, which no check uses).
    Unknown,
    /// The 32-bit word at this `seccomp_data` offset, ANDed with `mask`.
    Word { offset: u32, mask: u32 },
}

/// A node of the diagram.
#[derive(Clone, Copy, Debug)]
enum Node {
    /// Return this value.
    Ret(u32),
    /// Test `check` with the accumulator in state `acc`; continue at `pass` or `fail`.
    Test {
        check: Check,
        acc: Acc,
        pass: usize,
        fail: usize,
    },
}

/// A key of the memo of sub-diagrams, hashed once: it is looked up, then inserted after its
/// children are built, and hashing a whole list of rules twice was about 5 % of a compile.
#[derive(PartialEq, Eq)]
struct Key {
    /// First, so that keys with different hashes compare unequal at once.
    hash: u64,
    rules: Rules,
    acc: Acc,
}

impl Key {
    fn new(rules: Rules, acc: Acc) -> Key {
        let hash = BuildHasherDefault::<Fnv>::default().hash_one((&rules, acc));
        Key { hash, rules, acc }
    }
}

impl std::hash::Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// All argument-check diagrams of one filter, with the shared returns.
#[derive(Default)]
pub(super) struct Diagram {
    nodes: Vec<Node>,
    memo: HashMap<Key, usize, BuildHasherDefault<Fnv>>,
    /// (return value, node): a handful, searched in order.
    rets: Vec<(u32, usize)>,
    /// The value lists the checks compare with.
    pub pool: Pool,
}

/// Sub-diagrams the memo has room for from the start: "all" builds about 60. Growing there
/// rehashes every key, each a whole list of rules: about 5 % of a compile. 112 is
/// what 128 buckets hold: one more would double the table (8 KiB more to fault in).
const MEMO_CAPACITY: usize = 112;

/// Nodes, values and value lists a filter of every promise needs, with some room: each
/// doubling of a vector moves it to fresh heap, which a fresh process faults in page by page
/// (about 2 µs a page on a virtual machine).
const NODES: usize = 80;
const VALUES: usize = 256;
const LISTS: usize = 80;

impl Diagram {
    /// An empty diagram, sized for a filter of every promise.
    pub fn new() -> Diagram {
        Diagram {
            nodes: Vec::with_capacity(NODES),
            memo: HashMap::with_capacity_and_hasher(MEMO_CAPACITY, Default::default()),
            rets: Vec::new(),
            pool: Pool {
                values: Vec::with_capacity(VALUES),
                lists: Vec::with_capacity(LISTS),
            },
        }
    }

    /// The node that returns `k`.
    pub fn ret(&mut self, k: u32) -> usize {
        if let Some(&(_, id)) = self.rets.iter().find(|r| r.0 == k) {
            return id;
        }
        self.nodes.push(Node::Ret(k));
        self.rets.push((k, self.nodes.len() - 1));
        self.nodes.len() - 1
    }

    /// The node deciding `rules`, entered with the accumulator in state `acc`. Children get
    /// smaller ids than their parents, so emitting by decreasing id makes every jump forward.
    pub fn build(&mut self, rules: Rules, acc: Acc) -> usize {
        let rules = rules.normalized();
        let Some(check) = rules.first_check() else {
            return self.ret(rules.default);
        };
        let key = Key::new(rules, acc);
        if let Some(&id) = self.memo.get(&key) {
            return id;
        }
        let (acc_pass, acc_fail) = acc_after(&check, &self.pool);
        let if_pass = key.rules.assuming(&check, true, &mut self.pool);
        let if_fail = key.rules.assuming(&check, false, &mut self.pool);
        let pass = self.build(if_pass, acc_pass);
        let fail = self.build(if_fail, acc_fail);
        self.nodes.push(Node::Test {
            check,
            acc,
            pass,
            fail,
        });
        let id = self.nodes.len() - 1;
        self.memo.insert(key, id);
        id
    }

    /// Emits every node: tests by decreasing id (parents first), then the returns, in the
    /// order they were first asked for. `label` names each node.
    pub fn emit(
        &self,
        label: &dyn Fn(usize) -> Label,
        fresh: &mut dyn FnMut() -> Label,
        ops: &mut Vec<Op>,
    ) {
        for id in (0..self.nodes.len()).rev() {
            if let Node::Test {
                check,
                acc,
                pass,
                fail,
            } = self.nodes[id]
            {
                ops.push(Op::Mark(label(id)));
                emit_test(
                    &check,
                    &self.pool,
                    acc,
                    label(pass),
                    label(fail),
                    fresh,
                    ops,
                );
            }
        }
        for (id, node) in self.nodes.iter().enumerate() {
            if let Node::Ret(k) = node {
                ops.push(Op::Mark(label(id)));
                ops.push(Op::Plain(Insn::ret(*k)));
            }
        }
    }

    /// Ends building: the memo of sub-diagrams is no longer needed. Freeing it before the
    /// program is laid out lets that reuse its memory, in a fresh process pages not yet touched
    /// cost a fault each.
    pub fn finish_building(&mut self) {
        self.memo = HashMap::default();
    }

    /// How many nodes exist (labels needed).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether node `id` checks arguments (rather than returning at once).
    pub fn checks_arguments(&self, id: usize) -> bool {
        !matches!(self.nodes[id], Node::Ret(_))
    }
}

/// Whether a 32-bit check is a single `jset` on the unmasked word (see [`emit_test`]).
fn is_jset(check: &Check, pool: &Pool) -> bool {
    let mask = check.mask as u32;
    let values = pool.get(check.values);
    check.width == Width::W32
        && mask != u32::MAX
        && (values == [0] || (mask.is_power_of_two() && values == [mask as u64]))
}

/// The accumulator after testing `check`, when it passed and when it failed.
fn acc_after(check: &Check, pool: &Pool) -> (Acc, Acc) {
    match check.width {
        Width::W32 => {
            let mask = if is_jset(check, pool) {
                u32::MAX
            } else {
                check.mask as u32
            };
            let acc = Acc::Word {
                offset: data::arg_lo(check.arg),
                mask,
            };
            (acc, acc)
        }
        // Passing ends on the high word; failing may stop at either word.
        Width::W64 => (
            Acc::Word {
                offset: data::arg_hi(check.arg),
                mask: (check.mask >> 32) as u32,
            },
            Acc::Unknown,
        ),
    }
}

/// Brings `offset & mask` into the accumulator, reusing what it holds when it can.
fn load(offset: u32, mask: u32, acc: Acc, ops: &mut Vec<Op>) {
    match acc {
        Acc::Word { offset: o, mask: m } if o == offset && m == mask => {}
        // (word & m) & mask == word & mask when mask only keeps bits m kept.
        Acc::Word { offset: o, mask: m } if o == offset && m & mask == mask => {
            ops.push(Op::Plain(Insn::and(mask)));
        }
        _ => {
            ops.push(Op::Plain(Insn::load(offset)));
            if mask != u32::MAX {
                ops.push(Op::Plain(Insn::and(mask)));
            }
        }
    }
}

/// Jumps to `pass` when the check holds, to `fail` otherwise.
fn emit_test(
    check: &Check,
    pool: &Pool,
    acc: Acc,
    pass: Label,
    fail: Label,
    fresh: &mut dyn FnMut() -> Label,
    ops: &mut Vec<Op>,
) {
    let lo_mask = check.mask as u32;
    match check.width {
        Width::W32 => {
            // `jset` tests masked bits without an `and`: `x & m == 0` is "no bit of m set",
            // and for one bit `x & b == b` is "b set".
            let values = pool.get(check.values);
            if is_jset(check, pool) {
                load(data::arg_lo(check.arg), u32::MAX, acc, ops);
                let (jt, jf) = if values == [0] {
                    (fail, pass)
                } else {
                    (pass, fail)
                };
                ops.push(Op::Jump {
                    code: JMP_JSET_K,
                    k: lo_mask,
                    jt,
                    jf,
                });
                return;
            }
            load(data::arg_lo(check.arg), lo_mask, acc, ops);
            emit_membership(values, pass, fail, fresh, ops);
        }
        Width::W64 => {
            let hi_mask = (check.mask >> 32) as u32;
            let mut acc = acc;
            let values = pool.get(check.values);
            for (i, v) in values.iter().enumerate() {
                let last = i + 1 == values.len();
                let next_value = if last { fail } else { fresh() };
                let hi = fresh();
                load(data::arg_lo(check.arg), lo_mask, acc, ops);
                ops.push(Op::Jump {
                    code: JMP_JEQ_K,
                    k: *v as u32,
                    jt: hi,
                    jf: next_value,
                });
                ops.push(Op::Mark(hi));
                load(data::arg_hi(check.arg), hi_mask, Acc::Unknown, ops);
                ops.push(Op::Jump {
                    code: JMP_JEQ_K,
                    k: (*v >> 32) as u32,
                    jt: pass,
                    jf: next_value,
                });
                if !last {
                    ops.push(Op::Mark(next_value));
                }
                acc = Acc::Unknown;
            }
        }
    }
}

/// Jumps to `pass` when the accumulator is one of `values` (sorted), to `fail` otherwise,
/// testing runs of consecutive values as ranges.
fn emit_membership(
    values: &[u64],
    pass: Label,
    fail: Label,
    fresh: &mut dyn FnMut() -> Label,
    ops: &mut Vec<Op>,
) {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for v in values.iter().map(|v| *v as u32) {
        match runs.last_mut() {
            Some((_, end)) if end.checked_add(1) == Some(v) => *end = v,
            _ => runs.push((v, v)),
        }
    }
    for (i, (start, end)) in runs.iter().enumerate() {
        let next = if i + 1 == runs.len() { fail } else { fresh() };
        if start == end {
            ops.push(Op::Jump {
                code: JMP_JEQ_K,
                k: *start,
                jt: pass,
                jf: next,
            });
        } else if *start == 0 {
            ops.push(Op::Jump {
                code: JMP_JGT_K,
                k: *end,
                jt: next,
                jf: pass,
            });
        } else if *end == u32::MAX {
            ops.push(Op::Jump {
                code: JMP_JGE_K,
                k: *start,
                jt: pass,
                jf: next,
            });
        } else {
            let lower = fresh();
            ops.push(Op::Jump {
                code: JMP_JGT_K,
                k: *end,
                jt: next,
                jf: lower,
            });
            ops.push(Op::Mark(lower));
            // Below `start` and above every earlier run: in no run at all.
            ops.push(Op::Jump {
                code: JMP_JGE_K,
                k: *start,
                jt: pass,
                jf: fail,
            });
        }
        if next != fail {
            ops.push(Op::Mark(next));
        }
    }
}
