//! The system calls both halves of the handshake make: the command and the preload it puts in
//! the program (which includes this file by path, as it does `protocol.rs`).

use std::io;
use std::os::fd::RawFd;

/// Sends one message (MSG_NOSIGNAL: a closed peer is an error, not a SIGPIPE).
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

/// Receives one message; an empty result means the peer closed.
pub fn recv(fd: RawFd, max: usize) -> io::Result<Vec<u8>> {
    // Not zeroed: only the pages the message lands on are ever touched. Zeroing `max` bytes
    // (64 KiB) cost 16 page faults per message in the program's fresh process.
    let mut buf: Vec<u8> = Vec::with_capacity(max);
    loop {
        // SAFETY: the buffer has room for `max` bytes; the kernel writes at most that many.
        let n = unsafe { libc::recv(fd, buf.as_mut_ptr() as *mut libc::c_void, max, 0) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        // SAFETY: the kernel initialised the first `n` (≤ `max`) bytes.
        unsafe { buf.set_len(n as usize) };
        return Ok(buf);
    }
}

/// The number the next new descriptor will get (the lowest free one), found by duplicating
/// `any_open` and closing the copy.
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

/// Leaves the process at once: no destructors, no atexit handlers, no stdio flush. The only
/// exit safe under any filter (exit_group is allowed by every promise set).
pub fn exit_now(code: i32) -> ! {
    // SAFETY: exit_group does not return.
    unsafe {
        libc::syscall(libc::SYS_exit_group, code);
        libc::_exit(code)
    }
}
