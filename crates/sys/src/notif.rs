//! Seccomp user notification (`seccomp_unotify(2)`): receiving a stopped system call and
//! answering it. The structures and ioctl numbers are libc's.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

/// `struct seccomp_notif`: one stopped system call (`id`, the caller's thread id `pid` in the
/// supervisor's pid namespace, and the call in `data`).
pub type Notif = libc::seccomp_notif;

/// `struct seccomp_data`: the call as the filter saw it.
pub type SeccompData = libc::seccomp_data;

/// Checks that the kernel's notification structures have the sizes this module was written
/// for (`SECCOMP_GET_NOTIF_SIZES`).
pub fn check_sizes() -> io::Result<()> {
    let sizes = crate::seccomp::notif_sizes()?;
    if (sizes.seccomp_notif as usize) < std::mem::size_of::<Notif>()
        || sizes.seccomp_notif_resp as usize != std::mem::size_of::<libc::seccomp_notif_resp>()
    {
        return Err(io::Error::other(format!(
            "unexpected seccomp notification sizes {}/{}/{}",
            sizes.seccomp_notif, sizes.seccomp_notif_resp, sizes.seccomp_data
        )));
    }
    Ok(())
}

/// Receives one notification (blocks until one is pending; poll the listener first).
pub fn recv(listener: BorrowedFd<'_>) -> io::Result<Notif> {
    // The kernel may be newer and its struct larger; it never writes beyond what it reported,
    // and the receive buffer must be zeroed.
    let mut buf = [0u64; 32];
    // SAFETY: the buffer is zeroed, 256 bytes, larger than any seccomp_notif so far.
    let r = unsafe {
        libc::ioctl(
            listener.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_RECV,
            buf.as_mut_ptr(),
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the buffer starts with a `struct seccomp_notif`, which is plain data, and is
    // aligned for it (u64 words).
    Ok(unsafe { std::ptr::read(buf.as_ptr() as *const Notif) })
}

fn send(listener: BorrowedFd<'_>, resp: &libc::seccomp_notif_resp) -> io::Result<()> {
    // SAFETY: the response is a valid local of the kernel's layout.
    let r = unsafe {
        libc::ioctl(
            listener.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_SEND,
            resp as *const libc::seccomp_notif_resp,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The call fails with `errno`, without running.
pub fn fail(listener: BorrowedFd<'_>, id: u64, errno: i32) -> io::Result<()> {
    send(
        listener,
        &libc::seccomp_notif_resp {
            id,
            val: 0,
            error: -errno,
            flags: 0,
        },
    )
}

/// The call returns `val`, without running.
pub fn succeed(listener: BorrowedFd<'_>, id: u64, val: i64) -> io::Result<()> {
    send(
        listener,
        &libc::seccomp_notif_resp {
            id,
            val,
            error: 0,
            flags: 0,
        },
    )
}

/// The call runs as if the filter had allowed it. Safe only when the decision does not depend
/// on memory the caller could change meanwhile (registers cannot change).
pub fn continue_call(listener: BorrowedFd<'_>, id: u64) -> io::Result<()> {
    send(
        listener,
        &libc::seccomp_notif_resp {
            id,
            val: 0,
            error: 0,
            flags: libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE as u32,
        },
    )
}

/// Whether the notification is still pending: after reading the caller's memory, this proves
/// the pid was not reused meanwhile.
pub fn id_valid(listener: BorrowedFd<'_>, id: u64) -> bool {
    // SAFETY: the kernel reads one u64 from our local.
    unsafe {
        libc::ioctl(
            listener.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_ID_VALID,
            &id as *const u64,
        ) == 0
    }
}

/// Installs a copy of `fd` in the caller and answers the call with its number, atomically.
pub fn answer_with_fd(
    listener: BorrowedFd<'_>,
    id: u64,
    fd: BorrowedFd<'_>,
    cloexec: bool,
) -> io::Result<i32> {
    let add = libc::seccomp_notif_addfd {
        id,
        flags: libc::SECCOMP_ADDFD_FLAG_SEND as u32,
        srcfd: fd.as_raw_fd() as u32,
        newfd: 0,
        newfd_flags: if cloexec { libc::O_CLOEXEC as u32 } else { 0 },
    };
    // SAFETY: the request is a valid local of the kernel's layout.
    let r = unsafe {
        libc::ioctl(
            listener.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_ADDFD,
            &add as *const libc::seccomp_notif_addfd,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(r)
}
