//! From one observed system call to the promise sets that would have let it through, read
//! straight from the policy table (the one the filter is compiled from), so a suggestion and
//! the enforcement cannot disagree.
//!
//! Three things make this more than `promise_sets_that_allow`:
//! - calls in [`table::FALLBACK_ENOSYS`] answer ENOSYS under the sandbox and libc retries with
//!   an older call, so they are judged by what that retry needs ([`fallback`]);
//! - an errno answer other than EPERM is the table's way of making a library fall back (the
//!   nscd socket answers EACCES so glibc reads the files), so such an answer counts as
//!   satisfying the call; EPERM is a refusal and does not;
//! - a call that reaches a path is only satisfied by promises whose Landlock grants
//!   ([`PATH_GRANTS`]) reach that path with the access it needs: `getpw` lets `open()` through
//!   seccomp, but only for `/etc/passwd` and `/etc/group`.

use std::path::Path;

use crate::policy::paths::PATH_GRANTS;
use crate::policy::{
    decide_by_name, promise_sets_that_allow, table, Context, Decision, Needs, Verdict,
};
use crate::{Permissions, Promise, Promises};

/// What the table makes of one observed call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    /// The smallest promise sets under which the call, or the libc fallback it leads to, runs
    /// (or gets a fallback errno). Empty when no promise set does.
    pub alternatives: Vec<Promises>,
    /// The older call libc retries with after ENOSYS, when that is how the call was judged.
    pub fallback: Option<&'static str>,
}

/// glibc's flags for statx's fallback to `fstatat` (AT_SYMLINK_NOFOLLOW, AT_NO_AUTOMOUNT,
/// AT_EMPTY_PATH); the others are statx-only.
const FSTATAT_FLAGS: u64 = 0x100 | 0x800 | 0x1000;

/// The call libc makes when `name` answers ENOSYS, with its arguments. `struct_flags` is the
/// flags word read from the caller's memory: `clone_args.flags | exit_signal` for clone3,
/// `open_how.flags` for openat2. `None` when the call has no libc fallback (io_uring: the
/// program's own choice) or its structure could not be read.
///
/// ```
/// use scopes::learn::fallback;
/// // glibc's statx(fd, "", AT_EMPTY_PATH) becomes fstatat(fd, "", buf, AT_EMPTY_PATH).
/// let (name, args) = fallback("statx", &[3, 0x1000, 0x1000, 0x7ff, 0x2000, 0], None).unwrap();
/// assert_eq!((name, args[3]), ("newfstatat", 0x1000));
/// assert_eq!(fallback("io_uring_setup", &[8, 0, 0, 0, 0, 0], None), None);
/// ```
pub fn fallback(
    name: &str,
    args: &[u64; 6],
    struct_flags: Option<u64>,
) -> Option<(&'static str, [u64; 6])> {
    match name {
        // clone3(args, size) -> clone(flags | exit_signal, stack, ...): glibc's __clone_internal.
        "clone3" => struct_flags.map(|f| ("clone", [f & 0xffff_ffff, 0, 0, 0, 0, 0])),
        // openat2(dirfd, path, how, size) -> openat(dirfd, path, how.flags, how.mode).
        "openat2" => struct_flags.map(|f| ("openat", [args[0], args[1], f, 0, 0, 0])),
        // statx(dirfd, path, flags, mask, buf) -> newfstatat(dirfd, path, buf, flags).
        "statx" => Some((
            "newfstatat",
            [args[0], args[1], args[4], args[2] & FSTATAT_FLAGS, 0, 0],
        )),
        _ => None,
    }
}

/// Whether an errno answer lets the program carry on as intended (a library falls back), as
/// opposed to a refusal (EPERM). See the module notes.
pub fn is_fallback_errno(errno: i32) -> bool {
    errno != libc::EPERM
}

/// Judges one call: the promise sets that would let it (or its fallback) through, each of
/// which must also reach every path in `paths` with the access given.
///
/// ```
/// use scopes::{learn::judge, policy::Context, Permissions};
/// let ctx = Context { pid: 1, uid: 0, gid: 0 };
/// let read = [libc::AT_FDCWD as u64, 0, libc::O_RDONLY as u64, 0, 0, 0];
/// let passwd = [("/etc/passwd".into(), Permissions::READ)];
/// let alts = judge(&ctx, "openat", &read, None, &passwd).alternatives;
/// assert!(alts.contains(&"rpath".parse().unwrap()) && alts.contains(&"getpw".parse().unwrap()));
/// let hosts = [("/etc/hosts".into(), Permissions::READ)];
/// assert!(!judge(&ctx, "openat", &read, None, &hosts).alternatives.contains(&"getpw".parse().unwrap()));
/// ```
pub fn judge(
    ctx: &Context,
    name: &str,
    args: &[u64; 6],
    struct_flags: Option<u64>,
    paths: &[(std::path::PathBuf, Permissions)],
) -> Requirement {
    let mut sets = sets_for(ctx, name, args);
    let mut used_fallback = None;
    if table::FALLBACK_ENOSYS.contains(&name) {
        if let Some((older, older_args)) = fallback(name, args, struct_flags) {
            let more = sets_for(ctx, older, &older_args);
            if !more.is_empty() {
                used_fallback = Some(older);
            }
            sets.extend(more);
        }
    }
    let reaches_all = |set: Promises| {
        paths
            .iter()
            .all(|(path, access)| reaches(set, path, *access))
    };
    // A set the system call side accepts but whose paths stop short may be completed by one
    // promise that adds a few paths (`tmppath` opens anything, `tty` adds /dev/tty). Never by
    // one whose grant is all of `/` (`exec` reads everything it may execute): that promise
    // would stand in for `rpath` without meaning it.
    let mut completed = Vec::new();
    for set in &sets {
        if !reaches_all(*set) {
            let limited = Promise::ALL.iter().filter(|p| !grants_root(**p));
            completed.extend(limited.map(|p| set.with(*p)).filter(|s| reaches_all(*s)));
        }
    }
    sets.retain(|set| reaches_all(*set));
    sets.extend(completed);
    let alternatives = minimal(sets);
    // Name the fallback only when the direct call alone would not have done.
    let fallback = used_fallback.filter(|_| {
        let direct = sets_for(ctx, name, args);
        !alternatives
            .iter()
            .all(|a| direct.iter().any(|d| d.is_subset(a)))
    });
    Requirement {
        alternatives,
        fallback,
    }
}

/// The smallest promise sets under which the call is not a violation at all (it runs or
/// fails with an errno): what keeps a call no promise allows from being reported.
pub fn sets_avoiding_violation(ctx: &Context, name: &str, args: &[u64; 6]) -> Vec<Promises> {
    let mut sets = Vec::new();
    if table::FALLBACK_ENOSYS.contains(&name) {
        return vec![Promises::EMPTY];
    }
    for rule in crate::policy::rules_for(name) {
        if !rule
            .checks
            .iter()
            .all(|c| c.holds(ctx, args[c.arg as usize]))
        {
            continue;
        }
        for alt in rule.needs.alternatives() {
            if decide_by_name(alt, false, ctx, name, args) != Decision::Violation {
                sets.push(alt);
            }
        }
    }
    minimal(sets)
}

/// Sets that allow the call, plus sets that answer it with a fallback errno.
fn sets_for(ctx: &Context, name: &str, args: &[u64; 6]) -> Vec<Promises> {
    let mut sets = promise_sets_that_allow(Promises::EMPTY, ctx, name, args);
    for rule in crate::policy::rules_for(name) {
        let Verdict::Errno(errno) = rule.verdict else {
            continue;
        };
        if !is_fallback_errno(errno)
            || !rule
                .checks
                .iter()
                .all(|c| c.holds(ctx, args[c.arg as usize]))
        {
            continue;
        }
        for alt in rule.needs.alternatives() {
            if decide_by_name(alt, false, ctx, name, args) == Decision::Errno(errno) {
                sets.push(alt);
            }
        }
    }
    sets
}

/// Whether one of `p`'s path grants is all of `/`.
fn grants_root(p: Promise) -> bool {
    let names = |n: &Needs| matches!(n, Needs::All(ps) | Needs::Any(ps) if ps.contains(&p));
    PATH_GRANTS.iter().any(|g| g.unlimited() && names(&g.needs))
}

/// Whether the Landlock grants of `set` ([`PATH_GRANTS`]) give `access` on `path`.
pub fn reaches(set: Promises, path: &Path, access: Permissions) -> bool {
    covered(set, path, access, |_| true)
}

/// Whether `path` with `access` is among what `set` grants by itself, not counting the `/`
/// grants that make rpath, wpath... unlimited: such paths need no unveil entry.
pub fn implied(set: Promises, path: &Path, access: Permissions) -> bool {
    covered(set, path, access, |g| !g.unlimited())
}

/// Whether the grants of `set` that pass `which` and reach `path` hold, together, every right
/// each letter of `access` stands for (a grant may hold part of a letter: `wpath` writes
/// contents outside the kernel's filesystems and truncates everywhere).
fn covered(
    set: Promises,
    path: &Path,
    access: Permissions,
    which: impl Fn(&crate::policy::paths::PathGrant) -> bool,
) -> bool {
    use landlock::{Access as _, AccessFs, ABI};
    let granted = PATH_GRANTS
        .iter()
        .filter(|g| which(g) && g.needs.satisfied_by(set, false) && g.reaches(path))
        .fold(landlock::BitFlags::<AccessFs>::empty(), |acc, g| {
            acc | crate::landlock::rights(g.access)
        });
    LETTERS
        .iter()
        .filter(|(_, p)| access.contains(*p))
        .all(|(letter, _)| {
            let needed = crate::landlock::rights(&letter.to_string()) & AccessFs::from_all(ABI::V3);
            granted.contains(needed)
        })
}

/// Unveil letters and the path-grant letters they correspond to.
const LETTERS: &[(char, Permissions)] = &[
    ('r', Permissions::READ),
    ('w', Permissions::WRITE),
    ('x', Permissions::EXECUTE),
    ('c', Permissions::CREATE),
];

/// Drops every set that contains another one, and repeats; sorted by size, then bits.
pub(crate) fn minimal(mut sets: Vec<Promises>) -> Vec<Promises> {
    sets.sort_by_key(|s| (s.iter().count(), s.bits()));
    sets.dedup();
    let mut out: Vec<Promises> = Vec::new();
    for s in sets {
        if !out.iter().any(|kept| kept.is_subset(&s)) {
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CTX: Context = Context {
        pid: 100,
        uid: 1000,
        gid: 1000,
    };

    fn set(words: &str) -> Promises {
        words.parse().unwrap()
    }

    #[test]
    fn clone3_is_judged_by_the_clone_it_falls_back_to() {
        let thread = 0x3d0f00; // pthread_create's flags
        let r = judge(&CTX, "clone3", &[0, 88, 0, 0, 0, 0], Some(thread), &[]);
        assert_eq!(r.alternatives, vec![set("stdio"), set("proc")]);
        assert_eq!(r.fallback, Some("clone"));
        let spawn = 0x4100 | 17; // posix_spawn: CLONE_VM | CLONE_VFORK, SIGCHLD
        assert_eq!(
            judge(&CTX, "clone3", &[0, 88, 0, 0, 0, 0], Some(spawn), &[]).alternatives,
            vec![set("proc")]
        );
        let userns = 0x1000_0000 | 17;
        assert!(
            judge(&CTX, "clone3", &[0, 88, 0, 0, 0, 0], Some(userns), &[])
                .alternatives
                .is_empty()
        );
    }

    #[test]
    fn openat2_is_judged_by_its_flags() {
        let args = [libc::AT_FDCWD as u64, 0, 0, 24, 0, 0];
        let tmp = [("/tmp/x".into(), Permissions::READ)];
        let r = judge(&CTX, "openat2", &args, Some(libc::O_RDONLY as u64), &tmp);
        assert!(r.alternatives.contains(&set("rpath")) && r.alternatives.contains(&set("tmppath")));
        let w = [("/home/x".into(), Permissions::WRITE | Permissions::CREATE)];
        let r = judge(
            &CTX,
            "openat2",
            &args,
            Some((libc::O_WRONLY | libc::O_CREAT) as u64),
            &w,
        );
        assert_eq!(r.alternatives, vec![set("wpath cpath")]);
    }

    #[test]
    fn statx_on_a_descriptor_needs_only_stdio() {
        let r = judge(&CTX, "statx", &[3, 0, 0x1000, 0x7ff, 0, 0], None, &[]);
        assert_eq!(r.alternatives[0], set("stdio"));
        let r = judge(
            &CTX,
            "statx",
            &[libc::AT_FDCWD as u64, 0, 0, 0x7ff, 0, 0],
            None,
            &[],
        );
        assert!(r.alternatives.contains(&set("rpath")) && !r.alternatives.contains(&set("stdio")));
    }

    #[test]
    fn the_nscd_socket_is_satisfied_by_its_fallback_answer() {
        let r = judge(&CTX, "socket", &[1, 0x80801, 0, 0, 0, 0], None, &[]);
        for words in ["unix", "dns", "getpw"] {
            assert!(
                r.alternatives.contains(&set(words)),
                "{words}: {:?}",
                r.alternatives
            );
        }
        // EPERM is a refusal: setting a socket option no promise allows is not satisfied. Under
        // stdio alone it is a violation (as on OpenBSD); any socket promise makes it EPERM.
        assert!(judge(&CTX, "setsockopt", &[3, 1, 12, 0, 4, 0], None, &[])
            .alternatives
            .is_empty());
        assert_eq!(
            sets_avoiding_violation(&CTX, "setsockopt", &[3, 1, 12, 0, 4, 0]),
            ["inet", "unix", "dns", "netlink"].map(set).to_vec()
        );
    }

    #[test]
    fn path_limited_promises_only_count_for_their_paths() {
        let write = [
            libc::AT_FDCWD as u64,
            0,
            (libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC) as u64,
            0,
            0,
            0,
        ];
        let in_tmp = [("/tmp/out".into(), Permissions::WRITE | Permissions::CREATE)];
        let alts = judge(&CTX, "openat", &write, None, &in_tmp).alternatives;
        assert_eq!(alts, vec![set("tmppath"), set("wpath cpath")]);
        let elsewhere = [("/var/out".into(), Permissions::WRITE | Permissions::CREATE)];
        assert_eq!(
            judge(&CTX, "openat", &write, None, &elsewhere).alternatives,
            vec![set("wpath cpath")]
        );
        assert!(implied(
            set("tmppath"),
            Path::new("/tmp/out"),
            Permissions::WRITE
        ));
        assert!(!implied(
            set("rpath"),
            Path::new("/etc/hosts"),
            Permissions::READ
        ));
        assert!(implied(
            set("dns"),
            Path::new("/etc/hosts"),
            Permissions::READ
        ));
    }

    #[test]
    fn a_promise_that_adds_paths_completes_a_set() {
        // /dev/tty read-write: tmppath lets open() through, tty adds the path.
        let rdwr = [libc::AT_FDCWD as u64, 0, libc::O_RDWR as u64, 0, 0, 0];
        let tty = [("/dev/tty".into(), Permissions::READ | Permissions::WRITE)];
        let alts = judge(&CTX, "openat", &rdwr, None, &tty).alternatives;
        assert!(
            alts.contains(&set("tmppath tty")) && alts.contains(&set("rpath wpath")),
            "{alts:?}"
        );
        // exec's grant of `/` never stands in for rpath.
        let read = [libc::AT_FDCWD as u64, 0, libc::O_RDONLY as u64, 0, 0, 0];
        let lib = [("/usr/lib/x.py".into(), Permissions::READ)];
        assert_eq!(
            judge(&CTX, "openat", &read, None, &lib).alternatives,
            vec![set("rpath")]
        );
    }

    #[test]
    fn fallback_errnos_are_marked_in_the_table() {
        // The rule this module relies on: every errno answer but EPERM exists so that a
        // library falls back, and its note says so.
        for rule in table::RULES {
            if let Verdict::Errno(e) = rule.verdict {
                if is_fallback_errno(e) {
                    assert!(
                        rule.note.contains("fall"),
                        "{:?} answers errno {e} without a fallback note",
                        rule.syscalls
                    );
                }
            }
        }
    }
}
