//! The one place where the workspace talks to the kernel directly: every crate's raw system
//! calls (seccomp, Landlock, capabilities, processes, signals, descriptors) behind safe
//! functions, with no dependency on the rest of the workspace (only `libc`).
//!
//! # Rules for `unsafe` in the workspace
//!
//! - `unsafe` lives in this crate. Every other crate inherits `unsafe_code = "deny"` from the
//!   workspace's `[workspace.lints]`; this crate alone allows it (below).
//! - Every `unsafe` block carries a `// SAFETY:` comment saying why it is sound
//!   (`clippy::undocumented_unsafe_blocks = "deny"` for the whole workspace), and an
//!   `unsafe fn` still wraps its unsafe operations in such blocks (`unsafe_op_in_unsafe_fn`).
//! - Outside this crate, `unsafe` is allowed only where it cannot be avoided, narrowly
//!   (`#![allow(unsafe_code)]` in that file, or on that one item, with a comment saying why):
//!   the C ABI of libpledge (`extern "C"` functions that take raw pointers, `#[no_mangle]`),
//!   the command's C `main` symbol (`export_name`), tests, and the attacker suite, whose
//!   hostile programs call libc directly on purpose.
//! - Code that runs between fork and exec, in the exec wrappers of the C library, or in a
//!   signal handler, neither allocates nor takes a lock: [`landlock::Prepared::apply`],
//!   [`seccomp::install_filter`], [`exec::narrow_before_exec`], [`sigsys`] and
//!   [`process::spawn_shared`] say what they rely on. That is why they are written against
//!   the raw calls, not a crate that allocates.
//! - What libc defines (seccomp structures, ioctl numbers, flags) comes from libc; what it
//!   lacks is written here by hand with a comment saying so.
//!
//! ```
//! // Safe wrappers: no `unsafe` at the call site.
//! assert_eq!(scopes_sys::uid(), scopes_sys::uid());
//! let _abi = scopes_sys::landlock_abi();
//! ```

// This crate is where the workspace's `unsafe` lives (see the rules above).
#![allow(unsafe_code)]

pub mod caps;
pub mod exec;
pub mod landlock;
pub mod measure;
pub mod message;
pub mod notif;
pub mod process;
pub mod seccomp;
pub mod sigsys;

use std::io;
use std::os::fd::FromRawFd;

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
/// Allocates nothing (it may run between fork and exec).
pub fn set_no_new_privs() -> io::Result<()> {
    // SAFETY: prctl with integer arguments only.
    let r = unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
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

/// What a directory entry is, as the directory itself records it (`d_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryType {
    /// A symbolic link.
    Link,
    /// Something else: a directory, a file, a device...
    Other,
    /// The filesystem does not record types: ask `lstat`.
    Unknown,
}

/// Calls `each` with the name and type of every entry of the directory `path` but `.` and
/// `..`, read with `getdents64` into a buffer on the stack. `std::fs::read_dir` costs about
/// 7 µs more for `/` in a fresh process (an allocation per entry, and glibc's 32 KiB
/// buffer), which pledge() pays in every program that promises writes beneath `/`.
pub fn list_dir(
    path: &std::ffi::CStr,
    mut each: impl FnMut(&std::ffi::OsStr, EntryType),
) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt as _;
    // SAFETY: a NUL-terminated path; the descriptor is owned by `dir` from here on.
    let fd = unsafe {
        libc::open(
            path.as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a new descriptor nobody else owns; closed when `dir` drops.
    let dir = unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) };
    let mut buf = [0u8; 4096];
    loop {
        // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`, which outlives the call.
        let n = unsafe {
            libc::syscall(
                libc::SYS_getdents64,
                std::os::fd::AsRawFd::as_raw_fd(&dir),
                buf.as_mut_ptr(),
                buf.len(),
            )
        };
        let n = process::check_long(n)? as usize;
        if n == 0 {
            return Ok(());
        }
        // Each record: d_ino (8 bytes), d_off (8), d_reclen (2), d_type (1), then the
        // NUL-terminated name, padded to d_reclen.
        let mut at = 0;
        while at + 19 < n {
            let reclen = usize::from(u16::from_ne_bytes([buf[at + 16], buf[at + 17]]));
            let record = &buf[at..(at + reclen).min(n)];
            at += reclen.max(1);
            let name = &record[19..];
            let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
            if name == b"." || name == b".." {
                continue;
            }
            let kind = match record[18] {
                libc::DT_LNK => EntryType::Link,
                libc::DT_UNKNOWN => EntryType::Unknown,
                _ => EntryType::Other,
            };
            each(std::ffi::OsStr::from_bytes(name), kind);
        }
    }
}
