//! Narrowing is the library's everyday use: pledge wide, set up, pledge narrow. It must always
//! succeed, the narrower process must be held to the narrower set, and it must never reach a
//! process that kept more promises.

// An attack: hostile code calls libc directly on purpose.
#![allow(unsafe_code)]

use attacks::{compile, run, run_forked, Link};
use scopes::{Penalty, Pledge, Promise, Promises};

#[test]
fn narrowing_path_promises_succeeds() {
    let prog = compile("narrow", Link::Libpledge);
    for (wide, narrow) in [
        ("stdio rpath wpath cpath", "stdio rpath"),
        ("stdio rpath tmppath", "stdio tmppath"),
        ("stdio rpath wpath cpath", "stdio"),
        ("stdio rpath dns inet", "stdio dns"),
        ("stdio rpath wpath cpath unix tmppath", "stdio unix"),
    ] {
        run(&prog, &[wide, narrow]).exited(0).line("narrowed");
    }
}

/// Promises a narrowing test draws from: every one that reaches paths, plus a few others.
const POOL: &[Promise] = &[
    Promise::Rpath,
    Promise::Wpath,
    Promise::Cpath,
    Promise::Dpath,
    Promise::Tmppath,
    Promise::Dns,
    Promise::Getpw,
    Promise::Vminfo,
    Promise::Ps,
    Promise::Exec,
    Promise::Unix,
    Promise::Inet,
    Promise::Proc,
    Promise::Fattr,
];

/// Property: for random A and B ⊆ A, pledging A then B succeeds, and B is what holds: reading
/// a file outside every implied path works exactly when B holds `rpath`.
#[test]
fn every_narrowing_succeeds_and_holds() {
    let secret = attacks::scratch("narrowing").join("file");
    std::fs::write(&secret, "x").unwrap();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..40 {
        let a: Promises = POOL
            .iter()
            .filter(|_| next() & 1 == 1)
            .copied()
            .collect::<Promises>()
            .with(Promise::Stdio);
        let b: Promises = a
            .iter()
            .filter(|p| *p == Promise::Stdio || next() & 1 == 1)
            .collect();
        let secret = secret.clone();
        let child = run_forked(move || {
            let pledge =
                |set: Promises| Pledge::new().promises(set).penalty(Penalty::Eperm).apply();
            if let Err(e) = pledge(a) {
                eprintln!("pledge({a}): {e}");
                return 3;
            }
            if let Err(e) = pledge(b) {
                eprintln!("narrowing {a} to {b}: {e}");
                return 4;
            }
            if scopes::current_promises() != Some(b) {
                return 5;
            }
            let read = std::fs::read(&secret).is_ok();
            if read != b.contains(Promise::Rpath) {
                eprintln!("{a} -> {b}: reading outside every implied path: {read}");
                return 6;
            }
            0
        });
        child.ok();
    }
}

/// A child that narrows cannot write its wider parent's memory through /proc/PID/mem (the
/// parent's code would then run with the parent's promises), and neither can a program the
/// parent starts under narrower execpromises.
#[test]
fn a_narrower_process_cannot_write_a_wider_ones_memory() {
    let prog = compile("library_procmem", Link::Libpledge);
    let ran = run(
        &prog,
        &["fork", "stdio rpath wpath proc inet", "stdio rpath wpath"],
    );
    ran.exited(0).line("parent intact");
    assert!(!ran.stdout.contains("pwrite: 6"), "{ran:#?}");
    let ran = run(
        &prog,
        &[
            "exec",
            "stdio rpath wpath proc exec prot_exec inet",
            "stdio rpath wpath prot_exec",
        ],
    );
    ran.exited(0).line("parent intact");
    assert!(!ran.stdout.contains("pwrite: 6"), "{ran:#?}");
    assert!(
        ran.stdout.contains("open /proc/"),
        "the attack ran: {ran:#?}"
    );
}

/// Execpromises recorded first stay within the promises when these narrow later.
#[test]
fn recorded_execpromises_stay_within_the_promises() {
    run_forked(|| {
        scopes::pledge(None, Some("stdio rpath inet")).unwrap();
        scopes::pledge(Some("stdio rpath proc exec"), None).unwrap();
        let exec = scopes::current_execpromises().unwrap();
        assert_eq!(exec.to_string(), "stdio rpath");
        assert!(scopes::pledge(None, Some("stdio rpath inet")).is_err());
        0
    })
    .ok();
}

/// Landlock stacks at most 16 domains: the narrowing that would need a 17th fails with a clear
/// error and leaves the promises as they were (still enforced).
#[test]
fn too_many_narrowings_fail_cleanly() {
    run_forked(|| {
        let mut set = Promises::all()
            .without(Promise::Error)
            .without(Promise::Unveil);
        let mut failed = None;
        let droppable: Vec<Promise> = set
            .iter()
            .filter(|p| ![Promise::Stdio, Promise::Rpath].contains(p))
            .collect();
        for p in droppable {
            let next = set.without(p);
            match Pledge::new().promises(next).penalty(Penalty::Eperm).apply() {
                Ok(_) => set = next,
                Err(e) => {
                    failed = Some((next, e));
                    break;
                }
            }
        }
        let (next, e) = failed.expect("16 domains at most");
        assert!(e.to_string().contains("Landlock layers"), "{e}");
        assert_eq!(scopes::current_promises(), Some(set));
        assert_ne!(scopes::current_promises(), Some(next));
        0
    })
    .ok();
}

/// A pledge after an unveil lock re-states the unveiled paths through the descriptors unveil
/// holds. A program that closed them (closefrom) and reused their numbers must not have the
/// rules attached to whatever those numbers name now: the pledge fails, saying why.
#[test]
fn a_pledge_after_closefrom_attaches_no_rule_to_another_file() {
    let dir = attacks::scratch("closefrom");
    run_forked(move || {
        scopes::unveil(Some(&dir), Some("r")).unwrap();
        scopes::unveil(None, None).unwrap();
        // SAFETY: closes every descriptor above stderr, as closefrom(3) does.
        unsafe { libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) };
        let _reused: Vec<_> = (0..8)
            .map(|_| std::fs::File::open("/dev/null").unwrap())
            .collect();
        match scopes::pledge(Some("stdio rpath"), None) {
            Err(e) if e.errno() == libc::EBADF => 0,
            other => panic!("pledge after closefrom: {other:?}"),
        }
    })
    .ok();
}
