//! --help, --version, --explain and --print-filter: what they print comes from the command's
//! option table and the library's policy table and compiler.

mod common;
use common::*;

#[test]
fn help_is_enough_to_use_the_command() {
    let ran = run(&["--help"]);
    ran.code(0).quiet();
    let text = &ran.stdout;
    assert!(text.starts_with("Usage: pledge [OPTIONS] [--] PROGRAM [ARGS...]"));
    for needle in [
        "-p, --promises PROMISES",
        "-v, --unveil [PERM:]PATH",
        "-k, --kill",
        "-q, --quiet",
        "--explain PROMISES",
        "--print-filter PROMISES",
        "--arch ARCH",
        "--cpu SECONDS",
        "--as BYTES",
        "--fsize BYTES",
        "--nofile N",
        "--nproc N",
        "--close-fds",
        "--drop-caps",
        "--version",
        "Examples:",
        "echo hi | pledge -p stdio -- cat",
        "Exit status:",
        "127",
        "libpledge_preload.so",
        "prot_exec",
    ] {
        assert!(text.contains(needle), "--help lacks {needle:?}");
    }
    // Every promise is listed with its summary.
    for p in scopes::Promise::ALL {
        assert!(
            text.contains(&format!("  {:<10} {}", p.word(), p.summary())),
            "{}",
            p.word()
        );
    }
    assert_eq!(run(&["-h"]).stdout, ran.stdout);
}

#[test]
fn version() {
    run(&["--version"]).code(0).stdout_is(&format!(
        "pledge {} (seccomp-scopes)\n",
        env!("CARGO_PKG_VERSION")
    ));
}

#[test]
fn explain_comes_from_the_policy_table() {
    let ran = run(&["--explain", "stdio rpath"]);
    ran.code(0).quiet();
    // The table's text, then the files the command's broker serves.
    let table = scopes::policy::describe::explain("stdio rpath".parse().unwrap());
    assert!(ran.stdout.starts_with(&table), "{}", ran.stdout);
    let broker = &ran.stdout[table.len()..];
    assert!(
        broker.contains(&scopes::policy::harmless::describe()),
        "{broker}"
    );
    for h in scopes::policy::harmless::HARMLESS {
        assert!(broker.contains(&h.place.shown()), "{broker}");
    }
    assert!(ran.stdout.contains("### `stdio`") && ran.stdout.contains("### `rpath`"));
    assert!(ran
        .stdout
        .contains("mmap, mprotect, pkey_mprotect if arg2 & PROT_EXEC == 0"));
    assert!(!ran.stdout.contains("### `inet`"));
}

fn count_line(text: &str) -> usize {
    let first = text.lines().next().unwrap();
    let n = first
        .rsplit_once(": ")
        .unwrap()
        .1
        .trim_end_matches(" instructions");
    n.parse().unwrap()
}

#[test]
fn print_filter_shows_the_program_filter_with_its_size() {
    let ran = run(&["--print-filter", "stdio"]);
    ran.code(0).quiet();
    let insns: Vec<&str> = ran.stdout.lines().filter(|l| !l.starts_with(';')).collect();
    assert_eq!(count_line(&ran.stdout), insns.len());
    assert!(ran.stdout.starts_with("; pledge -p 'stdio' on x86_64: "));
    assert!(
        insns[0].ends_with("ld  arch") && insns[1].contains("#0xc000003e"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("ret USER_NOTIF") && ran.stdout.contains("ret ALLOW"));
    // More promises, a different program.
    let wider = run(&["--print-filter", "stdio rpath inet"]);
    assert_ne!(
        wider.stdout.lines().skip(3).collect::<Vec<_>>(),
        insns[..].to_vec()
    );
}

#[test]
fn print_filter_for_aarch64() {
    let ran = run(&["--print-filter", "stdio", "--arch", "aarch64"]);
    ran.code(0).quiet();
    assert!(ran.stdout.starts_with("; pledge -p 'stdio' on aarch64: "));
    assert!(ran.stdout.contains("#0xc00000b7"), "{}", ran.stdout);
    let insns = ran.stdout.lines().filter(|l| !l.starts_with(';')).count();
    assert_eq!(count_line(&ran.stdout), insns);
    run(&["--print-filter", "stdio", "--arch", "sparc"])
        .code(125)
        .says("unknown architecture \"sparc\"");
}
