//! Dropping the capabilities no promise in force needs ([`crate::policy::caps`] says which).
//!
//! Capabilities belong to each thread, and only a thread can change its own: `capset` refuses
//! any other target. So the drop is planned first ([`plan`]: no side effects, and refused when
//! other threads exist that would keep what this one drops), then applied ([`CapDrop::apply`])
//! just before the seccomp filter goes in.
//!
//! What stays dropped: the effective, permitted and inheritable sets lose every capability
//! outside the promises' set, in one `capset`; the kernel lowers the ambient set in the same
//! call (it keeps only capabilities both permitted and inheritable). None can come back:
//!
//! - `capset` never raises the permitted set, and raises the inheritable set only within the
//!   permitted one (more needs CAP_SETPCAP, which no promise keeps);
//! - `execve` under no_new_privs (which pledge always sets, and which is never cleared) cannot
//!   grant more: for root and for files with capabilities the kernel computes the new permitted
//!   set, and because no_new_privs marks the exec unsafe, it then intersects it with the old
//!   permitted set (`cap_bprm_creds_from_file`: "they get no more than they had"). Setuid bits
//!   are ignored likewise. tests/capabilities.rs executes a program as root after a pledge and
//!   finds it holds only what the pledge left.
//!
//! The bounding set is left as it is. Under no_new_privs it limits nothing that the permitted
//! set does not already limit (it only bounds what an exec or `capset` could add, and both are
//! bounded by the permitted set here); shrinking it costs one `prctl(PR_CAPBSET_DROP)` per
//! capability, each a credential commit: 57 µs for root's 41 on the reference machine, a fifth
//! of pledge()'s budget, for no protection. `pledge --drop-caps` empties it for those who want
//! it gone.

use std::io;

use crate::error::Error;
use crate::policy::caps::{self, Caps};
use crate::Promises;

/// `_LINUX_CAPABILITY_VERSION_3`: two 32-bit words per set.
const VERSION_3: u32 = 0x2008_0522;

#[repr(C)]
struct Header {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct Data {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// A thread's capability sets, as 64-bit masks (bit `n` for capability `n`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sets {
    /// What the thread's calls are checked against.
    pub effective: u64,
    /// What it may make effective.
    pub permitted: u64,
    /// What it may pass on across execve (with file or ambient capabilities).
    pub inheritable: u64,
}

impl Sets {
    /// Every capability in any of the three sets.
    fn any(&self) -> u64 {
        self.effective | self.permitted | self.inheritable
    }

    /// The sets with only the capabilities of `keep`.
    fn within(&self, keep: u64) -> Sets {
        Sets {
            effective: self.effective & keep,
            permitted: self.permitted & keep,
            inheritable: self.inheritable & keep,
        }
    }
}

/// The calling thread's capability sets (`capget`).
pub fn get() -> io::Result<Sets> {
    let mut header = Header {
        version: VERSION_3,
        pid: 0,
    };
    let mut data = [Data::default(); 2];
    // SAFETY: with version 3 the kernel writes two `Data` structs, which `data` holds; both
    // pointers are valid locals for the duration of the call.
    let r = unsafe {
        libc::syscall(
            libc::SYS_capget,
            &mut header as *mut Header,
            data.as_mut_ptr(),
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    let join = |lo: u32, hi: u32| lo as u64 | (hi as u64) << 32;
    Ok(Sets {
        effective: join(data[0].effective, data[1].effective),
        permitted: join(data[0].permitted, data[1].permitted),
        inheritable: join(data[0].inheritable, data[1].inheritable),
    })
}

/// Sets the calling thread's capability sets (`capset`, which also lowers the ambient set to
/// what stays both permitted and inheritable).
fn set(sets: &Sets) -> io::Result<()> {
    let mut header = Header {
        version: VERSION_3,
        pid: 0,
    };
    let split = |mask: u64| (mask as u32, (mask >> 32) as u32);
    let (e0, e1) = split(sets.effective);
    let (p0, p1) = split(sets.permitted);
    let (i0, i1) = split(sets.inheritable);
    let data = [
        Data {
            effective: e0,
            permitted: p0,
            inheritable: i0,
        },
        Data {
            effective: e1,
            permitted: p1,
            inheritable: i1,
        },
    ];
    // SAFETY: the kernel reads the header and two `Data` structs from valid locals; pid 0 names
    // the calling thread, the only one capset may change.
    let r = unsafe { libc::syscall(libc::SYS_capset, &mut header as *mut Header, data.as_ptr()) };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// How many threads the process has, asking only what every pledge with `stdio` allows: one
/// system call before any filter; otherwise the link count of `/proc/self/task` (two plus one
/// per thread), read with `newfstatat(..., AT_EMPTY_PATH)`, the form glibc's `fstat` uses and
/// `stdio` allows (an O_PATH open, as the Landlock side counts, would be a violation under
/// `stdio` alone).
fn thread_count() -> io::Result<u64> {
    if super::single_threaded_unfiltered() {
        return Ok(1);
    }
    // SAFETY: an all-zero `stat` is a valid value of this plain C struct.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: a NUL-terminated path and a pointer to a valid local the kernel fills.
    let r = unsafe {
        libc::syscall(
            libc::SYS_newfstatat,
            libc::AT_FDCWD,
            c"/proc/self/task".as_ptr(),
            &mut st as *mut libc::stat,
            libc::AT_EMPTY_PATH,
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((st.st_nlink as u64).saturating_sub(2).max(1))
}

/// A capability drop, planned by [`plan`].
#[derive(Debug)]
#[must_use = "nothing is dropped until apply()"]
pub struct CapDrop {
    /// The sets as they are, and the capabilities to keep; `None` when nothing is to drop.
    change: Option<(Sets, u64)>,
}

/// Plans dropping every capability that `promises` do not need ([`caps::needed`]). Changes
/// nothing. Fails when the sets cannot be read, or when something is to drop and other threads
/// exist: they would keep it (capabilities are per thread), so the pledge is refused instead.
/// A process without capabilities (any ordinary user) has nothing to drop and never fails for
/// threads.
pub fn plan(promises: Promises) -> Result<CapDrop, Error> {
    let keep = caps::needed(promises).bits();
    let sets = get().map_err(|e| Error::Os {
        call: "capget",
        source: e,
    })?;
    if sets.any() & !keep == 0 {
        return Ok(CapDrop { change: None });
    }
    let threads = thread_count().map_err(|e| Error::Os {
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
    Ok(CapDrop {
        change: Some((sets, keep)),
    })
}

impl CapDrop {
    /// Drops the planned capabilities from the calling thread's effective, permitted and
    /// inheritable sets in one `capset`, which also lowers the ambient set. Checks the result,
    /// so a kernel that kept something fails the pledge.
    pub fn apply(&self) -> Result<(), Error> {
        let Some((sets, keep)) = self.change else {
            return Ok(());
        };
        let os = |call| move |e| Error::Os { call, source: e };
        let wanted = sets.within(keep);
        set(&wanted).map_err(os("capset"))?;
        let now = get().map_err(os("capget"))?;
        if now != wanted {
            return Err(Error::Os {
                call: "capset",
                source: io::Error::other(format!(
                    "capabilities {} are still held",
                    Caps::from_bits(now.any() & !keep)
                )),
            });
        }
        Ok(())
    }
}

/// Plans the drop for a program about to be started under `promises`: the thread that makes the
/// `execve` is the only one the program keeps, so other threads of the caller do not matter.
/// [`CapDrop::apply`] then runs between fork and exec: it allocates only to describe a failure.
pub fn plan_for_exec(promises: Promises) -> Result<CapDrop, Error> {
    let keep = caps::needed(promises).bits();
    let sets = get().map_err(|e| Error::Os {
        call: "capget",
        source: e,
    })?;
    Ok(CapDrop {
        change: (sets.any() & !keep != 0).then_some((sets, keep)),
    })
}

/// Plans and applies the drop for `promises` at once: for callers that build their own filter
/// ([`crate::supervised::drop_capabilities`]).
pub fn drop_unneeded(promises: Promises) -> Result<(), Error> {
    plan(promises)?.apply()
}
