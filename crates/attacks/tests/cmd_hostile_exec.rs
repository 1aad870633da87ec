//! A program under the command cannot gain privileges by executing a set-id program: the
//! command's child sets no_new_privs before the program's first `execve`, so every program
//! started below it, however deep, runs with it (set-id bits and file capabilities are
//! ignored), under the same filters.

use attacks::bounded as cmd_hostile;

use std::process::Command;
use std::time::Duration;

use attacks::{pledge_command, End};
use cmd_hostile::run_bounded;

#[test]
fn everything_the_program_executes_runs_with_no_new_privs() {
    // grep, started by bash, started by pledge: mode 2 is a filter.
    let ran = run_bounded(
        Command::new(pledge_command())
            .args(["-p", "stdio rpath proc exec prot_exec", "--", "bash", "-c"])
            .arg("grep -h -e NoNewPrivs -e Seccomp: /proc/self/status | sort | tr -s ' \\t' ' '"),
        Duration::from_secs(30),
    );
    assert_eq!(ran.finished(), End::Exit(0), "{ran:#?}");
    assert_eq!(ran.out(), "NoNewPrivs: 1\nSeccomp: 2\n", "{ran:#?}");
}
