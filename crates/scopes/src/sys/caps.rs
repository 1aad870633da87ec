//! Dropping the capabilities no promise in force needs ([`crate::policy::caps`] says which;
//! [`scopes_sys::caps`] makes the calls and explains why a drop lasts).
//!
//! Capabilities belong to each thread, and only a thread can change its own: `capset` refuses
//! any other target. So the drop is planned first ([`plan`]: no side effects, and refused when
//! other threads exist that would keep what this one drops), then applied ([`CapDrop::apply`])
//! just before the seccomp filter goes in.

use std::io;

use scopes_sys::caps as raw;

use crate::error::Error;
use crate::Promises;
use scopes_core::policy::caps::{self, Caps};

/// A capability drop, planned by [`plan`].
#[derive(Debug)]
#[must_use = "nothing is dropped until apply()"]
pub struct CapDrop {
    pub(crate) raw: raw::CapDrop,
}

fn capget() -> Result<raw::Sets, Error> {
    raw::get().map_err(|e| Error::Os {
        call: "capget",
        source: e,
    })
}

/// Plans dropping every capability that `promises` do not need ([`caps::needed`]). Changes
/// nothing. Fails when the sets cannot be read, or when something is to drop and other threads
/// exist: they would keep it (capabilities are per thread), so the pledge is refused instead.
/// A process without capabilities (any ordinary user) has nothing to drop and never fails for
/// threads.
pub fn plan(promises: Promises) -> Result<CapDrop, Error> {
    let keep = caps::needed(promises).bits();
    let drop = raw::CapDrop::new(capget()?, keep);
    if !drop.drops_something() {
        return Ok(CapDrop { raw: drop });
    }
    let threads = raw::thread_count().map_err(|e| Error::Os {
        call: "counting threads in /proc/self/task",
        source: e,
    })?;
    if threads > 1 {
        return Err(Error::Thread {
            tid: None,
            reason: "other threads exist, and they would keep the capabilities this pledge \
                     drops (only a thread can drop its own): pledge before starting threads, \
                     or drop the capabilities in each thread first",
        });
    }
    Ok(CapDrop { raw: drop })
}

impl CapDrop {
    /// Drops the planned capabilities from the calling thread's effective, permitted and
    /// inheritable sets in one `capset`, which also lowers the ambient set. Checks the result,
    /// so a kernel that kept something fails the pledge.
    pub fn apply(&self) -> Result<(), Error> {
        self.raw.apply().map_err(|failure| match failure {
            raw::DropFailure::Os { call, source } => Error::Os { call, source },
            raw::DropFailure::StillHeld(held) => Error::Os {
                call: "capset",
                source: io::Error::other(format!(
                    "capabilities {} are still held",
                    Caps::from_bits(held)
                )),
            },
        })
    }
}

/// Plans the drop for a program about to be started under `promises`: the thread that makes the
/// `execve` is the only one the program keeps, so other threads of the caller do not matter.
/// [`CapDrop::apply`] then runs between fork and exec: it allocates only to describe a failure.
pub fn plan_for_exec(promises: Promises) -> Result<CapDrop, Error> {
    let keep = caps::needed(promises).bits();
    Ok(CapDrop {
        raw: raw::CapDrop::new(capget()?, keep),
    })
}

/// Plans and applies the drop for `promises` at once: for callers that build their own filter
/// ([`crate::supervised::drop_capabilities`]).
pub fn drop_unneeded(promises: Promises) -> Result<(), Error> {
    plan(promises)?.apply()
}
