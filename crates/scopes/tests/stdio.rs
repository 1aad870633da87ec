//! `stdio`: what a computing process needs on descriptors it already has, with glibc and Rust
//! std as they really are, and nothing that reaches paths, the network or other processes.
//! Includes the seed project's stdio tests (printing, allocation, madvise, sendfile).

// The test calls libc directly, as the programs it stands for would, to see what the
// kernel allows and refuses.
#![allow(unsafe_code)]

mod common;
use common::*;
use std::io::Write;

#[test]
fn printing_allocation_and_time_work() {
    run(|| {
        let devnull = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .unwrap();
        pledge("stdio");
        println!("to a pipe");
        writeln!(&devnull, "to /dev/null").unwrap();
        let big = vec![7u8; 64 << 20]; // mmap-backed allocation
        assert_eq!(big[big.len() - 1], 7);
        drop(big);
        let v: Vec<String> = (0..10_000).map(|i| i.to_string()).collect(); // brk/mmap churn
        assert_eq!(v.len(), 10_000);
        let t = std::time::Instant::now();
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert!(t.elapsed().as_millis() >= 2);
        let _ = std::time::SystemTime::now();
        0
    })
    .ok();
}

#[test]
fn fstat_works_through_glibc_and_rust_std() {
    run(|| {
        let file = std::fs::File::open("/etc/passwd").unwrap();
        pledge("stdio");
        // Rust std tries statx first (ENOSYS under stdio), then falls back to fstat.
        assert!(file.metadata().unwrap().len() > 0);
        // glibc 2.36 implements fstat() as newfstatat(fd, "", AT_EMPTY_PATH).
        let mut st: libc::stat = unsafe_zeroed();
        assert_eq!(fstat(std::os::fd::AsRawFd::as_raw_fd(&file), &mut st), 0);
        0
    })
    .ok();
}

fn unsafe_zeroed() -> libc::stat {
    // A plain-old-data struct; all zeroes is a valid value.
    let st = std::mem::MaybeUninit::<libc::stat>::zeroed();
    // SAFETY: libc::stat has no invalid bit patterns.
    unsafe { st.assume_init() }
}

fn fstat(fd: i32, st: &mut libc::stat) -> i32 {
    // SAFETY: st is a valid, writable stat buffer.
    unsafe { libc::fstat(fd, st) }
}

#[test]
fn terminal_query_pipes_socketpair_poll_and_random_work() {
    run(|| {
        pledge("stdio");
        // isatty() asks TCGETS: on a pipe it answers ENOTTY, never a violation.
        assert_eq!(
            sys(libc::SYS_ioctl, &[1, libc::TCGETS]),
            -(libc::ENOTTY as i64)
        );
        let mut fds = [0i32; 2];
        assert_eq!(sys(libc::SYS_pipe2, &[fds.as_mut_ptr() as u64, 0]), 0);
        assert_eq!(
            sys(
                libc::SYS_socketpair,
                &[
                    libc::AF_UNIX as u64,
                    libc::SOCK_STREAM as u64,
                    0,
                    fds.as_mut_ptr() as u64
                ]
            ),
            0
        );
        let mut n = 0i32;
        assert_eq!(
            sys(
                libc::SYS_ioctl,
                &[fds[0] as u64, libc::FIONREAD, &mut n as *mut i32 as u64]
            ),
            0
        );
        let mut pfd = libc::pollfd {
            fd: fds[0],
            events: libc::POLLIN,
            revents: 0,
        };
        assert_eq!(
            sys(
                libc::SYS_poll,
                &[&mut pfd as *mut libc::pollfd as u64, 1, 0]
            ),
            0
        );
        let ep = sys(libc::SYS_epoll_create1, &[0]);
        assert!(ep >= 0);
        let mut buf = [0u8; 16];
        assert_eq!(
            sys(libc::SYS_getrandom, &[buf.as_mut_ptr() as u64, 16, 0]),
            16
        );
        let _ = std::collections::HashMap::<u32, u32>::new(); // seeded from getrandom
        assert_eq!(
            sys(libc::SYS_fcntl, &[fds[0] as u64, libc::F_GETFL as u64]) & 3,
            2
        );
        assert!(
            sys(
                libc::SYS_fcntl,
                &[fds[0] as u64, libc::F_SETFL as u64, libc::O_NONBLOCK as u64]
            ) >= 0
        );
        0
    })
    .ok();
}

#[test]
fn threads_start_and_join_under_stdio() {
    // glibc tries clone3 first: it gets ENOSYS and falls back to clone with thread flags.
    run(|| {
        pledge("stdio");
        let handles: Vec<_> = (0..4)
            .map(|i| {
                std::thread::Builder::new()
                    .name(format!("w{i}"))
                    .spawn(move || i * 2)
                    .unwrap()
            })
            .collect();
        let sum: i32 = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(sum, 12);
        assert_eq!(sys(libc::SYS_clone3, &[0, 0]), -(libc::ENOSYS as i64));
        0
    })
    .ok();
}

#[test]
fn signals_to_itself_work_and_abort_dies_of_sigabrt() {
    run(|| {
        pledge("stdio");
        // raise() is tgkill(getpid(), gettid(), sig); a handler is fine to install.
        // SAFETY: installing SIG_IGN for SIGUSR1 and raising it.
        unsafe {
            libc::signal(libc::SIGUSR1, libc::SIG_IGN);
            assert_eq!(libc::raise(libc::SIGUSR1), 0);
        }
        assert_eq!(sys(libc::SYS_kill, &[std::process::id() as u64, 0]), 0);
        assert_eq!(sys(libc::SYS_kill, &[0, 0]), 0);
        let mut rl = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        assert_eq!(
            sys(
                libc::SYS_prlimit64,
                &[
                    0,
                    libc::RLIMIT_NOFILE as u64,
                    0,
                    &mut rl as *mut libc::rlimit as u64
                ]
            ),
            0
        );
        assert_eq!(
            sys(
                libc::SYS_prctl,
                &[libc::PR_SET_NAME as u64, c"worker".as_ptr() as u64]
            ),
            0
        );
        std::process::abort();
    })
    .end
    .eq(&End::Signal(libc::SIGABRT))
    .then_some(())
    .expect("abort() must die of SIGABRT");
}

#[test]
fn madvise_and_sendfile_from_the_seed_tests() {
    run(|| {
        let src = std::fs::File::open("/etc/passwd").unwrap();
        let dst = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .unwrap();
        pledge("stdio");
        let len = 1 << 20;
        let p = sys(
            libc::SYS_mmap,
            &[
                0,
                len,
                (libc::PROT_READ | libc::PROT_WRITE) as u64,
                (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u64,
                u64::MAX,
                0,
            ],
        );
        assert!(p > 0);
        assert_eq!(
            sys(
                libc::SYS_madvise,
                &[p as u64, len, libc::MADV_DONTNEED as u64]
            ),
            0
        );
        assert_eq!(
            sys(libc::SYS_madvise, &[p as u64, len, libc::MADV_FREE as u64]),
            0
        );
        assert_eq!(sys(libc::SYS_munmap, &[p as u64, len]), 0);
        use std::os::fd::AsRawFd;
        assert!(
            sys(
                libc::SYS_sendfile,
                &[dst.as_raw_fd() as u64, src.as_raw_fd() as u64, 0, 100]
            ) > 0
        );
        0
    })
    .ok();
}

fn denied(what: &str, promise: &str, f: fn()) {
    let child = run(move || {
        pledge("stdio");
        f();
        0
    });
    child.killed();
    assert!(child.stderr.contains(what), "{what}: {}", child.stderr);
    assert!(
        child.stderr.contains(promise),
        "{what} should name {promise}: {}",
        child.stderr
    );
}

#[test]
fn stdio_denies_paths_network_processes_and_exec_memory() {
    denied("openat", "\"rpath\"", || {
        let _ = std::fs::File::open("/etc/hostname");
    });
    denied("newfstatat", "\"rpath\"", || {
        let _ = std::fs::metadata("/etc/hostname");
    });
    denied("socket(AF_INET", "\"inet\"", || {
        let _ = std::net::TcpStream::connect("127.0.0.1:9");
    });
    denied("kill", "\"proc\"", || {
        // SAFETY: getppid has no preconditions.
        sys(libc::SYS_kill, &[unsafe { libc::getppid() } as u64, 0]);
    });
    denied("fork", "\"proc\"", || {
        sys(libc::SYS_fork, &[]);
    });
    denied("prlimit64", "\"proc\"", || {
        let rl = libc::rlimit {
            rlim_cur: 10,
            rlim_max: 10,
        };
        sys(
            libc::SYS_prlimit64,
            &[
                0,
                libc::RLIMIT_NOFILE as u64,
                &rl as *const libc::rlimit as u64,
                0,
            ],
        );
    });
    denied("mmap", "\"prot_exec\"", || {
        sys(
            libc::SYS_mmap,
            &[
                0,
                4096,
                (libc::PROT_READ | libc::PROT_EXEC) as u64,
                (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u64,
                u64::MAX,
                0,
            ],
        );
    });
    denied("ioctl", "\"tty\"", || {
        sys(libc::SYS_ioctl, &[0, libc::TCSETS, 0]);
    });
    denied("execve", "\"exec\"", || {
        let path = cstr("/bin/true");
        let argv = [path.as_ptr(), std::ptr::null()];
        sys(libc::SYS_execve, &[ptr(&path), argv.as_ptr() as u64, 0]);
    });
}

#[test]
fn rt_sigaction_for_sigsys_is_refused_with_eperm() {
    run(|| {
        pledge("stdio");
        // SAFETY: a handler that is never installed (the filter refuses).
        let r = unsafe { libc::signal(libc::SIGSYS, libc::SIG_IGN) };
        assert_eq!(r, libc::SIG_ERR);
        assert_eq!(
            std::io::Error::last_os_error().raw_os_error(),
            Some(libc::EPERM)
        );
        // Other signals are fine.
        // SAFETY: ignoring SIGUSR2.
        let previous = unsafe { libc::signal(libc::SIGUSR2, libc::SIG_IGN) };
        assert_ne!(previous, libc::SIG_ERR);
        0
    })
    .ok();
}

#[test]
fn spawning_a_process_dies_even_with_signals_blocked() {
    // posix_spawn blocks every signal around clone(CLONE_VM|CLONE_VFORK): the kernel still
    // kills the process with SIGSYS, only the report is lost.
    run(|| {
        pledge("stdio");
        let _ = std::process::Command::new("/bin/true").status();
        0
    })
    .killed();
}
