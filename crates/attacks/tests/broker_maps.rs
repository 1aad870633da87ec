//! `/proc/self/maps` names the broker in the supervisor: the broker must serve the caller's own
//! maps (`/proc/PID/maps` of the calling process), for a forked child and a thread alike, and
//! never another process's, whatever pid the program names.

use std::process::Command;
use std::time::Duration;

use attacks::bounded::run_bounded;
use attacks::{compile, pledge_command, End, Link};

#[test]
fn maps_are_always_the_callers_own() {
    let prog = compile("broker_maps", Link::Plain);
    let ran = run_bounded(
        Command::new(pledge_command())
            .args(["-p", "stdio proc", "--"])
            .arg(&prog),
        Duration::from_secs(30),
    );
    assert_eq!(ran.finished(), End::Exit(0), "{ran:#?}");
    let out = ran.out();
    // The child sees its own region and the one it inherited, not the parent's later one.
    assert!(
        out.lines()
            .any(|l| l == "child: own 1 inherited 1 parent's 0"),
        "{ran:#?}"
    );
    assert!(out.lines().any(|l| l == "thread: own 1"), "{ran:#?}");
    // Another process's maps, named by pid: refused and reported.
    assert!(
        out.lines().any(|l| l == "child: parent's by pid refused"),
        "{ran:#?}"
    );
    assert!(
        out.lines().any(|l| l == "init's by pid refused"),
        "{ran:#?}"
    );
    assert!(
        ran.err().contains("/proc/1/maps\", O_RDONLY) denied"),
        "{ran:#?}"
    );
}
