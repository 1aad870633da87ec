//! The path compiler: the path side of a promise set ([`crate::policy::paths::PATH_GRANTS`])
//! becomes the plan of one Landlock layer. Pure: it makes no system call, so every property of
//! the layer (what each right reaches, for every combination of promises) is tested without a
//! kernel; `sys::landlock` applies the plan.
//!
//! A layer handles each filesystem right on its own. A right granted on `/` itself is left
//! unhandled (allowed everywhere, and cheaper: Landlock then walks no path for it); every other
//! right the layer must confine is handled, and granted only where the promises grant it. So a
//! promise that reaches one right everywhere (`unix` binding sockets) never lifts another
//! promise's confinement of a different right (`tmppath` creating files only in /tmp).

use std::path::{Path, PathBuf};

use landlock::{Access, AccessFs, AccessNet, BitFlags, Scope, ABI};

// Which grants a promise set holds is a question about the table, answered in the pure core.
use crate::{Promise, Promises};
pub use scopes_core::policy::paths::{grants, path_side, reaches_paths};
use scopes_core::policy::paths::{PathGrant, PATH_LIMITED};

/// Where a rule attaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// A path, opened when the layer is applied.
    Path(PathBuf),
    /// A file the process holds open (`O_PATH`) since unveil() named it, by descriptor.
    Held(i32),
}

/// One rule: `place` and everything beneath it gets `access`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathRule {
    /// Where.
    pub place: Place,
    /// The rights (only those the layer handles).
    pub access: BitFlags<AccessFs>,
    /// Whether a missing path is skipped (files promises imply, which a system may lack)
    /// rather than an error.
    pub missing_ok: bool,
}

/// A planned Landlock layer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LayerPlan {
    /// Filesystem rights the layer handles: denied wherever no rule grants them.
    pub fs: BitFlags<AccessFs>,
    /// TCP rights the layer handles.
    pub net: BitFlags<AccessNet>,
    /// Scopes (signals, abstract unix sockets) that keep the process inside.
    pub scopes: BitFlags<Scope>,
    /// Filesystem rules.
    pub rules: Vec<PathRule>,
    /// TCP port rules.
    pub ports: Vec<(u16, AccessNet)>,
}

/// A rule that unveil() made and a lock enforced: the layers built after it re-state it, so
/// that paths promises reach "everywhere" mean everywhere the process can still see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unveiled {
    /// The unveiled file, held open.
    pub place: Place,
    /// Its rights.
    pub access: BitFlags<AccessFs>,
}

/// What the plan of a layer depends on besides the promises.
#[derive(Clone, Copy, Debug)]
pub struct Inputs<'a> {
    /// The kernel's Landlock ABI (at least 1).
    pub abi: i32,
    /// The entries of `/` outside the kernel's filesystems (see
    /// [`crate::policy::paths::OUTSIDE_KERNEL`]).
    pub roots: &'a [PathBuf],
    /// Rules of unveil layers in force (or being enforced with this layer): when present, the
    /// promises' grants on `/` reach only them.
    pub unveiled: Option<&'a [Unveiled]>,
    /// Further grants that must exist (the `pledge` command's program and interpreter).
    pub extra: &'a [(PathBuf, BitFlags<AccessFs>)],
}

/// The rights the path table's `access` letters stand for, in a layer of Landlock `abi`.
fn grant_rights(g: &PathGrant, abi: i32) -> BitFlags<AccessFs> {
    rights(g.access) & AccessFs::from_all(ABI::from(abi))
}

/// Whether the filter of `promises` lets a process open and list a directory (`getdents`).
pub fn reads_directories(promises: Promises) -> bool {
    use Promise::*;
    [Rpath, Tmppath, Dns, Getpw, Vminfo, Ps]
        .iter()
        .any(|p| promises.contains(*p))
}

/// The extra scopes: signals to other processes need `proc`, abstract unix sockets need `unix`.
pub fn scopes_for(promises: Promises) -> BitFlags<Scope> {
    let mut scopes = BitFlags::empty();
    if !promises.contains(Promise::Proc) {
        scopes |= Scope::Signal;
    }
    if !promises.contains(Promise::Unix) {
        scopes |= Scope::AbstractUnixSocket;
    }
    scopes
}

/// Plans the layer for `promises`.
///
/// With a promise of [`PATH_LIMITED`], or unveiled rules, or extra grants, the layer checks
/// every right of ABI 3 that is not granted on `/`. Otherwise the filter already gives each
/// right OpenBSD's meaning except where a grant is partial ([`PathGrant::outside_kernel`]):
/// only those rights are handled. A layer that must exist but handles nothing (for its ptrace
/// and signal scoping) uses scopes where the kernel has them (ABI 6), and REFER otherwise,
/// which open() never checks.
///
/// `dns` without `inet` may connect over TCP only to port 53, where the kernel has TCP rules
/// (ABI 4).
///
/// ```
/// use scopes::compiler::paths::{plan, Inputs};
/// let inputs = Inputs { abi: 7, roots: &["/etc".into(), "/tmp".into()], unveiled: None, extra: &[] };
/// let layer = plan("stdio tmppath unix".parse().unwrap(), &inputs);
/// // unix binds sockets everywhere, but tmppath still creates files only in /tmp.
/// assert!(layer.fs.contains(landlock::AccessFs::MakeReg));
/// assert!(!layer.fs.contains(landlock::AccessFs::MakeSock));
/// ```
pub fn plan(promises: Promises, inputs: &Inputs<'_>) -> LayerPlan {
    let abi = inputs.abi;
    let known = AccessFs::from_all(ABI::from(abi.min(3)));
    let granted: Vec<&PathGrant> = grants(promises).collect();
    let everywhere: BitFlags<AccessFs> = granted
        .iter()
        .filter(|g| g.everywhere())
        .fold(BitFlags::empty(), |acc, g| acc | grant_rights(g, abi));
    let partial: BitFlags<AccessFs> = granted
        .iter()
        .filter(|g| g.outside_kernel())
        .fold(BitFlags::empty(), |acc, g| acc | grant_rights(g, abi));
    let checks_all = PATH_LIMITED.iter().any(|p| promises.contains(*p))
        || inputs.unveiled.is_some()
        || !inputs.extra.is_empty();

    let mut fs = if checks_all {
        (known & !everywhere) | partial
    } else {
        partial
    };
    if inputs.unveiled.is_some() {
        // Grants on `/` reach only what unveil left visible: nothing is unhandled.
        fs = known | partial | everywhere;
    }
    // Landlock refuses every cross-directory rename and link where REFER is not handled, so a
    // layer that confines creation handles it, granted with `c`.
    if fs.intersects(rights("c")) {
        fs |= AccessFs::Refer;
    }
    fs &= AccessFs::from_all(ABI::from(abi));

    let mut rules: Vec<PathRule> = Vec::new();
    let mut add = |place: Place, access: BitFlags<AccessFs>, missing_ok: bool| {
        let access = access & fs;
        if access.is_empty() {
            return;
        }
        // Two rules on one path are one rule with both rights (Landlock ORs the rights of
        // rules on the same file): /tmp is an entry of `/` and tmppath's directory. One
        // rule opens the path once. Held descriptors are left alone: the plan cannot tell
        // which files they are.
        let same = |r: &&mut PathRule| {
            r.missing_ok == missing_ok
                && match (&r.place, &place) {
                    // The same bytes (comparing paths component by component would cost more
                    // than the open it saves).
                    (Place::Path(a), Place::Path(b)) => a.as_os_str() == b.as_os_str(),
                    _ => false,
                }
        };
        match rules.iter_mut().find(same) {
            Some(rule) => rule.access |= access,
            None => rules.push(PathRule {
                place,
                access,
                missing_ok,
            }),
        }
    };
    match inputs.unveiled {
        None => {
            let root: BitFlags<AccessFs> = granted
                .iter()
                .filter(|g| g.everywhere())
                .fold(BitFlags::empty(), |acc, g| acc | grant_rights(g, abi));
            add(Place::Path("/".into()), root, false);
            let outside = partial & !everywhere;
            for entry in inputs.roots {
                add(Place::Path(entry.clone()), outside, true);
            }
        }
        Some(unveiled) => {
            let wide = everywhere | partial;
            for rule in unveiled {
                add(rule.place.clone(), rule.access & wide, false);
            }
        }
    }
    for g in granted
        .iter()
        .filter(|g| !g.everywhere() && !g.outside_kernel())
    {
        add(Place::Path(g.path.into()), grant_rights(g, abi), true);
    }
    for (path, access) in inputs.extra {
        add(Place::Path(path.clone()), *access, false);
    }

    let mut net = BitFlags::empty();
    let mut ports = Vec::new();
    if promises.contains(Promise::Dns) && !promises.contains(Promise::Inet) && abi >= 4 {
        net = AccessNet::ConnectTcp | AccessNet::BindTcp;
        ports.push((53, AccessNet::ConnectTcp));
    }
    let scopes = scopes_for(promises) & Scope::from_all(ABI::from(abi));
    if fs.is_empty() && net.is_empty() && scopes.is_empty() {
        fs = AccessFs::Refer.into();
    }
    LayerPlan {
        fs,
        net,
        scopes,
        rules,
        ports,
    }
}

impl LayerPlan {
    /// Whether the layer lets `right` through at `path` (absolute, normalised), counting the
    /// rules whose places are paths (held descriptors cannot be compared with a path). What
    /// the property tests compare the table with.
    pub fn allows(&self, path: &str, right: AccessFs) -> bool {
        if !self.fs.contains(right) {
            return true;
        }
        self.rules.iter().any(|r| {
            r.access.contains(right)
                && match &r.place {
                    Place::Path(place) => Path::new(path).starts_with(place),
                    Place::Held(_) => false,
                }
        })
    }
}

/// The rights an access string stands for: unveil's `r`, `w`, `x`, `c`, and the path table's
/// `d`, `s`, `v`, `t` (see [`crate::policy::paths`]).
pub fn rights(access: &str) -> landlock::BitFlags<AccessFs> {
    let mut set = landlock::BitFlags::<AccessFs>::empty();
    for letter in access.chars() {
        set |= match letter {
            'r' => AccessFs::ReadFile | AccessFs::ReadDir,
            // IoctlDev (ABI 5) and ResolveUnix (ABI 9) are masked out where the ruleset does not
            // handle them: OpenBSD's `w` also governs connect() to a unix socket.
            'w' => {
                AccessFs::WriteFile
                    | AccessFs::Truncate
                    | AccessFs::IoctlDev
                    | AccessFs::ResolveUnix
            }
            'x' => AccessFs::Execute.into(),
            'c' => {
                AccessFs::MakeReg
                    | AccessFs::MakeDir
                    | AccessFs::MakeSym
                    | AccessFs::MakeSock
                    | AccessFs::MakeFifo
                    | AccessFs::RemoveFile
                    | AccessFs::RemoveDir
                    | AccessFs::Refer
            }
            'd' => AccessFs::MakeFifo | AccessFs::MakeChar | AccessFs::MakeBlock,
            's' => AccessFs::MakeSock | AccessFs::ResolveUnix,
            // `w` split in two for the path table: writing contents, and the rights Landlock
            // checks on every open (as optional rights of the file), truncating and device
            // ioctls.
            'v' => AccessFs::WriteFile.into(),
            't' => AccessFs::Truncate | AccessFs::IoctlDev,
            _ => landlock::BitFlags::empty(),
        };
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Promise;
    use scopes_core::policy::paths::PATH_GRANTS;
    use scopes_core::policy::Needs;

    const ROOTS: [&str; 8] = [
        "/etc", "/tmp", "/usr", "/home", "/dev", "/var", "/work", "/run",
    ];
    /// Paths to probe: beneath every kind of place the table names.
    const PROBES: [&str; 17] = [
        "/etc/hosts",
        "/etc/passwd",
        "/etc/shadow",
        "/etc/resolv.conf",
        "/etc/localtime",
        "/tmp/x",
        "/tmp",
        "/usr/bin/ls",
        "/home/u/f",
        "/dev/null",
        "/dev/tty",
        "/proc/self/mem",
        "/proc/meminfo",
        "/sys/fs/cgroup/x",
        "/sys/devices/system/cpu/online",
        "/work/f",
        "/",
    ];

    /// Inputs of a plan on Landlock ABI 7 with `roots` and nothing unveiled.
    fn on_abi_7(roots: &[PathBuf]) -> Inputs<'_> {
        Inputs {
            abi: 7,
            roots,
            unveiled: None,
            extra: &[],
        }
    }

    fn roots() -> Vec<PathBuf> {
        ROOTS.iter().map(PathBuf::from).collect()
    }

    fn every_right() -> Vec<AccessFs> {
        AccessFs::from_all(ABI::V3).iter().collect()
    }

    /// The table's own answer: some grant of a held promise reaches `path` with `right`.
    fn table_reaches(promises: Promises, path: &str, right: AccessFs) -> bool {
        grants(promises).any(|g| g.reaches(path) && rights(g.access).contains(right))
    }

    /// The promises whose system calls (in the filter's table) can exercise `right` on a path.
    fn exercised_by(right: AccessFs) -> &'static [Promise] {
        use Promise::*;
        match right {
            // (execve checks ReadFile too, but only to execute the file)
            AccessFs::ReadFile | AccessFs::ReadDir => &[Rpath, Tmppath, Dns, Getpw, Vminfo, Ps],
            AccessFs::WriteFile | AccessFs::Truncate => &[Wpath, Tmppath],
            AccessFs::Execute => &[Exec],
            // Socket files are made by bind(), device nodes and fifos by mknod().
            AccessFs::MakeSock => &[Unix],
            AccessFs::MakeChar | AccessFs::MakeBlock | AccessFs::MakeFifo => &[Dpath],
            _ => &[Cpath, Tmppath],
        }
    }

    /// A small deterministic generator (xorshift), so failures reproduce.
    fn random_sets(n: usize) -> Vec<Promises> {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                Promise::ALL
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| x >> (i % 64) & 1 == 1)
                    .map(|(_, p)| *p)
                    .collect::<Promises>()
                    .with(Promise::Stdio)
            })
            .collect()
    }

    /// The layer grants exactly what the table grants, right by right, wherever it handles the
    /// right; a right it leaves unhandled is either granted everywhere by the table, or
    /// reached by no held promise at all (the filter refuses the calls), and then the set holds
    /// no path-limited promise (whose calls are as wide as a general promise's).
    #[test]
    fn each_right_reaches_exactly_what_the_promises_grant() {
        let roots = roots();
        let inputs = on_abi_7(&roots);
        for set in random_sets(400) {
            let layer = plan(set, &inputs);
            for right in every_right() {
                for path in PROBES {
                    let want = table_reaches(set, path, right);
                    if layer.fs.contains(right) {
                        assert_eq!(
                            layer.allows(path, right),
                            want,
                            "{set}: {right:?} at {path}"
                        );
                    } else if !want {
                        // Unhandled, so allowed everywhere by this layer: only right when
                        // the filter lets no call of the set exercise the right at all.
                        let users = exercised_by(right);
                        assert!(
                            !set.iter().any(|p| users.contains(&p)),
                            "{set}: {right:?} unhandled, yet not granted at {path}"
                        );
                    }
                }
            }
        }
    }

    /// The grants of a set are the union of each of its promises' grants: no grant needs two
    /// promises together, and those every pledge has apply as soon as any promise reaches paths.
    #[test]
    fn a_combination_reaches_no_further_than_its_parts() {
        for g in PATH_GRANTS {
            assert!(
                matches!(g.needs, Needs::Always | Needs::Any(_) | Needs::All([_])),
                "{g:?} needs a combination"
            );
        }
        let own = |p: Promise, g: &PathGrant| match g.needs {
            Needs::All(ps) | Needs::Any(ps) => ps.contains(&p),
            _ => false,
        };
        for set in random_sets(400) {
            for right in every_right() {
                for path in PROBES {
                    let reach = |g: &PathGrant| g.reaches(path) && rights(g.access).contains(right);
                    let parts = reaches_paths(set)
                        && PATH_GRANTS.iter().any(|g| {
                            reach(g) && (g.needs == Needs::Always || set.iter().any(|p| own(p, g)))
                        });
                    assert_eq!(
                        table_reaches(set, path, right),
                        parts,
                        "{set} {right:?} {path}"
                    );
                }
            }
        }
    }

    #[test]
    fn unix_leaves_tmppath_confined() {
        let roots = roots();
        let inputs = on_abi_7(&roots);
        let layer = plan("stdio tmppath unix".parse().unwrap(), &inputs);
        assert!(layer.allows("/tmp/x", AccessFs::MakeReg));
        assert!(!layer.allows("/etc/x", AccessFs::MakeReg));
        assert!(!layer.allows("/etc/x", AccessFs::RemoveFile));
        assert!(!layer.allows("/etc/x", AccessFs::RemoveDir));
        assert!(layer.allows("/etc/x", AccessFs::MakeSock));
    }

    #[test]
    fn writing_never_reaches_the_kernels_filesystems() {
        let roots = roots();
        let inputs = on_abi_7(&roots);
        for set in [
            "stdio rpath wpath",
            "stdio rpath wpath cpath dpath",
            "stdio wpath ps",
        ] {
            if set.contains("cpath") {
                let layer = plan(set.parse().unwrap(), &inputs);
                assert!(
                    !layer.allows("/sys/fs/cgroup/x", AccessFs::MakeDir),
                    "{set}"
                );
                assert!(!layer.allows("/proc/x", AccessFs::RemoveFile), "{set}");
            }
            let layer = plan(set.parse().unwrap(), &inputs);
            assert!(
                !layer.allows("/proc/self/mem", AccessFs::WriteFile),
                "{set}"
            );
            assert!(!layer.allows("/sys/kernel/x", AccessFs::WriteFile), "{set}");
            assert!(layer.allows("/work/f", AccessFs::WriteFile), "{set}");
        }
    }

    #[test]
    fn dns_without_inet_connects_to_port_53_only() {
        let inputs = on_abi_7(&[]);
        let layer = plan("stdio dns".parse().unwrap(), &inputs);
        assert_eq!(layer.net, AccessNet::ConnectTcp | AccessNet::BindTcp);
        assert_eq!(layer.ports, vec![(53, AccessNet::ConnectTcp)]);
        assert!(plan("stdio dns inet".parse().unwrap(), &inputs)
            .net
            .is_empty());
        let old = Inputs { abi: 3, ..inputs };
        assert!(plan("stdio dns".parse().unwrap(), &old).net.is_empty());
    }

    /// /tmp is an entry of `/` and tmppath's directory: one rule holds what both grant there.
    #[test]
    fn a_path_gets_one_rule_with_every_right_granted_there() {
        let roots = roots();
        let layer = plan(Promises::all(), &on_abi_7(&roots));
        let tmp: Vec<&PathRule> = layer
            .rules
            .iter()
            .filter(|r| r.place == Place::Path("/tmp".into()))
            .collect();
        assert_eq!(tmp.len(), 1, "{tmp:?}");
        // It holds what each promise alone grants on /tmp, as far as the layer handles it.
        for alone in ["stdio wpath cpath dpath", "stdio tmppath"] {
            let alone = plan(alone.parse().unwrap(), &on_abi_7(&roots));
            let granted = alone
                .rules
                .iter()
                .filter(|r| r.place == Place::Path("/tmp".into()))
                .fold(BitFlags::empty(), |acc, r| acc | r.access);
            assert!(!granted.is_empty());
            assert!(tmp[0].access.contains(granted & layer.fs));
        }
    }

    #[test]
    fn unveiled_rules_bound_the_promises_that_reach_everywhere() {
        let unveiled = [Unveiled {
            place: Place::Held(7),
            access: rights("r"),
        }];
        let inputs = Inputs {
            abi: 7,
            roots: &[],
            unveiled: Some(&unveiled),
            extra: &[],
        };
        let layer = plan("stdio rpath dns".parse().unwrap(), &inputs);
        assert!(layer.fs.contains(AccessFs::ReadFile));
        assert!(layer.allows("/etc/hosts", AccessFs::ReadFile));
        assert!(!layer.allows("/etc/shadow", AccessFs::ReadFile));
        assert!(layer
            .rules
            .iter()
            .any(|r| r.place == Place::Held(7) && r.access == rights("r")));
        let narrower = plan("stdio rpath".parse().unwrap(), &inputs);
        assert!(!narrower.allows("/etc/hosts", AccessFs::ReadFile));
    }
}
