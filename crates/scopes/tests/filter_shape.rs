//! Structural properties of compiled filters: size bounds, path lengths, and the kernel's
//! action cache. These are deterministic; timing belongs to the benchmark.

use scopes::bpf::{cache::is_const_allow, ret, Disassembly};
use scopes::compiler::{compile, Target};
use scopes::policy::Context;
use scopes::{Arch, Promises};

const CTX: Context = Context { pid: 4242, uid: 1000, gid: 1000 };

fn target(arch: Arch) -> Target {
    Target { arch, ctx: CTX, violation: ret::KILL_PROCESS, reporting: false }
}

#[test]
fn print_sizes() {
    for set in ["", "stdio", "stdio rpath", "stdio rpath wpath cpath inet dns"] {
        let p: Promises = set.parse().unwrap();
        let prog = compile(p, &target(Arch::X86_64));
        println!("\"{set}\": {} instructions", prog.len());
    }
    let prog = compile(Promises::all(), &target(Arch::X86_64));
    println!("all: {} instructions", prog.len());
    println!("{}", Disassembly(&compile("stdio".parse().unwrap(), &target(Arch::X86_64))));
}

#[test]
fn every_unconditionally_allowed_call_is_cacheable() {
    for arch in Arch::ALL {
        for set in [Promises::EMPTY, "stdio".parse().unwrap(), "stdio rpath".parse().unwrap(), Promises::all()] {
            let prog = compile(set, &target(*arch));
            for (name, nr) in arch.syscalls() {
                // Allowed whatever the arguments: decided by the table without any check.
                // Allowed whatever the arguments: an unconditional ALLOW rule applies, and every
                // applicable rule before it also answers ALLOW.
                let applicable: Vec<_> = scopes::policy::rules_for(name).filter(|r| r.needs.satisfied_by(set, false)).collect();
                let allowed_always = applicable.iter().position(|r| r.checks.is_empty()).is_some_and(|i| {
                    applicable[..=i].iter().all(|r| r.verdict == scopes::policy::Verdict::Allow)
                });
                let cached = is_const_allow(&prog, arch.audit_arch(), *nr);
                assert_eq!(cached, allowed_always, "{arch} \"{set}\" {name}");
            }
        }
    }
}
