//! The Kubernetes form of the OCI profile: a `SeccompProfile` resource of the Security
//! Profiles Operator (API group `security-profiles-operator.x-k8s.io`, version `v1beta1`), in
//! YAML. Its `spec` holds the OCI profile's fields (`defaultAction`, `architectures`,
//! `syscalls`), built from the very entries [`super::oci`] writes; the operator writes them
//! out as a profile file on each node, which pods then name in
//! `securityContext.seccompProfile`. The resource's schema has no `comment` fields, so the
//! explanations become YAML comments, and the approximations also an annotation.

use std::fmt::Write as _;

use super::oci::{
    action_fields, arg_fields, entry_comment, header, json_string, profile, scmp_arch,
};
use super::{Approximation, Direction, Export};
use crate::abi;
use crate::{Arch, Promises};

/// The resource's API group and version.
pub const K8S_API_VERSION: &str = "security-profiles-operator.x-k8s.io/v1beta1";

/// The resource's name for `promises`: `pledge-` and the promise words, lower case with
/// dashes (a DNS subdomain, as Kubernetes names must be); `pledge-none` for no promise.
///
/// ```
/// assert_eq!(scopes_core::export::k8s_name("stdio prot_exec".parse().unwrap()), "pledge-stdio-prot-exec");
/// ```
pub fn k8s_name(promises: Promises) -> String {
    let words: Vec<String> = promises
        .iter()
        .map(|p| p.word().replace('_', "-"))
        .collect();
    if words.is_empty() {
        "pledge-none".to_string()
    } else {
        format!("pledge-{}", words.join("-"))
    }
}

/// The `SeccompProfile` resource for `promises` on `arches` (none: the native architecture),
/// with the same rules as [`super::oci`] and the same approximations, plus one the resource
/// adds: it has no field for the default action's errno.
///
/// ```
/// use scopes_core::export;
/// let resource = export::k8s("stdio".parse().unwrap(), &[]).output;
/// assert!(resource.contains("kind: SeccompProfile\n"));
/// assert!(resource.contains("  defaultAction: SCMP_ACT_KILL_PROCESS\n"));
/// ```
pub fn k8s(promises: Promises, arches: &[Arch]) -> Export<String> {
    let p = profile(promises, arches);
    let mut approximations = p.approximations;
    let (default, default_errno) = action_fields(p.violation);
    if let Some(errno) = default_errno {
        approximations.push(Approximation {
            direction: Direction::Other,
            subject: "defaultErrnoRet".into(),
            detail: format!(
                "the SeccompProfile resource has no field for the default action's errno, so calls outside the \
                 promises fail with the runtime's default (EPERM) instead of {}",
                if errno == abi::ENOSYS as u32 { "ENOSYS".to_string() } else { errno.to_string() }
            ),
        });
    }

    let mut out = String::new();
    for line in header(promises, &approximations) {
        let _ = writeln!(out, "# {}", line.replace('\n', " "));
    }
    out.push_str(
        "# apply with: kubectl apply -f FILE; a pod uses it through securityContext.seccompProfile \
         {type: Localhost, localhostProfile: the status.localhostProfile the operator reports}\n",
    );
    let _ = writeln!(out, "apiVersion: {K8S_API_VERSION}");
    out.push_str("kind: SeccompProfile\n");
    out.push_str("metadata:\n");
    let _ = writeln!(out, "  name: {}", k8s_name(promises));
    out.push_str("  annotations:\n");
    let _ = writeln!(
        out,
        "    seccomp-scopes/promises: {}",
        json_string(&promises.to_string())
    );
    let notes: Vec<String> = approximations.iter().map(|n| n.to_string()).collect();
    let _ = writeln!(
        out,
        "    seccomp-scopes/approximations: {}",
        json_string(&notes.join("\n"))
    );
    out.push_str("spec:\n");
    let _ = writeln!(out, "  defaultAction: {default}");
    out.push_str("  architectures:\n");
    for arch in &p.arches {
        let _ = writeln!(out, "  - {}", scmp_arch(*arch));
    }
    out.push_str("  syscalls:\n");
    for entry in &p.entries {
        let (action, errno) = action_fields(entry.action);
        let _ = writeln!(out, "  # {}", entry_comment(entry).replace('\n', " "));
        let _ = writeln!(out, "  - names: [{}]", entry.names.join(", "));
        let _ = writeln!(out, "    action: {action}");
        if let Some(errno) = errno {
            // A string in the resource's schema (the operator's `errnoRet` field).
            let _ = writeln!(out, "    errnoRet: \"{errno}\"");
        }
        if !entry.conditions.is_empty() {
            out.push_str("    args:\n");
            for (index, literal) in &entry.conditions {
                let fields: Vec<String> = arg_fields(literal)
                    .into_iter()
                    .map(|(k, v)| format!("{k}: {}", v.trim_matches('"')))
                    .collect();
                let _ = writeln!(out, "    - {{index: {index}, {}}}", fields.join(", "));
            }
        }
    }
    if p.entries.is_empty() {
        // No entry: the list is empty, not null.
        out.truncate(out.len() - "  syscalls:\n".len());
        out.push_str("  syscalls: []\n");
    }
    Export {
        output: out,
        approximations,
    }
}
