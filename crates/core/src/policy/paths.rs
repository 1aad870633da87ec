//! The path side of the policy: which parts of the filesystem each promise reaches. Seccomp
//! cannot read path strings, so this table becomes a Landlock ruleset; the system call side of
//! the same promises is in [`super::table`].
//!
//! Access letters are unveil's: `r` read files and list directories, `w` write and truncate,
//! `x` execute, `c` create and remove files, directories, links, sockets and fifos; plus `d`,
//! which adds character and block devices for `dpath`, `s`, which binds and connects unix
//! sockets by path (creating the socket file only) for `unix`, and `w`'s two halves `v`
//! (writing contents) and `t` (truncating, device ioctls) for `wpath`.
//!
//! Each letter stands for its own Landlock rights, and a layer handles each right on its own:
//! one promise's wide grant of a right never lifts the confinement of another right (`unix`
//! binding sockets anywhere leaves `tmppath`'s creations in /tmp).

use super::Needs;
use crate::promise::Promise::*;
use crate::promise::Promises;

/// One grant: under `needs`, `path` (and everything beneath it) gets `access`.
#[derive(Clone, Copy, Debug)]
pub struct PathGrant {
    /// The promises that grant it.
    pub needs: Needs,
    /// An absolute path; a missing one grants nothing. [`OUTSIDE_KERNEL`] stands for every
    /// entry of `/` except the kernel's own filesystems.
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

/// The place of grants that reach everywhere but [`KERNEL_FILESYSTEMS`]: each entry of `/`
/// other than those gets the rule (listed when the layer is built), so entries made directly
/// in `/` afterwards, and `/` itself, get nothing.
pub const OUTSIDE_KERNEL: &str = "/*";

/// Writing beneath these is writing into the kernel: `/proc/self/mem` rewrites a process's
/// code whatever its page protections, `/proc/sys` and `/sys` change the machine, cgroups are
/// created with mkdir. `wpath`, `cpath` and `dpath` never reach them; only an explicit unveil
/// of such a path can.
pub const KERNEL_FILESYSTEMS: &[&str] = &["/proc", "/sys"];

/// Whether the entry `name` of `/` is one of [`KERNEL_FILESYSTEMS`].
pub fn is_kernel_filesystem(name: &std::ffi::OsStr) -> bool {
    KERNEL_FILESYSTEMS
        .iter()
        .any(|k| std::ffi::OsStr::new(k.trim_start_matches('/')) == name)
}

impl PathGrant {
    /// Whether the grant reaches `path` (absolute, normalised), as the layer built from it does.
    pub fn reaches(&self, path: impl AsRef<std::path::Path>) -> bool {
        let path = path.as_ref();
        match self.path {
            OUTSIDE_KERNEL => match path.components().nth(1) {
                Some(std::path::Component::Normal(first)) => !is_kernel_filesystem(first),
                _ => false,
            },
            place => path.starts_with(place),
        }
    }

    /// Where the grant reaches, for people: its path, or "/ but /proc, /sys".
    pub fn place(&self) -> String {
        if self.outside_kernel() {
            format!("/ but {}", KERNEL_FILESYSTEMS.join(", "))
        } else {
            self.path.to_string()
        }
    }

    /// Whether the grant reaches everywhere or nearly ([`OUTSIDE_KERNEL`]): what a promise
    /// such as `rpath` or `wpath` gives, as opposed to a few named files.
    pub fn unlimited(&self) -> bool {
        self.everywhere() || self.outside_kernel()
    }

    /// Whether the grant reaches everywhere (`/` and all beneath it).
    pub fn everywhere(&self) -> bool {
        self.path == "/"
    }

    /// Whether the grant reaches everywhere but the kernel's filesystems ([`OUTSIDE_KERNEL`]).
    pub fn outside_kernel(&self) -> bool {
        self.path == OUTSIDE_KERNEL
    }
}

/// The grants. `/` grants make a promise's access unlimited in place, as OpenBSD's are.
pub static PATH_GRANTS: &[PathGrant] = &[
    grant(Needs::All(&[Rpath]), "/", "r"),
    // Writing contents stays out of /proc and /sys. Truncating and device ioctls reach them:
    // Landlock checks those two on every open, so confining them would make every open walk
    // the path, and neither changes a kernel file (procfs refuses truncation, sysfs ignores
    // it, and they hold no devices); opening such a file for writing is refused anyway.
    grant(Needs::All(&[Wpath]), OUTSIDE_KERNEL, "v"),
    grant(Needs::All(&[Wpath]), "/", "t"),
    grant(Needs::All(&[Cpath]), OUTSIDE_KERNEL, "c"),
    grant(Needs::All(&[Dpath]), OUTSIDE_KERNEL, "d"),
    // Binding a socket creates its file; connecting to one is governed like writing it.
    grant(Needs::All(&[Unix]), "/", "s"),
    // Landlock checks read access too when a file is executed (and the loader reads the
    // libraries): programs and libraries in the system directories are readable with `exec`,
    // nothing else is (with `tmppath`, say, `exec` must not make /etc/shadow readable).
    grant(Needs::All(&[Exec]), "/", "x"),
    grant(Needs::All(&[Exec]), "/usr", "r"),
    grant(Needs::All(&[Exec]), "/bin", "r"),
    grant(Needs::All(&[Exec]), "/sbin", "r"),
    grant(Needs::All(&[Exec]), "/lib", "r"),
    grant(Needs::All(&[Exec]), "/lib32", "r"),
    grant(Needs::All(&[Exec]), "/lib64", "r"),
    grant(Needs::All(&[Exec]), "/libx32", "r"),
    grant(Needs::All(&[Exec]), "/opt", "r"),
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

/// Whether `promises` reach paths at all (hold a promise of [`PATH_PROMISES`]).
pub fn reaches_paths(promises: Promises) -> bool {
    !path_side(promises).is_empty()
}

/// The promises of `promises` that reach paths.
pub fn path_side(promises: Promises) -> Promises {
    PATH_PROMISES
        .iter()
        .copied()
        .filter(|p| promises.contains(*p))
        .collect()
}

/// The grants of `promises`: those whose promises are held (grants every pledge has apply only
/// to promises that reach paths).
pub fn grants(promises: Promises) -> impl Iterator<Item = &'static PathGrant> {
    let any = reaches_paths(promises);
    PATH_GRANTS
        .iter()
        .filter(move |g| any && g.needs.satisfied_by(promises, false))
}
