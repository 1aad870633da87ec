//! The raw BPF export, loaded by a real consumer: `bwrap --seccomp FD` runs real programs
//! (cat, gzip, sh, python3) under it, and they are allowed or killed as the promises say.
//!
//! Needs the Debian packages bubblewrap, gzip and python3.

mod export_support;

use std::os::unix::process::ExitStatusExt as _;
use std::process::{Command, Output, Stdio};

use export_support::{run, Scratch};
use scopes::{export, Arch};

/// Runs `program` in bwrap (the host's root read-only, a fresh /dev and /proc, and /tmp of
/// `dir` writable) with the exported filter for `promises`, passed as bwrap's standard input
/// (`--seccomp 0`).
fn bwrap(dir: &Scratch, promises: &str, program: &[&str]) -> Output {
    let filter = dir.path("filter.bpf");
    std::fs::write(
        &filter,
        export::bpf(promises.parse().unwrap(), Arch::native()).output,
    )
    .unwrap();
    let mut cmd = Command::new("bwrap");
    cmd.args([
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--bind",
    ])
    .arg(&dir.0)
    .arg(&dir.0)
    .args(["--seccomp", "0", "--"])
    .args(program)
    .stdin(std::fs::File::open(&filter).unwrap())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    run(&mut cmd, "bubblewrap")
}

/// bwrap reports a child killed by signal N as exit status 128 + N.
fn killed_by_sigsys(out: &Output) -> bool {
    out.status.code() == Some(128 + libc::SIGSYS) || out.status.signal() == Some(libc::SIGSYS)
}

const RUN_PROGRAMS: &str = "stdio rpath exec prot_exec";

#[test]
fn bwrap_runs_programs_the_promises_allow() {
    let dir = Scratch::new("bwrap-ok");
    let out = bwrap(&dir, RUN_PROGRAMS, &["cat", "/etc/hostname"]);
    assert!(out.status.success(), "cat: {out:?}");
    assert_eq!(out.stdout, std::fs::read("/etc/hostname").unwrap());

    let out = bwrap(&dir, RUN_PROGRAMS, &["gzip", "-c", "/etc/hostname"]);
    assert!(out.status.success(), "gzip: {out:?}");
    assert_eq!(&out.stdout[..2], &[0x1f, 0x8b], "gzip output");

    let code = "import socket; socket.socket(); print('socket made')";
    let out = bwrap(
        &dir,
        &format!("{RUN_PROGRAMS} inet"),
        &["/usr/bin/python3", "-c", code],
    );
    assert!(out.status.success(), "python3 with inet: {out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "socket made\n");
}

#[test]
fn bwrap_kills_what_the_promises_refuse() {
    let dir = Scratch::new("bwrap-kill");
    let code = "print('before', flush=True); import socket; socket.socket(); print('after')";
    let out = bwrap(&dir, RUN_PROGRAMS, &["/usr/bin/python3", "-c", code]);
    assert!(
        killed_by_sigsys(&out),
        "socket without inet must kill python3: {out:?}"
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "before\n");

    let target = dir.path("written");
    let script = format!("echo hi > {}", target.display());
    let out = bwrap(&dir, RUN_PROGRAMS, &["/bin/sh", "-c", &script]);
    assert!(
        killed_by_sigsys(&out),
        "writing without wpath/cpath must kill sh: {out:?}"
    );
    assert!(!target.exists());

    let out = bwrap(
        &dir,
        &format!("{RUN_PROGRAMS} wpath cpath"),
        &["/bin/sh", "-c", &script],
    );
    assert!(out.status.success(), "with wpath cpath: {out:?}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "hi\n");
}

#[test]
fn bwrap_error_promise_answers_enosys() {
    let dir = Scratch::new("bwrap-error");
    let code = "import socket\ntry:\n    socket.socket()\nexcept OSError as e:\n    print(e.errno)";
    let out = bwrap(
        &dir,
        &format!("{RUN_PROGRAMS} error"),
        &["/usr/bin/python3", "-c", code],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        libc::ENOSYS.to_string()
    );
}

#[test]
fn export_refuses_several_architectures_for_bpf() {
    let err = export::export(export::Format::Bpf, "stdio".parse().unwrap(), Arch::ALL).unwrap_err();
    assert!(err.to_string().contains("one architecture"), "{err}");
    for arch in Arch::ALL {
        let one = export::export(export::Format::Bpf, "stdio".parse().unwrap(), &[*arch]).unwrap();
        assert_eq!(
            one.output,
            export::bpf("stdio".parse().unwrap(), *arch).output
        );
    }
}
