//! The smallest promise set that satisfies every observed call: a minimum hitting set, where
//! each call offers a few alternative promise sets and the answer must contain one of each.
//!
//! Most calls have a single alternative, which is simply taken; the rest are searched by
//! branch and bound (the inputs are a few dozen distinct requirements over 27 promises, so the
//! search is small). Among sets of the same size the narrowest wins, "narrow" being measured
//! on the table itself ([`breadth`]): `tmppath` before `wpath` for a file in /tmp, `getpw`
//! before `unix` for glibc's nscd probe.

use crate::policy::paths::PATH_GRANTS;
use crate::policy::table::RULES;
use crate::policy::Needs;
use crate::{Promise, Promises};

/// How much a promise allows, read from the table: the number of system calls its rules
/// name, plus a large weight for each unlimited (`/`) path grant.
pub fn breadth(p: Promise) -> u32 {
    let mentions = |n: &Needs| matches!(n, Needs::All(ps) | Needs::Any(ps) if ps.contains(&p));
    let calls: usize = RULES
        .iter()
        .filter(|r| mentions(&r.needs))
        .map(|r| r.syscalls.len())
        .sum();
    let unlimited = PATH_GRANTS
        .iter()
        .filter(|g| g.unlimited() && mentions(&g.needs))
        .count();
    calls as u32 + 100 * unlimited as u32
}

/// The cost a solution is ranked by: fewest promises, then least breadth, then canonical
/// order (so the answer is deterministic).
fn cost(set: Promises) -> (u32, u32, u32) {
    (
        set.iter().count() as u32,
        set.iter().map(breadth).sum(),
        set.bits(),
    )
}

/// The cheapest set containing at least one alternative of every requirement. Requirements
/// without alternatives (nothing satisfies them) are ignored.
///
/// ```
/// use scopes::{learn::minimum_hitting_set, Promises};
/// let p = |s: &str| s.parse::<Promises>().unwrap();
/// let reqs = vec![
///     vec![p("stdio")],
///     vec![p("rpath"), p("tmppath")],  // read a file in /tmp
///     vec![p("rpath"), p("getpw")],    // read /etc/passwd
/// ];
/// assert_eq!(minimum_hitting_set(&reqs), p("stdio rpath"));
/// ```
pub fn minimum_hitting_set(requirements: &[Vec<Promises>]) -> Promises {
    let mut reqs: Vec<&Vec<Promises>> = requirements.iter().filter(|r| !r.is_empty()).collect();
    reqs.sort_by_key(|r| r.len());
    reqs.dedup();
    // Forced choices first: a requirement with one alternative leaves no choice.
    let mut base = Promises::EMPTY;
    for r in reqs.iter().filter(|r| r.len() == 1) {
        base = base.union(&r[0]);
    }
    let open: Vec<&Vec<Promises>> = reqs.into_iter().filter(|r| !satisfied(r, base)).collect();
    let mut best: Option<Promises> = None;
    search(&open, base, &mut best);
    best.unwrap_or(base)
}

fn satisfied(alternatives: &[Promises], set: Promises) -> bool {
    alternatives.iter().any(|a| a.is_subset(&set))
}

fn search(open: &[&Vec<Promises>], chosen: Promises, best: &mut Option<Promises>) {
    if best.is_some_and(|b| cost(chosen) >= cost(b)) {
        return; // costs only grow as promises are added
    }
    let Some(next) = open.iter().find(|r| !satisfied(r, chosen)) else {
        *best = Some(chosen);
        return;
    };
    for alt in next.iter() {
        search(open, chosen.union(alt), best);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Promises {
        s.parse().unwrap()
    }

    #[test]
    fn forced_choices_are_taken_and_the_rest_searched() {
        assert_eq!(minimum_hitting_set(&[]), Promises::EMPTY);
        assert_eq!(minimum_hitting_set(&[vec![], vec![p("stdio")]]), p("stdio"));
        // {inet} alone hits both; {dns} and {unix} would need two.
        let reqs = vec![vec![p("dns"), p("inet")], vec![p("inet"), p("unix")]];
        assert_eq!(minimum_hitting_set(&reqs), p("inet"));
        // Multi-promise alternatives: O_RDWR|O_CREAT outside /tmp.
        let reqs = vec![vec![p("rpath wpath cpath")], vec![p("rpath"), p("getpw")]];
        assert_eq!(minimum_hitting_set(&reqs), p("rpath wpath cpath"));
    }

    #[test]
    fn the_narrower_of_equal_sizes_wins() {
        assert!(breadth(Promise::Tmppath) < breadth(Promise::Wpath));
        assert!(breadth(Promise::Getpw) < breadth(Promise::Unix));
        assert_eq!(
            minimum_hitting_set(&[vec![p("wpath"), p("tmppath")]]),
            p("tmppath")
        );
        assert_eq!(
            minimum_hitting_set(&[vec![p("unix"), p("dns"), p("getpw")]]),
            p("getpw")
        );
    }

    #[test]
    fn the_answer_is_minimum_against_brute_force() {
        // Every subset of eight promises, against a handful of requirement lists.
        let pool = [
            "stdio", "rpath", "wpath", "cpath", "tmppath", "inet", "dns", "unix",
        ];
        let cases: Vec<Vec<Vec<Promises>>> = vec![
            vec![
                vec![p("rpath"), p("tmppath")],
                vec![p("wpath cpath"), p("tmppath")],
                vec![p("stdio")],
            ],
            vec![
                vec![p("inet"), p("dns")],
                vec![p("unix"), p("dns")],
                vec![p("rpath wpath")],
            ],
            vec![
                vec![p("cpath"), p("tmppath")],
                vec![p("rpath"), p("dns")],
                vec![p("wpath"), p("unix")],
            ],
        ];
        for reqs in cases {
            let got = minimum_hitting_set(&reqs);
            assert!(
                reqs.iter().all(|r| satisfied(r, got)),
                "{got:?} misses one of {reqs:?}"
            );
            let smallest = (0u32..1 << pool.len())
                .map(|mask| {
                    pool.iter()
                        .enumerate()
                        .filter(|(i, _)| mask & (1 << i) != 0)
                        .map(|(_, w)| p(w))
                        .fold(Promises::EMPTY, |a, b| a.union(&b))
                })
                .filter(|s| reqs.iter().all(|r| satisfied(r, *s)))
                .map(|s| s.iter().count())
                .min()
                .unwrap();
            assert_eq!(got.iter().count(), smallest, "{reqs:?}");
        }
    }
}
