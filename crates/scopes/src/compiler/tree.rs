//! The dispatch on the system call number: a search tree over runs of numbers that share an
//! answer, as small as the compiler can make it while staying logarithmic.
//!
//! The number space is a sorted list of ranges, each with a destination. The compiler cuts
//! the list into segments; a balanced tree of `jge` splits picks the segment, and each
//! segment is decided by a short sweep that tests its few exceptional ranges one after
//! another and lets everything else fall to the segment's background destination.
//!
//! Any such tree has one split per segment boundary, so its size is the number of segments
//! minus one plus the sweeps; dynamic programming over the list finds the cutting that
//! minimises that sum, in time linear in the number of ranges (segments hold at most
//! [`MAX_EXCEPTIONS`] exceptions). Only `ld nr`, `jeq`, `jgt`, `jge` and `ja` are used, so
//! every path through the tree stays visible to the kernel's action cache.

use super::layout::{Label, Op};
use crate::bpf::{JMP_JEQ_K, JMP_JGE_K, JMP_JGT_K};

/// A range of numbers `start..=end` and where they go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Range {
    pub start: u32,
    pub end: u32,
    pub to: Label,
}

/// Where a sweep goes: real code, or a counter, so the cost the cutting minimises and the code
/// emitted come from the same function and cannot disagree.
trait Sink {
    fn push(&mut self, op: Op);
    fn fresh(&mut self) -> Label;
}

/// Counts instructions; labels do not matter.
struct Counter(usize, Label);

impl Sink for Counter {
    fn push(&mut self, op: Op) {
        self.0 += usize::from(!matches!(op, Op::Mark(_)));
    }
    fn fresh(&mut self) -> Label {
        self.1
    }
}

/// Emits code.
struct Emitter<'a>(&'a mut dyn FnMut() -> Label, &'a mut Vec<Op>);

impl Sink for Emitter<'_> {
    fn push(&mut self, op: Op) {
        self.1.push(op);
    }
    fn fresh(&mut self) -> Label {
        (self.0)()
    }
}

/// The most exceptions one sweep tests: bounds the path length of a leaf.
const MAX_EXCEPTIONS: usize = 3;

/// Emits the dispatch for `ranges` (sorted, contiguous, covering all of `u32`) with `nr` in
/// the accumulator.
pub(super) fn emit(ranges: &[Range], fresh: &mut dyn FnMut() -> Label, ops: &mut Vec<Op>) {
    let segments = cut(ranges);
    let root = entry(ranges, &segments, fresh);
    match root {
        Entry::Leaf(to) => ops.push(Op::Goto(to)),
        Entry::Code(_) => emit_segments(ranges, &segments, root, fresh, ops),
    }
}

/// A segment: `ranges[first..=last]` decided by a sweep with this background.
#[derive(Clone, Copy, Debug)]
struct Segment {
    first: usize,
    last: usize,
    background: Label,
}

/// Where a parent jumps to reach a run of segments.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Entry {
    /// Straight to a destination: the run is one segment with one destination.
    Leaf(Label),
    /// To code that starts at this label.
    Code(Label),
}

/// The cheapest cutting of `ranges` into segments.
fn cut(ranges: &[Range]) -> Vec<Segment> {
    let n = ranges.len();
    // best[j]: (cost of ranges[..j], where the last segment starts, its background)
    let mut best: Vec<(usize, usize, Label)> = vec![(0, 0, ranges[0].to); n + 1];
    // A segment with at most MAX_EXCEPTIONS exceptions spans at most this many ranges.
    let widest = 2 * MAX_EXCEPTIONS + 1;
    for j in 1..=n {
        let mut choice: Option<(usize, usize, Label)> = None;
        for i in j.saturating_sub(widest)..j {
            let Some((cost, background)) = cheapest_sweep(&ranges[i..j]) else {
                continue;
            };
            let total = best[i].0 + cost + usize::from(i > 0);
            if choice.is_none_or(|c| total < c.0) {
                choice = Some((total, i, background));
            }
        }
        // A single range is always a valid segment, so some choice exists.
        best[j] = choice.expect("a one-range segment always fits");
    }
    let mut segments = Vec::new();
    let mut j = n;
    while j > 0 {
        let (_, i, background) = best[j];
        segments.push(Segment {
            first: i,
            last: j - 1,
            background,
        });
        j = i;
    }
    segments.reverse();
    segments
}

/// The background that makes the sweep over `ranges` cheapest, and its cost; `None` when
/// every choice has too many exceptions.
fn cheapest_sweep(ranges: &[Range]) -> Option<(usize, Label)> {
    let mut best: Option<(usize, Label)> = None;
    for (i, r) in ranges.iter().enumerate() {
        if ranges[..i].iter().any(|earlier| earlier.to == r.to) {
            continue; // this background was already tried
        }
        // Too few ranges go there: the sweep would refuse (a cheap test first, since the
        // search tries every window of every cut).
        let exceptions = ranges.iter().filter(|other| other.to != r.to).count();
        if exceptions > MAX_EXCEPTIONS {
            continue;
        }
        let mut counter = Counter(0, r.to);
        if sweep(ranges, r.to, &mut counter) {
            let cost = counter.0;
            if best.is_none_or(|b| cost < b.0) {
                best = Some((cost, r.to));
            }
        }
    }
    best
}

/// Decides `ranges` (bounds known: nothing outside them reaches here) by testing the ranges
/// that do not go to `background` in order. Returns false, emitting nothing, when there are
/// more than [`MAX_EXCEPTIONS`] of them.
fn sweep(ranges: &[Range], background: Label, out: &mut impl Sink) -> bool {
    let exceptions = ranges.iter().filter(|r| r.to != background).count();
    if exceptions > MAX_EXCEPTIONS {
        return false;
    }
    let (mut lo, hi) = (ranges[0].start, ranges[ranges.len() - 1].end);
    let mut left = exceptions;
    for (i, &Range { start, end, to }) in ranges.iter().enumerate() {
        if to == background {
            continue;
        }
        left -= 1;
        let last = left == 0;
        // Where to go when the number is above this exception: if everything after it in the
        // segment has one destination, straight there; else on to the next test.
        let rest = &ranges[i + 1..];
        let uniform_rest = rest
            .first()
            .map(|r| r.to)
            .filter(|to| rest.iter().all(|r| r.to == *to));
        if start <= lo {
            // Everything below `start` was decided already: one test splits this range off.
            let next = match uniform_rest {
                Some(to) => to,
                None if last => background,
                None => out.fresh(),
            };
            out.push(Op::Jump {
                code: JMP_JGT_K,
                k: end,
                jt: next,
                jf: to,
            });
            if uniform_rest.is_some() || last {
                break;
            }
            out.push(Op::Mark(next));
            lo = end + 1;
            continue;
        }
        let next = if last { background } else { out.fresh() };
        if end >= hi {
            out.push(Op::Jump {
                code: JMP_JGE_K,
                k: start,
                jt: to,
                jf: next,
            });
        } else if start == end {
            out.push(Op::Jump {
                code: JMP_JEQ_K,
                k: start,
                jt: to,
                jf: next,
            });
        } else {
            let lower = out.fresh();
            out.push(Op::Jump {
                code: JMP_JGT_K,
                k: end,
                jt: next,
                jf: lower,
            });
            out.push(Op::Mark(lower));
            // Below `start`: after the earlier exceptions, only the background is left.
            out.push(Op::Jump {
                code: JMP_JGE_K,
                k: start,
                jt: to,
                jf: background,
            });
            lo = end + 1;
        }
        if last {
            break;
        }
        out.push(Op::Mark(next));
    }
    true
}

/// Where code for `segments` starts, for the parent's jump.
fn entry(ranges: &[Range], segments: &[Segment], fresh: &mut dyn FnMut() -> Label) -> Entry {
    match segments {
        [s] if ranges[s.first..=s.last]
            .iter()
            .all(|r| r.to == s.background) =>
        {
            Entry::Leaf(s.background)
        }
        _ => Entry::Code(fresh()),
    }
}

/// Emits the code for `segments`, which starts at `at`: a balanced `jge` split, or a sweep.
fn emit_segments(
    ranges: &[Range],
    segments: &[Segment],
    at: Entry,
    fresh: &mut dyn FnMut() -> Label,
    ops: &mut Vec<Op>,
) {
    let Entry::Code(label) = at else { return };
    ops.push(Op::Mark(label));
    if let [s] = segments {
        let fits = sweep(
            &ranges[s.first..=s.last],
            s.background,
            &mut Emitter(fresh, ops),
        );
        debug_assert!(fits, "segments are cut to fit a sweep");
        return;
    }
    let (left, right) = segments.split_at(segments.len() / 2);
    let (left_at, right_at) = (entry(ranges, left, fresh), entry(ranges, right, fresh));
    let target = |e: Entry| match e {
        Entry::Leaf(l) | Entry::Code(l) => l,
    };
    let split = ranges[right[0].first].start;
    ops.push(Op::Jump {
        code: JMP_JGE_K,
        k: split,
        jt: target(right_at),
        jf: target(left_at),
    });
    emit_segments(ranges, left, left_at, fresh, ops);
    emit_segments(ranges, right, right_at, fresh, ops);
}
