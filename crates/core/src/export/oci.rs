//! The OCI runtime-spec / Docker seccomp profile (JSON).
//!
//! libseccomp, which every runtime builds the filter with, gives no order between the rules of
//! one system call, so the table's "first matching rule decides" is rewritten as disjoint
//! regions (see `regions`). Entries never repeat an argument index (runc and crun turn a
//! repeated index into separate, OR-ed rules) and never use the default action (libseccomp
//! refuses such rules). 32-bit arguments are compared with `SCMP_CMP_MASKED_EQ` and a mask
//! without the upper half: libseccomp compares all 64 bits of an `SCMP_CMP_EQ`, while the
//! kernel reads an `int` argument from the low half only.

use std::fmt::Write as _;

use super::regions::{tree_for, Literal};
use super::{notes, violation_action, Approximation, Direction, Export, STATIC_CONTEXT};
use crate::abi;
use crate::bpf::ret;
use crate::policy::{syscall_names, table, Needs};
use crate::{Arch, Promise, Promises};

/// One profile entry: these system calls, under these conditions, get this action.
pub(super) struct Entry {
    pub(super) names: Vec<&'static str>,
    pub(super) action: u32,
    pub(super) conditions: Vec<(u8, Literal)>,
    pub(super) comments: Vec<String>,
}

/// What a seccomp profile holds, whatever its encoding: the OCI JSON here, the Kubernetes
/// resource in `k8s`, which must carry exactly the same rules.
pub(super) struct Profile {
    pub(super) arches: Vec<Arch>,
    pub(super) violation: u32,
    pub(super) entries: Vec<Entry>,
    pub(super) approximations: Vec<Approximation>,
}

/// The seccomp profile for `promises` on `arches` (none: the native architecture).
///
/// ```
/// use scopes_core::{export, Arch};
/// let profile = export::oci("stdio".parse().unwrap(), &[Arch::X86_64, Arch::Aarch64]).output;
/// assert!(profile.contains("\"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_AARCH64\"]"));
/// // clone3 and friends answer ENOSYS, so that libc falls back to calls the filter can inspect.
/// assert!(profile.contains("\"names\": [\"statx\", \"clone3\", \"openat2\""));
/// ```
pub fn oci(promises: Promises, arches: &[Arch]) -> Export<String> {
    let p = profile(promises, arches);
    let output = render(
        promises,
        &p.arches,
        p.violation,
        &p.entries,
        &p.approximations,
    );
    Export {
        output,
        approximations: p.approximations,
    }
}

/// The rules of the profile for `promises` on `arches` (none: the native architecture).
pub(super) fn profile(promises: Promises, arches: &[Arch]) -> Profile {
    let arches: Vec<Arch> = if arches.is_empty() {
        vec![Arch::native()]
    } else {
        arches.to_vec()
    };
    let present = |name: &str| arches.iter().any(|a| a.syscall_nr(name).is_some());
    let violation = violation_action(promises);

    let mut entries: Vec<Entry> = Vec::new();
    for name in syscall_names().into_iter().filter(|n| present(n)) {
        for region in tree_for(name, promises, &STATIC_CONTEXT, violation).regions() {
            if region.action == violation {
                continue; // the default action: libseccomp refuses a rule that repeats it
            }
            let comment = match region.rule {
                Some(i) => rule_comment(i, promises),
                None => "answers ENOSYS so that libc falls back to a call the filter can inspect"
                    .to_string(),
            };
            match entries
                .iter_mut()
                .find(|e| e.action == region.action && e.conditions == region.conditions)
            {
                Some(entry) => {
                    if !entry.names.contains(&name) {
                        entry.names.push(name);
                    }
                    if !entry.comments.contains(&comment) {
                        entry.comments.push(comment);
                    }
                }
                None => entries.push(Entry {
                    names: vec![name],
                    action: region.action,
                    conditions: region.conditions,
                    comments: vec![comment],
                }),
            }
        }
    }

    let mut approximations = notes::seccomp_notes(promises, &present);
    approximations.extend(profile_notes(violation));
    Profile {
        arches,
        violation,
        entries,
        approximations,
    }
}

/// What only a profile loaded by a runtime's libseccomp differs in.
fn profile_notes(violation: u32) -> Vec<Approximation> {
    let mut notes = Vec::new();
    if violation != ret::ERRNO | abi::ENOSYS as u32 {
        notes.push(Approximation {
            direction: Direction::Stricter,
            subject: "system calls newer than the table".into(),
            detail: "the library answers numbers beyond its system call table with ENOSYS; a profile can only name \
                     calls, so they meet the default action"
                .into(),
        });
    }
    notes.push(Approximation {
        direction: Direction::Stricter,
        subject: "names the runtime does not know".into(),
        detail: "runc and crun skip a name their libseccomp cannot resolve, so a call newer than the runtime's \
                 libseccomp (mseal, futex_wake, listmount...) meets the default action even where the promises \
                 allow it"
            .into(),
    });
    notes.push(Approximation {
        direction: Direction::Other,
        subject: "other ABIs".into(),
        detail: "calls through an ABI not in the architectures list (i386 int 0x80, x32) meet libseccomp's \
                 bad-architecture action, which kills the calling thread; the library kills the whole process"
            .into(),
    });
    notes
}

/// "stdio: memory without PROT_EXEC", naming the held promises that grant the rule.
fn rule_comment(index: usize, promises: Promises) -> String {
    let rule = &table::RULES[index];
    let who = match rule.needs {
        Needs::Always => "always".to_string(),
        Needs::Reporting(_) => "report channel".to_string(),
        Needs::All(ps) => ps.iter().map(|p| p.word()).collect::<Vec<_>>().join(" "),
        Needs::Any(ps) => ps
            .iter()
            .filter(|p| promises.contains(**p))
            .map(|p| p.word())
            .collect::<Vec<_>>()
            .join(" or "),
    };
    format!("{who}: {}", rule.note)
}

pub(super) fn action_fields(action: u32) -> (&'static str, Option<u32>) {
    match action & ret::ACTION_FULL {
        ret::ALLOW => ("SCMP_ACT_ALLOW", None),
        ret::ERRNO => ("SCMP_ACT_ERRNO", Some(action & 0xffff)),
        ret::KILL_PROCESS => ("SCMP_ACT_KILL_PROCESS", None),
        other => unreachable!("the table and penalties give no seccomp action {other:#x}"),
    }
}

/// The lines of the profile's leading comment: what it is, how violations end, how arguments
/// are compared, and every approximation.
pub(super) fn header(promises: Promises, notes: &[Approximation]) -> Vec<String> {
    let mut comment = vec![
        format!("seccomp profile for the pledge promises \"{promises}\", generated from the seccomp-scopes policy table"),
        "use with: docker run --security-opt seccomp=FILE; podman run --security-opt seccomp=FILE; Kubernetes \
         securityContext.seccompProfile {type: Localhost, localhostProfile: FILE}"
            .to_string(),
        if promises.contains(Promise::Error) {
            "violations fail with ENOSYS (the error promise)".to_string()
        } else {
            "violations kill the process (SIGSYS)".to_string()
        },
        "32-bit arguments (descriptors, flags, commands, pids) are compared on their low 32 bits only, as the \
         kernel reads them: SCMP_CMP_MASKED_EQ with a mask that leaves the upper half out"
            .to_string(),
        "calls allowed under argument conditions are listed once per set of conditions; a call matching none \
         meets the default action"
            .to_string(),
    ];
    if notes.is_empty() {
        comment.push("approximations: none".to_string());
    } else {
        comment.push("approximations (every difference from the library's filter):".to_string());
        comment.extend(notes.iter().map(|n| n.to_string()));
    }
    comment
}

fn render(
    promises: Promises,
    arches: &[Arch],
    violation: u32,
    entries: &[Entry],
    notes: &[Approximation],
) -> String {
    let comment = header(promises, notes);
    let mut out = String::from("{\n");
    out.push_str("  \"comment\": [\n");
    let lines: Vec<String> = comment
        .iter()
        .map(|c| format!("    {}", json_string(c)))
        .collect();
    out.push_str(&lines.join(",\n"));
    out.push_str("\n  ],\n");
    let (default, default_errno) = action_fields(violation);
    let _ = writeln!(out, "  \"defaultAction\": \"{default}\",");
    if let Some(errno) = default_errno {
        let _ = writeln!(out, "  \"defaultErrnoRet\": {errno},");
    }
    let arch_names: Vec<String> = arches.iter().map(|a| json_string(scmp_arch(*a))).collect();
    let _ = writeln!(out, "  \"architectures\": [{}],", arch_names.join(", "));
    out.push_str("  \"syscalls\": [");
    for (i, entry) in entries.iter().enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        render_entry(&mut out, entry);
    }
    out.push_str("\n  ]\n}\n");
    out
}

fn render_entry(out: &mut String, entry: &Entry) {
    let names: Vec<String> = entry.names.iter().map(|n| json_string(n)).collect();
    let (action, errno) = action_fields(entry.action);
    out.push_str("    {\n");
    let _ = writeln!(out, "      \"names\": [{}],", names.join(", "));
    let _ = write!(out, "      \"action\": \"{action}\"");
    if let Some(errno) = errno {
        let _ = write!(out, ",\n      \"errnoRet\": {errno}");
    }
    if !entry.conditions.is_empty() {
        out.push_str(",\n      \"args\": [\n");
        let args: Vec<String> = entry
            .conditions
            .iter()
            .map(|(index, literal)| {
                let fields = arg_fields(literal)
                    .iter()
                    .map(|(k, v)| format!("\"{k}\": {v}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!("        {{\"index\": {index}, {fields}}}")
            })
            .collect();
        out.push_str(&args.join(",\n"));
        out.push_str("\n      ]");
    }
    let comment = entry_comment(entry);
    let _ = write!(
        out,
        ",\n      \"comment\": {}\n    }}",
        json_string(&comment)
    );
}

/// The fields of one argument condition after its index: `value`, `valueTwo` (masked
/// comparisons only) and `op`, values as JSON and YAML both write them.
pub(super) fn arg_fields(literal: &Literal) -> Vec<(&'static str, String)> {
    match literal {
        Literal::Bits(p) if p.mask == u64::MAX => vec![
            ("value", p.value.to_string()),
            ("op", "\"SCMP_CMP_EQ\"".into()),
        ],
        Literal::Bits(p) => vec![
            ("value", p.mask.to_string()),
            ("valueTwo", p.value.to_string()),
            ("op", "\"SCMP_CMP_MASKED_EQ\"".into()),
        ],
        Literal::Ne(v) => vec![("value", v.to_string()), ("op", "\"SCMP_CMP_NE\"".into())],
    }
}

/// Why an entry is there: the promises and rules behind it.
pub(super) fn entry_comment(entry: &Entry) -> String {
    if entry.conditions.is_empty() && entry.action == ret::ALLOW {
        "allowed by the promises without argument conditions".to_string()
    } else {
        entry.comments.join("; ")
    }
}

/// The libseccomp architecture token OCI profiles use.
pub(super) fn scmp_arch(arch: Arch) -> &'static str {
    match arch {
        Arch::X86_64 => "SCMP_ARCH_X86_64",
        Arch::Aarch64 => "SCMP_ARCH_AARCH64",
        Arch::Riscv64 => "SCMP_ARCH_RISCV64",
    }
}

/// A JSON string literal (also a YAML double-quoted scalar).
pub(super) fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped() {
        assert_eq!(json_string("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
    }

    #[test]
    fn no_entry_repeats_the_default_or_an_argument() {
        for set in [
            "",
            "stdio",
            "stdio rpath inet dns unix getpw fattr",
            "stdio error",
        ] {
            let promises: Promises = set.parse().unwrap();
            let text = oci(promises, &[]).output;
            assert!(
                !text.contains("\"action\": \"SCMP_ACT_KILL_PROCESS\""),
                "{set}"
            );
            for entry in text.split("\"names\"").skip(1) {
                let args = entry.split("\"comment\"").next().unwrap();
                for index in 0..6 {
                    assert!(
                        args.matches(&format!("\"index\": {index},")).count() <= 1,
                        "{set}: {entry}"
                    );
                }
            }
        }
    }
}
