//! What the benchmark needs besides processes and pipes ([`crate::process`]): pinning to a
//! CPU, and the system calls it measures.

use std::io;
use std::os::fd::RawFd;

/// Pins the calling process to one CPU.
pub fn pin_to_cpu(cpu: usize) -> io::Result<()> {
    // SAFETY: cpu_set_t is plain data; CPU_SET writes inside it; sched_setaffinity reads it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        crate::process::check(libc::sched_setaffinity(
            0,
            std::mem::size_of::<libc::cpu_set_t>(),
            &set,
        ))?;
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

/// The measured operations, as raw system calls (no libc caching, no vDSO). Each returns
/// whether the kernel answered as expected.
pub mod op {
    use super::RawFd;

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
