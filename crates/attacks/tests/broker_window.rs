//! The loader's window of a program started by exec: its loader maps system libraries
//! executable without `prot_exec`, and nothing else gets executable memory that way. A failed
//! `execve` leaves the old image, which gets no window; a program's own `dlopen` after its start
//! gets none (the window closed when glibc took over from the loader); a library outside the
//! system library directories is never mapped executable, even by the loader.

use std::process::Command;
use std::time::Duration;

use attacks::bounded::run_bounded;
use attacks::{compile, pledge_command, scratch, End, Link};

const PROMISES: &str = "stdio rpath proc exec";

#[test]
fn a_failed_exec_opens_no_window() {
    let prog = compile("broker_window", Link::Plain);
    let ran = run_bounded(
        Command::new(pledge_command())
            .args(["-p", PROMISES, "--"])
            .arg(&prog)
            .args(["after-failed-exec", "libm.so.6"]),
        Duration::from_secs(30),
    );
    assert_eq!(ran.finished(), End::Exit(0), "{ran:#?}");
    assert_eq!(ran.out(), "refused\n", "{ran:#?}");
    assert!(
        ran.err().contains("PROT_READ|PROT_EXEC")
            && ran.err().contains("needs promise \"prot_exec\""),
        "{ran:#?}"
    );
}

#[test]
fn an_executed_program_loads_but_its_own_dlopen_gets_no_window() {
    let prog = compile("broker_window", Link::Plain);
    // Run by sh: the program itself loads in its window (on a pledge without the window it
    // could not start at all), then asks for a library of its own.
    let ran = run_bounded(
        Command::new(pledge_command())
            .args(["-p", PROMISES, "--", "sh", "-c"])
            .arg(format!("{} dlopen libm.so.6; echo ran", prog.display())),
        Duration::from_secs(30),
    );
    assert_eq!(ran.finished(), End::Exit(0), "{ran:#?}");
    assert_eq!(ran.out(), "refused\nran\n", "{ran:#?}");
    assert!(
        ran.err().contains("needs promise \"prot_exec\""),
        "{ran:#?}"
    );
}

#[test]
fn a_library_outside_the_system_directories_is_never_mapped_executable() {
    // A copy of a library ls needs, planted where the loader looks first.
    let dir = scratch("broker_window_planted");
    let lib = std::fs::read_dir("/usr/lib/x86_64-linux-gnu")
        .unwrap()
        .filter_map(|e| e.ok())
        .find(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.starts_with("libpcre2-8.so.0"))
        })
        .map(|e| e.path())
        .expect("ls's libpcre2-8");
    std::fs::copy(&lib, dir.join("libpcre2-8.so.0")).unwrap();
    let ran = run_bounded(
        Command::new(pledge_command())
            .args(["-p", PROMISES, "--", "sh", "-c"])
            .arg(format!(
                "LD_LIBRARY_PATH={} ls /; echo \"ls: $?\"",
                dir.display()
            )),
        Duration::from_secs(30),
    );
    assert_eq!(ran.finished(), End::Exit(0), "{ran:#?}");
    assert!(ran.out().ends_with("ls: 127\n"), "{ran:#?}");
    assert!(
        ran.err().contains("mmap(") && ran.err().contains("needs promise \"prot_exec\""),
        "{ran:#?}"
    );
    // The same ls, with the system's copy, runs.
    let ran = run_bounded(
        Command::new(pledge_command()).args([
            "-p",
            PROMISES,
            "--",
            "sh",
            "-c",
            "ls / > /dev/null; echo \"ls: $?\"",
        ]),
        Duration::from_secs(30),
    );
    assert_eq!(ran.out(), "ls: 0\n", "{ran:#?}");
}
