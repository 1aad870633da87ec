//! A program that stacks its own seccomp filter answering calls with an errno takes them away
//! from the supervisor (an errno answer takes precedence over a user notification): its
//! attempts would then fail without a report, and `-k` would never fire. The supervisor sees
//! the filter being installed: it reports it, and under `-k` kills the program.

#[path = "../src/cmd_hostile.rs"]
#[allow(dead_code)]
mod cmd_hostile;

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
