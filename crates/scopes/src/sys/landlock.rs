//! Applying a planned Landlock layer ([`crate::compiler::paths::LayerPlan`]): [`Prepared::new`]
//! turns the plan into what [`scopes_sys::landlock`] applies (C strings: it allocates);
//! applying allocates nothing and takes no lock, so it also runs between fork and exec, and in
//! the exec wrappers of the C library.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt as _;

use landlock::BitFlags;
use scopes_sys::landlock as raw;
pub use scopes_sys::landlock::{Executed, Failure};

use crate::compiler::paths::{LayerPlan, Place};

/// A layer ready to apply.
#[derive(Debug)]
pub struct Prepared {
    pub(crate) raw: raw::Prepared,
}

impl Prepared {
    /// Prepares `plan`; `all_threads` asks the kernel to confine every thread (ABI 8).
    pub fn new(plan: &LayerPlan, all_threads: bool) -> Result<Prepared, crate::Error> {
        let mut rules = Vec::with_capacity(plan.rules.len());
        for rule in &plan.rules {
            let target = match &rule.place {
                Place::Path(path) => raw::Target::Path {
                    path: CString::new(path.as_os_str().as_bytes())
                        .map_err(|_| crate::Error::BadString)?,
                    missing_ok: rule.missing_ok,
                },
                Place::Held(fd) => raw::Target::Held(*fd),
            };
            rules.push((target, rule.access.bits()));
        }
        let handled = raw::Handled {
            fs: plan.fs.bits(),
            net: plan.net.bits(),
            scopes: plan.scopes.bits(),
        };
        let ports = plan
            .ports
            .iter()
            .map(|(port, right)| (u64::from(*port), BitFlags::from(*right).bits()))
            .collect();
        Ok(Prepared {
            raw: raw::Prepared::new(handled, rules, ports, all_threads),
        })
    }

    /// Creates the ruleset, adds the rules and restricts the calling process (every thread
    /// with TSYNC). no_new_privs must be set. Allocates nothing.
    pub fn apply(&self) -> Result<(), Failure> {
        self.raw.apply()
    }

    /// [`Prepared::apply`], with one more rule: the file about to be executed may be read and
    /// executed (what `execve` needs of it), named by a NUL-terminated path or a descriptor.
    pub fn apply_with(&self, executed: Option<Executed>) -> Result<(), Failure> {
        self.raw.apply_with(executed)
    }

    /// Creates the ruleset and adds the rules, restricting nothing: for another process to
    /// enforce with `landlock_restrict_self` (the descriptor is close-on-exec).
    pub fn create(&self) -> Result<std::os::fd::OwnedFd, Failure> {
        self.raw.create()
    }

    /// The flags for `landlock_restrict_self`.
    pub fn flags(&self) -> u32 {
        self.raw.flags()
    }
}

#[cfg(test)]
mod tests {
    use landlock::{AccessFs, ABI};

    #[test]
    fn the_raw_constants_are_the_kernels() {
        assert_eq!(
            scopes_sys::landlock::FILE_RIGHTS,
            AccessFs::from_file(ABI::V5).bits()
        );
        assert_eq!(
            scopes_sys::landlock::ACCESS_FS_EXECUTE,
            AccessFs::Execute as u64
        );
        assert_eq!(
            scopes_sys::landlock::ACCESS_FS_READ_FILE,
            AccessFs::ReadFile as u64
        );
    }
}
