//! Which rules of the table apply to each system call of an arch, under one promise set.
//!
//! The table names system calls; the arch table numbers them. pledge() compiles in fresh
//! processes, so this lookup is rebuilt on every compile and has to be cheap: one fixed-size
//! open-addressing table of names, then the rules the promises satisfy, grouped by system
//! call. No allocation per name, and nothing global: a global cache being filled by another
//! thread at fork would leave the child waiting on it for ever.

use crate::policy::table;
use crate::{Arch, Promises};

/// Slots of the name table: a power of two at least twice the largest arch table.
const SLOTS: usize = 1024;

/// The arch's system call names, for finding a name's position in `arch.syscalls()`.
struct Names {
    syscalls: crate::arch::Syscalls,
    /// Position + 1 in `syscalls`; 0 is an empty slot.
    slots: [u16; SLOTS],
}

impl Names {
    fn new(arch: Arch) -> Names {
        let syscalls = arch.syscalls();
        assert!(2 * syscalls.len() <= SLOTS, "the name table is too small");
        let mut names = Names {
            syscalls,
            slots: [0; SLOTS],
        };
        for (position, (name, _)) in syscalls.iter().enumerate() {
            let mut slot = hash(name);
            while names.slots[slot] != 0 {
                slot = (slot + 1) % SLOTS;
            }
            names.slots[slot] = position as u16 + 1;
        }
        names
    }

    /// The position of `name` in the arch table, if the arch has it.
    fn position(&self, name: &str) -> Option<usize> {
        let mut slot = hash(name);
        loop {
            let position = usize::from(self.slots[slot]).checked_sub(1)?;
            if self.syscalls.get(position).0 == name {
                return Some(position);
            }
            slot = (slot + 1) % SLOTS;
        }
    }
}

/// FNV-1a, reduced to a slot.
fn hash(name: &str) -> usize {
    let h = name.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    (h ^ (h >> 16)) as usize % SLOTS
}

/// For every system call of the arch (by position in `arch.syscalls()`), the table rules that
/// apply under the promises, in table order, and whether it is one of the fallback calls that
/// answer ENOSYS when nothing allows them.
pub(super) struct RuleIndex {
    /// Rule indices grouped by position, each group in table order.
    rules: Vec<u16>,
    /// Where each position's group starts in `rules` (one more entry, for the end).
    starts: Vec<u16>,
    fallback: Vec<bool>,
}

impl RuleIndex {
    pub fn new(arch: Arch, promises: Promises, reporting: bool) -> RuleIndex {
        let names = Names::new(arch);
        let calls = names.syscalls.len();
        let mut pairs: Vec<(u16, u16)> = Vec::with_capacity(1024);
        for (i, rule) in table::RULES.iter().enumerate() {
            if !rule.needs.satisfied_by(promises, reporting) {
                continue;
            }
            for name in rule.syscalls {
                if let Some(position) = names.position(name) {
                    pairs.push((position as u16, i as u16));
                }
            }
        }
        // Grouped by position with a counting sort: linear, and stable, so each group keeps
        // the table order the pairs were pushed in (a comparison sort was a tenth of a compile).
        let mut starts = vec![0u16; calls + 1];
        for &(position, _) in &pairs {
            starts[usize::from(position) + 1] += 1;
        }
        for i in 1..=calls {
            starts[i] += starts[i - 1];
        }
        let mut next = starts.clone();
        let mut rules = vec![0u16; pairs.len()];
        for &(position, rule) in &pairs {
            let slot = &mut next[usize::from(position)];
            rules[usize::from(*slot)] = rule;
            *slot += 1;
        }
        let mut fallback = vec![false; calls];
        for name in table::FALLBACK_ENOSYS {
            if let Some(position) = names.position(name) {
                fallback[position] = true;
            }
        }
        RuleIndex {
            rules,
            starts,
            fallback,
        }
    }

    /// The rules for the call at `position` (table indices, in table order) and whether it
    /// falls back to ENOSYS.
    pub fn rules(&self, position: usize) -> (impl Iterator<Item = usize> + '_, bool) {
        let group = usize::from(self.starts[position])..usize::from(self.starts[position + 1]);
        (
            self.rules[group].iter().map(|&rule| usize::from(rule)),
            self.fallback[position],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index agrees with a plain scan of the table, for every call of every arch.
    #[test]
    fn agrees_with_a_scan_of_the_table() {
        for arch in Arch::ALL {
            // Every promise at once too: a rule that named a call twice would show up twice.
            let sets = ["", "stdio", "stdio rpath inet proc exec", "stdio error"]
                .map(|words| words.parse::<Promises>().unwrap());
            for promises in sets.into_iter().chain([Promises::all()]) {
                for reporting in [false, true] {
                    let index = RuleIndex::new(*arch, promises, reporting);
                    for (position, (name, _)) in arch.syscalls().iter().enumerate() {
                        let (rules, fallback) = index.rules(position);
                        let expected: Vec<usize> = table::RULES
                            .iter()
                            .enumerate()
                            .filter(|(_, r)| r.syscalls.contains(&name))
                            .filter(|(_, r)| r.needs.satisfied_by(promises, reporting))
                            .map(|(i, _)| i)
                            .collect();
                        assert_eq!(rules.collect::<Vec<_>>(), expected, "{arch} {name}");
                        assert_eq!(fallback, table::FALLBACK_ENOSYS.contains(&name));
                    }
                }
            }
        }
    }
}
