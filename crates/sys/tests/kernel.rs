//! The wrappers against the running kernel. Whatever narrows a process (a filter, a Landlock
//! layer) runs in a forked child, so the test harness stays as it was.

use std::ffi::CString;
use std::io::ErrorKind;
use std::os::fd::AsRawFd as _;

use scopes_sys::process::{self, Ended, Forked};
use scopes_sys::seccomp::{self, sock_filter, Installed};

/// Runs `child` in a forked process and returns how it ended (its return value is the exit
/// code; a panic exits with 101).
fn in_child(child: impl FnOnce() -> i32) -> Ended {
    match process::fork().expect("fork") {
        Forked::Child => {
            let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(child)).unwrap_or(101);
            process::exit_now(code)
        }
        Forked::Parent(pid) => process::wait(pid, true)
            .expect("waitpid")
            .expect("a status"),
    }
}

const LD_W_ABS: u16 = 0x20;
const JEQ_K: u16 = 0x15;
const RET_K: u16 = 0x06;

fn insn(code: u16, jt: u8, jf: u8, k: u32) -> sock_filter {
    sock_filter { code, jt, jf, k }
}

/// A filter that answers `nr` with `action` and allows everything else.
fn answer(nr: libc::c_long, action: u32) -> Vec<sock_filter> {
    vec![
        insn(LD_W_ABS, 0, 0, 0),
        insn(JEQ_K, 0, 1, nr as u32),
        insn(RET_K, 0, 0, action),
        insn(RET_K, 0, 0, libc::SECCOMP_RET_ALLOW),
    ]
}

#[test]
fn a_filter_refuses_what_it_says() {
    let end = in_child(|| {
        scopes_sys::set_no_new_privs().unwrap();
        let prog = answer(
            libc::SYS_getppid,
            libc::SECCOMP_RET_ERRNO | libc::EPERM as u32,
        );
        assert!(matches!(
            seccomp::install_filter(&prog, 0).unwrap(),
            Installed::Done
        ));
        assert!(scopes_sys::filtered());
        let r = scopes_sys::measure::op::getppid();
        i32::from(r)
    });
    assert_eq!(end, Ended::Exited(0), "getppid still answered");
}

#[test]
fn a_program_too_long_for_the_kernel_is_refused_before_asking() {
    let prog = vec![insn(RET_K, 0, 0, libc::SECCOMP_RET_ALLOW); 1 << 16];
    let err = seccomp::install_filter(&prog, 0).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EINVAL));
    assert!(!scopes_sys::filtered());
}

#[test]
fn the_kernel_knows_the_actions_it_has() {
    assert!(seccomp::action_available(libc::SECCOMP_RET_ALLOW));
    assert!(seccomp::action_available(libc::SECCOMP_RET_KILL_PROCESS));
    assert!(!seccomp::action_available(0x1234_0000));
}

#[test]
fn a_listener_answers_for_the_kernel() {
    scopes_sys::notif::check_sizes().unwrap();
    let end = in_child(|| {
        scopes_sys::set_no_new_privs().unwrap();
        let prog = answer(libc::SYS_getppid, libc::SECCOMP_RET_USER_NOTIF);
        // Without TSYNC only this thread is filtered: another one answers.
        let Installed::Listener(listener) =
            seccomp::install_filter(&prog, seccomp::SECCOMP_FILTER_FLAG_NEW_LISTENER).unwrap()
        else {
            return 2;
        };
        let supervisor = std::thread::spawn(move || {
            let n = scopes_sys::notif::recv(std::os::fd::AsFd::as_fd(&listener)).unwrap();
            assert_eq!(libc::c_long::from(n.data.nr), libc::SYS_getppid);
            assert!(scopes_sys::notif::id_valid(
                std::os::fd::AsFd::as_fd(&listener),
                n.id
            ));
            scopes_sys::notif::succeed(std::os::fd::AsFd::as_fd(&listener), n.id, 4242).unwrap();
        });
        // The thread was started after the filter, so it inherits it too; it makes no getppid.
        let ppid = std::os::unix::process::parent_id();
        supervisor.join().unwrap();
        i32::from(ppid != 4242)
    });
    assert_eq!(end, Ended::Exited(0));
}

#[test]
fn a_landlock_layer_skips_missing_paths_only_when_told() {
    if scopes_sys::landlock_abi().is_err() {
        return; // no Landlock in this kernel
    }
    use scopes_sys::landlock::{Handled, Prepared, Target, ACCESS_FS_READ_FILE};
    let handled = Handled {
        fs: ACCESS_FS_READ_FILE,
        ..Handled::default()
    };
    let missing = || CString::new("/nonexistent/scopes-sys-test").unwrap();
    let skipping = Prepared::new(
        handled,
        vec![(
            Target::Path {
                path: missing(),
                missing_ok: true,
            },
            ACCESS_FS_READ_FILE,
        )],
        Vec::new(),
        false,
    );
    let end = in_child(move || {
        scopes_sys::set_no_new_privs().unwrap();
        skipping.apply().unwrap();
        // Reading is handled and no rule grants it anywhere.
        match std::fs::read("/etc/passwd") {
            Err(e) if e.kind() == ErrorKind::PermissionDenied => 0,
            _ => 1,
        }
    });
    assert_eq!(end, Ended::Exited(0));

    let failing = Prepared::new(
        handled,
        vec![(
            Target::Path {
                path: missing(),
                missing_ok: false,
            },
            ACCESS_FS_READ_FILE,
        )],
        Vec::new(),
        false,
    );
    let failure = failing.create().unwrap_err();
    assert_eq!((failure.errno, failure.rule), (libc::ENOENT, Some(0)));
}

#[test]
fn bytes_go_through_a_pipe_whole() {
    let (r, w) = process::pipe().unwrap();
    process::write_all(w.as_raw_fd(), b"twelve bytes").unwrap();
    drop(w);
    let mut buf = [0u8; 12];
    process::read_exact(r.as_raw_fd(), &mut buf).unwrap();
    assert_eq!(&buf, b"twelve bytes");
    let err = process::read_exact(r.as_raw_fd(), &mut buf).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
}

#[test]
fn a_child_ends_as_it_said() {
    assert_eq!(in_child(|| 7), Ended::Exited(7));
    assert_eq!(Ended::Exited(7).code(), 7);
    let end = in_child(|| {
        let _ = process::kill(process::getpid(), libc::SIGTERM);
        0
    });
    assert_eq!(end, Ended::Signaled(libc::SIGTERM));
    assert_eq!(end.code(), 128 + libc::SIGTERM);
}

#[test]
fn a_capability_drop_with_nothing_to_drop_does_nothing() {
    use scopes_sys::caps::{self, CapDrop};
    let sets = caps::get().unwrap();
    let keep_all = CapDrop::new(sets, sets.any());
    assert!(!keep_all.drops_something());
    keep_all.apply().unwrap();
    assert_eq!(caps::get().unwrap(), sets);
    if sets.any() != 0 {
        assert!(CapDrop::new(sets, 0).drops_something());
    }
}

#[test]
fn a_capability_drop_leaves_only_what_it_keeps() {
    use scopes_sys::caps::{self, CapDrop};
    let sets = caps::get().unwrap();
    if sets.permitted == 0 {
        return; // nothing to drop as an ordinary user
    }
    let keep = 1 << 21; // CAP_SYS_ADMIN
    let end = in_child(move || {
        CapDrop::new(sets, keep).apply().unwrap();
        let now = caps::get().unwrap();
        i32::from(now != sets.within(keep))
    });
    assert_eq!(end, Ended::Exited(0));
}

#[test]
fn narrowing_before_exec_binds_the_filter_to_the_started_program() {
    use scopes_sys::exec::{narrow_before_exec, Narrowing};
    // kill(own pid, 0) fails with EPERM once slot 3 holds the program's pid.
    let filter = vec![
        insn(LD_W_ABS, 0, 0, 0),
        insn(JEQ_K, 0, 3, libc::SYS_kill as u32),
        insn(LD_W_ABS, 0, 0, 16), // args[0], low half
        insn(JEQ_K, 0, 1, 0),
        insn(RET_K, 0, 0, libc::SECCOMP_RET_ERRNO | libc::EPERM as u32),
        insn(RET_K, 0, 0, libc::SECCOMP_RET_ALLOW),
    ];
    let run = |pid_slots: Vec<usize>| {
        let mut cmd = std::process::Command::new("/bin/sh");
        cmd.args([
            "-c",
            "kill -0 $$ 2>/dev/null && echo allowed || echo refused",
        ]);
        narrow_before_exec(
            &mut cmd,
            Narrowing {
                refuse: None,
                landlock: None,
                caps: scopes_sys::caps::CapDrop::nothing(),
                program: None,
                filter: filter.clone(),
                pid_slots,
            },
        );
        let out = cmd.output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(run(vec![3]), "refused\n");
    assert_eq!(run(Vec::new()), "allowed\n");
}

#[test]
fn narrowing_that_could_not_be_prepared_fails_the_spawn() {
    use scopes_sys::exec::{narrow_before_exec, Narrowing};
    let mut cmd = std::process::Command::new("/bin/true");
    narrow_before_exec(
        &mut cmd,
        Narrowing {
            refuse: Some(libc::ENOTRECOVERABLE),
            landlock: None,
            caps: scopes_sys::caps::CapDrop::nothing(),
            program: None,
            filter: answer(libc::SYS_getppid, libc::SECCOMP_RET_ALLOW),
            pid_slots: Vec::new(),
        },
    );
    let err = cmd.status().unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::ENOTRECOVERABLE));
}

#[test]
fn a_report_line_is_cut_at_its_buffer() {
    use std::fmt::Write as _;
    let mut line = scopes_sys::sigsys::Line::new();
    for _ in 0..100 {
        write!(line, "0123456789").unwrap();
    }
    assert_eq!(line.as_bytes().len(), 512);
    assert!(line.as_bytes().starts_with(b"0123456789"));
}
