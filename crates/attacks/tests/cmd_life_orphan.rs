//! A program never outlives its supervisor: `kill -9` of `pledge` ends the program too.

use std::ffi::OsStr;
use std::time::Duration;

use attacks::cmd_life::{alive, own_copy, start};
use attacks::{compile, Link};

#[test]
fn cmd_life_the_program_dies_with_its_supervisor() {
    let prog = own_copy(&compile("cmd_life_orphan", Link::Plain), "orphan");
    for promises in ["stdio", "stdio proc", "stdio rpath proc exec prot_exec"] {
        let cmd = start(
            &prog,
            &[
                OsStr::new("-p"),
                OsStr::new(promises),
                OsStr::new("--"),
                prog.as_os_str(),
            ],
        );
        let pid: i32 = cmd
            .line("pid ", Duration::from_secs(20))
            .expect("the program started")
            .parse()
            .unwrap();
        cmd.signal(libc::SIGKILL);
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while alive(pid) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let survived = alive(pid);
        drop(cmd);
        assert!(
            !survived,
            "{promises}: the program {pid} outlived its supervisor"
        );
    }
}

/// What Linux cannot do: end the processes the program started when the supervisor is killed
/// with SIGKILL. They run on, under their filters, with no listener: every call that goes to
/// the supervisor fails with ENOSYS, a denied one as an `execve` the promises allow (`exec`).
/// Nothing is allowed that was denied.
#[test]
fn cmd_life_a_child_left_by_a_killed_supervisor_gains_nothing() {
    let prog = own_copy(&compile("cmd_life_survivor", Link::Plain), "survivor");
    let cmd = start(
        &prog,
        &[
            OsStr::new("-p"),
            OsStr::new("stdio proc exec"),
            OsStr::new("--"),
            prog.as_os_str(),
        ],
    );
    let deadline = Duration::from_secs(20);
    let pid: i32 = cmd
        .line("pid ", deadline)
        .expect("started")
        .parse()
        .unwrap();
    cmd.line("child ", deadline).expect("forked");
    cmd.signal(libc::SIGKILL);
    let open = cmd.line("open: ", deadline);
    let exec = cmd.line("exec: ", deadline);
    let program_survived = alive(pid);
    let out = cmd.stdout();
    drop(cmd);
    assert!(!program_survived, "the program outlived its supervisor");
    assert_eq!(open.as_deref(), Some("-1 38"), "open: {out}");
    assert_eq!(exec.as_deref(), Some("-1 38"), "execve: {out}");
}
