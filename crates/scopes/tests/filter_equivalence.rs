//! Property tests: for random system calls and arguments (upper halves included), the compiled
//! filter gives the same answer as the reference evaluator of the policy table, for every
//! promise alone and for random combinations, on every generated architecture.

use scopes::bpf::{
    interp::{run, SeccompData},
    ret,
};
use scopes::compiler::{action_for, compile, Target};
use scopes::policy::{evaluate, Context};
use scopes::{Arch, Promise, Promises};

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const CTX: Context = Context {
    pid: 4242,
    uid: 1000,
    gid: 1000,
};

/// Interesting argument values: the constants the table mentions, the context's ids, with and
/// without garbage in the upper half, plus random words.
fn interesting_values() -> Vec<u64> {
    let mut vals = vec![
        0,
        1,
        2,
        3,
        4,
        u32::MAX as u64,
        u64::MAX,
        4242,
        1000,
        0x8000_0000,
    ];
    for rule in scopes::policy::table::RULES {
        for check in rule.checks {
            for v in check.values {
                let v = CTX.resolve(*v);
                vals.extend([v, v | check.mask, v & !1, v ^ check.mask]);
            }
        }
    }
    vals.sort();
    vals.dedup();
    vals
}

fn random_args(rng: &mut Rng, vals: &[u64]) -> [u64; 6] {
    let mut args = [0u64; 6];
    for a in &mut args {
        let base = match rng.below(4) {
            0 => rng.next(),
            _ => vals[rng.below(vals.len() as u64) as usize],
        };
        *a = match rng.below(3) {
            0 => base | (rng.next() << 32), // garbage in the upper half
            _ => base,
        };
    }
    args
}

fn check_set(promises: Promises, arch: Arch, rng: &mut Rng, vals: &[u64], samples: usize) {
    for (violation, reporting) in [
        (ret::KILL_PROCESS, false),
        (ret::TRAP, true),
        (ret::ERRNO | libc::EPERM as u32, false),
    ] {
        let target = Target {
            arch,
            ctx: CTX,
            violation,
            reporting,
        };
        let prog = compile(promises, &target);
        assert!(prog.len() <= scopes::compiler::MAX_INSNS);
        let numbers: Vec<u32> = arch.syscalls().iter().map(|s| s.1).collect();
        for i in 0..samples {
            let nr = match i % 8 {
                0 => rng.next() as u32,
                1 => numbers.last().unwrap() + 1 + rng.below(100) as u32,
                2 => 0x4000_0000 | rng.below(600) as u32,
                _ => numbers[rng.below(numbers.len() as u64) as usize],
            };
            let foreign = rng.below(50) == 0;
            let data = SeccompData {
                nr: nr as i32,
                arch: if foreign {
                    0x4000_0003
                } else {
                    arch.audit_arch()
                },
                instruction_pointer: rng.next(),
                args: random_args(rng, vals),
            };
            let expected = action_for(evaluate(promises, reporting, &CTX, arch, &data), &target);
            let got = run(&prog, &data).expect("filter runs");
            assert_eq!(
                got,
                expected,
                "{arch} \"{promises}\" nr={nr} ({:?}) {data:?}",
                arch.syscall_name(nr)
            );
        }
    }
}

#[test]
fn each_promise_alone_matches_the_reference() {
    let vals = interesting_values();
    let mut rng = Rng(0x5eed_0001);
    for arch in Arch::ALL {
        check_set(Promises::EMPTY, *arch, &mut rng, &vals, 3000);
        for p in Promise::ALL {
            let set = Promises::EMPTY.with(*p);
            check_set(set, *arch, &mut rng, &vals, 3000);
            check_set(set.with(Promise::Stdio), *arch, &mut rng, &vals, 3000);
        }
        check_set(Promises::all(), *arch, &mut rng, &vals, 10000);
    }
}

#[test]
fn random_combinations_match_the_reference() {
    let vals = interesting_values();
    let mut rng = Rng(0x5eed_0002);
    for _ in 0..60 {
        let set = Promises::from_bits(rng.next() as u32);
        for arch in Arch::ALL {
            check_set(set, *arch, &mut rng, &vals, 1500);
        }
    }
}

#[test]
fn every_rule_argument_value_is_exercised() {
    // Exhaustive over the table's own constants for the calls that have checks.
    let vals = interesting_values();
    let arch = Arch::X86_64;
    for set in [
        Promises::all(),
        "stdio".parse().unwrap(),
        "stdio rpath wpath cpath fattr".parse().unwrap(),
    ] {
        let target = Target {
            arch,
            ctx: CTX,
            violation: ret::KILL_PROCESS,
            reporting: false,
        };
        let prog = compile(set, &target);
        for rule in scopes::policy::table::RULES {
            for name in rule.syscalls {
                let Some(nr) = arch.syscall_nr(name) else {
                    continue;
                };
                for check in rule.checks {
                    for v in &vals {
                        let mut args = [0u64; 6];
                        args[check.arg as usize] = *v;
                        let data = SeccompData {
                            nr: nr as i32,
                            arch: arch.audit_arch(),
                            instruction_pointer: 0,
                            args,
                        };
                        let expected = action_for(evaluate(set, false, &CTX, arch, &data), &target);
                        assert_eq!(run(&prog, &data).unwrap(), expected, "{name} {args:?}");
                    }
                }
            }
        }
    }
}

#[test]
fn every_number_matches_the_reference() {
    // Exhaustive over each arch's number range (holes in the table included) and the edges of
    // the foreign-ABI space, which random sampling almost never hits.
    let vals = interesting_values();
    let mut rng = Rng(0x5eed_0003);
    for arch in Arch::ALL {
        let last = arch.syscalls().last().unwrap().1;
        let mut numbers: Vec<u32> = (0..=last + 64).collect();
        numbers.extend([
            0x3fff_ffff,
            0x4000_0000,
            0x4000_0000 + 1,
            0x7fff_ffff,
            0x8000_0000,
            u32::MAX,
        ]);
        for set in [
            Promises::EMPTY,
            "stdio".parse().unwrap(),
            "stdio rpath".parse().unwrap(),
            Promises::all(),
        ] {
            for (violation, reporting) in [(ret::KILL_PROCESS, false), (ret::TRAP, true)] {
                let target = Target {
                    arch: *arch,
                    ctx: CTX,
                    violation,
                    reporting,
                };
                let prog = compile(set, &target);
                for nr in &numbers {
                    for _ in 0..4 {
                        let data = SeccompData {
                            nr: *nr as i32,
                            arch: arch.audit_arch(),
                            instruction_pointer: 0,
                            args: random_args(&mut rng, &vals),
                        };
                        let expected =
                            action_for(evaluate(set, reporting, &CTX, *arch, &data), &target);
                        assert_eq!(run(&prog, &data), Ok(expected), "{arch} \"{set}\" nr={nr}");
                    }
                }
            }
        }
    }
}

/// An execpromises filter, compiled before fork with a placeholder pid and bound after fork to
/// the pid of the process that makes the `execve`, decides as the reference evaluator does
/// with that pid, and is the very program compiling with it gives (for pid 1 the compiler may
/// merge {0, 1} into a range, so there only the decisions are compared). Every promise alone
/// and with stdio, every arch, pids across Linux's range, the own-pid calls with arguments
/// around the pid.
#[test]
fn binding_the_pid_after_fork_equals_compiling_with_it() {
    use scopes::exec::{bind_to_pid, UNBOUND_PID};
    let own_pid_calls = [
        "kill",
        "tgkill",
        "tkill",
        "rt_sigqueueinfo",
        "rt_tgsigqueueinfo",
        "prlimit64",
    ];
    let vals = interesting_values();
    let mut rng = Rng(0x5eed_0b1d);
    for &arch in Arch::ALL {
        for &p in Promise::ALL {
            for promises in [
                Promises::EMPTY.with(p),
                Promises::EMPTY.with(p).with(Promise::Stdio),
            ] {
                let target = |pid| Target {
                    arch,
                    ctx: Context { pid, ..CTX },
                    violation: ret::KILL_PROCESS,
                    reporting: false,
                };
                let unbound = compile(promises, &target(UNBOUND_PID));
                for pid in [1, 2, 300, 65_535, 65_536, 1 << 22] {
                    let mut bound = unbound.clone();
                    bind_to_pid(&mut bound, pid);
                    if pid > 1 {
                        assert_eq!(
                            bound,
                            compile(promises, &target(pid)),
                            "{promises} on {arch}, pid {pid}"
                        );
                    }
                    let ctx = Context { pid, ..CTX };
                    for name in own_pid_calls {
                        let Some(nr) = arch.syscalls().iter().find(|s| s.0 == name).map(|s| s.1)
                        else {
                            continue;
                        };
                        for first in [
                            0,
                            1,
                            pid as u64 - 1,
                            pid as u64,
                            pid as u64 + 1,
                            UNBOUND_PID as u64,
                        ] {
                            let mut args = random_args(&mut rng, &vals);
                            args[0] = first;
                            if rng.below(2) == 0 {
                                args[2] = 0; // prlimit64: reading only
                            }
                            let data = SeccompData {
                                nr: nr as i32,
                                arch: arch.audit_arch(),
                                instruction_pointer: 0,
                                args,
                            };
                            let expected = action_for(
                                evaluate(promises, false, &ctx, arch, &data),
                                &target(pid),
                            );
                            assert_eq!(
                                run(&bound, &data),
                                Ok(expected),
                                "{promises} on {arch}, pid {pid}: {name} {args:?}"
                            );
                        }
                    }
                }
            }
        }
    }
}
