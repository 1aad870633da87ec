//! The library's view of the kernel: the raw calls of [`scopes_sys`] (the workspace's
//! system-call crate, where every `unsafe` block lives), re-exported at the paths the library
//! uses, and the glue that turns the library's types (filters, layer plans, promises) into
//! what those calls take.

pub mod caps;
pub mod landlock;

use std::io;

pub use scopes_sys::seccomp::{
    action_available, Installed, SECCOMP_FILTER_FLAG_NEW_LISTENER, SECCOMP_FILTER_FLAG_TSYNC,
    SECCOMP_FILTER_FLAG_TSYNC_ESRCH,
};
pub use scopes_sys::{
    at_fork, filtered, gid, landlock_abi, list_dir, open_path_at, read_link_fd, set_no_new_privs,
    single_threaded_unfiltered, uid, EntryType,
};

use crate::bpf::Insn;

/// `insn` as the kernel's `struct sock_filter` (the same fields).
pub(crate) fn raw(insn: &Insn) -> scopes_sys::seccomp::sock_filter {
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

#[cfg(test)]
mod tests {
    use super::*;

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
