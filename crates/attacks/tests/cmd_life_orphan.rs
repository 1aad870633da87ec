//! A program never outlives its supervisor: `kill -9` of `pledge` ends the program too.

use std::ffi::OsStr;
use std::time::Duration;

use attacks::cmd_life::{alive, start};
use attacks::{compile, Link};

#[test]
fn cmd_life_the_program_dies_with_its_supervisor() {
    let prog = compile("cmd_life_orphan", Link::Plain);
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
