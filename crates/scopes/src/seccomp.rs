//! Installing a compiled seccomp filter on every thread, and naming what went wrong: shared by
//! pledge() and by the callers that build their own filter ([`crate::supervised`]).

use std::os::fd::OwnedFd;

use crate::bpf::Insn;
use crate::error::Error;
use crate::sys::{self, Installed};

/// Installs `prog` on every thread (TSYNC), with a user-notification listener if asked, and
/// names what went wrong. no_new_privs must already be set.
pub(crate) fn install(prog: &[Insn], listener: bool) -> Result<Option<OwnedFd>, Error> {
    let mut flags = sys::SECCOMP_FILTER_FLAG_TSYNC;
    if listener {
        flags |= sys::SECCOMP_FILTER_FLAG_NEW_LISTENER | sys::SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    }
    match sys::install_filter(prog, flags) {
        Ok(Installed::Done) => Ok(None),
        Ok(Installed::Listener(fd)) => Ok(Some(fd)),
        Ok(Installed::ThreadFailed(tid)) => Err(Error::Thread {
            tid: Some(tid),
            reason: "could not be synchronised to the new filter (TSYNC)",
        }),
        Err(e) => Err(match e.raw_os_error() {
            Some(libc::ENOMEM) => Error::TooManyLayers {
                what: "seccomp filters (32768 instructions in all)",
                errno: libc::ENOMEM,
            },
            Some(libc::ESRCH) => Error::Thread {
                tid: None,
                reason: "another thread could not be synchronised to the new filter (TSYNC)",
            },
            Some(libc::EBUSY) => Error::Unsupported {
                feature: "a second seccomp listener on this thread (one is already installed)"
                    .into(),
                errno: libc::EBUSY,
            },
            _ => Error::Os {
                call: "seccomp(SECCOMP_SET_MODE_FILTER)",
                source: e,
            },
        }),
    }
}
