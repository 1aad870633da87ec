//! What is measured: the filter configurations and the operations.

use scopes::bpf::{ret, Insn};
use scopes::{Pledge, Promises};

/// A filter configuration a child process runs under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Config {
    /// No filter at all: the physical limit.
    NoFilter,
    /// One `ret ALLOW` instruction: the kernel's fixed cost of having a filter.
    Floor,
    /// This project's pledge for the named set, stacked `depth` times.
    Pledge { set: &'static str, depth: u32 },
}

/// The promise sets measured.
pub const SETS: [&str; 3] = ["stdio", "stdio rpath", "all"];

/// Stacking depths measured.
pub const DEPTHS: [u32; 4] = [1, 2, 4, 8];

impl Config {
    /// Every configuration, in report order.
    pub fn all() -> Vec<Config> {
        let mut v = vec![Config::NoFilter, Config::Floor];
        for set in SETS {
            for depth in DEPTHS {
                v.push(Config::Pledge { set, depth });
            }
        }
        v
    }

    /// A short name for tables.
    pub fn name(&self) -> String {
        match self {
            Config::NoFilter => "no filter".into(),
            Config::Floor => "floor (ret ALLOW)".into(),
            Config::Pledge { set, depth: 1 } => set.to_string(),
            Config::Pledge { set, depth } => format!("{set} ×{depth}"),
        }
    }

    /// Whether this configuration's promises allow `op` (opening files needs rpath).
    pub fn allows(&self, op: Op) -> bool {
        !matches!(
            (self, op),
            (Config::Pledge { set: "stdio", .. }, Op::OpenClose)
        )
    }

    /// Installs this configuration in the calling (child) process. The first layer is a real
    /// `pledge()` through the library (its filter, its SIGSYS report handler, its Landlock
    /// layer); further layers install the same compiled filter again, as repeated narrowing
    /// pledges would.
    pub fn install(&self) -> Result<(), String> {
        match self {
            Config::NoFilter => Ok(()),
            Config::Floor => {
                crate::sys::no_new_privs().map_err(|e| format!("no_new_privs: {e}"))?;
                crate::sys::install_filter(&[Insn::ret(ret::ALLOW)])
                    .map_err(|e| format!("seccomp: {e}"))
            }
            Config::Pledge { set, depth } => {
                let promises = promises(set);
                let pledge = Pledge::new().promises(promises);
                let prog = pledge.filter();
                pledge
                    .apply()
                    .map_err(|e| format!("pledge(\"{set}\"): {e}"))?;
                for _ in 1..*depth {
                    crate::sys::install_filter(&prog)
                        .map_err(|e| format!("seccomp (stacked): {e}"))?;
                }
                Ok(())
            }
        }
    }
}

/// The promises a set name stands for.
pub fn promises(set: &str) -> Promises {
    if set == "all" {
        Promises::all()
    } else {
        set.parse().expect("benchmark promise sets are valid")
    }
}

/// A measured operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `getppid()`: allowed without conditions.
    Getppid,
    /// 1-byte `read()` of /dev/zero: allowed without conditions.
    Read,
    /// `fcntl(F_GETFL)`: argument-checked under stdio.
    Fcntl,
    /// `ioctl(FIONREAD)` on a pipe: argument-checked under stdio.
    Ioctl,
    /// `mmap` + `munmap` of 4 KiB: mmap is argument-checked (no PROT_EXEC).
    MmapMunmap,
    /// `openat` + `close` of /dev/null: openat is argument-checked under rpath.
    OpenClose,
}

impl Op {
    /// Every operation, in report order.
    pub const ALL: [Op; 6] = [
        Op::Getppid,
        Op::Read,
        Op::Fcntl,
        Op::Ioctl,
        Op::MmapMunmap,
        Op::OpenClose,
    ];

    /// The name in tables.
    pub fn name(self) -> &'static str {
        match self {
            Op::Getppid => "getppid",
            Op::Read => "read 1 B /dev/zero",
            Op::Fcntl => "fcntl(F_GETFL)",
            Op::Ioctl => "ioctl(FIONREAD)",
            Op::MmapMunmap => "mmap+munmap 4 KiB",
            Op::OpenClose => "openat+close /dev/null",
        }
    }

    /// The system call whose filter path matters, for path-length columns.
    pub fn syscall(self) -> &'static str {
        match self {
            Op::Getppid => "getppid",
            Op::Read => "read",
            Op::Fcntl => "fcntl",
            Op::Ioctl => "ioctl",
            Op::MmapMunmap => "mmap",
            Op::OpenClose => "openat",
        }
    }

    /// Iterations per timed block (about 3–6 ms each on the reference machine).
    pub fn iterations(self) -> u32 {
        match self {
            Op::Getppid | Op::Read | Op::Fcntl | Op::Ioctl => 20_000,
            Op::MmapMunmap => 1_000,
            Op::OpenClose => 1_500,
        }
    }

    /// The index used on the command pipe.
    pub fn index(self) -> u32 {
        Op::ALL.iter().position(|o| *o == self).unwrap() as u32
    }
}
