//! The benchmark's direct system calls. Every `unsafe` block of the benchmark lives here, each
//! with a `SAFETY:` comment.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

use scopes::bpf::Insn;

fn check(r: libc::c_long) -> io::Result<libc::c_long> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// A pipe: (read end, write end), both close-on-exec.
pub fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array, which we then own.
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } as libc::c_long)?;
    // SAFETY: both descriptors were just created and are owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Forks. In the child, runs `child` and leaves with `_exit` (never returning); in the parent,
/// returns the child's pid.
pub fn fork(child: impl FnOnce() -> i32) -> io::Result<libc::pid_t> {
    // SAFETY: the benchmark is single-threaded when it forks; the child runs `child` and
    // exits without returning into the caller's stack frames.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(child)).unwrap_or(101);
        // SAFETY: _exit ends the child without running the parent's atexit handlers.
        unsafe { libc::_exit(code) };
    }
    Ok(pid)
}

/// How a child ended: `Ok(exit code)` or `Err(signal)`.
pub fn wait(pid: libc::pid_t) -> io::Result<Result<i32, i32>> {
    let mut status = 0;
    // SAFETY: waiting for our own child; `status` is a valid out-pointer.
    check(unsafe { libc::waitpid(pid, &mut status, 0) } as libc::c_long)?;
    Ok(if libc::WIFEXITED(status) {
        Ok(libc::WEXITSTATUS(status))
    } else {
        Err(libc::WTERMSIG(status))
    })
}

/// Closes every descriptor above stderr except `keep`, so that a forked child holds no other
/// child's pipe ends (which would keep that child from ever seeing end of file).
pub fn close_all_except(keep: &[RawFd]) {
    let mut keep: Vec<u32> = keep.iter().map(|fd| *fd as u32).collect();
    keep.sort_unstable();
    let mut from = 3u32;
    for k in keep.into_iter().filter(|k| *k >= 3) {
        if k > from {
            // SAFETY: close_range on descriptors this freshly forked child inherited and that
            // no object in the child will use.
            unsafe { libc::syscall(libc::SYS_close_range, from, k - 1, 0) };
        }
        from = k + 1;
    }
    // SAFETY: as above, for everything above the last kept descriptor.
    unsafe { libc::syscall(libc::SYS_close_range, from, u32::MAX, 0) };
}

/// Kills a child of ours (used when the benchmark gives up on it).
pub fn kill(pid: libc::pid_t) {
    // SAFETY: signals a process we forked and have not reaped yet.
    unsafe { libc::kill(pid, libc::SIGKILL) };
}

/// Pins the calling process to one CPU.
pub fn pin_to_cpu(cpu: usize) -> io::Result<()> {
    // SAFETY: cpu_set_t is plain data; CPU_SET writes inside it; sched_setaffinity reads it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        check(
            libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set)
                as libc::c_long,
        )?;
    }
    Ok(())
}

/// The CPUs this process may run on.
pub fn allowed_cpus() -> Vec<usize> {
    // SAFETY: cpu_set_t is plain data filled by the kernel; CPU_ISSET only reads it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return vec![0];
        }
        (0..libc::CPU_SETSIZE as usize)
            .filter(|c| libc::CPU_ISSET(*c, &set))
            .collect()
    }
}

/// Sets no_new_privs, which an unprivileged seccomp filter needs.
pub fn no_new_privs() -> io::Result<()> {
    // SAFETY: prctl with integer arguments only.
    check(unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } as libc::c_long).map(drop)
}

/// Installs `prog` as one more seccomp filter layer (with TSYNC, as the library does).
pub fn install_filter(prog: &[Insn]) -> io::Result<()> {
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: `Insn` has the layout of `struct sock_filter`; `fprog` points at `prog`, which
    // outlives the call; the kernel copies the program.
    let r = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            1, /* SET_MODE_FILTER */
            1, /* TSYNC */
            &fprog as *const libc::sock_fprog,
        )
    };
    check(r).map(drop)
}

/// Reads exactly `buf.len()` bytes, or fails (end of file included).
pub fn read_exact(fd: RawFd, buf: &mut [u8]) -> io::Result<()> {
    let mut done = 0;
    while done < buf.len() {
        // SAFETY: the pointer and length describe the unfilled part of `buf`.
        let r = unsafe { libc::read(fd, buf[done..].as_mut_ptr().cast(), buf.len() - done) };
        match r {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            r if r < 0 => {
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
            r => done += r as usize,
        }
    }
    Ok(())
}

/// Writes all of `buf`.
pub fn write_all(fd: RawFd, buf: &[u8]) -> io::Result<()> {
    let mut done = 0;
    while done < buf.len() {
        // SAFETY: the pointer and length describe the unwritten part of `buf`.
        let r = unsafe { libc::write(fd, buf[done..].as_ptr().cast(), buf.len() - done) };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        } else {
            done += r as usize;
        }
    }
    Ok(())
}

/// The measured operations, as raw system calls (no libc caching, no vDSO). Each returns
/// whether the kernel answered as expected.
pub mod op {
    use super::*;

    /// `getppid()`.
    pub fn getppid() -> bool {
        // SAFETY: no arguments.
        unsafe { libc::syscall(libc::SYS_getppid) > 0 }
    }

    /// A 1-byte `read()` from `fd`.
    pub fn read1(fd: RawFd) -> bool {
        let mut b = [0u8; 1];
        // SAFETY: reads at most one byte into `b`.
        unsafe { libc::syscall(libc::SYS_read, fd, b.as_mut_ptr(), 1) == 1 }
    }

    /// `fcntl(fd, F_GETFL)`.
    pub fn fcntl_getfl(fd: RawFd) -> bool {
        // SAFETY: F_GETFL takes no pointer.
        unsafe { libc::syscall(libc::SYS_fcntl, fd, libc::F_GETFL) >= 0 }
    }

    /// `ioctl(fd, FIONREAD, &n)`.
    pub fn ioctl_fionread(fd: RawFd) -> bool {
        let mut n: libc::c_int = 0;
        // SAFETY: FIONREAD writes one int into `n`.
        unsafe {
            libc::syscall(
                libc::SYS_ioctl,
                fd,
                libc::FIONREAD,
                &mut n as *mut libc::c_int,
            ) == 0
        }
    }

    /// `mmap` of 4 KiB of anonymous memory, then `munmap`.
    pub fn mmap_munmap() -> bool {
        // SAFETY: a fresh private anonymous mapping, unmapped right away and never touched.
        unsafe {
            let p = libc::syscall(
                libc::SYS_mmap,
                0usize,
                4096usize,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0usize,
            );
            p != -1 && libc::syscall(libc::SYS_munmap, p as usize, 4096usize) == 0
        }
    }

    /// `openat(AT_FDCWD, "/dev/null", O_RDONLY)`, then `close`.
    pub fn open_close_devnull() -> bool {
        // SAFETY: the path is a NUL-terminated constant; the descriptor is closed at once.
        unsafe {
            let fd = libc::syscall(
                libc::SYS_openat,
                libc::AT_FDCWD,
                c"/dev/null".as_ptr(),
                libc::O_RDONLY | libc::O_CLOEXEC,
            );
            fd >= 0 && libc::syscall(libc::SYS_close, fd) == 0
        }
    }
}
