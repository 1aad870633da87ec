//! The few places that talk to the kernel directly. Every `unsafe` block in the crate lives
//! under this module, each with a `SAFETY:` comment.

pub mod caps;
pub mod landlock;
pub mod report;

use std::io;
use std::os::fd::{FromRawFd, OwnedFd};

use crate::bpf::Insn;

/// The real user id.
pub fn uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

/// The real group id.
pub fn gid() -> u32 {
    // SAFETY: getgid has no preconditions and cannot fail.
    unsafe { libc::getgid() }
}

/// Registers functions that fork() runs in the forking thread: `prepare` before it, `parent`
/// and `child` after it on each side (`pthread_atfork`). Registrations last for the process.
pub fn at_fork(
    prepare: extern "C" fn(),
    parent: extern "C" fn(),
    child: extern "C" fn(),
) -> io::Result<()> {
    // SAFETY: the handlers are plain functions, valid for the whole life of the process.
    let r = unsafe { libc::pthread_atfork(Some(prepare), Some(parent), Some(child)) };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(r))
    }
}

/// Sets no_new_privs, which seccomp filters and Landlock domains require without
/// CAP_SYS_ADMIN, and which stops setuid programs from gaining privileges after exec.
pub fn set_no_new_privs() -> io::Result<()> {
    // SAFETY: prctl with integer arguments only.
    let r = unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// seccomp(2) filter flags.
pub const SECCOMP_FILTER_FLAG_TSYNC: u32 = 1;
/// Return a user-notification descriptor.
pub const SECCOMP_FILTER_FLAG_NEW_LISTENER: u32 = 1 << 3;
/// Report a TSYNC failure as ESRCH (needed with NEW_LISTENER).
pub const SECCOMP_FILTER_FLAG_TSYNC_ESRCH: u32 = 1 << 4;

/// What installing a filter gave back.
pub enum Installed {
    /// Installed, no listener asked for.
    Done,
    /// Installed with a user-notification listener.
    Listener(OwnedFd),
    /// TSYNC could not synchronise this thread (nothing was installed).
    ThreadFailed(i32),
}

/// Installs `prog` with `seccomp(SECCOMP_SET_MODE_FILTER, flags)`.
pub fn install_filter(prog: &[Insn], flags: u32) -> io::Result<Installed> {
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: `Insn` is `#[repr(C)]` with the layout of `struct sock_filter`; `fprog` points at
    // `prog`, which outlives the call; the kernel copies the program.
    let r = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            1 as libc::c_uint, /* SECCOMP_SET_MODE_FILTER */
            flags as libc::c_uint,
            &fprog as *const libc::sock_fprog,
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
    // SAFETY: the kernel reads one u32 from the pointer, which is valid for the call.
    let r = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            2 as libc::c_uint,
            0 as libc::c_uint,
            &action as *const u32,
        )
    };
    r == 0
}

/// Whether a seccomp filter is in force in this process (one of ours, or one inherited).
pub fn filtered() -> bool {
    // SAFETY: prctl with integer arguments only.
    unsafe { libc::prctl(libc::PR_GET_SECCOMP, 0, 0, 0, 0) != 0 }
}

/// Whether the kernel confirms, cheaply, that this process has a single thread. `false` means
/// "ask elsewhere": another thread exists, or a seccomp filter is in force and could refuse or
/// report the question.
///
/// `unshare(CLONE_THREAD)` does nothing and succeeds in a single-threaded process, and fails
/// with EINVAL in a multithreaded one (unshare(2)). It is one system call, where counting the
/// entries of `/proc/self/task` costs about 20 µs in a fresh process (procfs builds its
/// entries on first use).
pub fn single_threaded_unfiltered() -> bool {
    let filtered = filtered();
    // SAFETY: unshare with CLONE_THREAD alone changes nothing: it only checks the thread group.
    !filtered && unsafe { libc::unshare(libc::CLONE_THREAD) } == 0
}

/// The Landlock ABI version: `Ok(n)`, or the errno (ENOSYS: not built in; EOPNOTSUPP:
/// disabled at boot).
pub fn landlock_abi() -> Result<i32, i32> {
    // SAFETY: LANDLOCK_CREATE_RULESET_VERSION takes a NULL attribute and size 0.
    let r = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<u8>(),
            0usize,
            1u32,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::ENOSYS))
    } else {
        Ok(r as i32)
    }
}

/// Installs `layer` (when there is one) and `prog` in the child of `cmd`, between fork and
/// exec; a layer that could not be built makes the spawn fail with its errno.
pub fn install_before_exec(
    cmd: &mut std::process::Command,
    layer: Result<Option<crate::exec::ExecLayer>, crate::Error>,
    program: Option<std::ffi::CString>,
    prog: Vec<Insn>,
) {
    use std::os::unix::process::CommandExt as _;
    let mut prog = prog;
    // SAFETY: the hook runs in the child after fork. It only makes the getpid, prctl, open,
    // close, landlock and seccomp system calls and writes into memory moved into the closure;
    // it allocates nothing (the layer and the program's path were prepared before fork).
    unsafe {
        cmd.pre_exec(move || {
            set_no_new_privs()?;
            match &layer {
                Ok(Some(layer)) => {
                    let executed = program
                        .as_ref()
                        .map(|p| crate::exec::Executed::Path(p.as_ptr()));
                    layer
                        .apply(executed)
                        .map_err(io::Error::from_raw_os_error)?;
                }
                Ok(None) => {}
                Err(e) => return Err(io::Error::from_raw_os_error(e.errno())),
            }
            crate::exec::bind_to_pid(&mut prog, std::process::id());
            install_filter(&prog, 0).map(drop)
        });
    }
}

/// Opens `path` relative to the directory `dir` with `O_PATH` (nothing read, no permission
/// needed), following a symbolic link in its last component only when `follow`. An absolute
/// `path` ignores `dir`, as openat(2) does.
pub fn open_path_at(
    dir: std::os::fd::BorrowedFd<'_>,
    path: &std::path::Path,
    follow: bool,
) -> io::Result<std::fs::File> {
    use std::os::fd::AsRawFd as _;
    use std::os::unix::ffi::OsStrExt as _;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    let mut flags = libc::O_PATH | libc::O_CLOEXEC;
    if !follow {
        flags |= libc::O_NOFOLLOW;
    }
    // SAFETY: `dir` is a descriptor borrowed for the call and `c_path` a NUL-terminated string
    // that outlives it; O_PATH without O_CREAT takes no mode argument.
    let fd = unsafe { libc::openat(dir.as_raw_fd(), c_path.as_ptr(), flags) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a non-negative result is a new descriptor nobody else owns.
    Ok(unsafe { std::fs::File::from_raw_fd(fd) })
}

/// The target of the symbolic link `link`, a descriptor opened with `O_PATH | O_NOFOLLOW`
/// (`readlinkat(link, "")`): the link that descriptor holds, with no second lookup of a path.
pub fn read_link_fd(link: std::os::fd::BorrowedFd<'_>) -> io::Result<std::path::PathBuf> {
    use std::os::fd::AsRawFd as _;
    use std::os::unix::ffi::OsStringExt as _;
    let mut buf = vec![0u8; 256];
    loop {
        // SAFETY: the empty path is a NUL-terminated string; the kernel writes at most
        // `buf.len()` bytes into `buf`, which lives across the call.
        let n = unsafe {
            libc::readlinkat(
                link.as_raw_fd(),
                c"".as_ptr(),
                buf.as_mut_ptr().cast(),
                buf.len(),
            )
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let n = n as usize;
        if n < buf.len() {
            buf.truncate(n);
            return Ok(std::ffi::OsString::from_vec(buf).into());
        }
        // Possibly truncated: readlink does not say, so ask again with more room.
        if buf.len() >= 1 << 16 {
            return Err(io::Error::from_raw_os_error(libc::ENAMETOOLONG));
        }
        buf.resize(buf.len() * 4, 0);
    }
}
