//! Landlock: turns path grants (from promises or unveil) into a ruleset and enforces it.
//! Compatibility is decided here, in one place: what the kernel lacks is an error, never a
//! silently skipped rule.

use std::path::{Path, PathBuf};

use landlock::{
    Access, AccessFs, CompatLevel, Compatible, PathBeneath, PathFd, Ruleset, RulesetAttr,
    RulesetCreatedAttr, RulesetStatus, ABI,
};

use crate::error::Error;

/// The lowest Landlock ABI this library enforces paths with: ABI 3 (Linux 6.2) controls
/// truncation; before it, `O_TRUNC` would escape the rules.
pub const MIN_ABI: i32 = 3;

/// The rights an access string (`r`, `w`, `x`, `c`, `d`) stands for.
pub fn rights(access: &str) -> landlock::BitFlags<AccessFs> {
    let mut set = landlock::BitFlags::<AccessFs>::empty();
    for letter in access.chars() {
        set |= match letter {
            'r' => AccessFs::ReadFile | AccessFs::ReadDir,
            'w' => AccessFs::WriteFile | AccessFs::Truncate,
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
            _ => landlock::BitFlags::empty(),
        };
    }
    set
}

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
            feature: format!("Landlock ABI {MIN_ABI} (Linux 6.2) for path rules; this kernel has ABI {abi}"),
            errno: libc::EOPNOTSUPP,
        });
    }
    let others = crate::sys::other_threads().map_err(|e| Error::Os { call: "reading /proc/self/task", source: e })?;
    if let Some(tid) = others.first() {
        return Err(Error::Thread {
            tid: None,
            reason: leak_reason(*tid),
        });
    }
    Ok(abi)
}

fn leak_reason(_tid: i32) -> &'static str {
    "other threads exist and Landlock before ABI 8 confines only the calling thread: \
     restrict paths before starting threads"
}

/// One rule: `path` and everything beneath it gets `access`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The path.
    pub path: PathBuf,
    /// Access letters.
    pub access: String,
}

/// Enforces a ruleset that handles every filesystem right of ABI 3 and grants `grants`.
/// `missing_ok` says whether a grant whose path does not exist is skipped (implied files such
/// as /etc/gai.conf) or an error (paths a user named).
pub fn enforce(grants: &[(Grant, bool)]) -> Result<(), Error> {
    check_available()?;
    let handled = AccessFs::from_all(ABI::V3);
    let landlock_err = |e: landlock::RulesetError| Error::Os {
        call: "landlock",
        source: std::io::Error::other(e.to_string()),
    };
    let mut ruleset = Ruleset::default()
        .set_compatibility(CompatLevel::HardRequirement)
        .handle_access(handled)
        .map_err(landlock_err)?
        .create()
        .map_err(landlock_err)?;
    for (grant, missing_ok) in grants {
        let fd = match PathFd::new(&grant.path) {
            Ok(fd) => fd,
            Err(_) if *missing_ok && !grant.path.exists() => continue,
            Err(_) => {
                return Err(Error::Path {
                    path: grant.path.clone(),
                    source: std::fs::metadata(&grant.path).err().unwrap_or_else(|| std::io::Error::from_raw_os_error(libc::EACCES)),
                })
            }
        };
        let mut access = rights(&grant.access) & handled;
        if !is_dir(&grant.path) {
            access &= AccessFs::from_file(ABI::V3);
        }
        if access.is_empty() {
            continue;
        }
        ruleset = ruleset.add_rule(PathBeneath::new(fd, access)).map_err(landlock_err)?;
    }
    let status = ruleset.restrict_self().map_err(landlock_err)?;
    if status.ruleset != RulesetStatus::FullyEnforced {
        return Err(Error::Unsupported {
            feature: "full Landlock enforcement".into(),
            errno: libc::EOPNOTSUPP,
        });
    }
    Ok(())
}

fn is_dir(path: &Path) -> bool {
    std::fs::metadata(path).map(|m| m.is_dir()).unwrap_or(false)
}
