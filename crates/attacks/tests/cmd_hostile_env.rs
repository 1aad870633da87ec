//! The preload takes pledge's private variables out of the environment before `main`, without
//! the program's own libc functions (bash defines its own `unsetenv`, which did nothing that
//! early), so the program's children never see them; a child given them anyway fails closed,
//! with a message, and never hangs.

use attacks::bounded as cmd_hostile;

use std::process::Command;
use std::time::Duration;

use attacks::{compile, pledge_command, scratch, End, Link};
use cmd_hostile::run_bounded;

const SHELL_PROMISES: &str = "stdio rpath proc exec prot_exec";

#[test]
fn a_bash_pipeline_runs_under_the_command() {
    let dir = scratch("cmd_hostile_env_bash");
    for name in ["a", "b", "c", "d", "e"] {
        std::fs::write(dir.join(name), "").unwrap();
    }
    let ran = run_bounded(
        Command::new(pledge_command())
            .args(["-p", SHELL_PROMISES, "--", "bash", "-c"])
            .arg(format!(
                "ls {} | wc -l; env | grep -c PLEDGE_",
                dir.display()
            )),
        Duration::from_secs(30),
    );
    assert_eq!(ran.out(), "5\n0\n", "{ran:#?}");
    // grep -c exits 1 when it counts nothing.
    assert_eq!(ran.finished(), End::Exit(1), "{ran:#?}");
}

#[test]
fn bash_sees_no_private_variable_and_a_users_preload_comes_back() {
    let ran = run_bounded(
        Command::new(pledge_command())
            .args(["-p", SHELL_PROMISES, "--", "bash", "-c"])
            .arg("echo \"[$PLEDGE_CLI_FD][$PLEDGE_CLI_USER_LD_PRELOAD][$LD_PRELOAD]\"; /usr/bin/env | grep -E '^(PLEDGE_CLI|LD_PRELOAD)'")
            .env("LD_PRELOAD", "libm.so.6"),
        Duration::from_secs(30),
    );
    assert_eq!(
        ran.out(),
        "[][][libm.so.6]\nLD_PRELOAD=libm.so.6\n",
        "{ran:#?}"
    );
    assert_eq!(ran.finished(), End::Exit(0), "{ran:#?}");
}

#[test]
fn a_child_given_a_stale_handshake_fails_closed_and_says_so() {
    let prog = compile("cmd_hostile_stale", Link::Plain);
    let preload = pledge_command().with_file_name("libpledge_preload.so");
    for fd in ["none", "pipe", "socket"] {
        let ran = run_bounded(
            Command::new(pledge_command())
                .args(["-p", SHELL_PROMISES, "--"])
                .arg(&prog)
                .arg(&preload)
                .arg(fd)
                .args(["/bin/echo", "the child ran"]),
            Duration::from_secs(30),
        );
        assert_eq!(ran.finished(), End::Exit(0), "{fd}: {ran:#?}");
        assert!(!ran.out().contains("the child ran"), "{fd}: {ran:#?}");
        assert!(ran.out().contains("child exited 125"), "{fd}: {ran:#?}");
        assert!(
            ran.err().contains("without pledge's handshake"),
            "{fd}: {ran:#?}"
        );
    }
}
