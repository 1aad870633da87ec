//! Seccomp user notification (`seccomp_unotify(2)`): receiving a stopped system call and
//! answering it.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

/// `struct seccomp_data`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SeccompData {
    /// System call number.
    pub nr: i32,
    /// `AUDIT_ARCH_*`.
    pub arch: u32,
    /// Where the call was made.
    pub instruction_pointer: u64,
    /// The six argument registers.
    pub args: [u64; 6],
}

/// `struct seccomp_notif`: one stopped system call.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Notif {
    /// Identifies the call in answers.
    pub id: u64,
    /// The caller's thread id (in the supervisor's pid namespace).
    pub pid: u32,
    flags: u32,
    /// The call.
    pub data: SeccompData,
}

#[repr(C)]
struct Resp {
    id: u64,
    val: i64,
    error: i32,
    flags: u32,
}

#[repr(C)]
struct AddFd {
    id: u64,
    flags: u32,
    srcfd: u32,
    newfd: u32,
    newfd_flags: u32,
}

// _IOWR('!', 0, struct seccomp_notif) and friends (linux/seccomp.h).
const IOCTL_RECV: libc::c_ulong = 0xc050_2100;
const IOCTL_SEND: libc::c_ulong = 0xc018_2101;
const IOCTL_ID_VALID: libc::c_ulong = 0x4008_2102;
const IOCTL_ADDFD: libc::c_ulong = 0x4018_2103;
const USER_NOTIF_FLAG_CONTINUE: u32 = 1;
const ADDFD_FLAG_SEND: u32 = 1 << 1;

/// Checks that the kernel's notification structures have the sizes this module was written
/// for (`SECCOMP_GET_NOTIF_SIZES`).
pub fn check_sizes() -> io::Result<()> {
    #[repr(C)]
    #[derive(Default)]
    struct Sizes {
        notif: u16,
        resp: u16,
        data: u16,
    }
    let mut sizes = Sizes::default();
    // SAFETY: the kernel writes three u16 into our local.
    let r = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            3, /* SECCOMP_GET_NOTIF_SIZES */
            0,
            &mut sizes as *mut Sizes,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    if (sizes.notif as usize) < std::mem::size_of::<Notif>()
        || sizes.resp as usize != std::mem::size_of::<Resp>()
    {
        return Err(io::Error::other(format!(
            "unexpected seccomp notification sizes {}/{}/{}",
            sizes.notif, sizes.resp, sizes.data
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
    let r = unsafe { libc::ioctl(listener.as_raw_fd(), IOCTL_RECV, buf.as_mut_ptr()) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the buffer starts with a `struct seccomp_notif`, which is plain data.
    Ok(unsafe { std::ptr::read(buf.as_ptr() as *const Notif) })
}

fn send(listener: BorrowedFd<'_>, resp: &Resp) -> io::Result<()> {
    // SAFETY: the response is a valid local of the kernel's layout.
    let r = unsafe { libc::ioctl(listener.as_raw_fd(), IOCTL_SEND, resp as *const Resp) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The call fails with `errno`, without running.
pub fn fail(listener: BorrowedFd<'_>, id: u64, errno: i32) -> io::Result<()> {
    send(
        listener,
        &Resp {
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
        &Resp {
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
        &Resp {
            id,
            val: 0,
            error: 0,
            flags: USER_NOTIF_FLAG_CONTINUE,
        },
    )
}

/// Whether the notification is still pending: after reading the caller's memory, this proves
/// the pid was not reused meanwhile.
pub fn id_valid(listener: BorrowedFd<'_>, id: u64) -> bool {
    // SAFETY: the kernel reads one u64 from our local.
    unsafe { libc::ioctl(listener.as_raw_fd(), IOCTL_ID_VALID, &id as *const u64) == 0 }
}

/// Installs a copy of `fd` in the caller and answers the call with its number, atomically.
pub fn answer_with_fd(
    listener: BorrowedFd<'_>,
    id: u64,
    fd: BorrowedFd<'_>,
    cloexec: bool,
) -> io::Result<i32> {
    let add = AddFd {
        id,
        flags: ADDFD_FLAG_SEND,
        srcfd: fd.as_raw_fd() as u32,
        newfd: 0,
        newfd_flags: if cloexec { libc::O_CLOEXEC as u32 } else { 0 },
    };
    // SAFETY: the request is a valid local of the kernel's layout.
    let r = unsafe { libc::ioctl(listener.as_raw_fd(), IOCTL_ADDFD, &add as *const AddFd) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(r)
}
