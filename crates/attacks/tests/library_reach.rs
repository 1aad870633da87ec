//! Beyond the reported escapes: for single promises, what a process holding only them might
//! try against its parent, its process group and files outside its reach.

// An attack: hostile code calls libc directly on purpose.
#![allow(unsafe_code)]

use std::io::ErrorKind;

use attacks::{compile, run, run_forked, scratch, Link};

/// Under `stdio`, `kill(0, sig)` (OpenBSD allows it: the own process group) reaches only the
/// sandbox: the parent in the same process group lives on.
#[test]
fn kill_of_the_process_group_spares_the_parent() {
    run_forked(|| {
        // A process group of our own, so a failure kills nothing of the test harness.
        // SAFETY: setpgid with integer arguments.
        unsafe { libc::setpgid(0, 0) };
        // SAFETY: fork with no lock held; the grandchild only pledges, signals and leaves.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            // The attacker survives its own signal; its parent would not.
            // SAFETY: SIG_IGN is a valid disposition for SIGUSR1.
            unsafe { libc::signal(libc::SIGUSR1, libc::SIG_IGN) };
            if scopes::pledge(Some("stdio"), None).is_err() {
                // SAFETY: leaving the forked child without running the harness's code.
                unsafe { libc::_exit(3) };
            }
            // SAFETY: signalling our own process group, then leaving the forked child.
            unsafe {
                libc::kill(0, libc::SIGUSR1);
                libc::_exit(0);
            }
        }
        let mut status = 0;
        // SAFETY: waiting for our own child.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        // Still here: SIGUSR1's default action would have ended this process.
        if libc::WIFEXITED(status) {
            0
        } else {
            4
        }
    })
    .ok();
}

/// Reading a wider parent's memory through /proc needs ptrace access, which Landlock's scoping
/// refuses from a narrower domain, even under `rpath` or `ps`. (Files that need only read
/// access, such as `environ`, are not covered: docs/threat-model.md.)
#[test]
fn proc_reads_of_a_wider_parent_are_refused() {
    for set in ["stdio rpath", "stdio ps", "stdio rpath ps vminfo"] {
        run_forked(move || {
            // SAFETY: getppid has no preconditions.
            let parent = unsafe { libc::getppid() };
            scopes::pledge(Some(set), None).unwrap();
            let path = format!("/proc/{parent}/mem");
            match std::fs::File::open(&path) {
                Err(e) if e.kind() == ErrorKind::PermissionDenied => {}
                other => panic!("{set}: {path}: {other:?}"),
            }
            // Its own stay readable.
            std::fs::read("/proc/self/environ").unwrap();
            std::fs::File::open("/proc/self/mem").unwrap();
            0
        })
        .ok();
    }
}

/// A symbolic link in /tmp does not take `tmppath` outside /tmp: Landlock checks the file it
/// names, not the link.
#[test]
fn tmppath_does_not_follow_links_out_of_tmp() {
    let dir = scratch("tmp-link");
    let secret = dir.join("secret");
    std::fs::write(&secret, "the secret\n").unwrap();
    let link = format!("/tmp/seccomp-scopes-link-{}", std::process::id());
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&secret, &link).unwrap();
    let prog = compile("library_paths", Link::Libpledge);
    for set in ["stdio tmppath", "stdio tmppath exec", "stdio tmppath unix"] {
        let ran = run(&prog, &["read", set, &link]);
        ran.exited(0).line("read: Permission denied");
        assert!(!ran.stdout.contains("the secret"), "{ran:#?}");
    }
    std::fs::remove_file(&link).unwrap();
}

/// `exec` with a path-limited promise reads programs and libraries, not other files.
#[test]
fn exec_does_not_widen_a_path_limited_promise() {
    let dir = scratch("exec-reads");
    let secret = dir.join("secret");
    std::fs::write(&secret, "the secret\n").unwrap();
    let prog = compile("library_paths", Link::Libpledge);
    for set in ["stdio tmppath exec", "stdio getpw exec", "stdio dns exec"] {
        let ran = run(&prog, &["read", set, secret.to_str().unwrap()]);
        ran.exited(0).line("read: Permission denied");
        run(&prog, &["read", set, "/usr/lib/os-release"]).line("read: ok");
    }
}

/// As root, `rpath` reads /proc, but not the environment of a process holding capabilities the
/// pledged process dropped (pid 1 here): ptrace read access needs them, or CAP_SYS_PTRACE,
/// which no promise keeps.
#[test]
fn root_under_rpath_cannot_read_a_more_privileged_processs_environment() {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("")
            .to_string()
    };
    let init = std::fs::read_to_string("/proc/1/status").unwrap_or_default();
    if field("Uid:") != "0" || !init.contains("CapPrm:\t000001ff") {
        eprintln!("skipped: needs root and a pid 1 holding every capability");
        return;
    }
    run_forked(|| {
        scopes::pledge(Some("stdio rpath"), None).unwrap();
        match std::fs::read("/proc/1/environ") {
            Err(e) if e.kind() == ErrorKind::PermissionDenied => 0,
            other => panic!("/proc/1/environ: {other:?}"),
        }
    })
    .ok();
}
