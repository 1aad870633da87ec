//! Human-readable renderings of the policy table: the promise reference in the docs and the
//! README, and `pledge --explain`. Derived from the table, never written by hand.

use std::fmt::Write as _;

use super::paths::PATH_GRANTS;
use super::table::{FALLBACK_ENOSYS, RULES};
use super::{Check, Context, Needs, Rule, Value, Verdict, Width};
use crate::abi;
use crate::promise::{Promise, Promises, OPENBSD_ONLY};

/// Renders one argument check, e.g. `arg2 & PROT_EXEC == 0` or `arg1 in {TCGETS, TIOCGWINSZ}`.
///
/// ```
/// use scopes_core::policy::{describe::check, Check, Value, Width};
/// let c = Check { arg: 0, width: Width::W32, mask: 0xffff_ffff, mask_name: None, values: &[Value::Const(0), Value::Pid] };
/// assert_eq!(check(&c), "arg0 in {0, own pid}");
/// ```
pub fn check(c: &Check) -> String {
    let lhs = format!(
        "arg{}{}",
        c.arg,
        mask_text(c).map_or(String::new(), |m| format!(" & {m}"))
    );
    let lhs = if c.width == Width::W64 {
        format!("{lhs} (64-bit)")
    } else {
        lhs
    };
    format!("{lhs} {}", values_text(c))
}

/// How a check's mask is written, e.g. `PROT_EXEC` or `(O_ACCMODE|O_CREAT)`: its name where the
/// table gives one, else the number; `None` when the check looks at the whole width.
pub fn mask_text(c: &Check) -> Option<String> {
    if whole_width(c) {
        return None;
    }
    Some(match c.mask_name {
        Some(name) if name.contains('|') && !name.starts_with('~') => format!("({name})"),
        Some(name) => name.to_string(),
        None => format!("{:#x}", c.effective_mask()),
    })
}

/// Whether a check compares every bit of its width (no mask to write).
fn whole_width(c: &Check) -> bool {
    let full = match c.width {
        Width::W32 => 0xffff_ffff,
        Width::W64 => u64::MAX,
    };
    c.mask & full == full
}

/// How a check's accepted values are written: `== F_SETLK`, or `in {F_GETLK, F_SETLK}`.
pub fn values_text(c: &Check) -> String {
    if c.values.len() == 1 {
        format!("== {}", value(&c.values[0]))
    } else {
        let list: Vec<String> = c.values.iter().map(value).collect();
        format!("in {{{}}}", list.join(", "))
    }
}

/// One value: a constant's name (`F_SETLK`), a number without one (`0`, `0xffffffff`), or the
/// process's own pid, uid or gid.
pub fn value(v: &Value) -> String {
    match v {
        Value::Const(k) if *k < 10 => k.to_string(),
        Value::Const(k) => format!("{k:#x}"),
        Value::Named(n) => n.name.to_string(),
        Value::Pid => "own pid".to_string(),
        Value::Uid => "own uid".to_string(),
        Value::Gid => "own gid".to_string(),
    }
}

/// The name the table gives argument `arg` of a call to `syscall` with these arguments, e.g.
/// `F_SETLK` for `fcntl(3, 6, ...)`: a named constant the table compares that whole argument
/// with (its low 32 bits for a 32-bit check). A rule whose checks on the other arguments hold
/// decides (the option names of getsockopt depend on the level); otherwise a name is given
/// only when every rule that names the value agrees and none of them has a failing check
/// against other named constants (which would make the number mean something else).
/// Allocation-free, for the SIGSYS handler.
///
/// ```
/// use scopes_core::policy::{describe::argument_name, Context};
/// let ctx = Context { pid: 7, uid: 0, gid: 0 };
/// assert_eq!(argument_name(&ctx, "fcntl", &[3, 6, 0, 0, 0, 0], 1), Some("F_SETLK"));
/// assert_eq!(argument_name(&ctx, "setsockopt", &[3, 1, 4, 0, 0, 0], 2), Some("SO_ERROR"));
/// assert_eq!(argument_name(&ctx, "getsockopt", &[3, 0, 4, 0, 0, 0], 2), Some("IP_OPTIONS"));
/// assert_eq!(argument_name(&ctx, "fcntl", &[3, 12345, 0, 0, 0, 0], 1), None);
/// // Protocol 0 is NETLINK_ROUTE only under AF_NETLINK.
/// assert_eq!(argument_name(&ctx, "socket", &[2, 1, 0, 0, 0, 0], 2), None);
/// ```
pub fn argument_name(
    ctx: &Context,
    syscall: &str,
    args: &[u64; 6],
    arg: usize,
) -> Option<&'static str> {
    let mut agreed: Option<&'static str> = None;
    let mut ambiguous = false;
    for rule in super::rules_for(syscall) {
        let Some(name) = rule
            .checks
            .iter()
            .filter(|c| usize::from(c.arg) == arg && whole_width(c))
            .find_map(|c| name_in(c, args[arg]))
        else {
            continue;
        };
        let mut failing = rule
            .checks
            .iter()
            .filter(|c| usize::from(c.arg) != arg)
            .filter(|c| c.arg >= 6 || !c.holds(ctx, args[usize::from(c.arg)]));
        let Some(first) = failing.next() else {
            return Some(name);
        };
        // A failing check against named constants says the number means something else
        // here: socket's protocol 0 is NETLINK_ROUTE only for AF_NETLINK.
        let discriminates = |c: &Check| c.values.iter().any(|v| matches!(v, Value::Named(_)));
        if discriminates(first) || failing.any(discriminates) {
            continue;
        }
        match agreed {
            Some(earlier) if earlier != name => ambiguous = true,
            _ => agreed = Some(name),
        }
    }
    if ambiguous {
        None
    } else {
        agreed
    }
}

/// The name of the named value of `c` that `raw` equals, within the check's width.
fn name_in(c: &Check, raw: u64) -> Option<&'static str> {
    let mask = c.effective_mask();
    c.values.iter().find_map(|v| match v {
        Value::Named(n) if n.value & mask == raw & mask => Some(n.name),
        _ => None,
    })
}

/// Renders a rule's conditions and verdict, e.g. `if arg2 & PROT_EXEC == 0` or `-> EPERM`.
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
/// assert!(text.contains("mmap, mprotect, pkey_mprotect if arg2 & PROT_EXEC == 0"));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_print_constant_names() {
        let text = explain("stdio flock".parse().unwrap());
        assert!(text.contains(
            "- fcntl if arg1 in {F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW}: POSIX and OFD record locks"
        ), "{text}");
        assert!(text.contains("clone if arg0 & (CLONE_VM|CLONE_SIGHAND|CLONE_THREAD|"));
        assert!(text.contains("== CLONE_VM|CLONE_SIGHAND|CLONE_THREAD: threads"));
        assert!(text.contains(
            "seccomp if arg0 == SECCOMP_SET_MODE_FILTER and arg1 & ~(SECCOMP_FILTER_FLAG_TSYNC|"
        ));
        let all = reference();
        assert!(all.contains(
            "arg1 & ~(SOCK_NONBLOCK|SOCK_CLOEXEC) in {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET}"
        ));
        assert!(all
            .contains("arg1 & (S_ISUID|S_ISGID) in {S_ISGID, S_ISUID, S_ISUID|S_ISGID} -> EPERM"));
        assert!(all
            .contains("chown, fchown, lchown if arg1 in {own uid, -1} and arg2 in {own gid, -1}"));
    }
}
