//! The two halves of `pledge()` for callers that build their own filter: the `pledge` command
//! and its preload, which stack a filter with a user-notification listener (and a wider one
//! for the dynamic loader) around programs that never heard of pledge.
//!
//! [`crate::Pledge`] remains the way for a process to pledge itself; these functions do not
//! touch its state, so a supervised program that links this library can still pledge itself
//! further.

use std::os::fd::OwnedFd;
use std::path::PathBuf;

use crate::bpf::Insn;
use crate::error::Error;
use crate::policy::paths::PATH_PROMISES;
use crate::sys;
use crate::Promises;

/// Enforces the path side of `promises` ([`crate::policy::paths::PATH_GRANTS`]) as one
/// Landlock layer, plus `extra` grants (path, access letters `rwxcd`), which must exist.
///
/// As `pledge()` does, nothing is enforced when `promises` hold no promise that reaches paths:
/// their system calls are then denied by the filter alone. Fails (changing nothing) when the
/// kernel cannot enforce the layer.
pub fn restrict_paths(promises: Promises, extra: &[(PathBuf, &str)]) -> Result<(), Error> {
    if !PATH_PROMISES.iter().any(|p| promises.contains(*p)) {
        return Ok(());
    }
    let mut grants = crate::pledge::path_grants(promises);
    for (path, access) in extra {
        grants.push((
            crate::landlock::Grant {
                path: path.clone(),
                access: (*access).into(),
            },
            false,
        ));
    }
    let abi = crate::landlock::check_available()?;
    crate::landlock::enforce(
        abi,
        &grants,
        crate::pledge::checks_paths(promises),
        crate::unveil::extra_scopes(Some(promises)),
    )
}

/// Drops every capability that `promises` do not need ([`crate::policy::caps`]), as `pledge()`
/// does: from the calling thread's effective, permitted, inheritable and ambient sets (under
/// no_new_privs, which [`install_filter`] sets, no exec can give them back). Nothing to drop
/// (an ordinary user) is not an error; other threads that would keep the capabilities are.
pub fn drop_capabilities(promises: Promises) -> Result<(), Error> {
    sys::caps::drop_unneeded(promises)
}

/// Sets no_new_privs and installs `prog` on every thread (TSYNC). With `listener`, returns the
/// seccomp user-notification descriptor (close-on-exec) for the filter's `USER_NOTIF` answers.
pub fn install_filter(prog: &[Insn], listener: bool) -> Result<Option<OwnedFd>, Error> {
    if prog.is_empty() || prog.len() > crate::compiler::MAX_INSNS {
        return Err(Error::Os {
            call: "seccomp(SECCOMP_SET_MODE_FILTER)",
            source: std::io::Error::from_raw_os_error(libc::EINVAL),
        });
    }
    sys::set_no_new_privs().map_err(|e| Error::Os {
        call: "prctl(PR_SET_NO_NEW_PRIVS)",
        source: e,
    })?;
    crate::pledge::install_seccomp(prog, listener)
}
