//! What an unveil layer asked for but does not enforce, and the report that lists it.

use std::fmt;
use std::path::PathBuf;

use super::Permissions;
use crate::error::Error;

/// One thing asked of unveil that is not enforced. Without best effort, every gap that
/// [weakens](Gap::weakens) the OpenBSD meaning is an error instead.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Gap {
    /// The kernel has no Landlock (`errno` from the version query: ENOSYS when not built in,
    /// EOPNOTSUPP when disabled at boot): no path, port or scope rule is enforced.
    NoLandlock {
        /// The errno.
        errno: i32,
    },
    /// Truncation (`O_TRUNC`, truncate(2)) is not restricted: it needs Landlock ABI 3.
    Truncate {
        /// The kernel's ABI.
        abi: i32,
    },
    /// ioctl(2) on device files is not restricted: it needs ABI 5. OpenBSD's unveil does not
    /// restrict ioctl either, so this does not weaken its meaning.
    IoctlDev {
        /// The kernel's ABI.
        abi: i32,
    },
    /// connect(2) to a pathname unix socket is not restricted by `w`, as it is on OpenBSD: it
    /// needs ABI 9. Creating (binding) a socket still needs `c`.
    UnixConnect {
        /// The kernel's ABI.
        abi: i32,
    },
    /// TCP port rules are not enforced: they need ABI 4.
    TcpPorts {
        /// The kernel's ABI.
        abi: i32,
    },
    /// Signal and abstract unix socket scoping are not enforced: they need ABI 6.
    Scopes {
        /// The kernel's ABI.
        abi: i32,
    },
    /// Other threads existed and stay unconfined: confining them needs ABI 8.
    OtherThreads {
        /// How many.
        count: usize,
    },
    /// `path` was unveiled with fewer permissions than `parent` above it. Landlock rules only
    /// add access, so `path` also gets the parent's permissions.
    Narrowing {
        /// The narrower path.
        path: PathBuf,
        /// Its permissions.
        permissions: Permissions,
        /// The wider path above it.
        parent: PathBuf,
        /// Its permissions.
        parent_permissions: Permissions,
    },
    /// `path` and `other` are the same file under two names (hard links, or two mounts of one
    /// directory), unveiled with different permissions. Landlock rules attach to files, not
    /// names, so `path` also gets the other name's permissions.
    SameFile {
        /// The name with fewer permissions.
        path: PathBuf,
        /// Its permissions.
        permissions: Permissions,
        /// The other name.
        other: PathBuf,
        /// Its permissions.
        other_permissions: Permissions,
    },
}

impl Gap {
    /// Whether this gap makes the sandbox weaker than OpenBSD's unveil would be. Only these
    /// are errors without best effort; the others are listed in the [`UnveilReport`].
    pub fn weakens(&self) -> bool {
        !matches!(self, Gap::IoctlDev { .. } | Gap::UnixConnect { .. })
    }

    /// The error this gap is when best effort was not asked for.
    pub(crate) fn to_error(&self) -> Error {
        match self {
            Gap::NoLandlock { errno } => Error::Unsupported {
                feature: if *errno == libc::EOPNOTSUPP {
                    "Landlock (disabled at boot), needed by unveil".into()
                } else {
                    "Landlock (not built in), needed by unveil".into()
                },
                errno: *errno,
            },
            Gap::OtherThreads { .. } => Error::Thread {
                tid: None,
                reason: "other threads exist and Landlock before ABI 8 confines only the calling \
                         thread: unveil before starting threads",
            },
            // Not a kernel too old: Landlock rules only ever add access, on any kernel. Name
            // what cannot be expressed and what to do instead.
            Gap::Narrowing { .. } | Gap::SameFile { .. } => Error::Unsupported {
                feature: format!(
                    "a way to take access away ({self}). Unveil paths that do not lie beneath \
                     one another and give every name of one file the same permissions, or \
                     (Rust) accept the wider access with Unveil::best_effort()"
                ),
                errno: libc::EOPNOTSUPP,
            },
            _ => Error::Unsupported {
                feature: self.to_string(),
                errno: libc::EOPNOTSUPP,
            },
        }
    }
}

impl fmt::Display for Gap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Gap::NoLandlock { errno } => write!(
                f,
                "Landlock ({}): no unveil rule is enforced",
                std::io::Error::from_raw_os_error(*errno)
            ),
            Gap::Truncate { abi } => {
                write!(f, "Landlock ABI 3 (Linux 6.2) to restrict truncation; this kernel has ABI {abi}")
            }
            Gap::IoctlDev { abi } => write!(
                f,
                "Landlock ABI 5 (Linux 6.10) to restrict ioctl on devices; this kernel has ABI {abi}"
            ),
            Gap::UnixConnect { abi } => write!(
                f,
                "Landlock ABI 9 (Linux 7.1) to restrict connect() to unix sockets; this kernel has ABI {abi}"
            ),
            Gap::TcpPorts { abi } => {
                write!(f, "Landlock ABI 4 (Linux 6.7) for TCP port rules; this kernel has ABI {abi}")
            }
            Gap::Scopes { abi } => write!(
                f,
                "Landlock ABI 6 (Linux 6.12) to scope signals and abstract unix sockets; this kernel has ABI {abi}"
            ),
            Gap::OtherThreads { count } => write!(
                f,
                "Landlock ABI 8 (Linux 7.0) to confine all threads: {count} other thread(s) stay unconfined"
            ),
            Gap::Narrowing { path, permissions, parent, parent_permissions } => write!(
                f,
                "narrowing: {} unveiled \"{permissions}\" lies beneath {} unveiled \"{parent_permissions}\", \
                 and Landlock rules only add access, so it gets \"{}\"",
                path.display(),
                parent.display(),
                *permissions | *parent_permissions
            ),
            Gap::SameFile { path, permissions, other, other_permissions } => write!(
                f,
                "same file: {} unveiled \"{permissions}\" is the file {} unveiled \"{other_permissions}\" \
                 (a hard link or another mount), and Landlock rules attach to files, not names, \
                 so it gets \"{}\"",
                path.display(),
                other.display(),
                *permissions | *other_permissions
            ),
        }
    }
}

/// What an unveil layer enforces, returned when it is committed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnveilReport {
    /// The kernel's Landlock ABI (0 when it has none).
    pub abi: i32,
    /// Whether a Landlock layer was installed (false when there was nothing to restrict, or no
    /// Landlock with best effort).
    pub enforced: bool,
    /// What was asked and is not enforced.
    pub gaps: Vec<Gap>,
}

impl UnveilReport {
    /// Whether everything asked is enforced with OpenBSD's meaning.
    pub fn is_complete(&self) -> bool {
        !self.gaps.iter().any(Gap::weakens)
    }
}

impl fmt::Display for UnveilReport {
    /// One line per gap, each starting with "not enforced: ".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for gap in &self.gaps {
            writeln!(f, "not enforced: {gap}")?;
        }
        Ok(())
    }
}
