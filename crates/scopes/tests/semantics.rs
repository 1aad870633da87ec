//! OpenBSD's rules, adapted: promises only shrink, NULL and "", the penalty and its report,
//! the `error` promise, threads, the SIGSYS handler, no_new_privs, execpromises, and errors
//! that leave the process as it was.

// The test calls libc directly, as the programs it stands for would, to see what the
// kernel allows and refuses.
#![allow(unsafe_code)]

mod common;
use common::*;
use scopes::{Error, Penalty, Pledge, Promises};

fn status_field(name: &str) -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    field(&status, name)
}

/// A field of /proc/self/status read through a descriptor opened before pledge.
fn status_field_from(file: &std::fs::File, name: &str) -> String {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0u8; 8192];
    let n = file.read_at(&mut buf, 0).unwrap();
    field(&String::from_utf8_lossy(&buf[..n]), name)
}

fn field(status: &str, name: &str) -> String {
    status
        .lines()
        .find(|l| l.starts_with(name))
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string()
}

#[test]
fn promises_only_shrink() {
    run(|| {
        pledge("stdio rpath inet");
        assert_eq!(
            scopes::current_promises().unwrap().to_string(),
            "stdio rpath inet"
        );
        scopes::pledge(Some("stdio rpath inet"), None).unwrap(); // same set: fine
        scopes::pledge(Some("stdio rpath"), None).unwrap(); // smaller: fine
        let err = scopes::pledge(Some("stdio rpath inet"), None).unwrap_err();
        assert_eq!(err.errno(), libc::EPERM);
        assert!(err.to_string().contains("inet"), "{err}");
        assert!(matches!(err, Error::Increase { .. }));
        // Still allowed to read, still not allowed to network.
        assert!(std::fs::read("/etc/hostname").is_ok());
        scopes::pledge(None, None).unwrap(); // NULL, NULL: no change
        scopes::pledge(Some("stdio"), None).unwrap();
        let _ = std::fs::read("/etc/hostname");
        0
    })
    .killed()
    .says("needs promise \"rpath\"");
}

#[test]
fn the_new_filter_is_enforced_after_narrowing() {
    run(|| {
        pledge("stdio inet");
        pledge("stdio");
        let _ = std::net::UdpSocket::bind("127.0.0.1:0");
        0
    })
    .killed()
    .says("needs promise \"inet\"");
}

#[test]
fn empty_promises_allow_only_exit_and_clocks() {
    run(|| {
        pledge("");
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        assert_eq!(
            sys(
                libc::SYS_clock_gettime,
                &[
                    libc::CLOCK_MONOTONIC as u64,
                    &mut ts as *mut libc::timespec as u64
                ]
            ),
            0
        );
        scopes::pledge(Some(""), None).unwrap(); // the same set: allowed, a no-op
                                                 // SAFETY: leaving the child with the exit system call, which is always allowed.
        unsafe { libc::_exit(7) }
    })
    .end
    .eq(&End::Exit(7))
    .then_some(())
    .expect("pledge(\"\") must still exit");
    // The ids of oneself are allowed always: a refused getpid() would be -1 under an errno
    // penalty, and kill(-1, sig) is not a signal to oneself.
    run(|| {
        pledge("");
        assert_eq!(sys(libc::SYS_getpid, &[]), std::process::id() as i64);
        assert!(sys(libc::SYS_getuid, &[]) >= 0);
        // SAFETY: leaving the child with the exit system call, which is always allowed.
        unsafe { libc::_exit(0) }
    })
    .ok();
    // Other calls kill, without a report: the report is a write, and "" allows none.
    let child = run(|| {
        pledge("");
        sys(libc::SYS_getrandom, &[0, 0, 0]);
        0
    });
    child.killed();
    assert_eq!(child.stderr, "", "a report under \"\"");
}

#[test]
fn reports_name_the_call_and_the_promise_and_the_process_dies_whole() {
    let child = run(|| {
        // Capabilities are per thread: pledge refuses to drop them with threads about.
        common::without_capabilities();
        // A thread started before pledge is confined too, and its violation kills everyone.
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let t = std::thread::spawn(move || {
            rx.recv().unwrap();
            let _ = std::net::TcpStream::connect("127.0.0.1:9");
            std::thread::sleep(std::time::Duration::from_secs(5));
        });
        let status = std::fs::File::open("/proc/self/status").unwrap();
        pledge("stdio");
        assert_eq!(status_field_from(&status, "NoNewPrivs:"), "1");
        assert_eq!(status_field_from(&status, "Seccomp:"), "2");
        tx.send(()).unwrap();
        t.join().unwrap();
        std::thread::sleep(std::time::Duration::from_secs(5));
        0
    });
    child
        .killed()
        .says("socket(AF_INET, 0x80001, 0) needs promise \"inet\"");
    assert_eq!(child.stderr.lines().count(), 1, "{}", child.stderr);
}

#[test]
fn a_sigsys_handler_cannot_save_the_process() {
    extern "C" fn ignore(_: i32) {}
    // Installed before pledge: pledge takes SIGSYS over.
    run(|| {
        // SAFETY: a handler that does nothing.
        unsafe { libc::signal(libc::SIGSYS, ignore as *const () as libc::sighandler_t) };
        pledge("stdio");
        sys(
            libc::SYS_socket,
            &[libc::AF_INET as u64, libc::SOCK_STREAM as u64, 0],
        );
        0
    })
    .killed();
    // Installed after pledge: refused; blocking or ignoring SIGSYS does not help either.
    run(|| {
        pledge("stdio");
        // SAFETY: attempts to take over SIGSYS; the filter refuses the first.
        unsafe {
            assert_eq!(
                libc::signal(libc::SIGSYS, ignore as *const () as libc::sighandler_t),
                libc::SIG_ERR
            );
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGSYS);
            assert_eq!(
                libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()),
                0
            );
        }
        sys(
            libc::SYS_socket,
            &[libc::AF_INET as u64, libc::SOCK_STREAM as u64, 0],
        );
        0
    })
    .killed();
    // Without reports, violations kill outright (no SIGSYS is raised to catch), so the
    // filter leaves SIGSYS to the program: its handler installs and never runs.
    let quiet = run(|| {
        Pledge::new()
            .promises("stdio".parse().unwrap())
            .penalty(Penalty::KillQuietly)
            .apply()
            .unwrap();
        // SAFETY: a handler that writes to stderr, which the child captures.
        unsafe {
            assert_ne!(
                libc::signal(libc::SIGSYS, say_caught as *const () as libc::sighandler_t),
                libc::SIG_ERR
            );
        }
        sys(
            libc::SYS_socket,
            &[libc::AF_INET as u64, libc::SOCK_STREAM as u64, 0],
        );
        0
    });
    quiet.killed();
    assert!(!quiet.stderr.contains("caught"), "{}", quiet.stderr);
}

extern "C" fn say_caught(_: i32) {
    let text = b"caught\n";
    // SAFETY: write(2) from a buffer that lives for the call.
    unsafe { libc::write(2, text.as_ptr().cast(), text.len()) };
}

#[test]
fn the_error_promise_turns_violations_into_enosys_and_ignores_increases() {
    run(|| {
        pledge("stdio error");
        assert_eq!(
            sys(
                libc::SYS_socket,
                &[libc::AF_INET as u64, libc::SOCK_STREAM as u64, 0]
            ),
            -(libc::ENOSYS as i64)
        );
        assert_eq!(
            std::fs::read("/etc/hostname").unwrap_err().raw_os_error(),
            Some(libc::ENOSYS)
        );
        // OpenBSD: in error mode an increase is dropped silently and pledge returns 0.
        scopes::pledge(Some("stdio rpath error"), None).unwrap();
        assert_eq!(
            scopes::current_promises().unwrap().to_string(),
            "stdio error"
        );
        assert_eq!(
            std::fs::read("/etc/hostname").unwrap_err().raw_os_error(),
            Some(libc::ENOSYS)
        );
        0
    })
    .ok();
}

#[test]
fn other_penalties_from_the_builder() {
    run(|| {
        Pledge::new()
            .promises("stdio".parse().unwrap())
            .penalty(Penalty::Eperm)
            .apply()
            .unwrap();
        assert_eq!(
            std::fs::read("/etc/hostname").unwrap_err().raw_os_error(),
            Some(libc::EPERM)
        );
        assert_eq!(
            sys(
                libc::SYS_socket,
                &[libc::AF_INET as u64, libc::SOCK_STREAM as u64, 0]
            ),
            -(libc::EPERM as i64)
        );
        0
    })
    .ok();
    let quiet = run(|| {
        Pledge::new()
            .promises("stdio".parse().unwrap())
            .penalty(Penalty::KillQuietly)
            .apply()
            .unwrap();
        let _ = std::fs::read("/etc/hostname");
        0
    });
    quiet.killed();
    assert!(quiet.stderr.is_empty(), "{}", quiet.stderr);
}

#[test]
fn bad_input_is_refused_with_the_right_errno_and_changes_nothing() {
    run(|| {
        let cases: &[(&str, i32, &str)] = &[
            ("stdio bogus", libc::EINVAL, "bogus"),
            ("stdio pf", libc::EINVAL, "no meaning on Linux"),
            ("stdio wroute", libc::EINVAL, "wroute"),
            (" stdio", libc::EINVAL, "leading space"),
            ("stdio\trpath", libc::EINVAL, "stdio\trpath"),
        ];
        for (words, errno, text) in cases {
            let err = scopes::pledge(Some(words), None).unwrap_err();
            assert_eq!(err.errno(), *errno, "{words:?}");
            assert!(err.to_string().contains(text), "{words:?}: {err}");
        }
        let long = "stdio ".repeat(200);
        assert_eq!(
            scopes::pledge(Some(&long), None).unwrap_err().errno(),
            libc::ENAMETOOLONG
        );
        // execpromises wider than promises: impossible on Linux.
        let err = scopes::pledge(Some("stdio"), Some("stdio rpath")).unwrap_err();
        assert_eq!(err.errno(), libc::EINVAL);
        assert!(err.to_string().contains("rpath"), "{err}");
        // Nothing changed: not pledged, no filter.
        assert_eq!(scopes::current_promises(), None);
        assert_eq!(status_field("Seccomp:"), "0");
        assert!(std::fs::read("/etc/hostname").is_ok());
        0
    })
    .ok();
}

#[test]
fn threads_started_before_pledge_are_confined() {
    run(|| {
        // Capabilities are per thread: pledge refuses to drop them with threads about.
        common::without_capabilities();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let (done_tx, done_rx) = std::sync::mpsc::channel::<i64>();
        let t = std::thread::spawn(move || {
            rx.recv().unwrap();
            done_tx
                .send(sys(
                    libc::SYS_socket,
                    &[libc::AF_INET as u64, libc::SOCK_STREAM as u64, 0],
                ))
                .unwrap();
        });
        Pledge::new()
            .promises("stdio".parse().unwrap())
            .penalty(Penalty::Eperm)
            .apply()
            .unwrap();
        tx.send(()).unwrap();
        assert_eq!(done_rx.recv().unwrap(), -(libc::EPERM as i64));
        t.join().unwrap();
        0
    })
    .ok();
}

#[test]
fn path_promises_refuse_when_threads_exist_on_this_landlock_abi() {
    run(|| {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let t = std::thread::spawn(move || rx.recv().unwrap());
        let err = scopes::pledge(Some("stdio rpath"), None).unwrap_err();
        assert!(err.to_string().contains("thread"), "{err}");
        assert_eq!(scopes::current_promises(), None);
        assert_eq!(status_field("Seccomp:"), "0");
        tx.send(()).unwrap();
        t.join().unwrap();
        // Promises without paths need no Landlock and work with threads.
        scopes::pledge(Some("stdio inet"), None).unwrap();
        0
    })
    .ok();
}

#[test]
fn execpromises_narrow_programs_started_through_the_helper() {
    use scopes::exec::CommandExt;
    run(|| {
        pledge("stdio rpath wpath cpath proc exec prot_exec");
        scopes::pledge(None, Some("stdio rpath prot_exec")).unwrap();
        assert_eq!(
            scopes::current_execpromises().unwrap().to_string(),
            "stdio rpath prot_exec"
        );
        // cat only reads: fine under the execpromises.
        let cat = std::process::Command::new("/bin/cat")
            .arg("/etc/hostname")
            .pledged()
            .output()
            .unwrap();
        assert!(cat.status.success());
        // Creating a file needs cpath: the program dies of SIGSYS (no report after exec).
        let file = std::env::temp_dir().join(format!("scopes-exec-{}", std::process::id()));
        let script = format!("echo x > {}", file.display());
        let sh = std::process::Command::new("/bin/sh")
            .args(["-c", &script])
            .pledged()
            .status()
            .unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(sh.signal(), Some(libc::SIGSYS));
        assert!(!file.exists());
        // The started program may signal itself by pid (raise, abort), as stdio allows: its
        // filter names its own pid, not the pledging parent's.
        let sh = std::process::Command::new("/bin/sh")
            .args(["-c", "kill -ABRT $$"])
            .pledged()
            .status()
            .unwrap();
        assert_eq!(sh.signal(), Some(libc::SIGABRT));
        // Without the helper, the program runs under the caller's own promises.
        let sh = std::process::Command::new("/bin/sh")
            .args(["-c", &script])
            .status()
            .unwrap();
        assert!(sh.success());
        std::fs::remove_file(&file).unwrap();
        // execpromises only shrink too.
        assert_eq!(
            scopes::pledge(None, Some("stdio rpath wpath"))
                .unwrap_err()
                .errno(),
            libc::EPERM
        );
        0
    })
    .ok();
}

#[test]
fn remaining_promises_allow_their_calls() {
    run(|| {
        pledge("stdio id settime unveil");
        // SAFETY: getuid/getgid have no preconditions.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        assert_eq!(
            sys(libc::SYS_setresgid, &[gid as u64, gid as u64, gid as u64]),
            0
        );
        assert_eq!(
            sys(libc::SYS_setresuid, &[uid as u64, uid as u64, uid as u64]),
            0
        );
        // An invalid time: the kernel answers EINVAL, so the filter let it through.
        let bad = libc::timespec {
            tv_sec: 0,
            tv_nsec: 2_000_000_000,
        };
        assert_eq!(
            sys(
                libc::SYS_clock_settime,
                &[
                    libc::CLOCK_REALTIME as u64,
                    &bad as *const libc::timespec as u64
                ]
            ),
            -(libc::EINVAL as i64)
        );
        assert!(sys(libc::SYS_landlock_create_ruleset, &[0, 0, 1]) > 0);
        0
    })
    .ok();
    run(|| {
        pledge("stdio");
        // SAFETY: getuid has no preconditions.
        sys(
            libc::SYS_setresuid,
            &[unsafe { libc::getuid() } as u64, u64::MAX, u64::MAX],
        );
        0
    })
    .killed()
    .says("\"id\"");
    let _ = Promises::EMPTY;
}

#[test]
fn a_thread_that_cannot_be_synchronised_is_named_and_nothing_changes() {
    run(|| {
        // Capabilities are per thread: pledge refuses to drop them with threads about.
        common::without_capabilities();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let (tid_tx, tid_rx) = std::sync::mpsc::channel::<i32>();
        let t = std::thread::spawn(move || {
            // This thread's filter stack diverges from the others: TSYNC cannot cover it.
            assert_eq!(install_allow_filter(2), 0);
            // SAFETY: gettid has no preconditions.
            tid_tx.send(unsafe { libc::gettid() }).unwrap();
            rx.recv().unwrap();
        });
        let tid = tid_rx.recv().unwrap();
        let err = scopes::pledge(Some("stdio"), None).unwrap_err();
        assert_eq!(err.errno(), libc::EPERM);
        assert!(
            matches!(err, Error::Thread { tid: Some(t), .. } if t == tid),
            "{err:?}"
        );
        assert!(err.to_string().contains(&tid.to_string()), "{err}");
        assert_eq!(scopes::current_promises(), None);
        assert!(std::fs::read("/etc/hostname").is_ok());
        tx.send(()).unwrap();
        t.join().unwrap();
        0
    })
    .ok();
}

#[test]
fn too_many_stacked_filters_is_enomem_and_changes_nothing() {
    run(|| {
        // The kernel allows 32768 instructions across a thread's filters (+4 per filter).
        for _ in 0..7 {
            assert_eq!(install_allow_filter(4096), 0);
        }
        assert_eq!(install_allow_filter(4000), 0);
        let err = scopes::pledge(Some("stdio"), None).unwrap_err();
        assert_eq!(err.errno(), libc::ENOMEM, "{err}");
        assert!(matches!(err, Error::TooManyLayers { .. }), "{err:?}");
        assert_eq!(scopes::current_promises(), None);
        assert!(std::fs::read("/etc/hostname").is_ok());
        0
    })
    .ok();
}

#[test]
fn a_stricter_penalty_for_the_same_promises_takes_effect_and_a_milder_one_cannot_weaken() {
    run(|| {
        let stdio: Promises = "stdio".parse().unwrap();
        Pledge::new()
            .promises(stdio)
            .penalty(Penalty::Eperm)
            .apply()
            .unwrap();
        assert_eq!(
            std::fs::read("/etc/hostname").unwrap_err().raw_os_error(),
            Some(libc::EPERM)
        );
        // The EPERM filter leaves SIGSYS alone, so the reporting handler installs.
        Pledge::new()
            .promises(stdio)
            .penalty(Penalty::Kill)
            .apply()
            .unwrap();
        let _ = std::fs::read("/etc/hostname");
        0
    })
    .killed()
    .says("needs promise \"rpath\"");
    run(|| {
        let stdio: Promises = "stdio".parse().unwrap();
        Pledge::new()
            .promises(stdio)
            .penalty(Penalty::Kill)
            .apply()
            .unwrap();
        Pledge::new()
            .promises(stdio)
            .penalty(Penalty::Eperm)
            .apply()
            .unwrap();
        let _ = std::fs::read("/etc/hostname");
        0
    })
    .killed();
}

/// fork() while another thread is inside pledge(): the child must not inherit the library's
/// lock held by a thread it does not have (it would wait for ever in its first pledge() or
/// `current_promises()`). One thread narrows step by step (each step compiles and installs);
/// the main thread forks meanwhile, and each child asks for its promises under an alarm.
#[test]
fn a_child_forked_while_another_thread_pledges_can_use_the_library() {
    // A few rounds: each fork lands inside or between the other thread's pledge() calls.
    for _ in 0..5 {
        forks_while_another_thread_pledges();
    }
}

fn forks_while_another_thread_pledges() {
    run(|| {
        // Capabilities are per thread: pledge refuses to drop them with threads about.
        common::without_capabilities();
        // No path promise (with threads they need Landlock ABI 8); `proc` kept for fork.
        // The first pledge builds the Landlock layer, which needs a single thread on ABI 7.
        let words = [
            "inet",
            "mcast",
            "exec",
            "prot_exec",
            "sendfd",
            "recvfd",
            "id",
            "settime",
        ];
        scopes::pledge(Some(&format!("stdio proc {}", words.join(" "))), None).unwrap();
        let narrowing = std::thread::spawn(move || {
            for steps in (0..words.len()).rev() {
                let set = format!("stdio proc {}", words[..steps].join(" "));
                scopes::pledge(Some(&set), None).unwrap();
            }
        });
        forks_while(&narrowing, || {
            let _ = scopes::current_promises();
        });
        narrowing.join().unwrap();
        0
    })
    .ok();
}

/// Forks while `busy` runs (at least once), each child calling `use_library` under a 5 s
/// alarm; fails when a child hung (a lock copied held into it).
fn forks_while(busy: &std::thread::JoinHandle<()>, use_library: fn()) {
    let (mut forks, mut hung) = (0, 0);
    while !busy.is_finished() || forks == 0 {
        // SAFETY: the child calls only the library and async-signal-safe functions, and
        // leaves with _exit.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            // SAFETY: alarm has no preconditions.
            unsafe { libc::alarm(5) };
            use_library();
            // SAFETY: _exit has no preconditions.
            unsafe { libc::_exit(0) }
        }
        let mut status = 0;
        // SAFETY: waiting for our own child.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        forks += 1;
        if libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGALRM {
            hung += 1;
        }
    }
    assert_eq!(hung, 0, "{hung} of {forks} children hung");
}

/// The same with unveil(): pledge and unveil share one lock, which fork holds in the forking
/// thread while it copies the process. One thread unveils path after path (each opens and
/// holds the path under the lock); the main thread forks meanwhile, and each child asks for
/// the unveil report under an alarm.
#[test]
fn a_child_forked_while_another_thread_unveils_can_use_the_library() {
    run(|| {
        let unveiling = std::thread::spawn(|| {
            for _ in 0..200 {
                // Best effort: before Landlock ABI 8 the other thread is a gap, not an error.
                scopes::Unveil::new()
                    .path("/usr", scopes::Permissions::READ)
                    .best_effort()
                    .add()
                    .unwrap();
            }
        });
        forks_while(&unveiling, || {
            let _ = scopes::unveil_report();
        });
        unveiling.join().unwrap();
        0
    })
    .ok();
}

/// OpenBSD's `tty` allows raising and dropping DTR for cu(1); Linux spells it TIOCMBIS and
/// TIOCMBIC (and TIOCMGET reads the lines). A pty has no modem lines, so the kernel answers
/// ENOTTY or EINVAL there: what matters is that the call reaches it, not killed by the filter.
#[test]
fn tty_allows_the_modem_control_ioctls() {
    use std::os::fd::AsRawFd;
    let open_pty = || {
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/ptmx")
            .unwrap()
    };
    run(move || {
        let pty = open_pty();
        pledge("stdio tty");
        let fd = pty.as_raw_fd() as u64;
        let dtr: i32 = libc::TIOCM_DTR;
        let mut lines: i32 = 0;
        for (cmd, arg) in [
            (libc::TIOCMGET, &mut lines as *mut i32 as u64),
            (libc::TIOCMBIS, &dtr as *const i32 as u64),
            (libc::TIOCMBIC, &dtr as *const i32 as u64),
        ] {
            let r = sys(libc::SYS_ioctl, &[fd, cmd, arg]);
            assert!(
                r == 0 || r == -(libc::ENOTTY as i64) || r == -(libc::EINVAL as i64),
                "ioctl {cmd:#x}: {r}"
            );
        }
        0
    })
    .ok();
    run(move || {
        let pty = open_pty();
        pledge("stdio");
        let mut lines: i32 = 0;
        sys(
            libc::SYS_ioctl,
            &[
                pty.as_raw_fd() as u64,
                libc::TIOCMGET,
                &mut lines as *mut i32 as u64,
            ],
        );
        0
    })
    .killed()
    .says("tty");
}
