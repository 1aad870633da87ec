//! `-k` kills everything the program started, however it started it: siblings made with
//! clone(CLONE_PARENT), daemons that double-fork into a new session, trees still growing
//! while they are killed.

use std::ffi::OsStr;
use std::time::Duration;

use attacks::cmd_life::{alive, start};
use attacks::{compile, scratch, End, Link};

const DEADLINE: Duration = Duration::from_secs(20);

/// Runs PROG MARKER under `-k -p 'stdio proc wpath cpath'`; the program prints `LABEL PID` of
/// the process that writes MARKER a second later, then violates its promises.
fn killed_with_marker(name: &str, label: &str) {
    let prog = compile(name, Link::Plain);
    let dir = scratch(name);
    let marker = dir.join("marker");
    let mut cmd = start(
        &prog,
        &[
            OsStr::new("-k"),
            OsStr::new("-p"),
            OsStr::new("stdio proc wpath cpath"),
            OsStr::new("--"),
            prog.as_os_str(),
            marker.as_os_str(),
        ],
    );
    let ran = cmd.finish(DEADLINE);
    assert_eq!(ran.end, End::Exit(159), "{ran:#?}");
    ran.says("denied: needs promise \"rpath\"; killing the program (-k)");
    let pid: i32 = ran
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix(label)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {label} line: {ran:#?}"));
    // Gone when the command returns, not merely later.
    assert_eq!(
        cmd.left_at_exit(),
        &[] as &[i32],
        "{label} {pid} outlived -k"
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert!(!alive(pid), "{label} {pid} outlived -k");
    assert!(!marker.exists(), "{label} {pid} wrote its marker after -k");
    drop(cmd);
}

#[test]
fn cmd_life_kill_reaches_a_clone_parent_sibling() {
    killed_with_marker("cmd_life_cloneparent", "sibling");
}

#[test]
fn cmd_life_kill_reaches_a_double_forked_daemon() {
    killed_with_marker("cmd_life_doublefork", "grandchild");
}

#[test]
fn cmd_life_kill_ends_a_tree_that_grows_while_it_is_killed() {
    let prog = compile("cmd_life_storm", Link::Plain);
    for _ in 0..3 {
        let mut cmd = start(
            &prog,
            &[
                OsStr::new("-k"),
                OsStr::new("-p"),
                OsStr::new("stdio proc"),
                OsStr::new("--"),
                prog.as_os_str(),
            ],
        );
        let ran = cmd.finish(DEADLINE);
        assert_eq!(ran.end, End::Exit(159), "{ran:#?}");
        assert!(!ran.stdout.contains("not killed"), "{ran:#?}");
        assert_eq!(cmd.left_at_exit(), &[] as &[i32], "left running after -k");
        assert_eq!(cmd.left_now(), &[] as &[i32], "left running after -k");
    }
}
