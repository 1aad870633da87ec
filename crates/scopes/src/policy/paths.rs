//! The path side of the policy: which parts of the filesystem each promise reaches. Seccomp
//! cannot read path strings, so this table becomes a Landlock ruleset; the system call side of
//! the same promises is in [`super::table`].
//!
//! Access letters are unveil's: `r` read files and list directories, `w` write and truncate,
//! `x` execute, `c` create and remove files, directories, links, sockets and fifos; plus `d`,
//! which adds character and block devices for `dpath`.

use super::Needs;
use crate::promise::Promise::*;

/// One grant: under `needs`, `path` (and everything beneath it) gets `access`.
#[derive(Clone, Copy, Debug)]
pub struct PathGrant {
    /// The promises that grant it.
    pub needs: Needs,
    /// An absolute path; a missing one grants nothing.
    pub path: &'static str,
    /// Access letters.
    pub access: &'static str,
}

const fn grant(needs: Needs, path: &'static str, access: &'static str) -> PathGrant {
    PathGrant {
        needs,
        path,
        access,
    }
}

/// The grants. `/` grants make a promise's access unlimited in place, as OpenBSD's are.
pub static PATH_GRANTS: &[PathGrant] = &[
    grant(Needs::All(&[Rpath]), "/", "r"),
    grant(Needs::All(&[Wpath]), "/", "w"),
    grant(Needs::All(&[Cpath]), "/", "c"),
    grant(Needs::All(&[Dpath]), "/", "d"),
    grant(Needs::All(&[Unix]), "/", "c"),
    // Landlock checks read access too when a file is executed.
    grant(Needs::All(&[Exec]), "/", "rx"),
    grant(Needs::All(&[Tmppath]), "/tmp", "rwc"),
    grant(Needs::All(&[Dns]), "/etc/resolv.conf", "r"),
    grant(Needs::All(&[Dns]), "/etc/hosts", "r"),
    grant(Needs::All(&[Dns]), "/etc/services", "r"),
    grant(Needs::All(&[Dns]), "/etc/protocols", "r"),
    grant(Needs::All(&[Dns]), "/etc/host.conf", "r"),
    grant(Needs::All(&[Dns]), "/etc/gai.conf", "r"),
    grant(Needs::Any(&[Dns, Getpw]), "/etc/nsswitch.conf", "r"),
    grant(Needs::All(&[Getpw]), "/etc/passwd", "r"),
    grant(Needs::All(&[Getpw]), "/etc/group", "r"),
    grant(Needs::All(&[Vminfo]), "/proc/meminfo", "r"),
    grant(Needs::All(&[Vminfo]), "/proc/stat", "r"),
    grant(Needs::All(&[Vminfo]), "/proc/vmstat", "r"),
    grant(Needs::All(&[Vminfo]), "/proc/loadavg", "r"),
    grant(Needs::All(&[Vminfo]), "/proc/uptime", "r"),
    grant(Needs::All(&[Vminfo]), "/proc/swaps", "r"),
    grant(Needs::All(&[Vminfo]), "/sys/devices/system/cpu", "r"),
    grant(Needs::All(&[Ps]), "/proc", "r"),
    // Always reachable, as on OpenBSD, whenever the promises allow opening paths at all.
    grant(Needs::Always, "/dev/null", "rw"),
    grant(Needs::Always, "/etc/localtime", "r"),
    grant(Needs::Always, "/usr/share/zoneinfo", "r"),
    grant(Needs::All(&[Tty]), "/dev/tty", "rw"),
];

/// Promises whose system calls reach paths: a pledge holding any of them gets a Landlock
/// domain built from [`PATH_GRANTS`] (which also keeps `/proc/<pid>/mem` of processes outside
/// the sandbox out of reach).
pub const PATH_PROMISES: &[crate::Promise] = &[
    Rpath, Wpath, Cpath, Dpath, Tmppath, Dns, Getpw, Vminfo, Ps, Exec, Unix, Unveil,
];

/// Promises whose system calls are as wide as a general promise's but whose paths are narrow
/// (a few files, `/tmp`, `/proc`): only with one of them does the Landlock layer need to check
/// paths. Without, the filter alone already gives OpenBSD's meaning, and the layer is kept only
/// for its ptrace scoping (see `landlock::enforce`).
pub const PATH_LIMITED: &[crate::Promise] = &[Tmppath, Dns, Getpw, Vminfo, Ps];
