//! Structural properties of compiled filters: size bounds, path lengths, the kernel's action
//! cache, determinism, and far jumps. These are deterministic; timing belongs to the
//! benchmark (`cargo run --release -p bench`).

use scopes::bpf::walk::{longest_path, longest_paths, trace};
use scopes::bpf::{cache::is_const_allow, interp::run, interp::SeccompData, ret, Disassembly};
use scopes::compiler::{compile, Target, MAX_INSNS};
use scopes::policy::{rules_for, Context, Verdict};
use scopes::{Arch, Promise, Promises};

const CTX: Context = Context {
    pid: 4242,
    uid: 1000,
    gid: 1000,
};

/// What `Pledge` compiles for its default penalty (report, then SIGSYS).
fn library_target(arch: Arch) -> Target {
    Target {
        arch,
        ctx: CTX,
        violation: ret::TRAP,
        reporting: true,
    }
}

/// The quiet penalty: no report channel.
fn quiet_target(arch: Arch) -> Target {
    Target {
        arch,
        ctx: CTX,
        violation: ret::KILL_PROCESS,
        reporting: false,
    }
}

fn set(words: &str) -> Promises {
    words.parse().unwrap()
}

/// The promise sets the benchmark and the targets talk about.
fn benchmark_sets() -> [(&'static str, Promises); 4] {
    [
        ("\"\"", Promises::EMPTY),
        ("stdio", set("stdio")),
        ("stdio rpath", set("stdio rpath")),
        ("all", Promises::all()),
    ]
}

fn ceil_log2(n: usize) -> usize {
    (usize::BITS - (n - 1).leading_zeros()) as usize
}

#[test]
fn print_sizes() {
    for (name, p) in benchmark_sets() {
        let prog = compile(p, &library_target(Arch::X86_64));
        println!(
            "{name}: {} instructions, longest path {}",
            prog.len(),
            longest_path(&prog).unwrap()
        );
    }
    println!(
        "{}",
        Disassembly(&compile(set("stdio"), &library_target(Arch::X86_64)))
    );
}

/// Instruction counts on x86_64, against the best existing Linux pledge (Cosmopolitan's linear
/// filters: 195 for stdio, 229 for stdio rpath, 696 for every promise; 222, 256 and 723 with
/// its logging fragment). Like is compared with like: the quiet target with the peer's quiet
/// filters, the reporting target with its logging ones. The bounds are the sizes this compiler
/// reaches, so a change that grows a filter fails here first.
#[test]
fn sizes_stay_small() {
    // (set, bound reporting, bound quiet, the peer's size logging, quiet)
    // stdio rpath grew by two when Landlock's calls joined every promise that reaches paths
    // (so that any narrowing succeeds), and by six for the nscd socket's EACCES (user
    // lookups); "all" by the checks that refuse setuid/setgid modes when creating, reading
    // IP_OPTIONS (which parts getsockopt from setsockopt) and the modem-control ioctls.
    let bounds = [
        ("stdio", 198, 189, 222, 195),
        ("stdio rpath", 209, 200, 256, 229),
        ("all", 313, 299, 723, 696),
    ];
    for (name, reporting, quiet, peer_logging, peer_quiet) in bounds {
        let p = if name == "all" {
            Promises::all()
        } else {
            set(name)
        };
        let a = compile(p, &library_target(Arch::X86_64)).len();
        let b = compile(p, &quiet_target(Arch::X86_64)).len();
        assert!(
            a <= reporting,
            "{name}: {a} instructions for the reporting target, bound {reporting}"
        );
        assert!(
            b <= quiet,
            "{name}: {b} instructions for the quiet target, bound {quiet}"
        );
        assert!(
            a < peer_logging,
            "{name}: {a}, the peer logging needs {peer_logging}"
        );
        assert!(
            b < peer_quiet,
            "{name}: {b}, the peer quiet needs {peer_quiet}"
        );
    }
}

/// The dispatch on the number takes at most 2·⌈log2 N⌉ tests after the arch check and the
/// load of `nr` (3 instructions), for every number of every arch and the edges around them.
#[test]
fn dispatch_is_logarithmic() {
    for arch in Arch::ALL {
        let table = arch.syscalls();
        let bound = 3 + 2 * ceil_log2(table.len());
        let last = table.last().unwrap().1;
        let mut numbers: Vec<u32> = (0..=last + 8).collect();
        numbers.extend([0x3fff_ffff, 0x4000_0000, 0x4000_0001, 0x7fff_ffff, u32::MAX]);
        for (name, p) in benchmark_sets() {
            for target in [library_target(*arch), quiet_target(*arch)] {
                let prog = compile(p, &target);
                for nr in &numbers {
                    let input = SeccompData {
                        nr: *nr as i32,
                        arch: arch.audit_arch(),
                        ..Default::default()
                    };
                    let t = trace(&prog, &input).unwrap();
                    // Without an argument load, the last instruction executed is the `ret`.
                    let dispatch = t.dispatch.unwrap_or(t.executed - 1);
                    assert!(
                        dispatch <= bound,
                        "{arch} {name} nr {nr}: dispatch {dispatch} > {bound}"
                    );
                }
            }
        }
    }
}

/// The longest path through the whole filter (any input) stays within the dispatch bound plus
/// the longest argument check, and that check stays short.
#[test]
fn longest_paths_are_bounded() {
    // (set, longest argument-check path allowed on x86_64, from its first argument load)
    let bounds = [("\"\"", 5), ("stdio", 10), ("stdio rpath", 10), ("all", 20)];
    let arch = Arch::X86_64;
    let dispatch = 3 + 2 * ceil_log2(arch.syscalls().len());
    for ((name, p), (_, check_bound)) in benchmark_sets().into_iter().zip(bounds) {
        let prog = compile(p, &library_target(arch));
        let from = longest_paths(&prog).unwrap();
        let longest_check = prog
            .iter()
            .enumerate()
            .filter(|(_, insn)| insn.code == 0x20 && insn.k >= 16)
            .map(|(pc, _)| from[pc])
            .max()
            .unwrap_or(0);
        assert!(
            longest_check <= check_bound,
            "{name}: an argument check runs {longest_check} instructions"
        );
        let longest = longest_path(&prog).unwrap();
        assert!(
            longest <= dispatch + check_bound,
            "{name}: longest path {longest} > {dispatch} + {check_bound}"
        );
        println!("{name}: longest path {longest}, longest argument check {longest_check}");
    }
}

/// openat, where its arguments are checked, is tested before the dispatch: its first argument
/// load comes right after the arch check, `ld nr` and one `jeq` (its path walk evicts a deep
/// dispatch path from the caches on every stacked layer). Where it is denied or allowed
/// outright it takes the dispatch like any call.
#[test]
fn openat_is_tested_before_the_dispatch_when_checked() {
    for &arch in Arch::ALL {
        let nr = arch
            .syscalls()
            .iter()
            .find(|(n, _)| *n == "openat")
            .unwrap()
            .1;
        let input = SeccompData {
            nr: nr as i32,
            arch: arch.audit_arch(),
            instruction_pointer: 0,
            args: [libc::AT_FDCWD as u64, 0, libc::O_RDONLY as u64, 0, 0, 0],
        };
        for (name, expected) in [
            ("stdio rpath", Some(4)),
            ("stdio wpath cpath", Some(4)),
            ("stdio", None),
        ] {
            let prog = compile(set(name), &library_target(arch));
            let t = trace(&prog, &input).unwrap();
            assert_eq!(t.dispatch, expected, "{name} on {arch}");
        }
    }
}

/// The instrumented walk agrees with the interpreter and never exceeds the static bound.
#[test]
fn traces_agree_with_the_interpreter() {
    let prog = compile(Promises::all(), &library_target(Arch::X86_64));
    let longest = longest_path(&prog).unwrap();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..20_000 {
        let nr = (next() % 480) as i32;
        let args = [
            next() % 8,
            next() % 0x6000,
            next() % 16,
            next(),
            next() % 2,
            next(),
        ];
        let input = SeccompData {
            nr,
            arch: Arch::X86_64.audit_arch(),
            instruction_pointer: 0,
            args,
        };
        let t = trace(&prog, &input).unwrap();
        assert_eq!(Ok(t.ret), run(&prog, &input));
        assert!(t.executed <= longest);
    }
}

#[test]
fn every_unconditionally_allowed_call_is_cacheable() {
    for arch in Arch::ALL {
        for (_, promises) in benchmark_sets() {
            for target in [library_target(*arch), quiet_target(*arch)] {
                let prog = compile(promises, &target);
                for (name, nr) in arch.syscalls() {
                    // Allowed whatever the arguments: every applicable rule up to the first
                    // one without checks allows, and that one exists.
                    let mut applicable = rules_for(name)
                        .filter(|r| r.needs.satisfied_by(promises, target.reporting));
                    let allowed_always = applicable
                        .try_fold((), |(), r| match (r.verdict, r.checks.is_empty()) {
                            (Verdict::Allow, true) => Err(true),
                            (Verdict::Allow, false) => Ok(()),
                            _ => Err(false),
                        })
                        .err()
                        .unwrap_or(false);
                    let cached = is_const_allow(&prog, arch.audit_arch(), nr);
                    assert_eq!(cached, allowed_always, "{arch} \"{promises}\" {name}");
                }
            }
        }
    }
}

#[test]
fn compiling_twice_gives_the_same_program() {
    for arch in Arch::ALL {
        for (_, p) in benchmark_sets() {
            for target in [library_target(*arch), quiet_target(*arch)] {
                assert_eq!(compile(p, &target), compile(p, &target), "{arch} \"{p}\"");
            }
        }
    }
}

/// Every single promise and every pair, with and without stdio, on every arch: the kernel's
/// limit of 4096 instructions is far away.
#[test]
fn every_combination_fits_the_kernel_limit() {
    let mut largest = 0;
    for arch in Arch::ALL {
        for (i, a) in Promise::ALL.iter().enumerate() {
            for b in &Promise::ALL[i..] {
                for base in [Promises::EMPTY, set("stdio")] {
                    let p = base.with(*a).with(*b);
                    let n = compile(p, &library_target(*arch)).len();
                    assert!(n <= MAX_INSNS, "{arch} \"{p}\": {n} instructions");
                    largest = largest.max(n);
                }
            }
        }
        largest = largest.max(compile(Promises::all(), &quiet_target(*arch)).len());
    }
    // Far below the limit: the 32768-instruction budget of a process allows many pledges.
    assert!(largest < 512, "largest filter: {largest} instructions");
}
