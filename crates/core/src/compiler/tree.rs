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
    // best[j]: (cost of ranges[..j], where the last segment starts, its background); u32 keeps
    // the table small (fewer fresh pages to fault in, in a fresh process).
    let mut best: Vec<(u32, u32, Label)> = vec![(0, 0, ranges[0].to); n + 1];
    // Where the run of equal destinations that ends at ranges[j - 1] starts.
    let mut tail = 0;
    for j in 1..=n {
        if j >= 2 && ranges[j - 1].to != ranges[j - 2].to {
            tail = j - 1;
        }
        // Segments ending at j, widened one range at a time to the left; the smallest start
        // wins a tie, as the first background tried does.
        let mut window = Window::new();
        let mut choice: Option<(usize, usize, Label)> = None;
        for i in (0..j).rev() {
            if !window.widen(ranges[i].to, i) {
                break; // every wider segment has too many exceptions too
            }
            // A sweep costs at least one instruction per exception: backgrounds that cannot
            // reach the best total so far are not even costed.
            let before = best[i].0 as usize + usize::from(i > 0);
            let budget = choice.map_or(usize::MAX, |c| c.0.saturating_sub(before));
            let uniform_tail = tail.max(i) - i;
            let Some((cost, background)) =
                window.cheapest_sweep(&ranges[i..j], uniform_tail, budget)
            else {
                continue;
            };
            let total = before + cost;
            if choice.is_none_or(|c| total <= c.0) {
                choice = Some((total, i, background));
            }
        }
        // A single range is always a valid segment, so some choice exists.
        let (total, i, background) = choice.expect("a one-range segment always fits");
        best[j] = (total as u32, i as u32, background);
    }
    let mut segments = Vec::new();
    let mut j = n;
    while j > 0 {
        let (_, i, background) = best[j];
        let i = i as usize;
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

/// The destinations of a window of ranges growing to the left: how many ranges go to each,
/// and where each first appears. Fixed-size, since the search makes one per range.
struct Window {
    /// (destination, ranges going there, index of the leftmost); `len` in use.
    counts: [(Label, usize, usize); WIDEST],
    len: usize,
    width: usize,
}

/// The widest window that can still have a background: neighbouring ranges differ, so a
/// destination holds at most every other range, and the others are exceptions.
const WIDEST: usize = 2 * MAX_EXCEPTIONS + 1;

impl Window {
    fn new() -> Window {
        Window {
            counts: [(Label(0), 0, 0); WIDEST],
            len: 0,
            width: 0,
        }
    }

    /// Adds the range at `index` (left of all others). False when no destination can be the
    /// background any more: a wider window only adds exceptions, so the caller stops there.
    fn widen(&mut self, to: Label, index: usize) -> bool {
        if self.width == WIDEST {
            return false;
        }
        self.width += 1;
        let counts = &mut self.counts[..self.len];
        match counts.iter_mut().find(|c| c.0 == to) {
            Some(c) => {
                c.1 += 1;
                c.2 = index;
            }
            None => {
                self.counts[self.len] = (to, 1, index);
                self.len += 1;
            }
        }
        self.counts[..self.len]
            .iter()
            .any(|c| self.width - c.1 <= MAX_EXCEPTIONS)
    }

    /// The background that makes the sweep over `ranges` (this window) cheapest, and its
    /// cost; on a tie the one whose first range comes first. Backgrounds with more
    /// exceptions than `budget` are skipped (they would cost more). `None` when every choice
    /// has too many exceptions. `ranges[uniform_tail..]` is the window's last run of one
    /// destination.
    fn cheapest_sweep(
        &self,
        ranges: &[Range],
        uniform_tail: usize,
        budget: usize,
    ) -> Option<(usize, Label)> {
        let mut best: Option<(usize, usize, Label)> = None; // (cost, first index, background)
        for &(to, count, first) in &self.counts[..self.len] {
            let exceptions = self.width - count;
            if exceptions > MAX_EXCEPTIONS || exceptions > budget {
                continue;
            }
            let cost = sweep_cost(ranges, to, exceptions, uniform_tail);
            if best.is_none_or(|(c, f, _)| (cost, first) < (c, f)) {
                best = Some((cost, first, to));
            }
        }
        best.map(|(cost, _, to)| (cost, to))
    }
}

/// How many instructions [`sweep`] emits for `ranges` with this background and number of
/// exceptions (at most [`MAX_EXCEPTIONS`]), without emitting them: the search asks this for
/// every window of every cut. `ranges[uniform_tail..]` is the last run of one destination
/// (the search knows it, where finding it here would cost a scan per exception). A test
/// checks that it agrees with `sweep`.
fn sweep_cost(
    ranges: &[Range],
    background: Label,
    exceptions: usize,
    uniform_tail: usize,
) -> usize {
    let (mut lo, hi) = (ranges[0].start, ranges[ranges.len() - 1].end);
    let (mut left, mut cost) = (exceptions, 0);
    for (i, r) in ranges.iter().enumerate() {
        if r.to == background {
            continue;
        }
        left -= 1;
        let uniform_rest = i + 1 < ranges.len() && i + 1 >= uniform_tail;
        if r.start <= lo {
            // One `jgt` splits it off; a uniform rest ends the sweep there.
            cost += 1;
            if left == 0 || uniform_rest {
                break;
            }
            lo = r.end + 1;
        } else {
            // One `jge` or `jeq` (numbers below it stay undecided), or `jgt` then `jge`. Chosen
            // without a jump: which holds follows no pattern the branch predictor learns, and
            // this runs for every window the search tries.
            let split = r.end < hi && r.start != r.end;
            cost += 1 + usize::from(split);
            lo = if split { r.end + 1 } else { lo };
        }
        if left == 0 {
            break;
        }
    }
    cost
}

/// Decides `ranges` (bounds known: nothing outside them reaches here) by testing the ranges
/// that do not go to `background` in order. Returns false, emitting nothing, when there are
/// more than [`MAX_EXCEPTIONS`] of them.
fn sweep(
    ranges: &[Range],
    background: Label,
    fresh: &mut dyn FnMut() -> Label,
    ops: &mut Vec<Op>,
) -> bool {
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
                None => fresh(),
            };
            ops.push(Op::Jump {
                code: JMP_JGT_K,
                k: end,
                jt: next,
                jf: to,
            });
            if uniform_rest.is_some() || last {
                break;
            }
            ops.push(Op::Mark(next));
            lo = end + 1;
            continue;
        }
        let next = if last { background } else { fresh() };
        if end >= hi {
            ops.push(Op::Jump {
                code: JMP_JGE_K,
                k: start,
                jt: to,
                jf: next,
            });
        } else if start == end {
            ops.push(Op::Jump {
                code: JMP_JEQ_K,
                k: start,
                jt: to,
                jf: next,
            });
        } else {
            let lower = fresh();
            ops.push(Op::Jump {
                code: JMP_JGT_K,
                k: end,
                jt: next,
                jf: lower,
            });
            ops.push(Op::Mark(lower));
            // Below `start`: after the earlier exceptions, only the background is left.
            ops.push(Op::Jump {
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
        ops.push(Op::Mark(next));
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
        let fits = sweep(&ranges[s.first..=s.last], s.background, fresh, ops);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every list of up to seven ranges over three destinations, neighbours different, with
    /// single numbers and wider ranges alternating either way round; each also once more
    /// running to the top of the number space, as the dispatch's last range does.
    fn windows() -> Vec<Vec<Range>> {
        let mut all = Vec::new();
        for (len, phase) in (1..=WIDEST).flat_map(|len| [(len, 0), (len, 1)]) {
            for code in 0..3usize.pow(len as u32) {
                let to: Vec<u32> = (0..len)
                    .map(|i| (code / 3usize.pow(i as u32) % 3) as u32)
                    .collect();
                if to.windows(2).any(|w| w[0] == w[1]) {
                    continue;
                }
                let mut start = 10;
                let ranges = to
                    .iter()
                    .enumerate()
                    .map(|(i, &t)| {
                        let width = if (i + phase) % 2 == 0 { 1 } else { 5 };
                        let r = Range {
                            start,
                            end: start + width - 1,
                            to: Label(t),
                        };
                        start += width;
                        r
                    })
                    .collect::<Vec<_>>();
                let mut to_the_top = ranges.clone();
                to_the_top.last_mut().expect("not empty").end = u32::MAX;
                all.push(ranges);
                all.push(to_the_top);
            }
        }
        all
    }

    #[test]
    fn sweep_cost_counts_what_sweep_emits() {
        for ranges in windows() {
            for background in 0..3 {
                let background = Label(background);
                let exceptions = ranges.iter().filter(|r| r.to != background).count();
                let (mut ops, mut next) = (Vec::new(), 100);
                let mut fresh = || {
                    next += 1;
                    Label(next)
                };
                let fits = sweep(&ranges, background, &mut fresh, &mut ops);
                assert_eq!(fits, exceptions <= MAX_EXCEPTIONS, "{ranges:?}");
                if fits {
                    let emitted = ops.iter().filter(|op| !matches!(op, Op::Mark(_))).count();
                    let tail = (1..ranges.len())
                        .rev()
                        .find(|&k| ranges[k - 1].to != ranges[k].to)
                        .unwrap_or(0);
                    assert_eq!(
                        sweep_cost(&ranges, background, exceptions, tail),
                        emitted,
                        "{ranges:?} background {background:?}"
                    );
                }
            }
        }
    }
}
