//! Helpers for the library's behaviour tests: the workspace's fork-and-check helpers
//! (`test-support`), and what only these tests need.

// The test calls libc directly, as the programs it stands for would, to see what the
// kernel allows and refuses.
#![allow(unsafe_code)]
#![allow(dead_code)]

// Each test file uses its own part of these.
#[allow(unused_imports)]
pub use test_support::{run_forked as run, sys, Child, End};

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
