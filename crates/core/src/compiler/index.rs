//! Which rules of the table apply to each system call of an arch, under one promise set.
//!
//! The table names system calls; the arch table numbers them. Where each name sits in each
//! arch table is worked out while this crate compiles ([`Positions`], constant evaluation over
//! the static tables): pledge() compiles in fresh processes, where building a hash table of
//! the arch's names and finding ~700 names in it took about 15 µs of a 130 µs compile. At run
//! time only the rules the promises satisfy are grouped by system call.
//! Nothing is built at run time and shared: a global cache being filled by another thread at
//! fork would leave the child waiting on it for ever.

use crate::policy::table::{self, RULES};
use crate::{Arch, Promises};

/// Slots of the name table: a power of two at least twice the largest arch table.
const SLOTS: usize = 1024;

/// A position no arch table reaches: the arch lacks the name.
const ABSENT: u16 = u16::MAX;

/// The arch's system call names, for finding a name's position in `arch.syscalls()`; used
/// only in constant evaluation.
struct Names {
    syscalls: crate::arch::Syscalls,
    /// Position + 1 in `syscalls`; 0 is an empty slot.
    slots: [u16; SLOTS],
}

impl Names {
    const fn new(arch: Arch) -> Names {
        let syscalls = arch.syscalls();
        assert!(2 * syscalls.len() <= SLOTS, "the name table is too small");
        let mut names = Names {
            syscalls,
            slots: [0; SLOTS],
        };
        let mut position = 0;
        while position < syscalls.len() {
            let mut slot = hash(syscalls.name_bytes(position));
            while names.slots[slot] != 0 {
                slot = (slot + 1) % SLOTS;
            }
            names.slots[slot] = position as u16 + 1;
            position += 1;
        }
        names
    }

    /// The position of `name` in the arch table, or [`ABSENT`].
    const fn position(&self, name: &str) -> u16 {
        let name = name.as_bytes();
        let mut slot = hash(name);
        loop {
            let entry = self.slots[slot];
            if entry == 0 {
                return ABSENT;
            }
            if same(self.syscalls.name_bytes(entry as usize - 1), name) {
                return entry - 1;
            }
            slot = (slot + 1) % SLOTS;
        }
    }
}

/// Byte-wise equality, which constant evaluation has no operator for.
const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// FNV-1a, reduced to a slot.
const fn hash(name: &[u8]) -> usize {
    let mut h = 0x811c_9dc5u32;
    let mut i = 0;
    while i < name.len() {
        h = (h ^ name[i] as u32).wrapping_mul(0x0100_0193);
        i += 1;
    }
    (h ^ (h >> 16)) as usize % SLOTS
}

/// How many names the rules of the table give, counting repeats.
const NAMED: usize = {
    let mut count = 0;
    let mut i = 0;
    while i < RULES.len() {
        count += RULES[i].syscalls.len();
        i += 1;
    }
    count
};

/// For one arch: the position of every name of the table's rules, rule after rule in table
/// order and each rule's names in order, and of every fallback call ([`ABSENT`] where the
/// arch lacks it).
struct Positions {
    named: [u16; NAMED],
    fallback: [u16; table::FALLBACK_ENOSYS.len()],
}

impl Positions {
    const fn new(arch: Arch) -> Positions {
        let names = Names::new(arch);
        let mut named = [ABSENT; NAMED];
        let (mut rule, mut next) = (0, 0);
        while rule < RULES.len() {
            let syscalls = RULES[rule].syscalls;
            let mut i = 0;
            while i < syscalls.len() {
                named[next] = names.position(syscalls[i]);
                next += 1;
                i += 1;
            }
            rule += 1;
        }
        let mut fallback = [ABSENT; table::FALLBACK_ENOSYS.len()];
        let mut i = 0;
        while i < fallback.len() {
            fallback[i] = names.position(table::FALLBACK_ENOSYS[i]);
            i += 1;
        }
        Positions { named, fallback }
    }

    fn of(arch: Arch) -> &'static Positions {
        static X86_64: Positions = Positions::new(Arch::X86_64);
        static AARCH64: Positions = Positions::new(Arch::Aarch64);
        static RISCV64: Positions = Positions::new(Arch::Riscv64);
        match arch {
            Arch::X86_64 => &X86_64,
            Arch::Aarch64 => &AARCH64,
            Arch::Riscv64 => &RISCV64,
        }
    }
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
        let known = Positions::of(arch);
        let calls = arch.syscalls().len();
        let mut pairs: Vec<(u16, u16)> = Vec::with_capacity(1024);
        let mut named = known.named.as_slice();
        for (i, rule) in RULES.iter().enumerate() {
            let (positions, rest) = named.split_at(rule.syscalls.len());
            named = rest;
            if !rule.needs.satisfied_by(promises, reporting) {
                continue;
            }
            for &position in positions.iter().filter(|&&p| p != ABSENT) {
                pairs.push((position, i as u16));
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
        for &position in known.fallback.iter().filter(|&&p| p != ABSENT) {
            fallback[usize::from(position)] = true;
        }
        RuleIndex {
            rules,
            starts,
            fallback,
        }
    }

    /// The rules for the call at `position` (table indices, in table order) and whether it
    /// falls back to ENOSYS.
    pub fn rules(&self, position: usize) -> (impl Iterator<Item = usize> + Clone + '_, bool) {
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
