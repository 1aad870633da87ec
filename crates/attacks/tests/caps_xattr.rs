//! Under `fattr`, seccomp cannot tell `setxattr("user.comment")` from
//! `setxattr("security.capability")` (file capabilities: a later execution of the file runs
//! with them), `setxattr("trusted.*")` or another `security.*` name: the name is a string in
//! memory. As root, those need CAP_SETFCAP and CAP_SYS_ADMIN, which no promise keeps
//! (policy/caps.rs): the attack gets EPERM, and the file is checked from outside.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use attacks::caps::{compile_static, root, xattr};
use attacks::{compile, pledge_command, run, run_command, scratch, Link, Ran};

/// A fresh executable file to decorate.
fn victim(name: &str) -> PathBuf {
    let file = scratch(name).join("victim");
    std::fs::write(&file, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
    file
}

/// The victim got no capability and no trusted attribute, while `fattr` itself worked.
#[track_caller]
fn check(file: &Path, ran: &Ran, how: &str) {
    ran.exited(0);
    assert_eq!(
        xattr(file, "security.capability"),
        None,
        "{how}: the file got capabilities: {ran:#?}"
    );
    assert_eq!(
        xattr(file, "trusted.x"),
        None,
        "{how}: the file got a trusted attribute: {ran:#?}"
    );
    assert_eq!(
        xattr(file, "security.x"),
        None,
        "{how}: the file got a security attribute: {ran:#?}"
    );
    // The control: user.* attributes are what `fattr` is for.
    ran.line("user.control: ok");
    assert!(xattr(file, "user.control").is_some(), "{how}: {ran:#?}");
    if root() {
        ran.line("security.capability: EPERM")
            .line("trusted.x: EPERM")
            .line("security.x: EPERM");
    }
}

#[test]
fn fattr_cannot_give_a_file_capabilities_or_trusted_attributes() {
    let prog = compile("caps_xattr", Link::Libpledge);
    let every_promise = scopes::Promises::all().to_string();
    for (i, promises) in ["stdio rpath wpath fattr", every_promise.as_str()]
        .iter()
        .enumerate()
    {
        let file = victim(&format!("caps-xattr-library-{i}"));
        let ran = run(&prog, &[promises, file.to_str().unwrap()]);
        check(&file, &ran, promises);
    }
}

#[test]
fn fattr_under_the_command_cannot_either() {
    let dynamic = compile("caps_xattr", Link::Libpledge);
    let file = victim("caps-xattr-command");
    let ran = run_command(
        std::process::Command::new(pledge_command())
            .args(["-p", "stdio rpath wpath fattr", "--"])
            .arg(&dynamic)
            .args(["-", file.to_str().unwrap()]),
    );
    check(&file, &ran, "pledge command, dynamic program");

    let fixed = compile_static("caps_xattr");
    let file = victim("caps-xattr-command-static");
    let ran = run_command(
        std::process::Command::new(pledge_command())
            .args(["-p", "stdio rpath wpath fattr", "--"])
            .arg(&fixed)
            .args(["-", file.to_str().unwrap()]),
    );
    check(&file, &ran, "pledge command, static program");
}
