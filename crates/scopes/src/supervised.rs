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
use crate::compiler::paths;
use crate::error::Error;
use crate::sys;
use crate::Promises;

/// Enforces the path side of `promises` ([`crate::policy::paths::PATH_GRANTS`]) as one
/// Landlock layer, plus `extra` grants (path, access letters `rwxcd`), which must exist.
///
/// As `pledge()` does, nothing is enforced when `promises` hold no promise that reaches paths
/// and there is no extra grant: their system calls are then denied by the filter alone. Fails
/// (changing nothing) when the kernel cannot enforce the layer.
pub fn restrict_paths(promises: Promises, extra: &[(PathBuf, &str)]) -> Result<(), Error> {
    let Some((plan, abi)) = path_plan(promises, extra)? else {
        return Ok(());
    };
    crate::landlock::enforce(&plan, abi)
}

/// A Landlock layer built by one process for another to enforce on itself: the ruleset
/// descriptor (close-on-exec) and the flags to pass to `landlock_restrict_self`. Whoever holds
/// the descriptor can only restrict itself with it, never widen anything. Without
/// `LANDLOCK_RESTRICT_SELF_TSYNC` in `flags`, the process enforcing it must refuse while other
/// threads exist (the layer would confine only the calling one).
#[derive(Debug)]
pub struct Layer {
    /// The ruleset, with every rule added.
    pub ruleset: OwnedFd,
    /// The flags for `landlock_restrict_self` (`LANDLOCK_RESTRICT_SELF_TSYNC` where the kernel
    /// confines every thread at once, ABI 8).
    pub flags: u32,
}

/// [`restrict_paths`]'s layer, built but not enforced: for a process (the `pledge` command)
/// that prepares the layer of another (the program), which enforces it before its filter.
/// `None` when [`restrict_paths`] would enforce nothing. The paths are opened here, by the
/// calling process.
pub fn path_layer(promises: Promises, extra: &[(PathBuf, &str)]) -> Result<Option<Layer>, Error> {
    let Some((plan, abi)) = path_plan(promises, extra)? else {
        return Ok(None);
    };
    let prepared = sys::landlock::Prepared::new(&plan, crate::landlock::all_threads_flag(abi))?;
    let ruleset = prepared
        .create()
        .map_err(|f| crate::landlock::failure(&plan, f))?;
    Ok(Some(Layer {
        ruleset,
        flags: prepared.flags(),
    }))
}

/// The plan of [`restrict_paths`] and the Landlock ABI, or `None` when nothing is enforced.
fn path_plan(
    promises: Promises,
    extra: &[(PathBuf, &str)],
) -> Result<Option<(paths::LayerPlan, i32)>, Error> {
    if !paths::reaches_paths(promises) && extra.is_empty() {
        return Ok(None);
    }
    let abi = crate::landlock::check_available()?;
    let roots = if paths::grants(promises).any(|g| g.outside_kernel()) {
        // The `pledge` command's start-up filter holds `rpath`.
        crate::landlock::roots(true)
    } else {
        Vec::new()
    };
    let extra: Vec<(PathBuf, _)> = extra
        .iter()
        .map(|(path, access)| (path.clone(), crate::landlock::rights(access)))
        .collect();
    let inputs = paths::Inputs {
        abi,
        roots: &roots,
        unveiled: None,
        extra: &extra,
    };
    Ok(Some((paths::plan(promises, &inputs), abi)))
}

/// Confines the signals of the calling process, and of everything it starts from now on, to
/// the processes it starts (a Landlock domain that scopes signals, ABI 6), whatever the
/// promises: a supervisor that starts a program this way cannot be signalled by it, by pid,
/// pidfd or process group, not even with `proc`. Sets no_new_privs. Returns `false`, changing
/// nothing, on a kernel without Landlock ABI 6. Call it while single-threaded.
pub fn scope_signals() -> Result<bool, Error> {
    crate::landlock::scope_signals()
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
    crate::seccomp::install(prog, listener)
}
