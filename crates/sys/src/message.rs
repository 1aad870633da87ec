//! Messages on `AF_UNIX` `SOCK_SEQPACKET` sockets, with descriptors: the system calls of the
//! command's half of its handshake with the preload (the preload's are in C, in
//! `crates/pledge-cli/preload/preload.c`).

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

/// Sends one message with descriptors (`SCM_RIGHTS`), which the receiver gets in its own
/// table; the sender's stay open. MSG_NOSIGNAL as in [`send`].
pub fn send_with_fds(fd: RawFd, bytes: &[u8], fds: &[RawFd]) -> io::Result<()> {
    if fds.is_empty() {
        return send(fd, bytes);
    }
    let data_len = std::mem::size_of_val(fds);
    // SAFETY: CMSG_SPACE only computes a size.
    let space = unsafe { libc::CMSG_SPACE(data_len as u32) } as usize;
    // u64 words: aligned for `struct cmsghdr`.
    let mut control = vec![0u64; space.div_ceil(8)];
    let mut iov = libc::iovec {
        iov_base: bytes.as_ptr() as *mut libc::c_void,
        iov_len: bytes.len(),
    };
    // SAFETY: a zeroed msghdr is valid (no name, no control yet).
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr() as *mut libc::c_void;
    msg.msg_controllen = space;
    // SAFETY: the control buffer holds `space` bytes, room for one header with `data_len`
    // bytes of data (CMSG_SPACE); CMSG_FIRSTHDR/CMSG_DATA point inside it; the descriptors
    // are copied in; `iov` and `control` outlive the sendmsg call, which only reads them.
    let n = unsafe {
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(data_len as u32) as usize;
        std::ptr::copy_nonoverlapping(fds.as_ptr() as *const u8, libc::CMSG_DATA(cmsg), data_len);
        libc::sendmsg(fd, &msg, libc::MSG_NOSIGNAL)
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
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

/// Receives one message if one is waiting, never blocking (`MSG_DONTWAIT`): a process the
/// program started may hold the other end open for ever. `WouldBlock` when none is waiting; an
/// empty result means the peer closed.
pub fn recv_now(fd: RawFd, max: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; max];
    loop {
        // SAFETY: the buffer has room for `max` bytes; the kernel writes at most that many.
        let n = unsafe {
            libc::recv(
                fd,
                buf.as_mut_ptr() as *mut libc::c_void,
                max,
                libc::MSG_DONTWAIT,
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        buf.truncate(n as usize);
        return Ok(buf);
    }
}
