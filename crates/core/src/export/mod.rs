//! Exporting promises to the tools that run programs at scale: OCI/Docker seccomp profiles,
//! the same profile as a Kubernetes `SeccompProfile` resource (Security Profiles Operator),
//! systemd unit directives, and raw classic-BPF programs (for `bwrap --seccomp FD`).
//!
//! Every format is derived from the policy table ([`crate::policy::table::RULES`] and
//! [`crate::policy::paths::PATH_GRANTS`]), the same table the installed filter is compiled
//! from. Where a format cannot say exactly what the table says, the export takes the safe
//! direction where it can (the call is refused), and every difference, in either direction,
//! is listed as an [`Approximation`]: in the output itself (JSON `comment`, unit-file comments)
//! and as data for the caller.
//!
//! ```
//! use scopes_core::{export, Arch, Promises};
//! let promises: Promises = "stdio rpath".parse().unwrap();
//! let profile = export::oci(promises, &[Arch::X86_64]);
//! assert!(profile.output.contains("\"defaultAction\": \"SCMP_ACT_KILL_PROCESS\""));
//! let unit = export::systemd(promises);
//! assert!(unit.output.contains("SystemCallArchitectures=native"));
//! let program = export::bpf(promises, Arch::X86_64);
//! assert_eq!(program.output.len() % 8, 0); // struct sock_filter is 8 bytes
//! ```

mod bpf;
mod k8s;
mod notes;
mod oci;
mod regions;
mod systemd;

use std::fmt;
use std::str::FromStr;

use crate::abi;
use crate::bpf::ret;
use crate::policy::Context;
use crate::{Arch, Promise, Promises};

pub use bpf::bpf;
pub use k8s::{k8s, k8s_name, K8S_API_VERSION};
pub use oci::oci;
pub use systemd::{systemd, SYSTEMD_DEFAULT_SET};

/// The values an exported filter uses where the table names the pledging process's own pid,
/// uid or gid, which a static profile cannot know.
///
/// The pid becomes `0x7fffffff`, above the kernel's `PID_MAX_LIMIT` (2^22) in every pid
/// namespace, so no process has it; the uid and gid become `0xffffffff` (-1, "unchanged"),
/// which the same checks already accept and which names no user. So the rules that allow a
/// process to signal itself by pid, or to give files to its own user, allow nothing the kernel
/// would carry out: the export is stricter there, and says so.
pub const STATIC_CONTEXT: Context = Context {
    pid: 0x7fff_ffff,
    uid: u32::MAX,
    gid: u32::MAX,
};

/// An export format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// An OCI runtime-spec / Docker seccomp profile (JSON).
    Oci,
    /// The same profile as a Security Profiles Operator `SeccompProfile` resource (YAML).
    K8s,
    /// systemd unit directives for a `[Service]` section.
    Systemd,
    /// A raw classic-BPF program (an array of `struct sock_filter`) for one architecture.
    Bpf,
}

impl Format {
    /// Every format.
    pub const ALL: &'static [Format] = &[Format::Oci, Format::K8s, Format::Systemd, Format::Bpf];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Oci => "oci",
            Format::K8s => "k8s",
            Format::Systemd => "systemd",
            Format::Bpf => "bpf",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = ExportError;
    fn from_str(s: &str) -> Result<Format, ExportError> {
        Format::ALL
            .iter()
            .copied()
            .find(|f| f.name() == s)
            .ok_or_else(|| ExportError::UnknownFormat {
                name: s.to_string(),
            })
    }
}

/// Why an export could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExportError {
    /// The format name is not one of `oci`, `k8s`, `systemd`, `bpf`.
    UnknownFormat {
        /// The name as given.
        name: String,
    },
    /// A raw BPF program is for exactly one architecture.
    BpfNeedsOneArch {
        /// The architectures asked for.
        given: Vec<Arch>,
    },
    /// systemd applies the native architecture's filter only (`SystemCallArchitectures=native`).
    SystemdHasNoArch,
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportError::UnknownFormat { name } => {
                write!(f, "unknown export format \"{name}\" (use oci, k8s, systemd or bpf)")
            }
            ExportError::BpfNeedsOneArch { given } => {
                let names: Vec<&str> = given.iter().map(|a| a.name()).collect();
                write!(f, "a BPF program is for one architecture; got {} ({})", given.len(), names.join(", "))
            }
            ExportError::SystemdHasNoArch => write!(
                f,
                "systemd unit directives are architecture-independent (SystemCallArchitectures=native); drop --arch"
            ),
        }
    }
}

impl std::error::Error for ExportError {}

/// Which way an export differs from what the library enforces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    /// The export refuses something the promises allow (the safe direction).
    Stricter,
    /// The export allows something the promises refuse, because the format cannot say it.
    Wider,
    /// Neither: the same calls are allowed, but something else differs (how a violation is
    /// reported, for example).
    Other,
}

impl Direction {
    /// The word used in the output.
    pub fn word(self) -> &'static str {
        match self {
            Direction::Stricter => "stricter",
            Direction::Wider => "WIDER",
            Direction::Other => "note",
        }
    }
}

/// One place where an export does not say exactly what the policy table says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approximation {
    /// Which way it differs.
    pub direction: Direction,
    /// What it is about: system call names, a promise, or a directive.
    pub subject: String,
    /// What the table says, what the export does instead, and why.
    pub detail: String,
}

impl fmt::Display for Approximation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}",
            self.direction.word(),
            self.subject,
            self.detail
        )
    }
}

/// An exported policy and the list of its differences from the library's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export<T> {
    /// The profile text, unit lines, or program bytes.
    pub output: T,
    /// Every difference from the policy the library installs, in either direction.
    pub approximations: Vec<Approximation>,
}

/// Exports `promises` in `format`, as bytes ready to write to a file. `arches` is the list of
/// `--arch` options: any number for `oci` and `k8s` (none means the native one), at most one for `bpf`
/// (none means native), none for `systemd`.
///
/// ```
/// use scopes_core::export::{export, Format};
/// let promises = "stdio".parse().unwrap();
/// let out = export(Format::Systemd, promises, &[]).unwrap();
/// assert!(String::from_utf8(out.output).unwrap().contains("SystemCallFilter="));
/// assert!(export(Format::Bpf, promises, &[scopes_core::Arch::X86_64, scopes_core::Arch::Aarch64]).is_err());
/// ```
pub fn export(
    format: Format,
    promises: Promises,
    arches: &[Arch],
) -> Result<Export<Vec<u8>>, ExportError> {
    let mut unique: Vec<Arch> = Vec::new();
    for arch in arches {
        if !unique.contains(arch) {
            unique.push(*arch);
        }
    }
    let bytes = |e: Export<String>| Export {
        output: e.output.into_bytes(),
        approximations: e.approximations,
    };
    match format {
        Format::Oci => Ok(bytes(oci(promises, &unique))),
        Format::K8s => Ok(bytes(k8s(promises, &unique))),
        Format::Systemd if unique.is_empty() => Ok(bytes(systemd(promises))),
        Format::Systemd => Err(ExportError::SystemdHasNoArch),
        Format::Bpf => match unique.as_slice() {
            [] => Ok(bpf(promises, Arch::native())),
            [arch] => Ok(bpf(promises, *arch)),
            _ => Err(ExportError::BpfNeedsOneArch { given: unique }),
        },
    }
}

/// The seccomp return value for a violation in an exported filter: the process is killed
/// (there is no SIGSYS handler to report first), or, under the `error` promise, the call
/// fails with ENOSYS.
pub fn violation_action(promises: Promises) -> u32 {
    if promises.contains(Promise::Error) {
        ret::ERRNO | abi::ENOSYS as u32
    } else {
        ret::KILL_PROCESS
    }
}
