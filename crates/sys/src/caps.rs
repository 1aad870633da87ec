//! Capabilities: reading and setting the calling thread's sets, and dropping those a caller
//! does not keep (which ones is the caller's decision: `scopes` keeps what the promises in
//! force need).
//!
//! Capabilities belong to each thread, and only a thread can change its own: `capset` refuses
//! any other target. So a drop is planned first ([`CapDrop::new`], with [`thread_count`] to
//! refuse it while other threads exist that would keep what this one drops), then applied
//! ([`CapDrop::apply`]) just before the seccomp filter goes in.
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
//! it gone ([`drop_all`]).
//!
//! libc has neither the capability structures nor their version constant: they are written
//! here from `linux/capability.h`.

use std::io;

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
    pub fn any(&self) -> u64 {
        self.effective | self.permitted | self.inheritable
    }

    /// The sets with only the capabilities of `keep`.
    pub fn within(&self, keep: u64) -> Sets {
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
pub fn set(sets: &Sets) -> io::Result<()> {
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
pub fn thread_count() -> io::Result<u64> {
    if crate::single_threaded_unfiltered() {
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

/// A capability drop, planned by [`CapDrop::new`].
#[derive(Debug)]
#[must_use = "nothing is dropped until apply()"]
pub struct CapDrop {
    /// The sets as they are, and the capabilities to keep; `None` when nothing is to drop.
    change: Option<(Sets, u64)>,
}

/// Why a drop failed.
#[derive(Debug)]
pub enum DropFailure {
    /// A system call failed.
    Os {
        /// Which.
        call: &'static str,
        /// The error.
        source: io::Error,
    },
    /// `capset` succeeded but these capabilities (a mask) are still held.
    StillHeld(u64),
}

impl DropFailure {
    /// The errno that describes the failure (EIO for capabilities still held: the kernel
    /// reported no error).
    pub fn errno(&self) -> i32 {
        match self {
            DropFailure::Os { source, .. } => source.raw_os_error().unwrap_or(libc::EIO),
            DropFailure::StillHeld(_) => libc::EIO,
        }
    }
}

impl CapDrop {
    /// A drop that keeps only `keep` (a mask) of `sets`, the calling thread's sets as
    /// [`get`] read them; nothing to do when they hold nothing else.
    pub fn new(sets: Sets, keep: u64) -> CapDrop {
        CapDrop {
            change: (sets.any() & !keep != 0).then_some((sets, keep)),
        }
    }

    /// A drop that drops nothing.
    pub fn nothing() -> CapDrop {
        CapDrop { change: None }
    }

    /// Whether something is to drop.
    pub fn drops_something(&self) -> bool {
        self.change.is_some()
    }

    /// Drops the planned capabilities from the calling thread's effective, permitted and
    /// inheritable sets in one `capset`, which also lowers the ambient set. Checks the result,
    /// so a kernel that kept something fails. Allocates nothing (it may run between fork and
    /// exec).
    pub fn apply(&self) -> Result<(), DropFailure> {
        let Some((sets, keep)) = self.change else {
            return Ok(());
        };
        let os = |call| move |source| DropFailure::Os { call, source };
        let wanted = sets.within(keep);
        set(&wanted).map_err(os("capset"))?;
        let now = get().map_err(os("capget"))?;
        if now != wanted {
            return Err(DropFailure::StillHeld(now.any() & !keep));
        }
        Ok(())
    }
}

/// The highest capability number the kernel knows.
fn last_cap() -> u32 {
    std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(40)
}

/// Drops every capability, for good: the ambient and inheritable sets are cleared, the bounding
/// set is emptied (so executing a program, even as root, grants none) and the effective and
/// permitted sets are cleared. A process without CAP_SETPCAP cannot shrink its bounding set, but
/// then it holds no capability to pass on: with no_new_privs (always set) nothing can add one.
pub fn drop_all() -> io::Result<()> {
    // SAFETY: prctl with integer arguments only.
    let r = unsafe {
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL,
            0,
            0,
            0,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    const CAP_SETPCAP: u32 = 8;
    if get()?.effective & (1 << CAP_SETPCAP) != 0 {
        for cap in 0..=last_cap() {
            // SAFETY: prctl with integer arguments only.
            let r = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) };
            if r < 0 && io::Error::last_os_error().raw_os_error() != Some(libc::EINVAL) {
                return Err(io::Error::last_os_error());
            }
        }
    }
    set(&Sets::default())
}
