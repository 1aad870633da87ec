//! Harmless reads: files that ordinary programs open on the side (libc reading about itself
//! and the machine, message catalogs, time zones, `/dev/null`), which reveal nothing about the
//! user and let a program change nothing. Pure data, each entry with its reason, shared by
//! everything that needs the list: the `pledge` command's file broker serves these files to a
//! program whose own open was denied (it opens them itself and hands the descriptor over), and
//! `--explain` and the documentation print them.
//!
//! The library cannot serve them: a process that pledged itself has no supervisor to open
//! files on its behalf, so there these opens stay violations (or need `rpath`), as before.
//!
//! Each entry names a place, not a pattern: the broker opens the path the program asked for
//! beneath the entry's directory, never following a link out of it, and checks the file is of
//! the entry's kind. Anything that does not match an entry is judged by the promises as usual.
//! `pledge --learn` reads the same list: such a read is not a need of the program.
//!
//! [`SECRETS`] and [`holds_secrets`] say which directories a suggested unveil entry must never
//! cover wholesale: a program that read `/etc/passwd`, `/etc/group` and `/etc/nsswitch.conf`
//! gets those files, never `/etc` (and with it `/etc/shadow`).

use std::path::Path;

use crate::promise::Promise;

/// What an entry covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// Exactly this file.
    File(&'static str),
    /// Every regular file beneath this directory (at any depth).
    Beneath(&'static str),
    /// `/proc/self/NAME` (and `/proc/thread-self/NAME`), served as the calling process's own
    /// `/proc/PID/NAME`: `/proc/self` would name the broker, not the program.
    OwnProc(&'static str),
    /// `readlink("/proc/self/NAME")`: the target of the calling process's own link, written
    /// into its buffer (nothing is opened).
    OwnLink(&'static str),
    /// The calling process's controlling terminal, as `/dev/tty` names it.
    ControllingTty,
    /// `/etc/localtime`: the file, or a link to a file beneath `/usr/share/zoneinfo`.
    LocalTime,
}

/// What kind of file an entry must be once opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A regular file with one link (a hard link to another file cannot be slipped in).
    Regular,
    /// A regular file of a kernel filesystem (`/proc`, `/sys`), whose link counts mean nothing.
    KernelFile,
    /// The character device with this major and minor number.
    CharDevice(u32, u32),
    /// A terminal (checked when opened).
    Terminal,
}

/// One harmless read.
#[derive(Clone, Copy, Debug)]
pub struct Harmless {
    /// Where.
    pub place: Place,
    /// What it must be.
    pub kind: Kind,
    /// Whether it may be opened for writing too (only devices whose writes go nowhere).
    pub write: bool,
    /// Whether links beneath the place's directory may be followed, staying beneath it (the
    /// time zone database names its aliases with relative links). Never out of it.
    pub links_inside: bool,
    /// The promise that must also be held, if any (besides none: these are served under any
    /// promise set).
    pub needs: Option<Promise>,
    /// Why it is harmless, and who reads it.
    pub why: &'static str,
}

const fn entry(place: Place, kind: Kind, why: &'static str) -> Harmless {
    Harmless {
        place,
        kind,
        write: false,
        links_inside: false,
        needs: None,
        why,
    }
}

/// The list. Every entry is read-only but `/dev/null` and the controlling terminal, as on
/// OpenBSD (`pledge_namei`).
pub const HARMLESS: &[Harmless] = &[
    Harmless {
        write: true,
        ..entry(
            Place::File("/dev/null"),
            Kind::CharDevice(1, 3),
            "OpenBSD allows it under any promise: reads are empty and writes vanish \
             (daemon(3), shells' >/dev/null, git and perl open it read-write)",
        )
    },
    entry(
        Place::File("/dev/zero"),
        Kind::CharDevice(1, 5),
        "reads give zeros, as mmap of anonymous memory does under stdio",
    ),
    entry(
        Place::File("/dev/urandom"),
        Kind::CharDevice(1, 9),
        "random bytes, as getrandom() gives under stdio (perl seeds its hashes from it)",
    ),
    entry(
        Place::File("/dev/random"),
        Kind::CharDevice(1, 8),
        "random bytes, as getrandom() gives under stdio",
    ),
    Harmless {
        write: true,
        needs: Some(Promise::Tty),
        ..entry(
            Place::ControllingTty,
            Kind::Terminal,
            "OpenBSD allows /dev/tty under tty: the terminal the program already runs on \
             (password prompts); served only when the caller's controlling terminal is the \
             command's. Without tty, opening it fails with ENXIO, unreported, as for a process \
             without a terminal (bash probes it at start)",
        )
    },
    entry(
        Place::LocalTime,
        Kind::Regular,
        "OpenBSD allows it under any promise: the local time zone (localtime() rereads it, \
         or times come out in UTC)",
    ),
    Harmless {
        links_inside: true,
        ..entry(
            Place::Beneath("/usr/share/zoneinfo"),
            Kind::Regular,
            "OpenBSD allows the time zone database under any promise (TZ=Europe/Paris)",
        )
    },
    entry(
        Place::Beneath("/usr/share/locale"),
        Kind::Regular,
        "message catalogs: gettext looks for translations of every message a program prints \
         (coreutils under LANG=C.UTF-8 opens .../LC_MESSAGES/coreutils.mo); system files, the \
         same for every user",
    ),
    entry(
        Place::Beneath("/usr/lib/locale"),
        Kind::Regular,
        "compiled locale data (setlocale()): system files, the same for every user",
    ),
    entry(
        Place::File("/etc/locale.alias"),
        Kind::Regular,
        "locale name aliases (setlocale(); /usr/share/locale/locale.alias leads here)",
    ),
    entry(
        Place::Beneath("/usr/lib/x86_64-linux-gnu/gconv"),
        Kind::Regular,
        "iconv's conversion tables (gconv-modules.cache): system files; the modules themselves \
         still need prot_exec to be mapped",
    ),
    entry(
        Place::Beneath("/usr/lib/aarch64-linux-gnu/gconv"),
        Kind::Regular,
        "iconv's conversion tables, on aarch64",
    ),
    entry(
        Place::Beneath("/usr/lib/riscv64-linux-gnu/gconv"),
        Kind::Regular,
        "iconv's conversion tables, on riscv64",
    ),
    entry(
        Place::OwnProc("maps"),
        Kind::KernelFile,
        "the caller's own memory map, which it could learn by probing anyway: glibc's \
         pthread_getattr_np reads it (every Rust program's main thread), and so do allocators \
         and stack-overflow handlers; never another process's",
    ),
    entry(
        Place::OwnLink("exe"),
        Kind::KernelFile,
        "the path of the caller's own program, which it was started by: perl reads it for $^X, \
         others to find their data files; only the link's text, never the file",
    ),
    entry(
        Place::File("/proc/sys/vm/overcommit_memory"),
        Kind::KernelFile,
        "one number about the machine: glibc's free() reads it in threaded programs to decide \
         how to return memory",
    ),
    entry(
        Place::File("/sys/devices/system/cpu/online"),
        Kind::KernelFile,
        "which CPUs are online: sysconf(_SC_NPROCESSORS_ONLN), malloc's arena count; \
         sched_getaffinity tells as much under stdio",
    ),
    entry(
        Place::File("/sys/devices/system/cpu/possible"),
        Kind::KernelFile,
        "which CPUs may exist: sysconf(_SC_NPROCESSORS_CONF), per-CPU allocations",
    ),
];

/// Directories where a program may learn, without any promise, that a path does *not* exist:
/// a `stat` or `access` probe of a missing path beneath one of these answers ENOENT, the
/// answer a system without the file gives, without a report. A path that exists is judged by
/// the promises as usual (its metadata is not given away).
pub const PROBED: &[(&str, &str)] = &[(
    "/usr",
    "system software, the same for every user: interpreters probe their library directories      at start-up (perl stats a dozen versioned @INC directories that mostly do not exist)",
)];

/// The system library directories, where the `pledge` command lets the dynamic loader of a
/// program started by `exec` open (read-only) and map executable the libraries it needs, until
/// that program's own code runs: OpenBSD's rule that ld.so may make executable mappings before
/// its start (`kbind`), so that `exec` does not cost `prot_exec` and `rpath`.
pub const LOADER_DIRS: &[&str] = &["/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib"];

/// Files outside [`LOADER_DIRS`] the loader reads: its cache of library paths.
pub const LOADER_FILES: &[&str] = &["/etc/ld.so.cache"];

/// Files the loader probes for with `access` before loading (answered as the system answers
/// when they are missing, judged as usual otherwise).
pub const LOADER_PROBES: &[&str] = &["/etc/ld.so.preload"];

impl Place {
    /// The path as a program names it, for lists (`/dev/null`, `/usr/share/locale/...`).
    pub fn shown(&self) -> String {
        match self {
            Place::File(p) => (*p).to_string(),
            Place::Beneath(p) => format!("{p}/..."),
            Place::OwnProc(name) => format!("/proc/self/{name} (the caller's own)"),
            Place::OwnLink(name) => format!("readlink /proc/self/{name} (the caller's own)"),
            Place::ControllingTty => "/dev/tty (the controlling terminal)".to_string(),
            Place::LocalTime => "/etc/localtime".to_string(),
        }
    }
}

/// The list as text, one entry a line: the path, how it may be opened, when, and why.
pub fn describe() -> String {
    let mut out = String::new();
    for h in HARMLESS {
        let mode = if h.write { "read-write" } else { "read-only" };
        let when = match h.needs {
            Some(p) => format!(", under {p}"),
            None => String::new(),
        };
        out.push_str(&format!(
            "  {} ({mode}{when}): {}\n",
            h.place.shown(),
            h.why
        ));
    }
    for (dir, why) in PROBED {
        out.push_str(&format!(
            "  {dir}/... (stat and access of missing paths answer ENOENT): {why}\n"
        ));
    }
    out
}

/// Whether reading `path` (absolute, without `.` or `..`, its own process written
/// `/proc/self`) is a harmless read ([`HARMLESS`]).
///
/// ```
/// use std::path::Path;
/// use scopes_core::policy::harmless::is_harmless_read;
/// assert!(is_harmless_read(Path::new("/usr/share/locale/C.UTF-8/LC_MESSAGES/coreutils.mo")));
/// assert!(is_harmless_read(Path::new("/usr/lib/x86_64-linux-gnu/gconv/UTF-16.so")));
/// assert!(is_harmless_read(Path::new("/dev/null")));
/// assert!(is_harmless_read(Path::new("/proc/self/maps")));
/// assert!(!is_harmless_read(Path::new("/proc/1/maps")));
/// assert!(!is_harmless_read(Path::new("/etc/passwd")));
/// assert!(!is_harmless_read(Path::new("/usr/share/localedata")));
/// ```
pub fn is_harmless_read(path: &Path) -> bool {
    harmless_read(path).is_some()
}

/// The entry of [`HARMLESS`] that covers reading `path`, if any (the controlling terminal,
/// which needs `tty`, and links, which are not read, never do).
pub fn harmless_read(path: &Path) -> Option<&'static Harmless> {
    HARMLESS
        .iter()
        .find(|h| h.needs.is_none() && h.place.covers(path))
}

impl Place {
    /// Whether the place is `path` (absolute, normalised, its own process written
    /// `/proc/self`), or holds it.
    pub fn covers(&self, path: &Path) -> bool {
        match self {
            Place::File(p) => path == Path::new(p),
            Place::Beneath(p) => path.starts_with(p) && path != Path::new(p),
            Place::OwnProc(name) => path == Path::new("/proc/self").join(name),
            Place::LocalTime => path == Path::new("/etc/localtime"),
            Place::OwnLink(_) | Place::ControllingTty => false,
        }
    }
}

/// Files no suggestion may reach by covering a directory, nor name by itself: the password and
/// group shadows, sudo's rules, the machine's SSH keys and TLS private keys. A program that read
/// one of them directly gets it listed apart, for the user to add knowingly.
pub static SECRETS: &[&str] = &[
    "/etc/shadow",
    "/etc/shadow-",
    "/etc/gshadow",
    "/etc/gshadow-",
    "/etc/sudoers",
    "/etc/sudoers.d",
    "/etc/ssh",
    "/etc/ssl/private",
];

/// The same, relative to a home directory: keys and credentials.
pub static HOME_SECRETS: &[&str] = &[".ssh", ".gnupg", ".netrc", ".pgpass", ".aws", ".docker"];

/// Whether `path` is one of [`SECRETS`], or of [`HOME_SECRETS`] in `home`, or beneath one.
///
/// ```
/// use std::path::Path;
/// use scopes_core::policy::harmless::is_secret;
/// let home = Some(Path::new("/root"));
/// assert!(is_secret(Path::new("/etc/shadow"), home));
/// assert!(is_secret(Path::new("/root/.ssh/id_ed25519"), home));
/// assert!(!is_secret(Path::new("/root/src/notes"), home));
/// ```
pub fn is_secret(path: &Path, home: Option<&Path>) -> bool {
    SECRETS.iter().any(|s| path.starts_with(s))
        || home.is_some_and(|h| HOME_SECRETS.iter().any(|s| path.starts_with(h.join(s))))
}

/// Whether an unveil entry for directory `dir` would open up secrets wholesale: it holds one of
/// [`SECRETS`] or [`HOME_SECRETS`], or it is `home` (the user's home directory, which holds keys, mail and
/// histories) or a directory above it. Such a directory is only ever suggested when the program
/// listed or changed it itself, and then only for what it did there.
///
/// ```
/// use std::path::Path;
/// use scopes_core::policy::harmless::holds_secrets;
/// let home = Some(Path::new("/home/ann"));
/// assert!(holds_secrets(Path::new("/etc"), home));
/// assert!(holds_secrets(Path::new("/"), home));
/// assert!(holds_secrets(Path::new("/home"), home));
/// assert!(holds_secrets(Path::new("/home/ann"), home));
/// assert!(!holds_secrets(Path::new("/home/ann/src"), home));
/// assert!(!holds_secrets(Path::new("/usr/share/doc"), home));
/// ```
pub fn holds_secrets(dir: &Path, home: Option<&Path>) -> bool {
    SECRETS.iter().any(|s| Path::new(s).starts_with(dir))
        || home.is_some_and(|h| {
            h.starts_with(dir) || HOME_SECRETS.iter().any(|s| h.join(s).starts_with(dir))
        })
        || ["/home", "/root"]
            .iter()
            .any(|h| Path::new(h).starts_with(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_cover_whole_components() {
        let gconv = Place::Beneath("/usr/lib/x86_64-linux-gnu/gconv");
        assert!(gconv.covers(Path::new("/usr/lib/x86_64-linux-gnu/gconv/UTF-16.so")));
        assert!(!gconv.covers(Path::new("/usr/lib/x86_64-linux-gnu/gconv-x")));
        assert!(!Place::File("/dev/null").covers(Path::new("/dev/nullx")));
        assert!(Place::File("/dev/null").covers(Path::new("/dev/null")));
        assert!(!is_harmless_read(Path::new("/proc/1/maps")));
        assert!(is_secret(Path::new("/etc/ssh/ssh_host_ed25519_key"), None));
        assert!(!is_secret(Path::new("/etc/shadowsocks"), None));
    }

    #[test]
    fn places_are_absolute_and_plain() {
        for h in HARMLESS {
            let path = match h.place {
                Place::File(p) | Place::Beneath(p) => p,
                _ => continue,
            };
            assert!(path.starts_with('/') && !path.ends_with('/'), "{path}");
            assert!(
                !path.split('/').any(|c| c == "." || c == ".."),
                "{path} must be plain"
            );
            // Only devices whose writes go nowhere may be written.
            assert!(
                !h.write || matches!(h.kind, Kind::CharDevice(1, 3)),
                "{path}"
            );
        }
    }
}
