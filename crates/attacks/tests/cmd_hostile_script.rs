//! The command hands an interpreter its `#!` script itself (the interpreter's promises may not
//! let it open files). A hostile interpreter replaces the script's path before opening it: the
//! command must hand over only the file it checked at launch, never what the path names by
//! then, and never block on it.

use attacks::bounded as cmd_hostile;

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use attacks::{compile, pledge_command, scratch, End, Link};
use cmd_hostile::run_bounded;

const SECRET: &str = "cmd-hostile-script-secret-7f3a";

/// Writes `dir/job`, a script run by the hostile interpreter in `mode`.
fn script(dir: &Path, mode: &str) -> PathBuf {
    let interp = compile("cmd_hostile_swap", Link::Plain);
    let job = dir.join("job");
    std::fs::write(
        &job,
        format!("#!{} {mode}\nthe script's own text\n", interp.display()),
    )
    .unwrap();
    std::fs::set_permissions(&job, std::fs::Permissions::from_mode(0o755)).unwrap();
    job
}

#[test]
fn a_script_swapped_for_a_symlink_hands_over_the_script_not_the_target() {
    let secrets = scratch("cmd_hostile_script_secret");
    let secret = secrets.join("secret");
    std::fs::write(&secret, SECRET).unwrap();
    let dir = scratch("cmd_hostile_script_symlink");
    let job = script(&dir, &format!("symlink:{}", secret.display()));
    let ran = run_bounded(
        Command::new(pledge_command())
            .args(["-p", "stdio cpath", "-v"])
            .arg(format!("rwc:{}", dir.display()))
            .arg("--")
            .arg(&job),
        Duration::from_secs(30),
    );
    let end = ran.finished();
    let out = ran.out();
    assert!(
        !out.contains(SECRET),
        "the interpreter read the secret: {ran:#?}"
    );
    // The swap happened and the interpreter's own open of the secret was refused...
    assert!(
        out.contains("direct open of the secret: Operation not permitted"),
        "{ran:#?}"
    );
    // ...and the hand-over still gives it its script.
    assert!(out.contains("the script's own text"), "{ran:#?}");
    assert_eq!(end, End::Exit(0), "{ran:#?}");
}

#[test]
fn a_script_swapped_for_a_fifo_does_not_hang_the_supervisor() {
    let dir = scratch("cmd_hostile_script_fifo");
    let job = script(&dir, "fifo");
    let ran = run_bounded(
        Command::new(pledge_command())
            .args(["-p", "stdio cpath dpath", "-v"])
            .arg(format!("rwc:{}", dir.display()))
            .arg("--")
            .arg(&job),
        Duration::from_secs(20),
    );
    let end = ran.finished();
    assert!(ran.out().contains("the script's own text"), "{ran:#?}");
    assert_eq!(end, End::Exit(0), "{ran:#?}");
}

#[test]
fn an_interpreter_out_of_descriptors_gets_emfile_and_supervision_goes_on() {
    let interp = compile("cmd_hostile_reopen", Link::Plain);
    let dir = scratch("cmd_hostile_script_reopen");
    let job = dir.join("job");
    std::fs::write(&job, format!("#!{}\nthe script\n", interp.display())).unwrap();
    std::fs::set_permissions(&job, std::fs::Permissions::from_mode(0o755)).unwrap();
    let ran = run_bounded(
        Command::new(pledge_command())
            .args(["--nofile", "16", "-p", "stdio", "--"])
            .arg(&job),
        Duration::from_secs(30),
    );
    assert_eq!(ran.finished(), End::Exit(0), "{ran:#?}");
    assert!(
        ran.out().contains(", then: Too many open files\n"),
        "{ran:#?}"
    );
    assert!(ran.out().contains("still running"), "{ran:#?}");
    assert_eq!(ran.err(), "", "{ran:#?}");
}
