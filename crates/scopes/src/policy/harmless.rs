//! Paths whose reading needs no promise, and paths no suggestion may open up wholesale.
//!
//! [`HARMLESS_READS`] lists what libc and language runtimes read on their own while a program
//! merely computes: message catalogs, locale data, character set converters, the time zone,
//! `/dev/null`, the process's own memory map. Reading them tells a program nothing about the
//! machine or its user that matters, and a program that is refused them prints the same output
//! anyway (an untranslated message, UTC). So the `pledge` command answers such a read itself
//! (it opens the file and hands it over, or answers ENOENT when there is none) instead of
//! reporting it, and `pledge --learn` does not count such a read as a need. One table for both,
//! so that learning never leaves out a read the command would then refuse; a file broker
//! serving more (the program's own inputs) extends the command's side and learns from the same
//! place.
//!
//! [`SECRETS`] and [`holds_secrets`] say which directories a suggested unveil entry must never
//! cover wholesale: a program that read `/etc/passwd`, `/etc/group` and `/etc/nsswitch.conf`
//! gets those files, never `/etc` (and with it `/etc/shadow`).

use std::path::{Component, Path};

/// One family of harmless reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HarmlessRead {
    /// An absolute path; it and everything beneath it. A component `*` matches any one name
    /// (the multiarch directory, a pid). `/proc/self` stands for the reading process's own
    /// directory, however the program names it (`/proc/self`, `/proc/thread-self`, its pid).
    pub path: &'static str,
    /// Who reads it, and why that is harmless.
    pub why: &'static str,
}

/// The harmless reads (see the module notes). Read-only opens only: nothing here is ever
/// written, created or listed on a program's behalf.
pub static HARMLESS_READS: &[HarmlessRead] = &[
    HarmlessRead {
        path: "/usr/share/locale",
        why: "message catalogs (gettext looks up every language in $LANGUAGE and $LANG)",
    },
    HarmlessRead {
        path: "/etc/locale.alias",
        why: "locale name aliases (setlocale; /usr/share/locale/locale.alias leads here)",
    },
    HarmlessRead {
        path: "/usr/lib/locale",
        why: "locale data (setlocale)",
    },
    HarmlessRead {
        path: "/usr/lib/*/gconv",
        why: "character set converters (iconv)",
    },
    HarmlessRead {
        path: "/usr/lib/gconv",
        why: "character set converters (iconv)",
    },
    HarmlessRead {
        path: "/etc/localtime",
        why: "the time zone (tzset)",
    },
    HarmlessRead {
        path: "/usr/share/zoneinfo",
        why: "time zone rules (tzset)",
    },
    HarmlessRead {
        path: "/dev/null",
        why: "the empty file",
    },
    HarmlessRead {
        path: "/proc/self/maps",
        why: "the process's own memory map (thread stacks, language runtimes)",
    },
    HarmlessRead {
        path: "/proc/sys/vm/overcommit_memory",
        why: "the memory overcommit mode (allocators)",
    },
];

/// Whether reading `path` (absolute, without `.` or `..`, its own process written
/// `/proc/self`) is a harmless read ([`HARMLESS_READS`]).
///
/// ```
/// use std::path::Path;
/// use scopes::policy::harmless::is_harmless_read;
/// assert!(is_harmless_read(Path::new("/usr/share/locale/C.UTF-8/LC_MESSAGES/coreutils.mo")));
/// assert!(is_harmless_read(Path::new("/usr/lib/x86_64-linux-gnu/gconv/UTF-16.so")));
/// assert!(is_harmless_read(Path::new("/proc/self/maps")));
/// assert!(!is_harmless_read(Path::new("/proc/1/maps")));
/// assert!(!is_harmless_read(Path::new("/etc/passwd")));
/// assert!(!is_harmless_read(Path::new("/usr/share/localedata")));
/// ```
pub fn is_harmless_read(path: &Path) -> bool {
    HARMLESS_READS.iter().any(|h| matches(h.path, path))
}

/// The entry of [`HARMLESS_READS`] that covers `path`, if any.
pub fn harmless_read(path: &Path) -> Option<&'static HarmlessRead> {
    HARMLESS_READS.iter().find(|h| matches(h.path, path))
}

/// Whether `pattern` (components, `*` for any one) is `path` or an ancestor of it.
fn matches(pattern: &str, path: &Path) -> bool {
    if !path.is_absolute() {
        return false;
    }
    let mut parts = path.components();
    for want in Path::new(pattern).components() {
        match (want, parts.next()) {
            (Component::RootDir, Some(Component::RootDir)) => {}
            (Component::Normal(w), Some(Component::Normal(got))) => {
                if w != "*" && w != got {
                    return false;
                }
            }
            _ => return false,
        }
    }
    true
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
/// use scopes::policy::harmless::is_secret;
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
/// use scopes::policy::harmless::holds_secrets;
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
    fn patterns_match_whole_components() {
        assert!(matches(
            "/usr/lib/*/gconv",
            Path::new("/usr/lib/aarch64-linux-gnu/gconv")
        ));
        assert!(!matches("/usr/lib/*/gconv", Path::new("/usr/lib/gconv-x")));
        assert!(!matches("/dev/null", Path::new("/dev/nullx")));
        assert!(matches("/dev/null", Path::new("/dev/null")));
        assert!(!matches("/dev/null", Path::new("dev/null")));
        assert!(is_secret(Path::new("/etc/ssh/ssh_host_ed25519_key"), None));
        assert!(!is_secret(Path::new("/etc/shadowsocks"), None));
    }
}
