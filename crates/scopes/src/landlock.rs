//! Landlock: turns path grants (from promises or unveil) into a ruleset and enforces it.
//! Compatibility is decided here, in one place: what the kernel lacks is an error, never a
//! silently skipped rule.

use std::path::{Path, PathBuf};

pub use crate::compiler::paths::rights;
use crate::compiler::paths::LayerPlan;
use crate::error::Error;

/// The lowest Landlock ABI this library enforces paths with: ABI 3 (Linux 6.2) controls
/// truncation; before it, `O_TRUNC` would escape the rules.
pub const MIN_ABI: i32 = 3;

/// Checks that the kernel can enforce path rules, and that no other thread would be left out
/// (Landlock before ABI 8 confines only the calling thread).
pub fn check_available() -> Result<i32, Error> {
    let abi = match crate::sys::landlock_abi() {
        Ok(abi) => abi,
        Err(errno) => {
            return Err(Error::Unsupported {
                feature: if errno == libc::EOPNOTSUPP {
                    "Landlock (disabled at boot), needed to restrict paths".into()
                } else {
                    "Landlock (not built in), needed to restrict paths".into()
                },
                errno,
            })
        }
    };
    if abi < MIN_ABI {
        return Err(Error::Unsupported {
            feature: format!(
                "Landlock ABI {MIN_ABI} (Linux 6.2) for path rules; this kernel has ABI {abi}"
            ),
            errno: libc::EOPNOTSUPP,
        });
    }
    if all_threads_flag(abi) {
        return Ok(abi);
    }
    if thread_count()? > 1 {
        return Err(Error::Thread {
            tid: None,
            reason: LEAK_REASON,
        });
    }
    Ok(abi)
}

const LEAK_REASON: &str =
    "other threads exist and Landlock before ABI 8 confines only the calling thread: \
     restrict paths before starting threads";

/// The entries of `/` outside the kernel's filesystems, for grants that reach everywhere but
/// there ([`crate::policy::paths::OUTSIDE_KERNEL`]). Listed once and kept (forked children
/// inherit the list): a later pledge may run under a filter that refuses listing directories.
/// The caller says whether the filter in force (if any) lets it list `/`; when it does not
/// (a program started by a pledged process, under promises that cannot read directories), the
/// directories of the Filesystem Hierarchy Standard stand in: narrower than asked, never wider.
pub(crate) fn roots(may_list: bool) -> Vec<PathBuf> {
    static LISTED: std::sync::OnceLock<Vec<PathBuf>> = std::sync::OnceLock::new();
    if let Some(listed) = LISTED.get() {
        return listed.clone();
    }
    let standard = || STANDARD_ROOTS.iter().map(PathBuf::from).collect();
    if !may_list {
        return standard();
    }
    let mut listed = Vec::new();
    let read = crate::sys::list_dir(c"/", |name, kind| {
        // A link (usrmerge's /bin -> usr/bin) leads to another entry, which has its own
        // rule, or elsewhere, which gets none: stricter, never wider.
        if crate::policy::paths::is_kernel_filesystem(name) || is_link(name, kind) {
            return;
        }
        listed.push(Path::new("/").join(name));
    });
    match read {
        Ok(()) => LISTED.get_or_init(|| listed).clone(),
        Err(_) => standard(),
    }
}

/// Whether the entry `name` of `/` is a symbolic link, or cannot be told apart from one.
fn is_link(name: &std::ffi::OsStr, kind: crate::sys::EntryType) -> bool {
    use crate::sys::EntryType;
    match kind {
        EntryType::Link => true,
        EntryType::Other => false,
        EntryType::Unknown => std::fs::symlink_metadata(Path::new("/").join(name))
            .map_or(true, |m| m.file_type().is_symlink()),
    }
}

/// The Landlock ABI (Linux 6.12) that scopes signals and abstract unix sockets.
const SCOPES_ABI: i32 = 6;

/// Confines the signals of the calling thread, and of everything it starts from now on, to its
/// own Landlock domain (Landlock ABI 6): they can signal one another, never a process outside,
/// such as the one that set this up. The layer handles no filesystem right, so it costs no path
/// check. Sets no_new_privs. Returns whether the kernel could (`false`: no Landlock ABI 6,
/// nothing changed).
///
/// Landlock before ABI 8 confines only the calling thread: call it while single-threaded.
pub fn scope_signals() -> Result<bool, Error> {
    let abi = match crate::sys::landlock_abi() {
        Ok(abi) if abi >= SCOPES_ABI => abi,
        _ => return Ok(false),
    };
    crate::sys::set_no_new_privs().map_err(|e| Error::Os {
        call: "prctl(PR_SET_NO_NEW_PRIVS)",
        source: e,
    })?;
    let plan = LayerPlan {
        scopes: landlock::Scope::Signal.into(),
        ..LayerPlan::default()
    };
    enforce(&plan, abi)?;
    Ok(true)
}

/// The top-level directories of the Filesystem Hierarchy Standard (and usrmerge's links).
const STANDARD_ROOTS: &[&str] = &[
    "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32", "/media",
    "/mnt", "/opt", "/root", "/run", "/sbin", "/srv", "/tmp", "/usr", "/var",
];

/// Enforces `plan` on the calling process now (no_new_privs must be set), on every thread
/// where the kernel can (ABI 8), and names what failed.
pub(crate) fn enforce(plan: &LayerPlan, abi: i32) -> Result<(), Error> {
    let prepared = crate::sys::landlock::Prepared::new(plan, all_threads_flag(abi))?;
    prepared.apply().map_err(|f| failure(plan, f))
}

/// The error for a layer that could not be applied.
pub(crate) fn failure(plan: &LayerPlan, f: crate::sys::landlock::Failure) -> Error {
    use crate::compiler::paths::Place;
    let source = std::io::Error::from_raw_os_error(f.errno);
    match f.rule.map(|i| &plan.rules[i].place) {
        Some(Place::Path(path)) => Error::Path {
            path: path.clone(),
            source,
        },
        Some(Place::Held(_)) => Error::Os {
            call: "landlock_add_rule (an unveiled path)",
            source,
        },
        None if f.errno == libc::E2BIG => Error::TooManyLayers {
            what: "Landlock layers (16 at most)",
            errno: libc::E2BIG,
        },
        None => Error::Os {
            call: "landlock",
            source,
        },
    }
}

/// `path` opened with `O_PATH` (following symbolic links; no read permission needed, nothing
/// read): what a Landlock rule names.
pub(crate) fn open_path(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH)
        .open(path)
}

/// Whether `landlock_restrict_self` can confine every thread at once
/// (`LANDLOCK_RESTRICT_SELF_TSYNC`, ABI 8). Before it only the calling thread is confined.
pub fn all_threads_flag(abi: i32) -> bool {
    abi >= 8
}

/// The number of threads in this process: 1 when the kernel confirms it in one system call
/// (before any filter), otherwise read from the link count of `/proc/self/task` (2 plus one per
/// thread), which needs only an `O_PATH` open and `fstat`: it works under
/// `pledge("stdio unveil")`, where listing the directory would be a violation.
pub fn thread_count() -> Result<usize, Error> {
    use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
    if crate::sys::single_threaded_unfiltered() {
        return Ok(1);
    }
    let os = |e| Error::Os {
        call: "counting threads in /proc/self/task",
        source: e,
    };
    let task = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH)
        .open("/proc/self/task")
        .map_err(os)?;
    let links = task.metadata().map_err(os)?.nlink();
    Ok(links.saturating_sub(2).max(1) as usize)
}
