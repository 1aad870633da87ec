//! The preload's few direct system calls; every `unsafe` block of the preload is here.

use std::os::fd::RawFd;

#[path = "../../pledge-cli/src/sys/handshake.rs"]
mod handshake;

pub use handshake::{exit_now, lowest_free_fd, recv, send};

/// Closes a descriptor.
pub fn close(fd: RawFd) {
    // SAFETY: the caller owns `fd` and does not use it again.
    unsafe { libc::close(fd) };
}

/// The handshake's barrier: `execve(NULL, NULL, NULL)`, which the program filter always sends
/// to the command, and which could not execute anything if it ever ran. Returns its result.
pub fn barrier() -> i64 {
    // SAFETY: NULL arguments; the kernel would fail with EFAULT without touching memory.
    unsafe { libc::syscall(libc::SYS_execve, 0usize, 0usize, 0usize) as i64 }
}

extern "C" {
    fn tzset();
}

/// Loads, while the start-up filter still allows reading files, what glibc otherwise reads
/// lazily from `main`: the environment's locale (kept alive, so a later `setlocale(LC_ALL, "")`
/// finds it loaded and opens nothing), libc's message catalog for it, and the time zone. The program's own locale stays "C"
/// until it calls setlocale, as without the command. This is what OpenBSD programs do by hand
/// before pledge.
pub fn warm_libc_caches() {
    // SAFETY: newlocale with a valid empty name; the result (or NULL) is deliberately never
    // freed. tzset has no preconditions.
    // Under that locale, looking one message up loads (or notes the absence of) libc's message
    // catalog, which error messages such as perror's would otherwise open later.
    unsafe {
        let locale = libc::newlocale(libc::LC_ALL_MASK, c"".as_ptr(), std::ptr::null_mut());
        if !locale.is_null() {
            let previous = libc::uselocale(locale);
            let _ = libc::strerror(libc::EPERM);
            libc::uselocale(previous);
        }
        tzset();
    }
}
