//! The C library's direct kernel and libc calls, all made by [`scopes_sys`] (the workspace's
//! system-call crate), re-exported at the paths the library uses. The functions used on the
//! exec path neither allocate nor take locks: they may run in the child of `fork()` or
//! `vfork()` in a multi-threaded program, where only async-signal-safe calls are allowed.

use std::ffi::c_int;

use scopes::bpf::Insn;
use scopes::compiler::MAX_INSNS;
use scopes_sys::seccomp::sock_filter;

#[cfg(test)]
pub use scopes_sys::exec::errno;
pub use scopes_sys::exec::{c_str, environment, raw_execve, raw_execveat, set_errno};

/// The errno of a failed call.
fn errno_of(e: std::io::Error) -> c_int {
    e.raw_os_error().unwrap_or(libc::EIO)
}

/// Sets no_new_privs, which a Landlock layer and a filter need without CAP_SYS_ADMIN.
pub fn set_no_new_privs() -> Result<(), c_int> {
    scopes_sys::set_no_new_privs().map_err(errno_of)
}

/// Installs `prog`, bound to `pid` ([`scopes::exec::bind_to_pid`]), as a seccomp filter on the
/// calling thread only (no TSYNC): the thread about to call `execve` is the one whose filters
/// the new program inherits. Sets `no_new_privs` first, which installing a filter requires.
/// The bound copy is on the stack (at most [`MAX_INSNS`] instructions, 32 KiB): nothing is
/// allocated. Returns the errno on failure.
pub fn install_thread_filter(prog: &[Insn], pid: u32) -> Result<(), c_int> {
    const EMPTY: sock_filter = sock_filter {
        code: 0,
        jt: 0,
        jf: 0,
        k: 0,
    };
    let mut copy = [EMPTY; MAX_INSNS];
    let bound = copy.get_mut(..prog.len()).ok_or(libc::E2BIG)?;
    for (slot, insn) in bound.iter_mut().zip(prog) {
        let mut one = [*insn];
        scopes::exec::bind_to_pid(&mut one, pid);
        let [Insn { code, jt, jf, k }] = one;
        *slot = sock_filter { code, jt, jf, k };
    }
    set_no_new_privs()?;
    scopes_sys::seccomp::install_filter(bound, 0)
        .map(drop)
        .map_err(errno_of)
}
