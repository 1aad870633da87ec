//! The library's view of the kernel: the raw calls of [`scopes_sys`] (the workspace's
//! system-call crate, where every `unsafe` block lives), re-exported at the paths the library
//! uses, and the glue that turns the library's types (filters, layer plans, promises) into
//! what those calls take.

pub mod caps;
pub mod landlock;
pub mod report;

use std::io;

pub use scopes_sys::seccomp::{
    action_available, Installed, SECCOMP_FILTER_FLAG_NEW_LISTENER, SECCOMP_FILTER_FLAG_TSYNC,
    SECCOMP_FILTER_FLAG_TSYNC_ESRCH,
};
pub use scopes_sys::{
    at_fork, filtered, gid, landlock_abi, open_path_at, read_link_fd, set_no_new_privs,
    single_threaded_unfiltered, uid,
};

use crate::bpf::Insn;

/// `insn` as the kernel's `struct sock_filter` (the same fields).
fn raw(insn: &Insn) -> scopes_sys::seccomp::sock_filter {
    scopes_sys::seccomp::sock_filter {
        code: insn.code,
        jt: insn.jt,
        jf: insn.jf,
        k: insn.k,
    }
}

/// Installs `prog` with `seccomp(SECCOMP_SET_MODE_FILTER, flags)`.
pub fn install_filter(prog: &[Insn], flags: libc::c_ulong) -> io::Result<Installed> {
    let prog: Vec<_> = prog.iter().map(raw).collect();
    scopes_sys::seccomp::install_filter(&prog, flags)
}

/// Installs `layer` (when there is one) and `prog` in the child of `cmd`, between fork and
/// exec; a layer that could not be built makes the spawn fail with its errno. `prog` is bound
/// to the child's pid there ([`crate::exec::bind_to_pid`]).
pub fn install_before_exec(
    cmd: &mut std::process::Command,
    layer: Result<Option<crate::exec::ExecLayer>, crate::Error>,
    program: Option<std::ffi::CString>,
    prog: Vec<Insn>,
) {
    let (refuse, landlock, caps) = match layer {
        Ok(Some(layer)) => (None, layer.landlock.map(|l| l.raw), layer.caps.raw),
        Ok(None) => (None, None, scopes_sys::caps::CapDrop::nothing()),
        Err(e) => (Some(e.errno()), None, scopes_sys::caps::CapDrop::nothing()),
    };
    scopes_sys::exec::narrow_before_exec(
        cmd,
        scopes_sys::exec::Narrowing {
            refuse,
            landlock,
            caps,
            program,
            filter: prog.iter().map(raw).collect(),
            pid_slots: pid_slots(&prog),
        },
    );
}

/// The instructions of `prog` that [`crate::exec::bind_to_pid`] binds: those it changes when
/// binding to a pid other than the placeholder.
fn pid_slots(prog: &[Insn]) -> Vec<usize> {
    let mut bound = prog.to_vec();
    crate::exec::bind_to_pid(&mut bound, 0);
    (0..prog.len()).filter(|&i| bound[i] != prog[i]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_slots_are_the_placeholder_comparisons() {
        let jeq = crate::bpf::JMP_JEQ_K;
        let unbound = crate::exec::UNBOUND_PID;
        let prog = [
            Insn {
                code: jeq,
                jt: 0,
                jf: 1,
                k: 5,
            },
            Insn {
                code: jeq,
                jt: 0,
                jf: 1,
                k: unbound,
            },
            // Not a comparison: the same constant elsewhere stays.
            Insn {
                code: 0x06,
                jt: 0,
                jf: 0,
                k: unbound,
            },
            Insn {
                code: jeq,
                jt: 1,
                jf: 0,
                k: unbound,
            },
        ];
        assert_eq!(pid_slots(&prog), [1, 3]);
    }

    #[test]
    fn raw_instructions_keep_every_field() {
        let insn = Insn {
            code: 0x15,
            jt: 2,
            jf: 3,
            k: 0xdead_beef,
        };
        let r = raw(&insn);
        assert_eq!((r.code, r.jt, r.jf, r.k), (0x15, 2, 3, 0xdead_beef));
    }
}
