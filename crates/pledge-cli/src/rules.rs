//! The path and port rules of the command line (`-v`, `--connect-port`, `--bind-port`), and the
//! one Landlock layer they make: enforced by the child itself before a static program, built
//! by the command for the preload to enforce in a dynamic one.

use std::path::{Path, PathBuf};

use scopes::{Permissions, Promises};

/// One rule of the unveil layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// `-v [PERM:]PATH`: the path is visible with these permissions (none: hidden), everything
    /// not unveiled is hidden.
    Unveil {
        /// What the program may do there.
        permissions: Permissions,
        /// The path, as given.
        path: PathBuf,
    },
    /// A file the command line names (a `#!` script, its interpreters), kept readable and
    /// executable as the files `execve` opens are kept: a reachable path, not an unveil
    /// (which could not be narrower than a directory above it). The command adds these; no
    /// option does.
    Reachable(PathBuf),
    /// `--connect-port`: TCP `connect()` to this port only.
    ConnectPort(u16),
    /// `--bind-port`: TCP `bind()` to this port only.
    BindPort(u16),
}

impl Rule {
    /// Whether this is a TCP port rule rather than a path.
    pub fn is_port(&self) -> bool {
        matches!(self, Rule::ConnectPort(_) | Rule::BindPort(_))
    }

    /// The unveiled path of a `-v` rule.
    pub fn unveiled(&self) -> Option<&Path> {
        match self {
            Rule::Unveil { path, .. } => Some(path),
            _ => None,
        }
    }
}

/// Applies `rules` as one unveil layer. The `executed` files stay readable and executable
/// (Landlock checks both when `execve` opens a file), so that the kernel can still start them.
/// Nothing happens without rules.
pub fn apply(rules: &[Rule], executed: &[PathBuf], promises: Promises) -> Result<(), String> {
    match batch(rules, executed, promises) {
        Some(batch) => batch.lock().map(drop).map_err(|e| format!("unveil: {e}")),
        None => Ok(()),
    }
}

/// The layer [`apply`] would enforce in a new single-threaded process, built here and not
/// enforced: for the preload to enforce on the program (see
/// [`pledge_handshake::Message::Filter`]).
pub fn layer(
    rules: &[Rule],
    promises: Promises,
) -> Result<Option<scopes::supervised::Layer>, String> {
    match batch(rules, &[], promises) {
        Some(batch) => batch
            .layer_for_another_process()
            .map_err(|e| format!("unveil: {e}")),
        None => Ok(None),
    }
}

/// The unveil batch of `rules` (see [`apply`]); `None` without rules.
fn batch(rules: &[Rule], executed: &[PathBuf], promises: Promises) -> Option<scopes::Unveil> {
    if rules.is_empty() {
        return None;
    }
    let read_execute = Permissions::READ | Permissions::EXECUTE;
    // The paths the promises imply stay reachable, as they do for a library caller.
    let mut batch = scopes::Unveil::new().implied_by(promises);
    for rule in rules {
        batch = match rule {
            Rule::Unveil { permissions, path } => batch.path(path, *permissions),
            Rule::Reachable(path) => batch.reachable(path, read_execute),
            Rule::ConnectPort(port) => batch.connect_ports([*port]),
            Rule::BindPort(port) => batch.bind_ports([*port]),
        };
    }
    for path in executed {
        batch = batch.reachable(path, read_execute);
    }
    Some(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_rule_makes_the_layer_and_none_makes_none() {
        let promises: Promises = "stdio rpath inet".parse().unwrap();
        assert!(layer(&[], promises).unwrap().is_none());
        for rule in [
            Rule::Unveil {
                permissions: Permissions::READ,
                path: PathBuf::from("/etc"),
            },
            Rule::Unveil {
                permissions: Permissions::NONE,
                path: PathBuf::from("/etc"),
            },
            Rule::Reachable(PathBuf::from("/bin/sh")),
            Rule::ConnectPort(443),
            Rule::BindPort(0),
        ] {
            let built = layer(std::slice::from_ref(&rule), promises);
            assert!(matches!(built, Ok(Some(_))), "{rule:?}: {built:?}");
            assert_eq!(
                rule.is_port(),
                rule.unveiled().is_none() && !matches!(rule, Rule::Reachable(_))
            );
        }
    }
}
