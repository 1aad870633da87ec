//! The two seccomp filters of a supervised program (the handshake that installs them is
//! [`pledge_handshake`]'s): the *startup* filter ([`startup_filter`]), which the command's
//! child installs before executing a dynamically linked program and which lets its loader and
//! the preload work, and the *program* filter ([`program_filter`]), exactly the promises, with
//! every violation and every `execve` sent to the supervisor. Built by the command, with the
//! scopes compiler, for the child's pid.

use scopes::bpf::{data, ret, Insn};
use scopes::compiler::{compile, Target};
use scopes::policy::Context;
use scopes::{Arch, Promise, Promises};

// Opcodes (linux/bpf_common.h) for the few instructions written here by hand.
const JEQ_K: u16 = 0x05 | 0x10;

/// One argument condition of a [`PrefixRule`].
#[derive(Clone, Copy, Debug)]
enum Cond {
    /// The full 64-bit argument equals the value.
    Eq64(u8, u64),
    /// The low 32 bits of the argument equal the value.
    Eq32(u8, u32),
    /// The low 32 bits of the argument have none of these bits.
    NoBits32(u8, u32),
    /// The low 32 bits of the argument have all of these bits.
    AllBits32(u8, u32),
}

/// A rule placed in front of a compiled filter: the system call `nr` with every condition
/// holding gets `action`; anything else falls through to the compiled filter.
struct PrefixRule {
    nr: u32,
    conds: Vec<Cond>,
    action: u32,
}

/// Puts `rules` in front of `body`. The body's jumps are relative, so it runs unchanged; it
/// checks the architecture again itself, so a foreign one falls straight through to it.
fn with_rules(arch: Arch, rules: &[PrefixRule], body: Vec<Insn>) -> Vec<Insn> {
    let mut blocks: Vec<Vec<Insn>> = Vec::new();
    for rule in rules {
        // Jumps with jf = u8::MAX are "to the next rule" and are resolved below.
        let mut b = vec![Insn::load(data::NR), Insn::jump(JEQ_K, rule.nr, 0, u8::MAX)];
        for cond in &rule.conds {
            match *cond {
                Cond::Eq64(arg, v) => {
                    b.push(Insn::load(data::arg_lo(arg)));
                    b.push(Insn::jump(JEQ_K, v as u32, 0, u8::MAX));
                    b.push(Insn::load(data::arg_hi(arg)));
                    b.push(Insn::jump(JEQ_K, (v >> 32) as u32, 0, u8::MAX));
                }
                Cond::Eq32(arg, v) => {
                    b.push(Insn::load(data::arg_lo(arg)));
                    b.push(Insn::jump(JEQ_K, v, 0, u8::MAX));
                }
                Cond::NoBits32(arg, bits) => {
                    b.push(Insn::load(data::arg_lo(arg)));
                    b.push(Insn::and(bits));
                    b.push(Insn::jump(JEQ_K, 0, 0, u8::MAX));
                }
                Cond::AllBits32(arg, bits) => {
                    b.push(Insn::load(data::arg_lo(arg)));
                    b.push(Insn::and(bits));
                    b.push(Insn::jump(JEQ_K, bits, 0, u8::MAX));
                }
            }
        }
        b.push(Insn::ret(rule.action));
        let len = b.len();
        for (i, insn) in b.iter_mut().enumerate() {
            if insn.code == JEQ_K && insn.jf == u8::MAX {
                insn.jf = u8::try_from(len - i - 1).expect("prefix rule too long");
            }
        }
        blocks.push(b);
    }
    let rules_len: usize = blocks.iter().map(Vec::len).sum();
    let mut prog = Vec::with_capacity(2 + rules_len + body.len());
    prog.push(Insn::load(data::ARCH));
    prog.push(Insn::jump(
        JEQ_K,
        arch.audit_arch(),
        0,
        u8::try_from(rules_len).expect("prefix too long"),
    ));
    for b in blocks {
        prog.extend(b);
    }
    prog.extend(body);
    prog
}

fn nr(arch: Arch, name: &str) -> u32 {
    arch.syscall_nr(name)
        .unwrap_or_else(|| panic!("{name} missing from the {arch} table"))
}

/// The filter a program runs under from its `main` on: exactly `promises`, with every
/// violation sent to the supervisor (`USER_NOTIF`), and every `execve`/`execveat` sent there
/// too, whatever the promises say: the supervisor lets them run under `exec`, and sees the
/// program's first `execve` and the preload's barrier. Every `seccomp(SECCOMP_SET_MODE_FILTER)`
/// goes there as well: a filter the program stacks on top can answer calls before the
/// supervisor hears of them, so the supervisor must know of it.
pub fn program_filter(promises: Promises, arch: Arch, ctx: Context) -> Vec<Insn> {
    let target = Target {
        arch,
        ctx,
        violation: ret::USER_NOTIF,
        reporting: false,
    };
    let body = compile(promises, &target);
    let mut rules = ["execve", "execveat"]
        .iter()
        .map(|name| PrefixRule {
            nr: nr(arch, name),
            conds: Vec::new(),
            action: ret::USER_NOTIF,
        })
        .collect::<Vec<_>>();
    rules.push(PrefixRule {
        nr: nr(arch, "seccomp"),
        conds: vec![Cond::Eq32(0, SECCOMP_SET_MODE_FILTER)],
        action: ret::USER_NOTIF,
    });
    if has_loader_windows(promises) {
        // glibc's start-up reads the stack limit once the loader is done, before any
        // constructor: the supervisor closes that process's loader window there.
        rules.push(PrefixRule {
            nr: nr(arch, "prlimit64"),
            conds: vec![
                Cond::Eq32(0, 0),
                Cond::Eq32(1, RLIMIT_STACK),
                Cond::Eq64(2, 0),
            ],
            action: ret::USER_NOTIF,
        });
    }
    with_rules(arch, &rules, body)
}

/// RLIMIT_STACK.
const RLIMIT_STACK: u32 = 3;

/// Whether programs started by exec under `promises` get a loader window (see the command's
/// `window` module): with `exec` and without `prot_exec`.
pub fn has_loader_windows(promises: Promises) -> bool {
    promises.contains(Promise::Exec) && !promises.contains(Promise::ProtExec)
}

/// Whether a notified call is the start marker of [`program_filter`]: glibc reading the stack
/// limit (`prlimit64(0, RLIMIT_STACK, NULL, old)`) as the loader hands over.
pub fn is_start_marker(name: &str, args: &[u64; 6]) -> bool {
    name == "prlimit64" && args[0] as u32 == 0 && args[1] as u32 == RLIMIT_STACK && args[2] == 0
}

/// The promises the startup filter adds to the user's for the dynamic loader and the preload:
/// `stdio` (memory, reading the libraries it opened), `rpath` (opening them), `prot_exec`
/// (mapping them executable) and `unveil` (the preload enforces the Landlock layers).
pub fn startup_promises() -> Promises {
    [
        Promise::Stdio,
        Promise::Rpath,
        Promise::ProtExec,
        Promise::Unveil,
    ]
    .into_iter()
    .collect()
}

/// seccomp()'s operation that installs a filter.
const SECCOMP_SET_MODE_FILTER: u32 = 1;

/// seccomp() flags the preload uses: TSYNC, NEW_LISTENER, TSYNC_ESRCH.
const PRELOAD_SECCOMP_FLAGS: u32 = 1 | (1 << 3) | (1 << 4);
/// SECCOMP_FILTER_FLAG_NEW_LISTENER.
const NEW_LISTENER: u32 = 1 << 3;

/// The filter a dynamically linked program starts under, installed by the command before
/// `execve`: the user's promises plus [`startup_promises`]; the one `execve` whose filename
/// pointer is `exec_path` (the command's own call, before the program exists); and `seccomp()`
/// with a listener, for the preload. Only with a listener: the kernel allows one per process,
/// so code that runs before the preload (a library's constructor) can stack no filter that
/// would answer calls ahead of the program filter's listener without making the preload's
/// installation fail, which ends the program. Violations answer `USER_NOTIF`: this filter has no
/// listener, so before the program filter exists they fail with ENOSYS, and after, the program
/// filter (newer, same action) decides who hears of them.
pub fn startup_filter(promises: Promises, arch: Arch, ctx: Context, exec_path: u64) -> Vec<Insn> {
    let target = Target {
        arch,
        ctx,
        violation: ret::USER_NOTIF,
        reporting: false,
    };
    let body = compile(promises.union(&startup_promises()), &target);
    let rules = vec![
        PrefixRule {
            nr: nr(arch, "execve"),
            conds: vec![Cond::Eq64(0, exec_path)],
            action: ret::ALLOW,
        },
        PrefixRule {
            nr: nr(arch, "seccomp"),
            conds: vec![
                Cond::Eq32(0, SECCOMP_SET_MODE_FILTER),
                Cond::NoBits32(1, !PRELOAD_SECCOMP_FLAGS),
                Cond::AllBits32(1, NEW_LISTENER),
            ],
            action: ret::ALLOW,
        },
        // Any other filter: not even what the promises allow (they let `pledge()` narrow).
        PrefixRule {
            nr: nr(arch, "seccomp"),
            conds: vec![Cond::Eq32(0, SECCOMP_SET_MODE_FILTER)],
            action: ret::USER_NOTIF,
        },
    ];
    with_rules(arch, &rules, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use scopes::bpf::interp::{run, SeccompData};

    const CTX: Context = Context {
        pid: 100,
        uid: 1000,
        gid: 1000,
    };

    fn call(arch: Arch, name: &str, args: [u64; 6]) -> SeccompData {
        SeccompData {
            nr: nr(arch, name) as i32,
            arch: arch.audit_arch(),
            instruction_pointer: 0,
            args,
        }
    }

    /// An errno answer of the start-up filter wins over the program filter's `USER_NOTIF`, so
    /// each one the start-up promises add is a call the supervisor never hears of: only the
    /// nscd socket's EACCES under `rpath` (docs/command.md says so).
    #[test]
    fn the_start_up_promises_add_only_the_nscd_errno_answer() {
        use scopes::policy::{table::RULES, Verdict};
        let added: Vec<(&str, &str)> = RULES
            .iter()
            .filter(|rule| matches!(rule.verdict, Verdict::Errno(_)))
            .filter(|rule| rule.needs.satisfied_by(startup_promises(), false))
            .flat_map(|rule| rule.syscalls.iter().map(|name| (*name, rule.note)))
            .collect();
        assert_eq!(added.len(), 1, "{added:?}");
        assert_eq!(added[0].0, "socket");
        assert!(added[0].1.contains("nscd"), "{added:?}");
    }

    #[test]
    fn program_filter_sends_every_exec_to_the_supervisor() {
        for arch in Arch::ALL {
            let with_exec = program_filter("stdio exec".parse().unwrap(), *arch, CTX);
            let without = program_filter("stdio".parse().unwrap(), *arch, CTX);
            for prog in [&with_exec, &without] {
                assert_eq!(
                    run(prog, &call(*arch, "execve", [0x1000, 0, 0, 0, 0, 0])),
                    Ok(ret::USER_NOTIF)
                );
                assert_eq!(
                    run(prog, &call(*arch, "execveat", [3, 0, 0, 0, 0, 0])),
                    Ok(ret::USER_NOTIF)
                );
                assert_eq!(run(prog, &call(*arch, "read", [0; 6])), Ok(ret::ALLOW));
                // Installing a filter, even one the promises allow; asking about actions is
                // left to the promises.
                assert_eq!(
                    run(prog, &call(*arch, "seccomp", [1, 0, 0x1000, 0, 0, 0])),
                    Ok(ret::USER_NOTIF)
                );
                assert_eq!(
                    run(prog, &call(*arch, "seccomp", [2, 0, 0x1000, 0, 0, 0])),
                    Ok(ret::ALLOW)
                );
                assert_eq!(
                    run(prog, &call(*arch, "openat", [0, 0, 0, 0, 0, 0])),
                    Ok(ret::USER_NOTIF)
                );
            }
            let mut foreign = call(*arch, "read", [0; 6]);
            foreign.arch = 0x4000_0003;
            assert_eq!(run(&with_exec, &foreign), Ok(ret::KILL_PROCESS));
        }
    }

    #[test]
    fn the_start_marker_goes_to_the_supervisor_only_with_loader_windows() {
        let arch = Arch::native();
        let marker = call(arch, "prlimit64", [0, 3, 0, 0x1000, 0, 0]);
        let with = program_filter("stdio rpath proc exec".parse().unwrap(), arch, CTX);
        assert_eq!(run(&with, &marker), Ok(ret::USER_NOTIF));
        assert!(is_start_marker("prlimit64", &marker.args));
        // Other limits, or setting one, are the promises' business.
        let other = call(arch, "prlimit64", [0, 7, 0, 0x1000, 0, 0]);
        assert_eq!(run(&with, &other), Ok(ret::ALLOW));
        assert!(!is_start_marker("prlimit64", &other.args));
        for promises in ["stdio rpath", "stdio rpath proc exec prot_exec"] {
            let without = program_filter(promises.parse().unwrap(), arch, CTX);
            assert_eq!(run(&without, &marker), Ok(ret::ALLOW), "{promises}");
        }
    }

    #[test]
    fn startup_filter_admits_the_loader_and_only_one_exec() {
        let arch = Arch::native();
        let prog = startup_filter(Promises::EMPTY, arch, CTX, 0x5555_0000_1234);
        let prot_exec = 0x5;
        assert_eq!(
            run(
                &prog,
                &call(arch, "openat", [0, 0x1000, 0o2000000, 0, 0, 0])
            ),
            Ok(ret::ALLOW)
        );
        assert_eq!(
            run(&prog, &call(arch, "mmap", [0, 4096, prot_exec, 2, 3, 0])),
            Ok(ret::ALLOW)
        );
        assert_eq!(
            run(
                &prog,
                &call(arch, "execve", [0x5555_0000_1234, 0, 0, 0, 0, 0])
            ),
            Ok(ret::ALLOW)
        );
        assert_eq!(
            run(&prog, &call(arch, "execve", [0x1234, 0, 0, 0, 0, 0])),
            Ok(ret::USER_NOTIF)
        );
        assert_eq!(
            run(
                &prog,
                &call(arch, "execve", [0x6666_0000_1234, 0, 0, 0, 0, 0])
            ),
            Ok(ret::USER_NOTIF)
        );
        // The preload's seccomp() with a listener, but nothing beyond its flags.
        assert_eq!(
            run(&prog, &call(arch, "seccomp", [1, 0x19, 0x1000, 0, 0, 0])),
            Ok(ret::ALLOW)
        );
        assert_eq!(
            run(&prog, &call(arch, "seccomp", [1, 0x04, 0x1000, 0, 0, 0])),
            Ok(ret::USER_NOTIF)
        );
        // A filter without a listener could hide calls from the program filter's.
        for flags in [0, 0x1, 0x11] {
            assert_eq!(
                run(&prog, &call(arch, "seccomp", [1, flags, 0x1000, 0, 0, 0])),
                Ok(ret::USER_NOTIF)
            );
        }
        assert_eq!(
            run(&prog, &call(arch, "socket", [2, 1, 0, 0, 0, 0])),
            Ok(ret::USER_NOTIF)
        );
        // Writing is startup's stdio: allowed here, decided by the program filter later.
        assert_eq!(
            run(&prog, &call(arch, "write", [1, 0, 0, 0, 0, 0])),
            Ok(ret::ALLOW)
        );
    }
}
