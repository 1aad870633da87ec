//! The escape catalogue (docs/semantics.md, "Always closed"): each must stay closed whatever the
//! promises. Raw system calls, so that libc cannot hide or reroute them.

// The test calls libc directly, as the programs it stands for would, to see what the
// kernel allows and refuses.
#![allow(unsafe_code)]

mod common;
use common::*;

/// Every promise that makes sense in one process at once (error would turn kills into ENOSYS).
const ALL_BUT_ERROR: &str =
    "stdio rpath wpath cpath dpath tmppath inet mcast fattr chown flock unix dns getpw \
     sendfd recvfd tty proc exec prot_exec settime ps vminfo id unveil netlink";

fn killed_under(promises: &'static str, f: fn()) -> Child {
    let c = run(move || {
        pledge(promises);
        f();
        0
    });
    c.killed();
    c
}

#[test]
fn foreign_abis_die_i386_and_x32() {
    #[cfg(target_arch = "x86_64")]
    killed_under(ALL_BUT_ERROR, || {
        int80(20); // i386 getpid through int 0x80
    });
    killed_under(ALL_BUT_ERROR, || {
        sys(libc::SYS_getpid | 0x4000_0000, &[]); // x32 numbering
    });
    killed_under(ALL_BUT_ERROR, || {
        sys(101 | 0x4000_0000, &[]); // x32 ptrace
    });
}

#[test]
fn fallback_calls_answer_enosys_so_libraries_fall_back() {
    run(|| {
        pledge(ALL_BUT_ERROR);
        for nr in [
            libc::SYS_clone3,
            libc::SYS_openat2,
            libc::SYS_io_uring_setup,
            libc::SYS_io_uring_enter,
            libc::SYS_io_uring_register,
        ] {
            assert_eq!(
                sys(nr, &[0, 0, 0, 0]),
                -(libc::ENOSYS as i64),
                "syscall {nr}"
            );
        }
        // Numbers beyond the table (newer than it): ENOSYS.
        assert_eq!(sys(470, &[]), -(libc::ENOSYS as i64));
        assert_eq!(sys(0x3fff, &[]), -(libc::ENOSYS as i64));
        0
    })
    .ok();
    run(|| {
        pledge("stdio");
        assert_eq!(
            sys(
                libc::SYS_statx,
                &[libc::AT_FDCWD as u64, c"/".as_ptr() as u64, 0, 0, 0]
            ),
            -(libc::ENOSYS as i64)
        );
        0
    })
    .ok();
}

#[test]
fn tracing_and_memory_of_other_processes_is_closed() {
    for f in [
        || {
            // SAFETY: getppid has no preconditions.
            sys(
                libc::SYS_ptrace,
                &[libc::PTRACE_ATTACH as u64, unsafe { libc::getppid() }
                    as u64],
            );
        },
        || {
            sys(libc::SYS_process_vm_writev, &[1, 0, 0, 0, 0, 0]);
        },
        || {
            sys(libc::SYS_process_vm_readv, &[1, 0, 0, 0, 0, 0]);
        },
        || {
            sys(libc::SYS_pidfd_getfd, &[0, 0, 0]);
        },
        || {
            sys(libc::SYS_kcmp, &[1, 1, 0, 0, 0]);
        },
        || {
            sys(libc::SYS_process_madvise, &[0, 0, 0, 0, 0]);
        },
    ] {
        killed_under(ALL_BUT_ERROR, f).says("is not allowed by any promise");
    }
}

#[test]
fn proc_pid_mem_of_the_parent_cannot_be_opened_for_writing() {
    run(|| {
        pledge("stdio rpath wpath");
        // SAFETY: getppid has no preconditions.
        let path = format!("/proc/{}/mem", unsafe { libc::getppid() });
        let err = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap_err();
        assert!(
            matches!(err.raw_os_error(), Some(libc::EACCES) | Some(libc::EPERM)),
            "{err}"
        );
        // Reading it is refused too (Landlock's ptrace scoping, even where reading files is
        // not path-checked because rpath allows it everywhere).
        let err = std::fs::File::open(&path).and_then(|mut f| {
            use std::io::Read;
            let mut b = [0u8; 1];
            f.read(&mut b)
        });
        assert!(err.is_err(), "read of the parent's memory must fail");
        // Its own memory stays reachable (harmless).
        assert!(std::fs::File::open("/proc/self/maps").is_ok());
        0
    })
    .ok();
}

#[test]
fn namespaces_and_mounts_are_closed_even_under_proc() {
    for f in [
        || {
            sys(libc::SYS_unshare, &[libc::CLONE_NEWUSER as u64]);
        },
        || {
            sys(
                libc::SYS_clone,
                &[(libc::CLONE_NEWUSER | libc::SIGCHLD) as u64, 0, 0, 0, 0],
            );
        },
        || {
            sys(
                libc::SYS_clone,
                &[
                    (libc::CLONE_NEWNET | libc::SIGCHLD) as u64 | 1 << 32,
                    0,
                    0,
                    0,
                    0,
                ],
            );
        },
        || {
            sys(libc::SYS_setns, &[0, 0]);
        },
        || {
            sys(libc::SYS_fsopen, &[c"tmpfs".as_ptr() as u64, 0]);
        },
        || {
            sys(libc::SYS_mount, &[0, 0, 0, 0, 0]);
        },
        || {
            sys(libc::SYS_open_tree, &[0, 0, 0]);
        },
        || {
            sys(libc::SYS_chroot, &[c"/".as_ptr() as u64]);
        },
    ] {
        killed_under(ALL_BUT_ERROR, f);
    }
}

#[test]
fn terminal_injection_is_closed_even_under_tty() {
    for f in [
        || {
            sys(libc::SYS_ioctl, &[0, libc::TIOCSTI, c"x".as_ptr() as u64]);
        },
        || {
            // The kernel reads the command as 32 bits: garbage above must not slip through.
            sys(
                libc::SYS_ioctl,
                &[0, libc::TIOCSTI | 1 << 32, c"x".as_ptr() as u64],
            );
        },
        || {
            sys(libc::SYS_ioctl, &[0, libc::TIOCLINUX, 0]);
        },
        || {
            sys(libc::SYS_ioctl, &[0, libc::TIOCCONS, 0]);
        },
    ] {
        killed_under("stdio tty", f);
    }
    // A harmless query with garbage in the upper half still works.
    run(|| {
        pledge("stdio");
        let mut n = 0i32;
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        drop(b);
        use std::os::fd::AsRawFd;
        assert_eq!(
            sys(
                libc::SYS_ioctl,
                &[
                    a.as_raw_fd() as u64,
                    libc::FIONREAD | 1 << 32,
                    &mut n as *mut i32 as u64
                ]
            ),
            0
        );
        0
    })
    .ok();
}

#[test]
fn executable_memory_needs_prot_exec_everywhere() {
    for f in [
        || {
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
        },
        || {
            let p = sys(
                libc::SYS_mmap,
                &[
                    0,
                    4096,
                    libc::PROT_READ as u64,
                    (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u64,
                    u64::MAX,
                    0,
                ],
            );
            sys(
                libc::SYS_mprotect,
                &[p as u64, 4096, (libc::PROT_READ | libc::PROT_EXEC) as u64],
            );
        },
        || {
            let p = sys(
                libc::SYS_mmap,
                &[
                    0,
                    4096,
                    libc::PROT_READ as u64,
                    (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u64,
                    u64::MAX,
                    0,
                ],
            );
            sys(
                libc::SYS_pkey_mprotect,
                &[
                    p as u64,
                    4096,
                    (libc::PROT_READ | libc::PROT_EXEC) as u64,
                    u64::MAX,
                ],
            );
        },
        || {
            sys(libc::SYS_personality, &[libc::READ_IMPLIES_EXEC as u64]);
        },
        || {
            sys(libc::SYS_shmat, &[0, 0, libc::SHM_EXEC as u64]);
        },
        || {
            // memfd that could be executed later (fexecve): refused without MFD_NOEXEC_SEAL.
            sys(
                libc::SYS_memfd_create,
                &[c"x".as_ptr() as u64, libc::MFD_CLOEXEC as u64],
            );
        },
    ] {
        killed_under("stdio rpath wpath cpath proc exec", f);
    }
    run(|| {
        pledge("stdio");
        assert!(
            sys(
                libc::SYS_memfd_create,
                &[
                    c"x".as_ptr() as u64,
                    (libc::MFD_CLOEXEC | 8/* NOEXEC_SEAL */) as u64
                ]
            ) >= 0
        );
        assert!(sys(libc::SYS_personality, &[0xffff_ffff]) >= 0);
        0
    })
    .ok();
    run(|| {
        pledge("stdio prot_exec");
        assert!(
            sys(
                libc::SYS_mmap,
                &[
                    0,
                    4096,
                    (libc::PROT_READ | libc::PROT_EXEC) as u64,
                    (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u64,
                    u64::MAX,
                    0
                ]
            ) > 0
        );
        0
    })
    .ok();
}

#[test]
fn kernel_attack_surface_is_closed() {
    for f in [
        || {
            sys(libc::SYS_bpf, &[0, 0, 0]);
        },
        || {
            sys(libc::SYS_perf_event_open, &[0, 0, u64::MAX, u64::MAX, 0]);
        },
        || {
            sys(libc::SYS_userfaultfd, &[0]);
        },
        || {
            sys(libc::SYS_add_key, &[0, 0, 0, 0, 0]);
        },
        || {
            sys(libc::SYS_keyctl, &[0, 0]);
        },
        || {
            sys(libc::SYS_seccomp, &[1, 8 /* NEW_LISTENER */, 0]);
        },
        || {
            sys(libc::SYS_init_module, &[0, 0, 0]);
        },
    ] {
        killed_under(ALL_BUT_ERROR, f);
    }
}

#[test]
fn signals_to_other_processes_need_proc() {
    killed_under("stdio", || {
        // SAFETY: getppid has no preconditions.
        sys(libc::SYS_kill, &[unsafe { libc::getppid() } as u64, 0]);
    });
    killed_under("stdio", || {
        sys(libc::SYS_tgkill, &[1, 1, 0]);
    });
    killed_under("stdio", || {
        sys(libc::SYS_kill, &[u64::MAX, 0]); // -1: every process
    });
    run(|| {
        pledge("stdio");
        // The own pid with garbage above: the kernel reads 32 bits, the filter too.
        assert_eq!(
            sys(libc::SYS_kill, &[std::process::id() as u64 | 1 << 32, 0]),
            0
        );
        0
    })
    .ok();
    run(|| {
        pledge("stdio proc");
        // SAFETY: getppid has no preconditions.
        let parent = unsafe { libc::getppid() };
        assert_eq!(sys(libc::SYS_kill, &[parent as u64, 0]), 0);
        0
    })
    .ok();
}

#[test]
fn prctl_that_weakens_the_process_is_closed() {
    for f in [
        || {
            sys(libc::SYS_prctl, &[libc::PR_SET_DUMPABLE as u64, 1]);
        },
        || {
            sys(libc::SYS_prctl, &[libc::PR_SET_PTRACER as u64, u64::MAX]);
        },
        || {
            sys(libc::SYS_prctl, &[libc::PR_SET_MM as u64, 0, 0]);
        },
    ] {
        killed_under(ALL_BUT_ERROR, f);
    }
}
