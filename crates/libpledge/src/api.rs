//! The two functions of `<pledge.h>`. `include/pledge.h` is generated from this file by
//! cbindgen (see `tests/header.rs`), so the doc comments here are the header's comments: they
//! are written for C programmers.

// The C ABI: `#[no_mangle] extern "C"` functions that take C strings as raw pointers. Each
// `unsafe` block says what the caller of the C function promised.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use crate::sys::{c_str, set_errno};

/// The errno a call reports when the library hit an internal error (a bug) instead of a
/// normal failure. The panic message has then been printed on stderr.
pub(crate) const INTERNAL_ERROR: c_int = libc::ENOTRECOVERABLE;

/// Restricts the process to the system calls `promises` allow, with OpenBSD's meaning.
///
/// `promises` is a space-separated list of words ("stdio rpath inet" ...). NULL leaves the
/// current promises unchanged; "" allows only _exit(2) (and clocks, one's own ids and
/// pledge()). Promises only shrink: asking for one not currently held fails with EPERM. A call
/// the promises do not allow kills the whole
/// process with SIGSYS after a one-line report on stderr naming the call and the promise that
/// would allow it (with the "error" promise the call fails with ENOSYS instead). Every thread
/// is restricted, including threads started before the call. The paths promises imply (the
/// whole tree for "rpath", /tmp for "tmppath" ...) are enforced with Landlock, which before
/// Linux 7.0 confines only the calling thread: pledge before starting threads (such a pledge,
/// and as root one that drops capabilities, fails with EOPNOTSUPP while other threads exist).
///
/// `execpromises` (NULL: unchanged) are the promises of the programs this process executes.
/// On Linux a filter survives exec, so they must be a subset of `promises` (EINVAL otherwise).
/// They are applied by this library's execve(), execv(), execvp(), execvpe(), execl(),
/// execle(), execlp(), fexecve() and execveat(); posix_spawn(), system() and popen() start
/// programs under `promises` instead (see docs/c-library.md).
///
/// Returns 0 on success. On failure returns -1, sets errno and changes nothing:
/// - EINVAL: an unknown word, a word with no Linux meaning ("pf", "route" ...), a leading
///   space or a tab (words are separated by spaces, as on OpenBSD), a string that is not
///   UTF-8, or execpromises that are not a subset of promises;
/// - EPERM: an attempt to gain promises, or to narrow a pledge that lacks "stdio";
/// - ENAMETOOLONG: a string of 1024 bytes or more;
/// - ENOSYS, EOPNOTSUPP: the kernel lacks seccomp, Landlock or a feature of them; EOPNOTSUPP
///   also when other threads exist (above);
/// - ENOTRECOVERABLE: an internal error of the library (a message is printed on stderr).
///
/// # Safety
/// Each argument is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn pledge(promises: *const c_char, execpromises: *const c_char) -> c_int {
    guarded(|| {
        // SAFETY: the caller passes NULL or NUL-terminated strings, as pledge(2) requires.
        let promises = utf8(unsafe { c_str(promises) })?;
        // SAFETY: as above.
        let execpromises = utf8(unsafe { c_str(execpromises) })?;
        scopes::pledge(promises, execpromises).map_err(|e| e.errno())?;
        crate::exec::record_execpromises();
        Ok(())
    })
}

/// Restricts the paths the process can reach, with OpenBSD's meaning as far as Landlock
/// allows.
///
/// `path` (and, for a directory, everything beneath it) gets `permissions`: any of "r"
/// (read), "w" (write), "x" (execute) and "c" (create and remove), or "" to hide it. The first
/// call hides everything not unveiled; unveiling a path again replaces its permissions.
/// `unveil(NULL, NULL)` enforces the collected paths and locks: later calls fail with EPERM. A
/// pledge() without the "unveil" promise locks too.
///
/// Differences from OpenBSD: the rules take effect at the lock, not at once; denied accesses
/// fail with EACCES (OpenBSD: ENOENT); the path must exist; a path cannot be given narrower
/// permissions than an unveiled directory above it (EOPNOTSUPP). See docs/c-library.md.
///
/// Returns 0 on success. On failure returns -1, sets errno and changes nothing:
/// - EINVAL: a permission letter other than r, w, x, c, or permissions that are not UTF-8;
/// - EPERM: unveil() after the lock, or under a pledge without "unveil";
/// - EFAULT: exactly one argument is NULL;
/// - ENOENT, EACCES ...: `path` cannot be opened;
/// - EOPNOTSUPP: narrower than an unveiled directory above it, or other threads exist on a
///   kernel whose Landlock confines only the calling thread;
/// - ENOSYS, EOPNOTSUPP: the kernel lacks Landlock or a feature of it;
/// - ENOTRECOVERABLE: an internal error of the library (a message is printed on stderr).
///
/// # Safety
/// Each argument is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn unveil(path: *const c_char, permissions: *const c_char) -> c_int {
    guarded(|| {
        // SAFETY: the caller passes NULL or NUL-terminated strings, as unveil(2) requires.
        let path = unsafe { c_str(path) }.map(|p| Path::new(OsStr::from_bytes(p.to_bytes())));
        // SAFETY: as above.
        let permissions = utf8(unsafe { c_str(permissions) })?;
        scopes::unveil(path, permissions).map_err(|e| e.errno())
    })
}

/// A C string argument as `&str`; EINVAL when it is not UTF-8.
fn utf8(arg: Option<&std::ffi::CStr>) -> Result<Option<&str>, c_int> {
    arg.map(|s| s.to_str().map_err(|_| libc::EINVAL))
        .transpose()
}

/// Runs the body of a C entry point: 0 on success, -1 with errno on failure. A panic stops
/// here (unwinding into C is undefined behaviour) and becomes [`INTERNAL_ERROR`].
pub(crate) fn guarded(body: impl FnOnce() -> Result<(), c_int>) -> c_int {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => 0,
        Ok(Err(errno)) => {
            set_errno(errno);
            -1
        }
        Err(payload) => {
            // Dropping the payload runs foreign code that could panic again: contain that too.
            if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
                std::mem::forget(again);
            }
            set_errno(INTERNAL_ERROR);
            -1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_is_zero_and_leaves_errno() {
        set_errno(libc::EBADF);
        assert_eq!(guarded(|| Ok(())), 0);
        assert_eq!(crate::sys::errno(), libc::EBADF);
    }

    #[test]
    fn failure_sets_errno() {
        assert_eq!(guarded(|| Err(libc::EPERM)), -1);
        assert_eq!(crate::sys::errno(), libc::EPERM);
    }

    #[test]
    fn a_panic_does_not_cross_the_boundary() {
        let quiet = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let r = guarded(|| panic!("boom"));
        std::panic::set_hook(quiet);
        assert_eq!(r, -1);
        assert_eq!(crate::sys::errno(), INTERNAL_ERROR);
    }

    #[test]
    fn utf8_arguments() {
        let bad = std::ffi::CString::new(vec![b's', 0xff]).unwrap();
        assert_eq!(utf8(Some(&bad)), Err(libc::EINVAL));
        assert_eq!(utf8(None), Ok(None));
        let good = std::ffi::CString::new("stdio").unwrap();
        assert_eq!(utf8(Some(&good)), Ok(Some("stdio")));
    }
}
