//! Architectures: their audit identifiers and system call tables, kept apart per arch.

mod table;

mod aarch64;
mod riscv64;
mod x86_64;

pub use table::Syscalls;

use std::fmt;
use std::str::FromStr;

/// A CPU architecture a filter can be generated for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Arch {
    /// x86-64 (the native arch here). i386 and x32 system calls are killed.
    X86_64,
    /// 64-bit Arm. AArch32 (compat) system calls are killed.
    Aarch64,
    /// 64-bit RISC-V.
    Riscv64,
}

impl Arch {
    /// Every supported architecture.
    pub const ALL: &'static [Arch] = &[Arch::X86_64, Arch::Aarch64, Arch::Riscv64];

    /// The architecture this library was compiled for.
    ///
    /// ```
    /// # #[cfg(target_arch = "x86_64")]
    /// assert_eq!(scopes_core::Arch::native(), scopes_core::Arch::X86_64);
    /// ```
    pub fn native() -> Arch {
        #[cfg(target_arch = "x86_64")]
        return Arch::X86_64;
        #[cfg(target_arch = "aarch64")]
        return Arch::Aarch64;
        #[cfg(target_arch = "riscv64")]
        return Arch::Riscv64;
    }

    /// The `AUDIT_ARCH_*` value the kernel puts in `seccomp_data.arch`.
    pub fn audit_arch(self) -> u32 {
        match self {
            Arch::X86_64 => 0xC000_003E,
            Arch::Aarch64 => 0xC000_00B7,
            Arch::Riscv64 => 0xC000_00F3,
        }
    }

    /// The name used on the command line and in OCI profiles' architecture lists.
    pub fn name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Aarch64 => "aarch64",
            Arch::Riscv64 => "riscv64",
        }
    }

    /// Numbers at or above this are not native calls (x32 on x86_64) and are killed.
    pub fn foreign_nr_base(self) -> Option<u32> {
        match self {
            Arch::X86_64 => Some(0x4000_0000),
            _ => None,
        }
    }

    /// Every system call of this arch, sorted by number.
    ///
    /// ```
    /// let table = scopes_core::Arch::Aarch64.syscalls();
    /// assert_eq!(table.iter().find(|(name, _)| *name == "openat"), Some(("openat", 56)));
    /// ```
    pub const fn syscalls(self) -> Syscalls {
        match self {
            Arch::X86_64 => x86_64::SYSCALLS,
            Arch::Aarch64 => aarch64::SYSCALLS,
            Arch::Riscv64 => riscv64::SYSCALLS,
        }
    }

    /// The number of a system call, if this arch has it.
    ///
    /// ```
    /// use scopes_core::Arch;
    /// assert_eq!(Arch::X86_64.syscall_nr("openat"), Some(257));
    /// assert_eq!(Arch::Aarch64.syscall_nr("open"), None);
    /// ```
    pub fn syscall_nr(self, name: &str) -> Option<u32> {
        self.syscalls()
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, nr)| nr)
    }

    /// The name of a system call number, if this arch has one.
    pub fn syscall_name(self, nr: u32) -> Option<&'static str> {
        let table = self.syscalls();
        table.position_of(nr).map(|i| table.get(i).0)
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Arch {
    type Err = String;
    fn from_str(s: &str) -> Result<Arch, String> {
        match s {
            "x86_64" | "amd64" | "x86-64" => Ok(Arch::X86_64),
            "aarch64" | "arm64" => Ok(Arch::Aarch64),
            "riscv64" => Ok(Arch::Riscv64),
            _ => Err(format!(
                "unknown architecture \"{s}\" (use x86_64, aarch64 or riscv64)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_unique() {
        for arch in Arch::ALL {
            let numbers: Vec<u32> = arch.syscalls().iter().map(|(_, nr)| nr).collect();
            assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{arch}");
            assert_eq!(
                arch.syscall_name(arch.syscall_nr("read").unwrap()),
                Some("read")
            );
        }
        assert_eq!(Arch::X86_64.syscall_nr("clone3"), Some(435));
        assert_eq!(Arch::Aarch64.syscall_nr("openat"), Some(56));
        assert_eq!(Arch::Riscv64.syscall_nr("riscv_flush_icache"), Some(259));
    }

    /// The generic table's calls whose 64-bit name is an alias (`__NR3264_*` in the kernel's
    /// header): missing from these tables, they answered ENOSYS on aarch64 and riscv64.
    #[test]
    fn generic_arches_have_the_3264_calls() {
        for arch in [Arch::Aarch64, Arch::Riscv64] {
            for (name, nr) in [
                ("fcntl", 25),
                ("statfs", 43),
                ("fstatfs", 44),
                ("truncate", 45),
                ("ftruncate", 46),
                ("lseek", 62),
                ("sendfile", 71),
                ("newfstatat", 79),
                ("fstat", 80),
                ("mmap", 222),
                ("fadvise64", 223),
            ] {
                assert_eq!(arch.syscall_nr(name), Some(nr), "{arch} {name}");
            }
        }
    }
}
