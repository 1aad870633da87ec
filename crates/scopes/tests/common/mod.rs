//! Fork-and-check helpers for behaviour tests: run a closure in a child process, capture its
//! stderr, and report how it ended. The only unsafe code in the tests lives here.

// The test calls libc directly, as the programs it stands for would, to see what the
// kernel allows and refuses.
#![allow(unsafe_code)]
#![allow(dead_code)]

use std::io::Read;
use std::os::fd::FromRawFd;

/// How a child ended.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum End {
    Exit(i32),
    Signal(i32),
}

/// A finished child.
#[derive(Debug)]
pub struct Child {
    pub end: End,
    pub stderr: String,
}

impl Child {
    /// Asserts the child exited 0.
    #[track_caller]
    pub fn ok(&self) -> &Self {
        assert_eq!(self.end, End::Exit(0), "stderr: {}", self.stderr);
        self
    }
    /// Asserts the child died of SIGSYS.
    #[track_caller]
    pub fn killed(&self) -> &Self {
        assert_eq!(
            self.end,
            End::Signal(libc::SIGSYS),
            "stderr: {}",
            self.stderr
        );
        self
    }
    /// Asserts stderr contains `text`.
    #[track_caller]
    pub fn says(&self, text: &str) -> &Self {
        assert!(
            self.stderr.contains(text),
            "expected {text:?} in stderr: {}",
            self.stderr
        );
        self
    }
}

/// Runs `f` in a forked child whose stderr is captured. The child exits with `f`'s result;
/// a panic exits 101.
pub fn run(f: impl FnOnce() -> i32) -> Child {
    install_child_panic_hook();
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: the child only runs `f` and exits; it never returns into the test harness.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        // SAFETY: in the child: redirect stderr to the pipe, run, and leave with _exit.
        unsafe {
            libc::dup2(fds[1], 2);
            let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or(101);
            libc::_exit(code);
        }
    }
    // SAFETY: the write end is ours to close; the read end becomes a File we own.
    let mut reader = unsafe {
        libc::close(fds[1]);
        std::fs::File::from_raw_fd(fds[0])
    };
    let mut stderr = String::new();
    let _ = reader.read_to_string(&mut stderr);
    let mut status = 0;
    // SAFETY: waiting for our own child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    let end = if libc::WIFEXITED(status) {
        End::Exit(libc::WEXITSTATUS(status))
    } else {
        End::Signal(libc::WTERMSIG(status))
    };
    Child { end, stderr }
}

/// In a forked child, a panic must not wait for locks another thread of the test binary held
/// at fork time (stderr, the backtrace lock): the child would hang instead of failing. Children
/// print their panic message with one raw write; the test binary itself keeps the usual hook.
fn install_child_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let parent = std::process::id();
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::process::id() == parent {
                return default(info);
            }
            let text = format!("{info}\n");
            // SAFETY: write(2) of a buffer we own.
            unsafe { libc::write(2, text.as_ptr().cast(), text.len()) };
        }));
    });
}

/// A raw system call, bypassing libc wrappers and the vDSO. Returns -errno on failure.
pub fn sys(nr: libc::c_long, args: &[u64]) -> i64 {
    let a = |i: usize| args.get(i).copied().unwrap_or(0);
    // SAFETY: tests pass arguments that are valid for the call or that the filter must stop
    // before the kernel reads them.
    let r = unsafe { libc::syscall(nr, a(0), a(1), a(2), a(3), a(4), a(5)) };
    if r < 0 {
        -(std::io::Error::last_os_error().raw_os_error().unwrap_or(0) as i64)
    } else {
        r
    }
}

/// Pledges or exits 90 with the error on stderr.
pub fn pledge(promises: &str) {
    if let Err(e) = scopes::pledge(Some(promises), None) {
        eprintln!("pledge({promises:?}) failed: {e}");
        // SAFETY: leaving the child.
        unsafe { libc::_exit(90) };
    }
}

/// A C string literal for raw calls.
pub fn cstr(s: &str) -> std::ffi::CString {
    std::ffi::CString::new(s).unwrap()
}

/// Address of a C string as a syscall argument.
pub fn ptr(c: &std::ffi::CString) -> u64 {
    c.as_ptr() as u64
}

/// `i386` system call through `int 0x80` (the compat entry), returning eax.
#[cfg(target_arch = "x86_64")]
pub fn int80(nr: u32) -> i32 {
    let mut ret = nr as i32;
    // SAFETY: int 0x80 with a syscall number that takes no arguments (getpid); the filter is
    // expected to kill the process before the kernel runs it.
    unsafe { std::arch::asm!("int 0x80", inout("eax") ret, options(nostack)) };
    ret
}

/// Installs an allow-everything filter of `len` instructions on the calling thread only (no
/// TSYNC), to make a thread diverge or to use up the kernel's instruction budget.
pub fn install_allow_filter(len: usize) -> i64 {
    let mut prog: Vec<libc::sock_filter> = (0..len - 1)
        .map(|_| libc::sock_filter {
            code: 0x20,
            jt: 0,
            jf: 0,
            k: 0,
        })
        .collect();
    prog.push(libc::sock_filter {
        code: 0x06,
        jt: 0,
        jf: 0,
        k: 0x7fff_0000,
    });
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_mut_ptr(),
    };
    // SAFETY: no_new_privs, then a valid program that outlives the call.
    unsafe {
        libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        libc::syscall(libc::SYS_seccomp, 1, 0, &fprog as *const libc::sock_fprog) as i64
    }
}

/// A directory for scratch files outside /tmp, which the `tmppath` promise reaches: the build's
/// own temporary directory, or /var/tmp when the checkout itself lives under /tmp.
pub fn outside_tmp_root() -> std::path::PathBuf {
    let target = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    if target.starts_with("/tmp") {
        std::path::PathBuf::from("/var/tmp/seccomp-scopes-tests")
    } else {
        target
    }
}

/// Drops every capability of the calling thread (effective, permitted, inheritable), as an
/// ordinary user starts: for tests of threads, since pledge() refuses to leave capabilities it
/// drops in other threads (tests/capabilities.rs).
pub fn without_capabilities() {
    let header: [u32; 2] = [0x2008_0522, 0];
    let data = [0u32; 6];
    assert_eq!(
        sys(
            libc::SYS_capset,
            &[header.as_ptr() as u64, data.as_ptr() as u64]
        ),
        0
    );
}
