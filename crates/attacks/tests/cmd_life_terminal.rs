//! The terminal's signals reach the program exactly once, even when the program left the
//! supervisor's process group to dodge them, and a terminal that hangs up ends the program.

// An attack: hostile code calls libc directly on purpose.
#![allow(unsafe_code)]

use std::ffi::OsStr;
use std::time::Duration;

use attacks::cmd_life::{own_copy, start_in_terminal};
use attacks::{compile, End, Link};

const DEADLINE: Duration = Duration::from_secs(20);

fn started(test: &str, how: &str) -> attacks::cmd_life::Supervised {
    let prog = own_copy(&compile("cmd_life_leavegroup", Link::Plain), test);
    let cmd = start_in_terminal(
        &prog,
        &[
            OsStr::new("-p"),
            OsStr::new("stdio proc"),
            OsStr::new("--"),
            prog.as_os_str(),
            OsStr::new(how),
        ],
    );
    cmd.line("ready", DEADLINE).expect("the program started");
    cmd
}

/// A program in a process group of its own does not get the terminal's ^C; the supervisor
/// does, and passes it on.
#[test]
fn cmd_life_ctrl_c_reaches_a_program_that_left_the_process_group() {
    let mut cmd = started("leave", "leave");
    cmd.type_keys(b"\x03");
    let ran = cmd.finish(DEADLINE);
    assert_eq!(ran.end, End::Exit(128 + libc::SIGINT), "{ran:#?}");
    assert_eq!(cmd.left_at_exit(), &[] as &[i32]);
}

/// In the command's process group the program gets ^C from the terminal, once: the supervisor
/// does not send it again.
#[test]
fn cmd_life_ctrl_c_reaches_a_program_once() {
    let mut cmd = started("count", "count");
    cmd.type_keys(b"\x03");
    let ran = cmd.finish(DEADLINE);
    assert_eq!(ran.end, End::Exit(0), "{ran:#?}");
    assert!(ran.stdout.contains("interrupts 1\r\n"), "{ran:#?}");
}

/// The terminal hangs up (its emulator ends): the supervisor, its session leader, gets SIGHUP
/// alone, and passes it on; the program, gone, leaves nothing behind.
#[test]
fn cmd_life_a_terminal_hang_up_ends_the_program() {
    for how in ["leave", "count"] {
        let cmd = started("hangup", how);
        // SAFETY: kill() of our own child, `script`, which owns the terminal.
        assert_eq!(unsafe { libc::kill(cmd.pid(), libc::SIGKILL) }, 0);
        let deadline = std::time::Instant::now() + DEADLINE;
        while !cmd.left_now().is_empty() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(
            cmd.left_now(),
            &[] as &[i32],
            "{how}: the program outlived its terminal"
        );
    }
}
