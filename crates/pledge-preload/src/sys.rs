//! The preload's few direct system calls; every `unsafe` block of the preload is here.

use std::io;
use std::os::fd::RawFd;

/// Receives one message on the handshake socket.
pub fn recv(fd: RawFd, max: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; max];
    loop {
        // SAFETY: the buffer is valid for `max` bytes.
        let n = unsafe { libc::recv(fd, buf.as_mut_ptr() as *mut libc::c_void, max, 0) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if n == 0 {
            return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
        }
        buf.truncate(n as usize);
        return Ok(buf);
    }
}

/// Sends one message (no SIGPIPE if the command is gone).
pub fn send(fd: RawFd, bytes: &[u8]) -> io::Result<()> {
    // SAFETY: the buffer is valid for its length.
    let n = unsafe {
        libc::send(
            fd,
            bytes.as_ptr() as *const libc::c_void,
            bytes.len(),
            libc::MSG_NOSIGNAL,
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The number the next new descriptor will get.
pub fn lowest_free_fd(any_open: RawFd) -> io::Result<RawFd> {
    // SAFETY: integer arguments only; the copy is closed at once.
    unsafe {
        let probe = libc::fcntl(any_open, libc::F_DUPFD_CLOEXEC, 0);
        if probe < 0 {
            return Err(io::Error::last_os_error());
        }
        libc::close(probe);
        Ok(probe)
    }
}

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

/// Leaves at once with `code`: exit_group is allowed under every promise set.
pub fn exit_now(code: i32) -> ! {
    // SAFETY: exit_group does not return.
    unsafe {
        libc::syscall(libc::SYS_exit_group, code);
        libc::_exit(code)
    }
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
