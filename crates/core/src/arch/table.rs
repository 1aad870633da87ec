//! How an architecture's system call table is stored: one string of names and two arrays of
//! numbers, holding no pointers. A table of `&str` would need a load-time relocation for every
//! name, and the loader writes (and so copies) every page holding one, in each process that
//! loads this code: for three arches, six pages faulted in at every start of the `pledge`
//! command and of every program linking the library.

/// One architecture's system calls, sorted by number. Cheap to copy.
///
/// ```
/// let table = scopes_core::Arch::X86_64.syscalls();
/// assert!(table.len() > 300 && !table.is_empty());
/// assert_eq!(table.position_of(257).map(|i| table.get(i)), Some(("openat", 257)));
/// assert!(table.iter().all(|(name, _)| !name.is_empty()));
/// assert!(table.last().unwrap().1 >= 435); // clone3 and later
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Syscalls {
    /// Every name, each followed by a NUL.
    names: &'static str,
    /// Where each name starts in `names`.
    starts: &'static [u16],
    numbers: &'static [u16],
}

impl Syscalls {
    pub(super) const fn new(
        names: &'static str,
        starts: &'static [u16],
        numbers: &'static [u16],
    ) -> Syscalls {
        Syscalls {
            names,
            starts,
            numbers,
        }
    }

    /// How many system calls the table holds.
    pub const fn len(&self) -> usize {
        self.numbers.len()
    }

    /// Whether the table is empty (never, for a supported arch).
    pub fn is_empty(&self) -> bool {
        self.numbers.is_empty()
    }

    /// The name and number of the call at `position` (in number order).
    ///
    /// ```
    /// assert_eq!(scopes_core::Arch::X86_64.syscalls().get(0), ("read", 0));
    /// ```
    pub fn get(&self, position: usize) -> (&'static str, u32) {
        let start = usize::from(self.starts[position]);
        // The next name's start, or the end, less the NUL.
        let end = self
            .starts
            .get(position + 1)
            .map_or(self.names.len(), |next| usize::from(*next))
            - 1;
        (&self.names[start..end], u32::from(self.numbers[position]))
    }

    /// The name of the call at `position`, as bytes: [`Syscalls::get`] for constant
    /// evaluation, where slicing a `str` is not available.
    pub(crate) const fn name_bytes(&self, position: usize) -> &'static [u8] {
        let names = self.names.as_bytes();
        let start = self.starts[position] as usize;
        let end = if position + 1 < self.starts.len() {
            self.starts[position + 1] as usize
        } else {
            names.len()
        } - 1;
        let (_, from_start) = names.split_at(start);
        from_start.split_at(end - start).0
    }

    /// The call with the highest number.
    pub fn last(&self) -> Option<(&'static str, u32)> {
        self.len().checked_sub(1).map(|last| self.get(last))
    }

    /// The position of number `nr`, if the arch has it.
    pub fn position_of(&self, nr: u32) -> Option<usize> {
        let nr = u16::try_from(nr).ok()?;
        self.numbers.binary_search(&nr).ok()
    }

    /// (name, number) of every call, in number order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&'static str, u32)> {
        let table = *self;
        (0..self.len()).map(move |position| table.get(position))
    }
}

impl IntoIterator for Syscalls {
    type Item = (&'static str, u32);
    type IntoIter = Box<dyn ExactSizeIterator<Item = (&'static str, u32)>>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// Where each NUL-terminated name of `names` starts (`N` names).
pub(super) const fn starts<const N: usize>(names: &str) -> [u16; N] {
    let bytes = names.as_bytes();
    let mut starts = [0u16; N];
    let (mut i, mut next) = (0, 1);
    while i < bytes.len() && next < N {
        if bytes[i] == 0 {
            starts[next] = (i + 1) as u16;
            next += 1;
        }
        i += 1;
    }
    starts
}

/// Defines `NAMES`, `NUMBERS` and `STARTS` for an arch's module from `("name", number),`
/// lines.
macro_rules! syscall_table {
    ($(($name:literal, $nr:literal)),* $(,)?) => {
        const NAMES: &str = concat!($($name, "\0"),*);
        const _: () = assert!(NAMES.len() <= u16::MAX as usize, "name offsets are u16");
        const NUMBERS: &[u16] = &[$($nr),*];
        const STARTS: [u16; NUMBERS.len()] = super::table::starts::<{ NUMBERS.len() }>(NAMES);
        pub(crate) const SYSCALLS: super::table::Syscalls =
            super::table::Syscalls::new(NAMES, &STARTS, NUMBERS);
    };
}
pub(super) use syscall_table;
