//! What a pledge leaves a root process: nothing under `stdio` (CapEff 0), and under each
//! promise exactly the capabilities it needs, so that root keeps doing what the promise is
//! for (reading a mode-000 file under `rpath`, writing it under `wpath`), in the library and
//! under the command.

use std::os::unix::fs::PermissionsExt as _;
use std::path::PathBuf;
use std::process::Command;

use attacks::caps::{compile_static, kept, mask, root};
use attacks::{compile, pledge_command, run, run_command, scratch, Link};

/// A mode-000 file: only capabilities let root read or write it.
fn locked(name: &str) -> PathBuf {
    let file = scratch(name).join("locked");
    std::fs::write(&file, "only by capability\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
    file
}

#[test]
fn root_keeps_reading_and_writing_what_its_promises_allow() {
    if !root() {
        eprintln!("skipped: needs root, whose capabilities a pledge must hold back");
        return;
    }
    let prog = compile("caps_read", Link::Libpledge);
    let file = locked("caps-read-library");
    let path = file.to_str().unwrap();
    run(&prog, &["stdio rpath", path, "read"])
        .exited(0)
        .line("read: only by capability");
    run(&prog, &["stdio rpath wpath", path, "write"])
        .exited(0)
        .line("wrote");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "only by capability\nappended\n"
    );
    // Under the command: a dynamic program (through the preload) and a static one.
    let file = locked("caps-read-command");
    let ran = run_command(
        Command::new(pledge_command())
            .args(["-p", "stdio rpath", "--", "/bin/cat"])
            .arg(&file),
    );
    ran.exited(0).line("only by capability");
    let fixed = compile_static("caps_read");
    run_command(
        Command::new(pledge_command())
            .args(["-p", "stdio rpath wpath", "--"])
            .arg(&fixed)
            .args(["-", file.to_str().unwrap(), "write"]),
    )
    .exited(0)
    .line("read: only by capability")
    .line("wrote");
}

#[test]
fn root_under_stdio_holds_no_capability() {
    let prog = compile("caps_status", Link::Libpledge);
    let ran = run(&prog, &["stdio"]);
    ran.exited(0);
    assert_eq!(mask(&ran.stdout, "CapEff:"), 0, "{ran:#?}");
    assert_eq!(mask(&ran.stdout, "CapPrm:"), 0, "{ran:#?}");
    assert_eq!(mask(&ran.stdout, "CapInh:"), 0, "{ran:#?}");
    assert_eq!(mask(&ran.stdout, "CapAmb:"), 0, "{ran:#?}");
    for promises in ["stdio rpath", "stdio rpath wpath cpath fattr inet proc id"] {
        let ran = run(&prog, &[promises]);
        ran.exited(0);
        assert_eq!(
            mask(&ran.stdout, "CapEff:"),
            kept(promises),
            "{promises}: {ran:#?}"
        );
        assert_eq!(
            mask(&ran.stdout, "CapPrm:"),
            kept(promises),
            "{promises}: {ran:#?}"
        );
    }
}

#[test]
fn programs_under_the_command_hold_only_what_their_promises_need() {
    let dynamic = compile("caps_status", Link::Libpledge);
    let fixed = compile_static("caps_status");
    for promises in ["stdio rpath", "stdio rpath inet fattr"] {
        for prog in [&dynamic, &fixed] {
            let ran = run_command(
                Command::new(pledge_command())
                    .args(["-p", promises, "--"])
                    .arg(prog)
                    .arg("-"),
            );
            ran.exited(0);
            assert_eq!(
                mask(&ran.stdout, "CapEff:"),
                kept(promises),
                "{promises}: {ran:#?}"
            );
            assert_eq!(
                mask(&ran.stdout, "CapPrm:"),
                kept(promises),
                "{promises}: {ran:#?}"
            );
            assert_eq!(mask(&ran.stdout, "CapInh:"), 0, "{promises}: {ran:#?}");
        }
    }
}
