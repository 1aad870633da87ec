//! Human-readable renderings of the policy table: the promise reference in the docs and the
//! README, and `pledge --explain`. Derived from the table, never written by hand.

use std::fmt::Write as _;

use super::paths::PATH_GRANTS;
use super::table::{FALLBACK_ENOSYS, RULES};
use super::{Check, Needs, Rule, Value, Verdict, Width};
use crate::abi;
use crate::promise::{Promise, Promises, OPENBSD_ONLY};

/// Renders one argument check, e.g. `arg2 & 0x4 == 0` or `arg1 in {0x5401, 0x5413}`.
///
/// ```
/// use scopes_core::policy::{describe::check, Check, Value, Width};
/// let c = Check { arg: 0, width: Width::W32, mask: 0xffff_ffff, values: &[Value::Const(0), Value::Pid] };
/// assert_eq!(check(&c), "arg0 in {0, own pid}");
/// ```
pub fn check(c: &Check) -> String {
    let full = match c.width {
        Width::W32 => 0xffff_ffff,
        Width::W64 => u64::MAX,
    };
    let lhs = if c.mask & full == full {
        format!("arg{}", c.arg)
    } else {
        format!("arg{} & {:#x}", c.arg, c.mask & full)
    };
    let lhs = if c.width == Width::W64 {
        format!("{lhs} (64-bit)")
    } else {
        lhs
    };
    let value = |v: &Value| match v {
        Value::Const(0) => "0".to_string(),
        Value::Const(k) if *k < 10 => k.to_string(),
        Value::Const(k) => format!("{k:#x}"),
        Value::Pid => "own pid".to_string(),
        Value::Uid => "own uid".to_string(),
        Value::Gid => "own gid".to_string(),
    };
    if c.values.len() == 1 {
        format!("{lhs} == {}", value(&c.values[0]))
    } else {
        let list: Vec<String> = c.values.iter().map(value).collect();
        format!("{lhs} in {{{}}}", list.join(", "))
    }
}

/// Renders a rule's conditions and verdict, e.g. `if arg2 & 0x4 == 0` or `-> EPERM`.
pub fn conditions(rule: &Rule) -> String {
    let mut out = String::new();
    if !rule.checks.is_empty() {
        let parts: Vec<String> = rule.checks.iter().map(check).collect();
        let _ = write!(out, "if {}", parts.join(" and "));
    }
    if let Verdict::Errno(e) = rule.verdict {
        if !out.is_empty() {
            out.push(' ');
        }
        let _ = write!(
            out,
            "-> {}",
            crate::bpf::action_name(crate::bpf::ret::ERRNO | e as u32)
                .trim_start_matches("ERRNO(")
                .trim_end_matches(')')
        );
    }
    out
}

/// Renders who grants a rule, e.g. `stdio`, `cpath + wpath`, `rpath | dns`, `always`.
pub fn needs(n: &Needs) -> String {
    match n {
        Needs::Always => "always".into(),
        Needs::Reporting([]) => "report channel".into(),
        Needs::Reporting(ps) => format!("{} + report channel", needs(&Needs::All(ps))),
        Needs::All(ps) => ps.iter().map(|p| p.word()).collect::<Vec<_>>().join(" + "),
        Needs::Any(ps) => ps.iter().map(|p| p.word()).collect::<Vec<_>>().join(" | "),
    }
}

fn mentions(n: &Needs, p: Promise) -> bool {
    match n {
        Needs::All(ps) | Needs::Any(ps) | Needs::Reporting(ps) => ps.contains(&p),
        Needs::Always => false,
    }
}

/// What one promise allows: its rules and its paths, as Markdown lines.
pub fn promise(p: Promise) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### `{}`\n\n{}.\n", p.word(), p.summary());
    let rules: Vec<&Rule> = RULES.iter().filter(|r| mentions(&r.needs, p)).collect();
    if rules.is_empty() {
        let _ = writeln!(out, "No system calls of its own.");
    }
    for r in rules {
        let cond = conditions(r);
        let with = match &r.needs {
            Needs::All(ps) if ps.len() > 1 => format!(" (with {})", needs(&r.needs)),
            Needs::Any(ps) if ps.len() > 1 => format!(" (any of {})", needs(&r.needs)),
            Needs::Reporting(_) => {
                " (only where violations raise SIGSYS: the library's default penalty)".into()
            }
            _ => String::new(),
        };
        let cond = if cond.is_empty() {
            String::new()
        } else {
            format!(" {cond}")
        };
        let _ = writeln!(out, "- {}{cond}{with}: {}", r.syscalls.join(", "), r.note);
    }
    let paths: Vec<String> = PATH_GRANTS
        .iter()
        .filter(|g| mentions(&g.needs, p))
        .map(|g| format!("`{}` ({})", g.place(), g.access))
        .collect();
    if !paths.is_empty() {
        let _ = writeln!(out, "- paths (Landlock): {}", paths.join(", "));
    }
    let caps: Vec<String> = super::caps::needed_by(p)
        .iter()
        .map(|c| format!("`{}`", c.name()))
        .collect();
    if !caps.is_empty() {
        let _ = writeln!(
            out,
            "- capabilities it keeps, where the process has them (root): {}",
            caps.join(", ")
        );
    }
    out
}

/// `pledge --explain`: for each promise of `set`, the system calls it allows and their
/// conditions, plus what every pledge allows.
///
/// ```
/// let text = scopes_core::policy::describe::explain("stdio".parse().unwrap());
/// assert!(text.contains("### `stdio`"));
/// assert!(text.contains("mmap, mprotect, pkey_mprotect if arg2 & 0x4 == 0"));
/// ```
pub fn explain(set: Promises) -> String {
    let mut out = String::new();
    for p in set.iter() {
        out.push_str(&promise(p));
        out.push('\n');
    }
    out.push_str(&always());
    out
}

/// What every pledge allows, and the calls that answer ENOSYS.
pub fn always() -> String {
    let mut out = String::from("### Every pledge, even `pledge(\"\")`\n\n");
    for r in RULES.iter().filter(|r| r.needs == Needs::Always) {
        let cond = conditions(r);
        let cond = if cond.is_empty() {
            String::new()
        } else {
            format!(" {cond}")
        };
        let _ = writeln!(out, "- {}{cond}: {}", r.syscalls.join(", "), r.note);
    }
    let _ = writeln!(
        out,
        "- {} answer ENOSYS when no promise allows them, so libraries fall back to calls the filter can inspect.",
        FALLBACK_ENOSYS.join(", ")
    );
    let _ = writeln!(
        out,
        "- Numbers the architecture table does not know (newer system calls, holes) answer ENOSYS; every other call is a violation."
    );
    out
}

/// The full promise reference, as in docs/promises.md.
pub fn reference() -> String {
    let mut out = String::from(
        "# Promise reference\n\n<!-- Generated from crates/core/src/policy (table.rs, paths.rs) by \
         `cargo run -p scopes --example promise-reference`. Do not edit by hand: a test compares. -->\n\n\
         Each promise lists the system calls it allows, with argument conditions (`argN` is the N-th \
         argument; 32-bit arguments are compared on their low 32 bits only), and the paths it reaches \
         through Landlock, and the Linux capabilities it keeps (pledge() drops every capability no promise \
         in force needs; see semantics.md). Rules for one system call are tried in order; the first that \
         matches decides.\n\n",
    );
    out.push_str(&table());
    out.push('\n');
    for p in Promise::ALL {
        out.push_str(&promise(*p));
        out.push('\n');
    }
    out.push_str(&always());
    out.push_str("\n### OpenBSD words refused on Linux (EINVAL)\n\n");
    for (word, meaning) in OPENBSD_ONLY {
        let _ = writeln!(out, "- `{word}`: {meaning}");
    }
    out
}

/// A one-line-per-promise summary table in Markdown, for the README.
pub fn table() -> String {
    let mut out = String::from("| promise | allows |\n|---|---|\n");
    for p in Promise::ALL {
        let _ = writeln!(out, "| `{}` | {} |", p.word(), p.summary());
    }
    out
}

/// The first and last lines of the generated promise list in a manual page.
pub const MAN_BEGIN: &str =
    ".\\\" Begin of the promise list, generated from the promise table: do not edit.";
/// See [`MAN_BEGIN`].
pub const MAN_END: &str = ".\\\" End of the promise list.";

/// The promise list of the manual pages pledge(1) and pledge(3), in mdoc: a tagged list of
/// every promise with its summary, then the OpenBSD words Linux refuses. Framed by
/// [`MAN_BEGIN`] and [`MAN_END`]; `cargo run -p scopes --example man-promises -- FILE...`
/// puts it in place.
///
/// ```
/// let list = scopes_core::policy::describe::man_promises();
/// assert!(list.contains(".It Cm stdio\n"));
/// assert!(list.contains(".It Cm prot_exec\n"));
/// ```
pub fn man_promises() -> String {
    let mut out = format!("{MAN_BEGIN}\n.Bl -tag -width prot_exec\n");
    for p in Promise::ALL {
        let _ = writeln!(out, ".It Cm {}\n{}", p.word(), roff_text(p.summary()));
    }
    out.push_str(
        ".El\n.Pp\nThese OpenBSD promises have no Linux meaning and fail with\n.Er EINVAL :\n",
    );
    out.push_str(".Bl -tag -width disklabel\n");
    for (word, meaning) in OPENBSD_ONLY {
        let _ = writeln!(out, ".It Cm {word}\n{}", roff_text(meaning));
    }
    out.push_str(".El\n");
    out.push_str(MAN_END);
    out.push('\n');
    out
}

/// One line of text as roff prints it: backslashes escaped, and a leading dot or quote (which
/// would make it a request) guarded.
fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\e");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

/// Replaces the promise list between [`MAN_BEGIN`] and [`MAN_END`] in a manual page's text
/// with [`man_promises`]; `None` when the page has no such list.
pub fn with_man_promises(page: &str) -> Option<String> {
    let start = page.find(MAN_BEGIN)?;
    let end = start + page[start..].find(MAN_END)? + MAN_END.len();
    let end = if page[end..].starts_with('\n') {
        end + 1
    } else {
        end
    };
    Some(format!(
        "{}{}{}",
        &page[..start],
        man_promises(),
        &page[end..]
    ))
}

/// The name of an address family, for reports (`AF_INET`...), when it is one of those the
/// policy or the escape catalogue mentions.
///
/// ```
/// assert_eq!(scopes_core::policy::describe::family_name(2), Some("AF_INET"));
/// assert_eq!(scopes_core::policy::describe::family_name(12345), None);
/// ```
pub fn family_name(family: i32) -> Option<&'static str> {
    Some(match family {
        abi::AF_UNSPEC => "AF_UNSPEC",
        abi::AF_UNIX => "AF_UNIX",
        abi::AF_INET => "AF_INET",
        abi::AF_INET6 => "AF_INET6",
        abi::AF_NETLINK => "AF_NETLINK",
        abi::AF_PACKET => "AF_PACKET",
        abi::AF_ALG => "AF_ALG",
        abi::AF_VSOCK => "AF_VSOCK",
        abi::AF_BLUETOOTH => "AF_BLUETOOTH",
        abi::AF_KEY => "AF_KEY",
        _ => return None,
    })
}
