//! The benchmark's direct system calls, all made by [`scopes_sys`] (the workspace's
//! system-call crate), in the shapes the benchmark uses.

use std::io;
use std::os::fd::RawFd;

use scopes::bpf::Insn;
use scopes_sys::process::{self, Ended, Forked};

pub use scopes_sys::measure::{allowed_cpus, op, pin_to_cpu};
pub use scopes_sys::process::{pipe, read_exact, write_all};
pub use scopes_sys::set_no_new_privs as no_new_privs;

/// Forks. In the child, runs `child` and leaves with its code (101 if it panicked), never
/// returning; in the parent, returns the child's pid. The benchmark is single-threaded when it
/// forks.
pub fn fork(child: impl FnOnce() -> i32) -> io::Result<libc::pid_t> {
    match process::fork()? {
        Forked::Parent(pid) => Ok(pid),
        Forked::Child => {
            let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(child)).unwrap_or(101);
            process::exit_now(code)
        }
    }
}

/// How a child ended: `Ok(exit code)` or `Err(signal)`.
pub fn wait(pid: libc::pid_t) -> io::Result<Result<i32, i32>> {
    match process::wait(pid, true)? {
        Some(Ended::Exited(code)) => Ok(Ok(code)),
        Some(Ended::Signaled(sig)) => Ok(Err(sig)),
        None => Err(io::Error::other("waitpid returned without a status")),
    }
}

/// Kills a child of ours (used when the benchmark gives up on it).
pub fn kill(pid: libc::pid_t) {
    let _ = process::kill(pid, libc::SIGKILL);
}

/// Closes every descriptor above stderr except `keep`, so that a forked child holds no other
/// child's pipe ends (which would keep that child from ever seeing end of file).
pub fn close_all_except(keep: &[RawFd]) {
    let mut keep: Vec<u32> = keep.iter().map(|fd| *fd as u32).collect();
    keep.sort_unstable();
    let mut from = 3u32;
    for k in keep.into_iter().filter(|k| *k >= 3) {
        if k > from {
            let _ = process::close_range(from, k - 1);
        }
        from = k + 1;
    }
    let _ = process::close_range(from, u32::MAX);
}

/// Installs `prog` as one more seccomp filter layer (with TSYNC, as the library does).
pub fn install_filter(prog: &[Insn]) -> io::Result<()> {
    let raw: Vec<_> = prog
        .iter()
        .map(|i| scopes_sys::seccomp::sock_filter {
            code: i.code,
            jt: i.jt,
            jf: i.jf,
            k: i.k,
        })
        .collect();
    scopes_sys::seccomp::install_filter(&raw, scopes_sys::seccomp::SECCOMP_FILTER_FLAG_TSYNC)
        .map(drop)
}
