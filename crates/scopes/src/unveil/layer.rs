//! Turns the collected unveil state into one Landlock layer, in two steps: [`prepare`] does
//! everything that can fail without changing the process (negotiating with the kernel,
//! creating the ruleset, adding every rule), then [`Layer::enforce`] restricts the process.
//! pledge() prepares before its first change and enforces just before installing its filter.

use std::path::Path;

use landlock::{
    AccessFs, AccessNet, BitFlags, CompatLevel, Compatible, NetPort, PathBeneath, RestrictSelfAttr,
    RestrictSelfError, Ruleset, RulesetAttr, RulesetCreated, RulesetCreatedAttr, RulesetError,
    RulesetStatus, Scope, ABI,
};

use super::negotiate::{negotiate, Plan, Want};
use super::{State, UnveilReport};
use crate::error::Error;
use crate::Promises;

/// A layer ready to be enforced.
pub(crate) struct Layer {
    ruleset: Option<RulesetCreated>,
    report: UnveilReport,
    /// Whether the ruleset confines every thread (`LANDLOCK_RESTRICT_SELF_TSYNC`).
    all_threads: bool,
}

/// Every filesystem right unveil restricts once a path is unveiled: what the letters `rwxc`
/// grant (with device nodes under `c`).
pub(crate) fn handled_fs() -> BitFlags<AccessFs> {
    super::Permissions::parse("rwxc")
        .map(|p| p.rights())
        .unwrap_or_default()
}

/// Scopes added as defence in depth behind seccomp when the promises held lack the promise
/// that would allow reaching outside: signals to other processes need `proc`, abstract unix
/// sockets need `unix`.
pub(crate) fn extra_scopes(promises: Option<Promises>) -> BitFlags<Scope> {
    promises.map_or(BitFlags::empty(), crate::compiler::paths::scopes_for)
}

/// What `state` asks of the kernel.
pub(crate) fn want(state: &State, promises: Option<Promises>) -> Want {
    let mut net = BitFlags::empty();
    if state.connect.is_some() {
        net |= AccessNet::ConnectTcp;
    }
    if state.bind.is_some() {
        net |= AccessNet::BindTcp;
    }
    Want {
        fs: if state.rules.is_empty() {
            BitFlags::empty()
        } else {
            handled_fs()
        },
        net,
        scopes: state.scopes,
        extra_scopes: extra_scopes(promises),
    }
}

fn landlock_error(e: RulesetError) -> Error {
    if let RulesetError::RestrictSelf(RestrictSelfError::RestrictSelfCall { source, .. }) = &e {
        if source.raw_os_error() == Some(libc::E2BIG) {
            return Error::TooManyLayers {
                what: "Landlock layers (16 at most)",
                errno: libc::E2BIG,
            };
        }
    }
    Error::Os {
        call: "landlock (unveil)",
        source: std::io::Error::other(e.to_string()),
    }
}

/// The promises whose files a lock before any pledge keeps reachable, for a later pledge() to
/// use: those that imply files to read (the resolver's, `/etc/passwd`, the time zone, a few
/// statistics). Not `tmppath`, `ps` or `tty`: writing `/tmp`, reading all of `/proc` or the
/// terminal would then be open to a process that unveiled none of them and may never pledge.
fn kept_before_pledge() -> Promises {
    use crate::Promise::{Ps, Tmppath, Tty};
    Promises::all().without(Tmppath).without(Ps).without(Tty)
}

/// Builds the layer for `state` in a process holding `promises` (`None`: never pledged). The
/// files those promises imply stay reachable, as on OpenBSD where they bypass unveil, so that a
/// later pledge() keeping such a promise can still use them (before any pledge: those of
/// [`kept_before_pledge`]); the layer that pledge() adds then hides those its promises do not
/// imply.
pub(crate) fn prepare(state: &State, promises: Option<Promises>) -> Result<Layer, Error> {
    let want = want(state, promises);
    // Best effort was asked per batch: only the kinds of gap a best-effort batch accepted pass.
    let plan = negotiate(crate::sys::landlock_abi(), state.threads()?, &want, true)?;
    state.refuse_unaccepted(&plan.gaps)?;
    let mut report = UnveilReport {
        abi: plan.abi,
        enforced: false,
        gaps: plan.gaps.clone(),
    };
    report.gaps.extend(state.narrowing.iter().cloned());
    if plan.fs.is_empty() && plan.net.is_empty() && plan.scopes.is_empty() {
        // Nothing the kernel can enforce (best effort) or nothing asked: lock only.
        return Ok(Layer {
            ruleset: None,
            report,
            all_threads: plan.all_threads,
        });
    }
    let mut ruleset = create(&plan)?;
    if !plan.fs.is_empty() {
        ruleset = add_unveiled(ruleset, state, &plan)?;
        ruleset = add_implied(ruleset, promises.unwrap_or_else(kept_before_pledge), &plan)?;
    }
    ruleset = add_ports(ruleset, state, &plan)?;
    if plan.all_threads {
        ruleset = ruleset.all_threads(true).map_err(landlock_error)?;
    }
    report.enforced = true;
    Ok(Layer {
        ruleset: Some(ruleset),
        report,
        all_threads: plan.all_threads,
    })
}

/// An empty ruleset handling what `plan` enforces.
fn create(plan: &Plan) -> Result<RulesetCreated, Error> {
    let mut ruleset = Ruleset::default().set_compatibility(CompatLevel::HardRequirement);
    if !plan.fs.is_empty() {
        ruleset = ruleset.handle_access(plan.fs).map_err(landlock_error)?;
    }
    if !plan.net.is_empty() {
        ruleset = ruleset.handle_access(plan.net).map_err(landlock_error)?;
    }
    if !plan.scopes.is_empty() {
        ruleset = ruleset.scope(plan.scopes).map_err(landlock_error)?;
    }
    ruleset.create().map_err(landlock_error)
}

/// The rights of a rule granting `rights` on a file or directory, within what `plan` handles
/// (a file holds no directory right).
fn rule_access(rights: BitFlags<AccessFs>, is_dir: bool, plan: &Plan) -> BitFlags<AccessFs> {
    let access = rights & plan.fs;
    if is_dir {
        access
    } else {
        access & AccessFs::from_file(ABI::from(plan.abi))
    }
}

/// Adds the unveiled paths, through the descriptors held since unveil().
fn add_unveiled(
    mut ruleset: RulesetCreated,
    state: &State,
    plan: &Plan,
) -> Result<RulesetCreated, Error> {
    for rule in &state.rules {
        if !rule.node.still_open() {
            // The program closed the descriptor held since unveil() (closefrom?): the rule can
            // no longer be attached to the file the caller meant.
            return Err(Error::Path {
                path: rule.node.path.clone(),
                source: std::io::Error::from_raw_os_error(libc::EBADF),
            });
        }
        let access = rule_access(rule.permissions.rights(), rule.node.is_dir, plan);
        if !access.is_empty() {
            ruleset = ruleset
                .add_rule(PathBeneath::new(&rule.node.file, access))
                .map_err(landlock_error)?;
        }
    }
    Ok(ruleset)
}

/// Adds the files `held` imply (the resolver's, `/etc/passwd`...), those that exist.
fn add_implied(
    mut ruleset: RulesetCreated,
    held: Promises,
    plan: &Plan,
) -> Result<RulesetCreated, Error> {
    for grant in
        crate::compiler::paths::grants(held).filter(|g| !g.everywhere() && !g.outside_kernel())
    {
        let path = Path::new(grant.path);
        let path_error = |e| Error::Path {
            path: path.to_owned(),
            source: e,
        };
        let file = match crate::landlock::open_path(path) {
            Ok(file) => file,
            // Implied files are optional (no /etc/gai.conf here, say).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(path_error(e)),
        };
        let is_dir = file.metadata().map_err(path_error)?.is_dir();
        let access = rule_access(crate::landlock::rights(grant.access), is_dir, plan);
        if !access.is_empty() {
            ruleset = ruleset
                .add_rule(PathBeneath::new(file, access))
                .map_err(landlock_error)?;
        }
    }
    Ok(ruleset)
}

/// Adds the TCP port rules, for the rights `plan` handles.
fn add_ports(
    mut ruleset: RulesetCreated,
    state: &State,
    plan: &Plan,
) -> Result<RulesetCreated, Error> {
    for (ports, right) in [
        (&state.connect, AccessNet::ConnectTcp),
        (&state.bind, AccessNet::BindTcp),
    ] {
        if plan.net.contains(right) {
            for port in ports.iter().flatten() {
                ruleset = ruleset
                    .add_rule(NetPort::new(*port, right))
                    .map_err(landlock_error)?;
            }
        }
    }
    Ok(ruleset)
}

impl Layer {
    /// The ruleset for another process to enforce on itself (see
    /// [`crate::Unveil::layer_for_another_process`]); `None` when there is nothing to enforce.
    pub(crate) fn into_layer(self) -> Option<crate::supervised::Layer> {
        let ruleset: Option<std::os::fd::OwnedFd> = self.ruleset?.into();
        Some(crate::supervised::Layer {
            ruleset: ruleset?,
            // LANDLOCK_RESTRICT_SELF_TSYNC.
            flags: if self.all_threads { 8 } else { 0 },
        })
    }

    /// Restricts the process (or only records the report when there is nothing to enforce).
    pub(crate) fn enforce(self) -> Result<UnveilReport, Error> {
        if let Some(ruleset) = self.ruleset {
            let status = ruleset.restrict_self().map_err(landlock_error)?;
            if status.ruleset != RulesetStatus::FullyEnforced {
                return Err(Error::Unsupported {
                    feature: "full Landlock enforcement".into(),
                    errno: libc::EOPNOTSUPP,
                });
            }
        }
        Ok(self.report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_added_when_the_promises_lack_proc_or_unix() {
        let p = |s: &str| Some(s.parse::<Promises>().unwrap());
        assert_eq!(
            extra_scopes(None),
            BitFlags::empty(),
            "never pledged: nothing implied"
        );
        assert_eq!(
            extra_scopes(p("stdio")),
            Scope::Signal | Scope::AbstractUnixSocket
        );
        assert_eq!(extra_scopes(p("stdio proc")), Scope::AbstractUnixSocket);
        assert_eq!(extra_scopes(p("stdio unix")), Scope::Signal);
        assert_eq!(extra_scopes(p("stdio proc unix")), BitFlags::empty());
    }

    #[test]
    fn the_handled_rights_cover_every_letter() {
        let all = handled_fs();
        for right in [
            AccessFs::ReadFile,
            AccessFs::WriteFile,
            AccessFs::Truncate,
            AccessFs::Execute,
            AccessFs::RemoveFile,
            AccessFs::Refer,
            AccessFs::MakeChar,
        ] {
            assert!(all.contains(right), "{right:?}");
        }
    }
}
