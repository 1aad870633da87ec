//! A program must not be able to end, stop or steer its supervisor with signals, under any
//! promises: if it could, its later violations would go unreported (or wait for ever) and it
//! would run on unsupervised.

// An attack: hostile code calls libc directly on purpose.
#![allow(unsafe_code)]

use std::ffi::OsStr;
use std::time::Duration;

use attacks::cmd_life::{own_copy, start};
use attacks::{compile, End, Link};

const DEADLINE: Duration = Duration::from_secs(20);

/// `kill(0, SIG)` from a program that ignores SIG reaches every process of its group, the
/// supervisor included: the supervisor must survive each, and still kill at the next violation.
#[test]
fn cmd_life_signalling_the_process_group_leaves_the_supervisor_in_charge() {
    let prog = own_copy(&compile("cmd_life_group", Link::Plain), "group");
    let signals = [
        libc::SIGALRM,
        libc::SIGVTALRM,
        libc::SIGPROF,
        libc::SIGUSR1,
        libc::SIGUSR2,
        libc::SIGHUP,
        libc::SIGINT,
        libc::SIGTERM,
        libc::SIGQUIT,
        libc::SIGPIPE,
        libc::SIGIO,
        libc::SIGPWR,
        libc::SIGXCPU,
        libc::SIGXFSZ,
        libc::SIGSYS,
        libc::SIGTSTP,
        libc::SIGTTIN,
        libc::SIGTTOU,
        libc::SIGRTMIN() + 3,
    ];
    for sig in signals {
        let number = sig.to_string();
        let mut cmd = start(
            &prog,
            &[
                OsStr::new("-k"),
                OsStr::new("-p"),
                OsStr::new("stdio"),
                OsStr::new("--"),
                prog.as_os_str(),
                OsStr::new(&number),
            ],
        );
        let ran = cmd.finish(DEADLINE);
        assert_eq!(ran.end, End::Exit(159), "signal {sig}: {ran:#?}");
        ran.says("openat(\"/etc/hostname\", O_RDONLY) denied: needs promise \"rpath\"; killing the program (-k)");
        assert!(
            !ran.stdout.contains("unsupervised"),
            "signal {sig}: {ran:#?}"
        );
        assert_eq!(cmd.left_at_exit(), &[] as &[i32], "signal {sig}");
    }
}

/// With `proc`, which lets a program signal other processes, it still cannot signal its
/// supervisor: not by pid, not through a pidfd, not by process group.
#[test]
fn cmd_life_signalling_the_supervisor_under_proc_is_refused() {
    let prog = own_copy(&compile("cmd_life_parent", Link::Plain), "parent");
    for how in ["kill", "stop", "pidfd", "group"] {
        let mut cmd = start(
            &prog,
            &[
                OsStr::new("-p"),
                OsStr::new("stdio proc"),
                OsStr::new("--"),
                prog.as_os_str(),
                OsStr::new(how),
            ],
        );
        let ran = cmd.finish(DEADLINE);
        assert_eq!(ran.end, End::Exit(0), "{how}: {ran:#?}");
        ran.line("signal: -1 (Operation not permitted)");
        ran.says("openat(\"/etc/hostname\", O_RDONLY) denied: needs promise \"rpath\"");
        ran.line("open: -1 (Operation not permitted)");
        assert_eq!(cmd.left_at_exit(), &[] as &[i32], "{how}");
    }
}

/// Whatever the kernel lets through, the supervisor itself ignores the signals it has no use
/// for: sent from outside the sandbox (where Landlock's scoping does not apply), they neither
/// end nor steer it, and the program stays supervised.
#[test]
fn cmd_life_the_supervisor_ignores_signals_it_does_not_forward() {
    let prog = own_copy(&compile("cmd_life_orphan", Link::Plain), "immune");
    let mut cmd = start(
        &prog,
        &[
            OsStr::new("-p"),
            OsStr::new("stdio"),
            OsStr::new("--"),
            prog.as_os_str(),
        ],
    );
    let pid: i32 = cmd
        .line("pid ", DEADLINE)
        .expect("the program started")
        .parse()
        .unwrap();
    for sig in [
        libc::SIGALRM,
        libc::SIGVTALRM,
        libc::SIGPROF,
        libc::SIGIO,
        libc::SIGPWR,
        libc::SIGXCPU,
        libc::SIGXFSZ,
        libc::SIGSYS,
        libc::SIGTRAP,
        libc::SIGSTKFLT,
        libc::SIGRTMIN() + 5,
        libc::SIGRTMAX(),
    ] {
        cmd.signal(sig);
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(attacks::cmd_life::alive(pid), "the program died");
    // A forwarded one still ends the program, and the command reports how.
    cmd.signal(libc::SIGTERM);
    let ran = cmd.finish(DEADLINE);
    assert_eq!(ran.end, End::Exit(128 + libc::SIGTERM), "{ran:#?}");
}

static URGENT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

extern "C" fn on_urgent(_: libc::c_int) {
    URGENT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
}

/// `kill(-1, sig)` under `proc` signals every process the caller may signal: as root, every
/// process of the machine. Under the command it reaches the program's own processes only: not
/// this test, which counts the (harmless) SIGURG it would get.
#[test]
fn cmd_life_signalling_every_process_reaches_only_the_programs_own() {
    // SAFETY: the handler only increments an atomic counter.
    let old = unsafe { libc::signal(libc::SIGURG, on_urgent as *const () as libc::sighandler_t) };
    assert_ne!(old, libc::SIG_ERR);
    let prog = own_copy(&compile("cmd_life_parent", Link::Plain), "all");
    let mut cmd = start(
        &prog,
        &[
            OsStr::new("-p"),
            OsStr::new("stdio proc"),
            OsStr::new("--"),
            prog.as_os_str(),
            OsStr::new("all"),
        ],
    );
    let ran = cmd.finish(DEADLINE);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(ran.end, End::Exit(0), "{ran:#?}");
    ran.says("openat(\"/etc/hostname\", O_RDONLY) denied: needs promise \"rpath\"");
    assert_eq!(
        URGENT.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the program's kill(-1) reached the test"
    );
}
