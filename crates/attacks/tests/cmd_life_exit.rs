//! When the program ends, the command ends with its status, at once, whatever the processes
//! it left behind do (hold the handshake socket, wait in a denied call, sleep, execute): they
//! are killed, so nothing runs on without its supervisor.

use std::ffi::OsStr;
use std::time::Duration;

use attacks::cmd_life::{own_copy, start};
use attacks::{compile, scratch, End, Link};

/// Far more than the command needs; a supervisor that waits for the leftovers exceeds it.
const DEADLINE: Duration = Duration::from_secs(20);

/// Under `-p proc` (no `stdio`), the child still holds the handshake socket and waits in a
/// denied write: the supervisor used to wait for the socket to close, for ever.
#[test]
fn cmd_life_a_child_in_a_denied_call_does_not_hang_the_supervisor() {
    let prog = own_copy(&compile("cmd_life_forkexit", Link::Plain), "deny");
    let mut cmd = start(
        &prog,
        &[
            OsStr::new("-q"),
            OsStr::new("-p"),
            OsStr::new("proc"),
            OsStr::new("--"),
            prog.as_os_str(),
            OsStr::new("deny"),
        ],
    );
    let ran = cmd.finish(DEADLINE);
    assert_eq!(ran.end, End::Exit(7), "{ran:#?}");
    assert_eq!(cmd.left_at_exit(), &[] as &[i32], "left running");
}

/// A child left sleeping is killed when the program ends, under any promises: it never gets
/// to write its marker (nor to find its calls answered ENOSYS by a supervisor that is gone).
#[test]
fn cmd_life_leftovers_are_killed_when_the_program_ends() {
    let prog = own_copy(&compile("cmd_life_forkexit", Link::Plain), "leftovers");
    let dir = scratch("cmd_life_leftovers");
    for (promises, mode) in [
        ("stdio proc wpath cpath", "marker"),
        ("stdio rpath proc exec prot_exec wpath cpath", "exec"),
    ] {
        let marker = dir.join(mode);
        let mut cmd = start(
            &prog,
            &[
                OsStr::new("-p"),
                OsStr::new(promises),
                OsStr::new("--"),
                prog.as_os_str(),
                OsStr::new(mode),
                marker.as_os_str(),
            ],
        );
        let ran = cmd.finish(DEADLINE);
        assert_eq!(ran.end, End::Exit(7), "{mode}: {ran:#?}");
        ran.says("pledge: killed 1 process the program left running");
        assert_eq!(cmd.left_at_exit(), &[] as &[i32], "{mode}: left running");
        std::thread::sleep(Duration::from_millis(1500));
        assert!(!marker.exists(), "{mode}: the leftover child ran on");
        drop(cmd);
    }
}

/// Learning a program that daemonises: the parent exits, the child works on. The command
/// ends and prints its suggestion.
#[test]
fn cmd_life_learning_a_daemonising_program_ends() {
    let prog = compile("cmd_life_daemonish", Link::Plain);
    let mut cmd = start(
        &prog,
        &[OsStr::new("--learn"), OsStr::new("--"), prog.as_os_str()],
    );
    let ran = cmd.finish(DEADLINE);
    assert_eq!(ran.end, End::Exit(0), "{ran:#?}");
    ran.says("pledge -p '");
    assert_eq!(cmd.left_at_exit(), &[] as &[i32], "left running");
}
