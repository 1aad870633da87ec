//! The few direct kernel and libc calls of the C library. Every `unsafe` block of the crate's
//! Rust code lives here, each with a `SAFETY:` comment. The functions used on the exec path
//! neither allocate nor take locks: they may run in the child of `fork()` or `vfork()` in a
//! multi-threaded program, where only async-signal-safe calls are allowed.

use std::ffi::{c_char, c_int, CStr};

use scopes::bpf::Insn;

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

/// Sets no_new_privs, which a Landlock layer and a filter need without CAP_SYS_ADMIN.
pub fn set_no_new_privs() -> Result<(), c_int> {
    // SAFETY: prctl with integer arguments only.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(errno());
    }
    Ok(())
}

/// Installs `prog` as a seccomp filter on the calling thread only (no TSYNC): the thread
/// about to call `execve` is the one whose filters the new program inherits. Sets
/// `no_new_privs` first, which installing a filter requires. Returns the errno on failure.
pub fn install_thread_filter(prog: &[Insn]) -> Result<(), c_int> {
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: prctl and seccomp take integers and a pointer to `fprog`, which points at `prog`;
    // both outlive the calls, and the kernel copies the program. `Insn` has the layout of
    // `struct sock_filter` (repr(C), same fields).
    let r = unsafe {
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
            return Err(errno());
        }
        libc::syscall(
            libc::SYS_seccomp,
            1 as libc::c_uint, /* SET_MODE_FILTER */
            0 as libc::c_uint,
            &fprog,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(errno())
    }
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
