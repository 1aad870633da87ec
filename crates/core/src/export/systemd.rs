//! systemd unit directives: `SystemCallFilter=` and the hardening directives that say the
//! parts of the promises a name list cannot.
//!
//! systemd filters by name only. A call the promises allow under argument conditions is
//! allowed here (refusing it would refuse `mmap`, `fcntl` or `ioctl` outright and stop the
//! service at its first line), narrowed where a directive can (`MemoryDenyWriteExecute=`,
//! `RestrictAddressFamilies=`, `RestrictNamespaces=`, `LockPersonality=`), and listed as WIDER
//! with the conditions systemd does not check. A call that only answers an errno is refused
//! (stricter). Every such difference is a comment in the output.

use std::fmt::Write as _;

use super::regions::{rules_for, tree_for, Tree};
use super::{notes, violation_action, Approximation, Direction, Export, STATIC_CONTEXT};
use crate::abi;
use crate::bpf::ret;
use crate::policy::{decide_by_name, syscall_names, Check, Decision, Width};
use crate::{Arch, Promise, Promises};

/// systemd's `@default` set (systemd 252): in allow-list mode these are always allowed, so
/// the export lists those the promises refuse as WIDER. A test compares it with
/// `systemd-analyze syscall-filter @default`.
pub const SYSTEMD_DEFAULT_SET: &[&str] = &[
    "arch_prctl",
    "brk",
    "cacheflush",
    "clock_getres",
    "clock_getres_time64",
    "clock_gettime",
    "clock_gettime64",
    "clock_nanosleep",
    "clock_nanosleep_time64",
    "execve",
    "exit",
    "exit_group",
    "futex",
    "futex_time64",
    "futex_waitv",
    "get_robust_list",
    "get_thread_area",
    "getegid",
    "getegid32",
    "geteuid",
    "geteuid32",
    "getgid",
    "getgid32",
    "getgroups",
    "getgroups32",
    "getpgid",
    "getpgrp",
    "getpid",
    "getppid",
    "getrandom",
    "getresgid",
    "getresgid32",
    "getresuid",
    "getresuid32",
    "getrlimit",
    "getsid",
    "gettid",
    "gettimeofday",
    "getuid",
    "getuid32",
    "membarrier",
    "mmap",
    "mmap2",
    "mprotect",
    "munmap",
    "nanosleep",
    "pause",
    "prlimit64",
    "restart_syscall",
    "riscv_flush_icache",
    "riscv_hwprobe",
    "rseq",
    "rt_sigreturn",
    "sched_getaffinity",
    "sched_yield",
    "set_robust_list",
    "set_thread_area",
    "set_tid_address",
    "set_tls",
    "sigreturn",
    "time",
    "ugetrlimit",
    "uretprobe",
];

const PROT_READ_EXEC: u64 = 0x1 | 0x4;
const PER_LINUX32: u64 = 0x0008;
const CLONE_NEWUSER: u64 = 0x1000_0000;
const SIGCHLD: u64 = 17;

/// Address families systemd's `RestrictAddressFamilies=` knows by name (linux/socket.h).
const FAMILIES: &[(u64, &str)] = &[
    (1, "AF_UNIX"),
    (2, "AF_INET"),
    (4, "AF_IPX"),
    (5, "AF_APPLETALK"),
    (10, "AF_INET6"),
    (16, "AF_NETLINK"),
    (17, "AF_PACKET"),
    (38, "AF_ALG"),
    (40, "AF_VSOCK"),
    (44, "AF_XDP"),
];

/// The directives that narrow what a name list cannot, derived from the table.
struct Directives {
    memory_deny_write_execute: bool,
    lock_personality: bool,
    restrict_namespaces: bool,
    /// `None`: no family restriction. `Some(names)`: only these (empty: `none`).
    address_families: Option<Vec<&'static str>>,
    /// Families the table allows that systemd has no name for here (refused: stricter).
    unnamed_families: Vec<u64>,
}

/// The `[Service]` lines for `promises`.
///
/// ```
/// let unit = scopes_core::export::systemd("stdio inet".parse().unwrap()).output;
/// assert!(unit.contains("RestrictAddressFamilies=AF_INET AF_INET6\n"));
/// assert!(unit.contains("MemoryDenyWriteExecute=yes\n"));
/// ```
pub fn systemd(promises: Promises) -> Export<String> {
    let violation = violation_action(promises);
    let directives = directives(promises);
    let present = |name: &str| Arch::ALL.iter().any(|a| a.syscall_nr(name).is_some());

    let mut allowed: Vec<&'static str> = Vec::new();
    let mut approximations: Vec<Approximation> = Vec::new();
    let mut always_allowed: Vec<&'static str> = Vec::new();
    for name in syscall_names().into_iter().filter(|n| present(n)) {
        let tree = tree_for(name, promises, &STATIC_CONTEXT, violation);
        let actions = tree.actions();
        let in_default = SYSTEMD_DEFAULT_SET.contains(&name);
        match &tree {
            Tree::Leaf { action, .. } if *action == ret::ALLOW => allowed.push(name),
            Tree::Leaf { action, .. } if *action == violation => {
                if in_default {
                    always_allowed.push(name);
                }
            }
            Tree::Leaf { action, .. } if name == "clone3" && directives.restrict_namespaces => {
                allowed.push(name);
                approximations.push(Approximation {
                    direction: Direction::Wider,
                    subject: name.into(),
                    detail: format!(
                        "the promises answer it with {}; it is in the allow list so that RestrictNamespaces=yes \
                         answers it with ENOSYS (systemd 251 and later: libc then falls back to clone); older \
                         systemd allows it with any flags",
                        action_words(*action)
                    ),
                });
            }
            Tree::Leaf { action, .. } => {
                if in_default {
                    always_allowed.push(name);
                } else {
                    approximations.push(Approximation {
                        direction: Direction::Stricter,
                        subject: name.into(),
                        detail: format!(
                            "the promises answer it with {}; an allow list cannot give one call its own errno, so \
                             it is refused like a violation",
                            action_words(*action)
                        ),
                    });
                }
            }
            Tree::Split { .. } if actions.contains(&ret::ALLOW) => {
                allowed.push(name);
                approximations.push(conditional(name, promises, violation, &directives));
            }
            Tree::Split { .. } => {
                if in_default {
                    always_allowed.push(name);
                } else {
                    approximations.push(Approximation {
                        direction: Direction::Stricter,
                        subject: name.into(),
                        detail: format!(
                            "the promises answer it with {} depending on its arguments; refused here",
                            actions.iter().map(|a| action_words(*a)).collect::<Vec<_>>().join(" or ")
                        ),
                    });
                }
            }
        }
    }
    // Calls in no rule of the table (get_thread_area, set_thread_area...) are violations under
    // every promise set, yet systemd allows them too when they are in @default.
    let named = syscall_names();
    always_allowed.extend(
        SYSTEMD_DEFAULT_SET
            .iter()
            .copied()
            .filter(|n| present(n) && !named.contains(n)),
    );
    if !always_allowed.is_empty() {
        approximations.push(Approximation {
            direction: Direction::Wider,
            subject: always_allowed.join(", "),
            detail: "systemd always allows its @default set in allow-list mode (it needs execve to start the \
                     service), so these run although the promises refuse them"
                .into(),
        });
    }
    if !directives.unnamed_families.is_empty() {
        approximations.push(Approximation {
            direction: Direction::Stricter,
            subject: "socket".into(),
            detail: format!(
                "address families {:?} have no name in this export, so RestrictAddressFamilies= leaves them out",
                directives.unnamed_families
            ),
        });
    }
    approximations.push(Approximation {
        direction: Direction::Stricter,
        subject: "names systemd does not know".into(),
        detail: "systemd ignores (with a warning) a name its libseccomp cannot resolve, so a call newer than it \
                 (mseal, futex_wake, listmount...) is refused even where the promises allow it"
            .into(),
    });
    approximations.extend(notes::paths(promises));
    if !promises.contains(Promise::Error) {
        approximations.push(Approximation {
            direction: Direction::Other,
            subject: "violations".into(),
            detail: "systemd kills the process with SIGSYS; the library first prints a report line naming the call \
                     and the missing promise"
                .into(),
        });
    }

    let output = render(promises, &allowed, &directives, violation, &approximations);
    Export {
        output,
        approximations,
    }
}

fn directives(promises: Promises) -> Directives {
    let allows = |name: &str, args: [u64; 6]| {
        decide_by_name(promises, false, &STATIC_CONTEXT, name, &args) == Decision::Allow
    };
    let mut families: Option<Vec<u64>> = Some(Vec::new());
    let (rules, _) = rules_for(
        "socket",
        promises,
        &STATIC_CONTEXT,
        violation_action(promises),
    );
    for rule in rules.iter().filter(|r| r.action == ret::ALLOW) {
        match (rule.checks.iter().find(|c| c.arg == 0), families.as_mut()) {
            (Some(domain), Some(list)) => list.extend(domain.values.iter().copied()),
            (None, _) => families = None,
            (Some(_), None) => {}
        }
    }
    let (address_families, unnamed_families) = match families {
        None => (None, Vec::new()),
        Some(mut numbers) => {
            numbers.sort_unstable();
            numbers.dedup();
            let named = numbers
                .iter()
                .filter_map(|n| FAMILIES.iter().find(|f| f.0 == *n).map(|f| f.1))
                .collect();
            let unnamed = numbers
                .into_iter()
                .filter(|n| !FAMILIES.iter().any(|f| f.0 == *n))
                .collect();
            (Some(named), unnamed)
        }
    };
    Directives {
        memory_deny_write_execute: !allows("mmap", [0, 4096, PROT_READ_EXEC, 0x22, u64::MAX, 0]),
        lock_personality: !allows("personality", [PER_LINUX32, 0, 0, 0, 0, 0]),
        restrict_namespaces: !allows("unshare", [CLONE_NEWUSER, 0, 0, 0, 0, 0])
            && !allows("setns", [0; 6])
            && !allows("clone", [CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0, 0]),
        address_families,
        unnamed_families,
    }
}

/// The note for a call allowed under conditions: the table's rules for it in order (the first
/// that matches decides), and what narrows it here, if anything.
fn conditional(name: &str, promises: Promises, violation: u32, d: &Directives) -> Approximation {
    let (rules, default) = rules_for(name, promises, &STATIC_CONTEXT, violation);
    let mut steps: Vec<String> = Vec::new();
    for rule in &rules {
        let table_rule = &crate::policy::table::RULES[rule.index];
        let answer = action_words(rule.action);
        if table_rule.checks.is_empty() {
            steps.push(format!("otherwise {answer} ({})", table_rule.note));
            break;
        }
        let checks: Vec<String> = table_rule.checks.iter().map(describe).collect();
        steps.push(format!(
            "{}: {answer} ({})",
            checks.join(" and "),
            table_rule.note
        ));
    }
    if rules.last().is_none_or(|r| !r.checks.is_empty()) {
        steps.push(format!("otherwise {}", action_words(default)));
    }
    let mut detail = format!(
        "systemd cannot check arguments, so it is allowed with any; the promises decide by the first match: {}",
        steps.join("; ")
    );
    let narrowed = match name {
        "mmap" | "mprotect" | "pkey_mprotect" if d.memory_deny_write_execute => Some(
            "MemoryDenyWriteExecute=yes refuses writable-and-executable mappings and making memory executable, \
             but still lets files be mapped PROT_READ|PROT_EXEC",
        ),
        "clone" if d.restrict_namespaces => {
            Some("RestrictNamespaces=yes refuses the namespace flags; the other flag conditions are not checked")
        }
        "socket" if d.address_families.is_some() => Some(
            "RestrictAddressFamilies= keeps the address-family condition (other families fail with \
             EAFNOSUPPORT); type and protocol are not checked",
        ),
        "personality" if d.lock_personality => Some(
            "LockPersonality=yes refuses changing the execution domain: only querying it or setting the current \
             one, a no-op, remain",
        ),
        _ => None,
    };
    if let Some(text) = narrowed {
        let _ = write!(detail, ". Narrowed by {text}");
    }
    let direction = if name == "personality" && d.lock_personality {
        Direction::Other
    } else {
        Direction::Wider
    };
    Approximation {
        direction,
        subject: name.into(),
        detail,
    }
}

/// `arg1 (low 32 bits) in {TCGETS, TIOCGWINSZ}`, `arg2 & PROT_EXEC == 0`,
/// `arg0 (low 32 bits) == own pid`: constants by the names the table gives them.
fn describe(check: &Check) -> String {
    let set = crate::policy::describe::values_text(check);
    match crate::policy::describe::mask_text(check) {
        Some(mask) => format!("arg{} & {mask} {set}", check.arg),
        None if check.width == Width::W64 => format!("arg{} {set}", check.arg),
        None => format!("arg{} (low 32 bits) {set}", check.arg),
    }
}

fn action_words(action: u32) -> String {
    match action & ret::ACTION_FULL {
        ret::ALLOW => "allow".into(),
        ret::ERRNO => errno_name(action & 0xffff),
        _ => "a violation".into(),
    }
}

fn errno_name(e: u32) -> String {
    match e as i32 {
        abi::EPERM => "EPERM".into(),
        abi::EACCES => "EACCES".into(),
        abi::ENOSYS => "ENOSYS".into(),
        e => format!("errno {e}"),
    }
}

fn render(
    promises: Promises,
    allowed: &[&str],
    d: &Directives,
    violation: u32,
    notes: &[Approximation],
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# systemd hardening for the pledge promises \"{promises}\", generated from the seccomp-scopes policy table.");
    out.push_str("# Use as a drop-in (systemctl edit UNIT) or add the lines to the unit's [Service] section.\n");
    out.push_str("# systemd filters system calls by name only; every difference from the library's filter is listed at the end.\n");
    out.push_str("[Service]\n");
    out.push_str("NoNewPrivileges=yes\n");
    out.push_str("SystemCallArchitectures=native\n");
    let mut line = String::new();
    for name in allowed {
        if !line.is_empty() && line.len() + name.len() > 90 {
            let _ = writeln!(out, "SystemCallFilter={line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(name);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "SystemCallFilter={line}");
    }
    if violation & ret::ACTION_FULL == ret::ERRNO {
        let _ = writeln!(
            out,
            "SystemCallErrorNumber={}",
            errno_name(violation & 0xffff)
        );
    }
    if d.memory_deny_write_execute {
        out.push_str("MemoryDenyWriteExecute=yes\n");
    }
    if d.lock_personality {
        out.push_str("LockPersonality=yes\n");
    }
    if d.restrict_namespaces {
        out.push_str("RestrictNamespaces=yes\n");
    }
    match &d.address_families {
        Some(names) if names.is_empty() => out.push_str("RestrictAddressFamilies=none\n"),
        Some(names) => {
            let _ = writeln!(out, "RestrictAddressFamilies={}", names.join(" "));
        }
        None => {}
    }
    out.push_str("#\n# Approximations (stricter: refused here though the promises allow it; WIDER: allowed here\n");
    out.push_str("# though the promises refuse it; note: other differences):\n");
    for note in notes {
        wrap_comment(&mut out, &note.to_string());
    }
    out
}

/// Writes `text` as `#` comment lines of about 100 columns.
fn wrap_comment(out: &mut String, text: &str) {
    let mut line = String::from("#");
    let mut first = true;
    for word in text.split(' ') {
        if line.len() + word.len() + 1 > 100 && line.len() > 4 {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#  ");
        }
        line.push(' ');
        line.push_str(word);
        first = false;
    }
    if !first {
        out.push_str(&line);
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_follow_the_table() {
        let stdio = directives("stdio".parse().unwrap());
        assert!(
            stdio.memory_deny_write_execute && stdio.lock_personality && stdio.restrict_namespaces
        );
        assert_eq!(stdio.address_families, Some(vec![]));
        let net = directives("stdio inet unix prot_exec".parse().unwrap());
        assert!(!net.memory_deny_write_execute);
        assert_eq!(
            net.address_families,
            Some(vec!["AF_UNIX", "AF_INET", "AF_INET6"])
        );
        assert_eq!(
            directives("stdio netlink".parse().unwrap()).address_families,
            Some(vec!["AF_NETLINK"])
        );
    }

    #[test]
    fn comments_wrap_and_stay_comments() {
        let mut out = String::new();
        wrap_comment(&mut out, &"word ".repeat(60));
        assert!(out.lines().count() > 2);
        assert!(out.lines().all(|l| l.starts_with('#') && l.len() <= 104));
    }
}
