//! Decides, for the layer unveil() builds, what the running kernel can enforce and what it
//! cannot: a [`Want`] compared with the kernel's Landlock ABI gives a [`Plan`] and its gaps.

use landlock::{Access, AccessFs, ABI};

use super::Gap;
use crate::error::Error;
use crate::landlock::all_threads_flag;

/// What a layer asks of the kernel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Want {
    /// Filesystem rights the layer handles (empty when no path was unveiled).
    pub fs: landlock::BitFlags<AccessFs>,
    /// TCP rights the layer handles (port rules).
    pub net: landlock::BitFlags<landlock::AccessNet>,
    /// Scopes the caller asked for: required like any other rule.
    pub scopes: landlock::BitFlags<landlock::Scope>,
    /// Scopes added as defence in depth behind seccomp: applied where the kernel has them.
    pub extra_scopes: landlock::BitFlags<landlock::Scope>,
}

/// What will be enforced, after comparing a [`Want`] with the kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The Landlock ABI, 0 when the kernel has none (best effort only).
    pub abi: i32,
    /// Filesystem rights handled.
    pub fs: landlock::BitFlags<AccessFs>,
    /// TCP rights handled.
    pub net: landlock::BitFlags<landlock::AccessNet>,
    /// Scopes applied.
    pub scopes: landlock::BitFlags<landlock::Scope>,
    /// Whether to pass `LANDLOCK_RESTRICT_SELF_TSYNC`.
    pub all_threads: bool,
    /// What is asked but not enforced.
    pub gaps: Vec<Gap>,
}

/// Compares `want` with the kernel's Landlock `abi` (or the errno of the version query) in a
/// process of `threads` threads. Anything asked that the kernel cannot enforce is an error,
/// unless `best_effort`: then it is left out and listed in [`Plan::gaps`]. Gaps that do not
/// weaken OpenBSD's meaning (see [`Gap::weakens`]) are listed, never errors.
pub fn negotiate(
    abi: Result<i32, i32>,
    threads: usize,
    want: &Want,
    best_effort: bool,
) -> Result<Plan, Error> {
    use landlock::{AccessNet, Scope};
    let abi = match abi {
        Ok(n) if n >= 1 => n,
        Ok(_) => return no_landlock(libc::ENOSYS, best_effort),
        Err(errno) => return no_landlock(errno, best_effort),
    };
    let version = ABI::from(abi);
    let mut gaps = Vec::new();

    let fs_known = AccessFs::from_all(version);
    let fs_missing = want.fs & !fs_known;
    if fs_missing.contains(AccessFs::Truncate) {
        gaps.push(Gap::Truncate { abi });
    }
    if fs_missing.contains(AccessFs::IoctlDev) {
        gaps.push(Gap::IoctlDev { abi });
    }
    if fs_missing.contains(AccessFs::ResolveUnix) {
        gaps.push(Gap::UnixConnect { abi });
    }
    // A missing Refer (ABI 1) needs no entry: that kernel always refuses cross-directory
    // rename and link, which is stricter than asked, never weaker.

    let net_known = AccessNet::from_all(version);
    let mut net = want.net & net_known;
    if net != want.net {
        gaps.push(Gap::TcpPorts { abi });
        net = landlock::BitFlags::empty();
    }

    let scopes_known = Scope::from_all(version);
    if !(want.scopes & !scopes_known).is_empty() {
        gaps.push(Gap::Scopes { abi });
    }
    let scopes = (want.scopes | want.extra_scopes) & scopes_known;

    let all_threads = all_threads_flag(abi);
    if !all_threads && threads > 1 {
        gaps.push(Gap::OtherThreads { count: threads - 1 });
    }

    if !best_effort {
        if let Some(gap) = gaps.iter().find(|g| g.weakens()) {
            return Err(gap.to_error());
        }
    }
    Ok(Plan {
        abi,
        fs: want.fs & fs_known,
        net,
        scopes,
        all_threads,
        gaps,
    })
}

fn no_landlock(errno: i32, best_effort: bool) -> Result<Plan, Error> {
    let gap = Gap::NoLandlock { errno };
    if !best_effort {
        return Err(gap.to_error());
    }
    Ok(Plan {
        abi: 0,
        fs: landlock::BitFlags::empty(),
        net: landlock::BitFlags::empty(),
        scopes: landlock::BitFlags::empty(),
        all_threads: false,
        gaps: vec![gap],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landlock::rights;
    use landlock::{AccessNet, Scope};

    fn want_all() -> Want {
        Want {
            fs: rights("rwxcd"),
            net: AccessNet::BindTcp | AccessNet::ConnectTcp,
            scopes: Scope::Signal.into(),
            extra_scopes: Scope::AbstractUnixSocket.into(),
        }
    }

    #[test]
    fn tsync_is_used_from_abi_8_only() {
        assert!(!all_threads_flag(7));
        assert!(all_threads_flag(8));
        assert!(all_threads_flag(9));
        let plan = negotiate(
            Ok(8),
            3,
            &Want {
                fs: rights("r"),
                ..Want::default()
            },
            false,
        )
        .unwrap();
        assert!(plan.all_threads);
        assert!(plan.gaps.is_empty());
        let one = negotiate(
            Ok(7),
            1,
            &Want {
                fs: rights("r"),
                ..Want::default()
            },
            false,
        )
        .unwrap();
        assert!(!one.all_threads);
    }

    #[test]
    fn other_threads_before_abi_8_are_refused_or_reported() {
        let want = Want {
            fs: rights("r"),
            ..Want::default()
        };
        let err = negotiate(Ok(7), 2, &want, false).unwrap_err();
        assert!(matches!(err, Error::Thread { .. }), "{err}");
        let plan = negotiate(Ok(7), 2, &want, true).unwrap();
        assert_eq!(plan.gaps, vec![Gap::OtherThreads { count: 1 }]);
        assert!(!plan.all_threads);
    }

    #[test]
    fn missing_landlock_is_an_error_unless_best_effort() {
        let err = negotiate(Err(libc::ENOSYS), 1, &want_all(), false).unwrap_err();
        assert_eq!(err.errno(), libc::ENOSYS);
        let err = negotiate(Err(libc::EOPNOTSUPP), 1, &want_all(), false).unwrap_err();
        assert_eq!(err.errno(), libc::EOPNOTSUPP);
        let plan = negotiate(Err(libc::ENOSYS), 1, &want_all(), true).unwrap();
        assert_eq!(plan.abi, 0);
        assert_eq!(
            plan.gaps,
            vec![Gap::NoLandlock {
                errno: libc::ENOSYS
            }]
        );
        assert!(plan.fs.is_empty());
    }

    #[test]
    fn each_missing_right_is_named() {
        // ABI 2 lacks truncate: weaker, so refused.
        let err = negotiate(
            Ok(2),
            1,
            &Want {
                fs: rights("rw"),
                ..Want::default()
            },
            false,
        )
        .unwrap_err();
        assert!(err.to_string().contains("truncat"), "{err}");
        // ABI 3 lacks TCP rules.
        let want = Want {
            fs: rights("r"),
            net: AccessNet::ConnectTcp.into(),
            ..Want::default()
        };
        let err = negotiate(Ok(3), 1, &want, false).unwrap_err();
        assert!(err.to_string().contains("TCP"), "{err}");
        let plan = negotiate(Ok(3), 1, &want, true).unwrap();
        assert!(plan.net.is_empty());
        assert!(plan.gaps.contains(&Gap::TcpPorts { abi: 3 }));
        // ABI 5 lacks scopes asked for.
        let want = Want {
            scopes: Scope::Signal.into(),
            ..Want::default()
        };
        assert!(negotiate(Ok(5), 1, &want, false).is_err());
        // Extra scopes are dropped quietly where missing, applied where present.
        let want = Want {
            extra_scopes: Scope::Signal.into(),
            ..Want::default()
        };
        assert!(negotiate(Ok(5), 1, &want, false).unwrap().scopes.is_empty());
        assert_eq!(
            negotiate(Ok(6), 1, &want, false).unwrap().scopes,
            Scope::Signal
        );
    }

    #[test]
    fn gaps_that_do_not_weaken_openbsd_are_listed_not_refused() {
        let plan = negotiate(
            Ok(4),
            1,
            &Want {
                fs: rights("rwxcd"),
                ..Want::default()
            },
            false,
        )
        .unwrap();
        assert!(plan.gaps.contains(&Gap::IoctlDev { abi: 4 }));
        assert!(plan.gaps.contains(&Gap::UnixConnect { abi: 4 }));
        assert!(!plan.fs.contains(AccessFs::IoctlDev));
        let full = negotiate(Ok(9), 1, &want_all(), false).unwrap();
        assert!(full.gaps.is_empty());
        assert_eq!(full.fs, rights("rwxcd"));
    }
}
