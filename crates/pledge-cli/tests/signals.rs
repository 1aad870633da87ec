//! Signals sent to the command reach the program, and the command ends with its status.

// The test calls libc directly, as the programs it stands for would, to see what the
// kernel allows and refuses.
#![allow(unsafe_code)]

mod common;
use common::*;

use std::io::BufRead as _;
use std::process::Stdio;

/// Starts `pledge ARGS`, waits for the program's first line on stdout, sends `sig` to the
/// command (not the program), and returns the exit status and the rest of stdout.
fn signal_after_ready(args: &[&str], sig: i32) -> (i32, String) {
    let mut child = pledge()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    // SAFETY: kill() of our own child.
    assert_eq!(unsafe { libc::kill(child.id() as i32, sig) }, 0);
    // Were the signal not forwarded, the program would run on: give up after a while.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("signal {sig} was not forwarded: the program still runs");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    (status.code().expect("pledge exits, it is not killed"), rest)
}

#[test]
fn sigint_to_the_command_reaches_the_program() {
    let dir = scratch("sigint");
    let prog = compile_c(
        &dir,
        "waiter",
        r#"#include <signal.h>
#include <stdio.h>
#include <unistd.h>
static void on_int(int s) { (void)s; write(1, "got SIGINT\n", 11); _exit(42); }
int main(void) {
    signal(SIGINT, on_int);
    printf("ready\n");
    fflush(stdout);
    for (;;) pause();
}
"#,
        &[],
    );
    let (code, rest) =
        signal_after_ready(&["-p", "stdio", "--", prog.to_str().unwrap()], libc::SIGINT);
    assert_eq!((code, rest.as_str()), (42, "got SIGINT\n"));
}

#[test]
fn sigterm_kills_the_program_and_the_command_reports_it() {
    let (code, _) = signal_after_ready(
        &[
            "-p",
            "stdio",
            "--",
            "sh",
            "-c",
            "echo ready; while :; do read x; done",
        ],
        libc::SIGTERM,
    );
    assert_eq!(code, 128 + libc::SIGTERM);
}

#[test]
fn sighup_and_sigquit_are_forwarded_too() {
    for sig in [libc::SIGHUP, libc::SIGQUIT] {
        let (code, _) = signal_after_ready(
            &[
                "-p",
                "stdio",
                "--",
                "sh",
                "-c",
                "echo ready; while :; do read x; done",
            ],
            sig,
        );
        assert_eq!(code, 128 + sig, "signal {sig}");
    }
}
