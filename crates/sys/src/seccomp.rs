//! seccomp(2): the workspace's only caller of the system call. Installing a filter (with or
//! without a user-notification listener, on this thread or every thread) and asking what the
//! kernel supports.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd};

pub use libc::{
    sock_filter, SECCOMP_FILTER_FLAG_NEW_LISTENER, SECCOMP_FILTER_FLAG_SPEC_ALLOW,
    SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_TSYNC_ESRCH,
};

/// What installing a filter gave back.
#[derive(Debug)]
pub enum Installed {
    /// Installed, no listener asked for.
    Done,
    /// Installed with a user-notification listener.
    Listener(OwnedFd),
    /// TSYNC could not synchronise this thread (nothing was installed).
    ThreadFailed(i32),
}

/// `seccomp(op, flags, arg)`.
///
/// # Safety
/// `arg` is what `op` expects (seccomp(2)), valid for the call.
unsafe fn seccomp(op: libc::c_uint, flags: libc::c_ulong, arg: *mut libc::c_void) -> libc::c_long {
    // SAFETY: the caller passes the argument `op` expects.
    unsafe { libc::syscall(libc::SYS_seccomp, op, flags as libc::c_uint, arg) }
}

/// Installs `prog` with `seccomp(SECCOMP_SET_MODE_FILTER, flags)`: `flags` 0 filters the
/// calling thread (and what it executes) only, `SECCOMP_FILTER_FLAG_TSYNC` every thread,
/// `SECCOMP_FILTER_FLAG_NEW_LISTENER` returns a listener. no_new_privs (or CAP_SYS_ADMIN) is
/// needed. Allocates nothing, so it may run between fork and exec.
///
/// ```no_run
/// use scopes_sys::seccomp::{install_filter, sock_filter, Installed};
/// // A filter that allows everything: `ret #SECCOMP_RET_ALLOW`.
/// let allow = [sock_filter { code: 0x06, jt: 0, jf: 0, k: libc::SECCOMP_RET_ALLOW }];
/// scopes_sys::set_no_new_privs()?;
/// assert!(matches!(install_filter(&allow, 0)?, Installed::Done));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn install_filter(prog: &[sock_filter], flags: libc::c_ulong) -> io::Result<Installed> {
    let Ok(len) = u16::try_from(prog.len()) else {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    };
    let fprog = libc::sock_fprog {
        len,
        filter: prog.as_ptr() as *mut sock_filter,
    };
    // SAFETY: `fprog` points at `prog`, `len` instructions that outlive the call; the kernel
    // only reads them (it copies the program).
    let r = unsafe {
        seccomp(
            libc::SECCOMP_SET_MODE_FILTER,
            flags,
            &fprog as *const libc::sock_fprog as *mut libc::c_void,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    if flags & SECCOMP_FILTER_FLAG_NEW_LISTENER != 0 {
        // SAFETY: with NEW_LISTENER a non-negative result is a new descriptor we now own.
        return Ok(Installed::Listener(unsafe {
            OwnedFd::from_raw_fd(r as i32)
        }));
    }
    if r > 0 {
        return Ok(Installed::ThreadFailed(r as i32));
    }
    Ok(Installed::Done)
}

/// Whether the kernel knows a seccomp return action (`SECCOMP_GET_ACTION_AVAIL`).
pub fn action_available(action: u32) -> bool {
    let mut action = action;
    // SAFETY: the kernel reads one u32 from the pointer, which is valid for the call.
    let r = unsafe {
        seccomp(
            libc::SECCOMP_GET_ACTION_AVAIL,
            0,
            &mut action as *mut u32 as *mut libc::c_void,
        )
    };
    r == 0
}

/// The sizes of the kernel's notification structures (`SECCOMP_GET_NOTIF_SIZES`).
pub fn notif_sizes() -> io::Result<libc::seccomp_notif_sizes> {
    let mut sizes = libc::seccomp_notif_sizes {
        seccomp_notif: 0,
        seccomp_notif_resp: 0,
        seccomp_data: 0,
    };
    // SAFETY: the kernel writes the three sizes into our local.
    let r = unsafe {
        seccomp(
            libc::SECCOMP_GET_NOTIF_SIZES,
            0,
            &mut sizes as *mut libc::seccomp_notif_sizes as *mut libc::c_void,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(sizes)
}
