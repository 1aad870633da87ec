//! Errors, each naming the problem and mapping to the errno OpenBSD (or Linux) would give.

use std::fmt;
use std::io;

use crate::abi;

/// Why a `pledge()` or `unveil()` call failed. On any error nothing has changed: the process is
/// exactly as restricted as before the call.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A word that is not a promise (EINVAL).
    UnknownPromise {
        /// The word as given (empty for a leading space).
        word: String,
    },
    /// An OpenBSD promise with no Linux meaning (EINVAL).
    NoLinuxMeaning {
        /// The word.
        word: String,
        /// What it means on OpenBSD.
        meaning: &'static str,
    },
    /// The promise string is 1024 bytes or longer (ENAMETOOLONG, as OpenBSD's copyinstr).
    TooLong {
        /// Its length.
        len: usize,
    },
    /// A string argument held a NUL byte or was not UTF-8 (EINVAL).
    BadString,
    /// The call would add promises the process does not hold (EPERM).
    Increase {
        /// Which side: "promises" or "execpromises".
        which: &'static str,
        /// The promises that are not currently held.
        added: crate::Promises,
    },
    /// On Linux, programs started by exec inherit the caller's filter, so execpromises must be
    /// a subset of promises (EINVAL).
    ExecPromisesNotSubset {
        /// The execpromises that are not in promises.
        extra: crate::Promises,
    },
    /// pledge() compiles a new filter in the process, which needs memory (EPERM).
    NeedsStdio,
    /// The kernel lacks a feature the request needs (ENOSYS or EOPNOTSUPP).
    Unsupported {
        /// The feature, in words.
        feature: String,
        /// The errno to report.
        errno: i32,
    },
    /// Another thread could not be confined (EPERM for seccomp TSYNC, EOPNOTSUPP for Landlock
    /// before ABI 8).
    Thread {
        /// The thread id, when the kernel named it.
        tid: Option<i32>,
        /// Why.
        reason: &'static str,
    },
    /// Too many stacked filters or Landlock layers (ENOMEM or E2BIG).
    TooManyLayers {
        /// What ran out.
        what: &'static str,
        /// The errno to report.
        errno: i32,
    },
    /// A bad unveil permission string (EINVAL).
    BadPermissions {
        /// The string as given.
        permissions: String,
    },
    /// unveil() after `unveil(NULL, NULL)`, or after a pledge without the `unveil` promise (EPERM).
    UnveilLocked,
    /// A path could not be used (ENOENT, EACCES, ...): the OS error for it.
    Path {
        /// The path.
        path: std::path::PathBuf,
        /// The error from the kernel.
        source: io::Error,
    },
    /// Only one of unveil's arguments was NULL (EFAULT, as on OpenBSD).
    NullArgument,
    /// Any other system call failure, naming the call.
    Os {
        /// The system call or step that failed.
        call: &'static str,
        /// The error.
        source: io::Error,
    },
}

impl Error {
    /// The errno value the C API sets for this error.
    ///
    /// ```
    /// let err = "stdio wroute".parse::<scopes_core::Promises>().unwrap_err();
    /// assert_eq!(err.errno(), scopes_core::abi::EINVAL);
    /// ```
    pub fn errno(&self) -> i32 {
        match self {
            Error::UnknownPromise { .. }
            | Error::NoLinuxMeaning { .. }
            | Error::BadString
            | Error::ExecPromisesNotSubset { .. }
            | Error::BadPermissions { .. } => abi::EINVAL,
            Error::TooLong { .. } => abi::ENAMETOOLONG,
            Error::Increase { .. } | Error::NeedsStdio | Error::UnveilLocked => abi::EPERM,
            Error::Unsupported { errno, .. } | Error::TooManyLayers { errno, .. } => *errno,
            Error::Thread { tid: Some(_), .. } => abi::EPERM,
            Error::Thread { tid: None, .. } => abi::EOPNOTSUPP,
            Error::NullArgument => abi::EFAULT,
            Error::Path { source, .. } | Error::Os { source, .. } => {
                source.raw_os_error().unwrap_or(abi::EIO)
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // OpenBSD's parser splits at spaces only: a leading space makes an empty first
            // word, and a tab or newline is part of a word. Say so rather than leave the reader
            // staring at a word that looks right.
            Error::UnknownPromise { word } if word.is_empty() => write!(
                f,
                "the promise string starts with a space (a leading space is an empty word, \
                 as on OpenBSD; spaces between words and at the end are fine)"
            ),
            Error::UnknownPromise { word } if word.contains(char::is_whitespace) => write!(
                f,
                "unknown promise \"{word}\": words are separated by spaces only, not tabs or \
                 newlines (as on OpenBSD)"
            ),
            Error::UnknownPromise { word } => write!(f, "unknown promise \"{word}\""),
            Error::NoLinuxMeaning { word, meaning } => write!(
                f,
                "promise \"{word}\" ({meaning}) has no meaning on Linux and is not supported"
            ),
            Error::TooLong { len } => write!(f, "promise string too long ({len} bytes)"),
            Error::BadString => write!(f, "argument holds a NUL byte or is not UTF-8"),
            Error::Increase { which, added } => write!(
                f,
                "{which} can only shrink: \"{added}\" not currently held"
            ),
            Error::ExecPromisesNotSubset { extra } => write!(
                f,
                "execpromises must be a subset of promises on Linux (filters survive exec): \"{extra}\" not in promises"
            ),
            Error::NeedsStdio => write!(
                f,
                "pledge() needs the stdio promise to compile a narrower filter"
            ),
            Error::Unsupported { feature, .. } => write!(f, "the kernel lacks {feature}"),
            Error::Thread { tid: Some(tid), reason } => write!(f, "thread {tid}: {reason}"),
            Error::Thread { tid: None, reason } => write!(f, "{reason}"),
            Error::TooManyLayers { what, .. } => write!(f, "too many stacked {what}"),
            Error::BadPermissions { permissions } => write!(
                f,
                "bad unveil permissions \"{permissions}\" (use any of r, w, x, c)"
            ),
            Error::UnveilLocked => write!(f, "unveil is locked"),
            Error::Path { path, source } => write!(f, "{}: {source}", path.display()),
            Error::NullArgument => write!(f, "unveil: only one argument is NULL"),
            Error::Os { call, source } => write!(f, "{call}: {source}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Path { source, .. } | Error::Os { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        io::Error::new(
            io::Error::from_raw_os_error(e.errno()).kind(),
            e.to_string(),
        )
    }
}
