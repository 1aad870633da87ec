//! Narrowing a program just before `execve`: in the child of a [`std::process::Command`]
//! ([`narrow_before_exec`]), and in the exec wrappers of the C library (errno, the
//! environment, `execve` without libc). None of it allocates or takes a lock: it runs in the
//! child of `fork()` or `vfork()` of a multi-threaded program, where only async-signal-safe
//! calls are allowed.

use std::ffi::{c_char, c_int, CStr, CString};
use std::io;

use crate::caps::CapDrop;
use crate::landlock::{Executed, Prepared};
use crate::seccomp::{install_filter, sock_filter};

extern "C" {
    /// The process environment, for `execv` and `execvp`.
    static environ: *const *const c_char;
}

/// Sets the calling thread's `errno`.
pub fn set_errno(value: c_int) {
    // SAFETY: __errno_location returns a valid pointer to the calling thread's errno.
    unsafe { *libc::__errno_location() = value };
}

/// The calling thread's `errno`.
pub fn errno() -> c_int {
    // SAFETY: as in set_errno.
    unsafe { *libc::__errno_location() }
}

/// Borrows a C string argument: `Ok(None)` for NULL.
///
/// # Safety
/// `ptr` is NULL or points at a NUL-terminated string that outlives the returned borrow.
pub unsafe fn c_str<'a>(ptr: *const c_char) -> Option<&'a CStr> {
    if ptr.is_null() {
        None
    } else {
        // SAFETY: non-NULL, and the caller promises a NUL-terminated string.
        Some(unsafe { CStr::from_ptr(ptr) })
    }
}

/// The process environment.
pub fn environment() -> *const *const c_char {
    // SAFETY: reading the pointer value of libc's `environ`; it is only passed on to execve.
    unsafe { environ }
}

/// The `execve` system call itself, bypassing libc (and so every wrapper). Returns -1 with
/// errno set when it fails.
///
/// # Safety
/// The arguments are what `execve(2)` expects (the kernel validates them and answers EFAULT
/// for bad pointers).
pub unsafe fn raw_execve(
    path: *const c_char,
    argv: *const *const c_char,
    envp: *const *const c_char,
) -> c_int {
    // SAFETY: the kernel reads the arguments; bad pointers give EFAULT.
    unsafe { libc::syscall(libc::SYS_execve, path, argv, envp) as c_int }
}

/// The `execveat` system call itself, bypassing libc.
///
/// # Safety
/// The arguments are what `execveat(2)` expects.
pub unsafe fn raw_execveat(
    dirfd: c_int,
    path: *const c_char,
    argv: *const *const c_char,
    envp: *const *const c_char,
    flags: c_int,
) -> c_int {
    // SAFETY: the kernel reads the arguments; bad pointers give EFAULT.
    unsafe { libc::syscall(libc::SYS_execveat, dirfd, path, argv, envp, flags) as c_int }
}

/// What the child of a spawn does between fork and exec, all prepared before fork (it
/// allocates) and applied after (allocating nothing): no_new_privs, then a Landlock layer
/// that also lets the program about to start be read and executed, a capability drop, and a
/// seccomp filter on the calling thread, in that order.
#[derive(Debug)]
pub struct Narrowing {
    /// Fail the spawn with this errno instead (what the caller needed could not be built).
    pub refuse: Option<i32>,
    /// The Landlock layer.
    pub landlock: Option<Prepared>,
    /// The capabilities to drop.
    pub caps: CapDrop,
    /// The program `execve` will start (its path), allowed by the layer.
    pub program: Option<CString>,
    /// The filter.
    pub filter: Vec<sock_filter>,
    /// The instructions of `filter` whose constant becomes the pid of the child, the process
    /// that makes the `execve` (known only after fork).
    pub pid_slots: Vec<usize>,
}

/// Makes `cmd` apply `narrowing` in its child, between fork and exec; a failure makes the
/// spawn fail with its errno.
pub fn narrow_before_exec(cmd: &mut std::process::Command, narrowing: Narrowing) {
    use std::os::unix::process::CommandExt as _;
    let mut n = narrowing;
    // SAFETY: the hook runs in the child after fork. It only makes the getpid, prctl, open,
    // close, landlock, capget/capset and seccomp system calls and writes into memory moved
    // into the closure; it allocates nothing (the layer, the program's path and the filter
    // were prepared before fork).
    unsafe {
        cmd.pre_exec(move || {
            crate::set_no_new_privs()?;
            if let Some(errno) = n.refuse {
                return Err(io::Error::from_raw_os_error(errno));
            }
            if let Some(layer) = &n.landlock {
                let executed = n.program.as_ref().map(|p| Executed::Path(p.as_ptr()));
                layer
                    .apply_with(executed)
                    .map_err(|f| io::Error::from_raw_os_error(f.errno))?;
            }
            n.caps
                .apply()
                .map_err(|f| io::Error::from_raw_os_error(f.errno()))?;
            let pid = std::process::id();
            for &slot in &n.pid_slots {
                if let Some(insn) = n.filter.get_mut(slot) {
                    insn.k = pid;
                }
            }
            install_filter(&n.filter, 0).map(drop)
        });
    }
}
