//! A program that stacks its own seccomp filter answering calls with an errno takes them away
//! from the supervisor (an errno answer takes precedence over a user notification): its
//! attempts would then fail without a report, and `-k` would never fire. The supervisor sees
//! the filter being installed: it reports it, and under `-k` kills the program.

use attacks::bounded as cmd_hostile;

use std::process::Command;
use std::time::Duration;

use attacks::{compile, pledge_command, scratch, End, Link};
use cmd_hostile::run_bounded;

const SECRET: &str = "cmd-hostile-stack-secret-91c2";

fn attack(kill: bool) -> cmd_hostile::Bounded {
    let dir = scratch(if kill {
        "cmd_hostile_stack_k"
    } else {
        "cmd_hostile_stack"
    });
    let secret = dir.join("secret");
    std::fs::write(&secret, SECRET).unwrap();
    let prog = compile("cmd_hostile_stack", Link::Plain);
    let mut cmd = Command::new(pledge_command());
    if kill {
        cmd.arg("-k");
    }
    cmd.args(["-p", "stdio", "--"]).arg(&prog).arg(&secret);
    run_bounded(&mut cmd, Duration::from_secs(30))
}

#[test]
fn installing_an_own_filter_is_reported() {
    let ran = attack(false);
    let end = ran.finished();
    assert!(!ran.out().contains(SECRET), "{ran:#?}");
    assert!(
        ran.err().contains("installs its own seccomp filter"),
        "{ran:#?}"
    );
    // Without -k the filter goes in (a program may narrow itself) and what it refuses fails.
    assert!(ran.out().contains("own filter: installed"), "{ran:#?}");
    assert_eq!(end, End::Exit(1), "{ran:#?}");
}

#[test]
fn installing_an_own_filter_under_kill_kills_the_program() {
    let ran = attack(true);
    let end = ran.finished();
    assert!(!ran.out().contains(SECRET), "{ran:#?}");
    assert!(!ran.out().contains("own filter: installed"), "{ran:#?}");
    assert!(
        ran.err().contains("installs its own seccomp filter"),
        "{ran:#?}"
    );
    assert!(ran.err().contains("killing the program (-k)"), "{ran:#?}");
    assert_eq!(end, End::Exit(128 + libc::SIGSYS), "{ran:#?}");
}

/// Builds `c/cmd_hostile_early.c` twice: as a shared library whose constructor stacks a filter
/// before the preload runs, and as the program linked with it.
fn early_program() -> std::path::PathBuf {
    let dir = scratch("cmd_hostile_stack_early_bin");
    let src = attacks::repo().join("crates/attacks/c/cmd_hostile_early.c");
    let cc = |args: &[&std::ffi::OsStr]| {
        let out = Command::new("cc")
            .args(["-std=gnu11", "-O1", "-Wall", "-Wextra", "-Werror"])
            .args(args)
            .output()
            .expect("running cc");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let lib = dir.join("libcmd_hostile_early.so");
    cc(&[
        "-DCMD_HOSTILE_LIB".as_ref(),
        "-shared".as_ref(),
        "-fPIC".as_ref(),
        "-o".as_ref(),
        lib.as_os_str(),
        src.as_os_str(),
    ]);
    let prog = dir.join("early");
    let rpath = format!("-Wl,-rpath,{}", dir.display());
    cc(&[
        "-o".as_ref(),
        prog.as_os_str(),
        src.as_os_str(),
        "-L".as_ref(),
        dir.as_os_str(),
        "-lcmd_hostile_early".as_ref(),
        rpath.as_ref(),
    ]);
    prog
}

#[test]
fn a_library_constructor_cannot_stack_a_filter_before_the_preload() {
    let prog = early_program();
    let dir = scratch("cmd_hostile_stack_early");
    let secret = dir.join("secret");
    std::fs::write(&secret, SECRET).unwrap();
    // Without a listener (what pledge() in a library would do): refused during start-up, so
    // the program's later attempt reaches the supervisor.
    for flags in ["0", "1"] {
        let ran = run_bounded(
            Command::new(pledge_command())
                .args(["-p", "stdio", "--"])
                .arg(&prog)
                .arg(&secret)
                .env("CMD_HOSTILE_EARLY_FLAGS", flags),
            Duration::from_secs(30),
        );
        assert_eq!(ran.finished(), End::Exit(1), "{ran:#?}");
        assert!(!ran.out().contains(SECRET), "{ran:#?}");
        assert!(!ran.out().contains("early filter: installed"), "{ran:#?}");
        assert!(
            ran.err().contains("denied: needs promise \"rpath\""),
            "{ran:#?}"
        );
    }
    // With a listener: the preload cannot install its own, and the program never runs.
    let ran = run_bounded(
        Command::new(pledge_command())
            .args(["-p", "stdio", "--"])
            .arg(&prog)
            .arg(&secret)
            .env("CMD_HOSTILE_EARLY_FLAGS", "8"),
        Duration::from_secs(30),
    );
    assert_eq!(ran.finished(), End::Exit(125), "{ran:#?}");
    assert_eq!(ran.out(), "", "{ran:#?}");
    assert!(ran.err().contains("seccomp listener"), "{ran:#?}");
}

#[test]
fn a_program_pledging_itself_still_works_and_is_reported() {
    let prog = compile("cmd_hostile_selfpledge", Link::Libpledge);
    let ran = run_bounded(
        Command::new(pledge_command())
            .args(["-p", "stdio", "--"])
            .arg(&prog),
        Duration::from_secs(30),
    );
    assert_eq!(ran.finished(), End::Exit(0), "{ran:#?}");
    assert_eq!(ran.out(), "pledge: ok\n", "{ran:#?}");
    assert!(
        ran.err().contains("installs its own seccomp filter"),
        "{ran:#?}"
    );
}
