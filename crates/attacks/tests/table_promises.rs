//! Attacks on the promise table: calls whose dangerous part seccomp cannot read (an address
//! inside a message header, the int behind a pointer) or that a promise let through although
//! OpenBSD's meaning of the promise does not. Each attack checks its victim: the socket that
//! must receive nothing, the file that must not be setuid, the interface that must keep its
//! addresses, the stderr that must stay empty.

// An attack: hostile code calls libc directly on purpose.
#![allow(unsafe_code)]

use std::net::{SocketAddrV4, UdpSocket};
use std::os::fd::AsRawFd as _;
use std::os::unix::fs::PermissionsExt as _;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::Command;

use attacks::table::{self, pledge, sys, Dest};
use attacks::{compile, pledge_command, run_command, run_forked, scratch, End, Link};

const SIGSYS: End = End::Signal(libc::SIGSYS);

fn root() -> bool {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if !root {
        eprintln!("skipped: this attack needs root (it is what the promise must hold back)");
    }
    root
}

/// Whether a datagram is waiting on the victim.
fn unix_received(victim: &UnixDatagram) -> bool {
    let mut buf = [0u8; 64];
    victim.recv(&mut buf).is_ok()
}

fn udp_received(victim: &UdpSocket) -> bool {
    let mut buf = [0u8; 64];
    victim.recv(&mut buf).is_ok()
}

/// Under `stdio`, a socket held from before pledge must not reach an address through
/// `sendmsg`/`sendmmsg` (seccomp cannot read `msg_name`): both calls need a socket promise or
/// `sendfd`. The victims are a named AF_UNIX datagram socket (as /dev/log is) and a UDP socket
/// on 127.0.0.1; each must receive nothing. With `unix` and `inet` the same sends arrive, so
/// the victims do see what reaches them.
#[test]
fn table_sendmsg_with_an_address_under_stdio_reaches_no_socket() {
    let dir = scratch("table-sendmsg");
    let unix_path = dir.join("victim.sock");
    let unix_victim = UnixDatagram::bind(&unix_path).unwrap();
    unix_victim.set_nonblocking(true).unwrap();
    let udp_victim = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp_victim.set_nonblocking(true).unwrap();
    let std::net::SocketAddr::V4(udp_addr) = udp_victim.local_addr().unwrap() else {
        panic!("an IPv4 address")
    };

    let send_unix = |promises: &'static str, mmsg: bool, path: &Path| {
        let path = path.to_path_buf();
        run_forked(move || {
            let sock = UnixDatagram::unbound().unwrap();
            pledge(promises);
            let r = table::send_msg_to(sock.as_raw_fd(), Dest::Unix(&path), b"unix", mmsg);
            if r == 4 {
                0
            } else {
                table::say(&format!("send: {r}"));
                1
            }
        })
    };
    let send_udp = |promises: &'static str, mmsg: bool, addr: SocketAddrV4| {
        run_forked(move || {
            let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
            pledge(promises);
            let r = table::send_msg_to(sock.as_raw_fd(), Dest::Udp(addr), b"udp!", mmsg);
            if r == 4 {
                0
            } else {
                table::say(&format!("send: {r}"));
                1
            }
        })
    };

    for mmsg in [false, true] {
        let call = if mmsg { "sendmmsg" } else { "sendmsg" };
        let child = send_unix("stdio", mmsg, &unix_path);
        assert!(
            !unix_received(&unix_victim),
            "{call} under stdio reached a named unix socket: {child:?}"
        );
        assert_eq!(child.end, SIGSYS, "{call}: {child:?}");
        assert!(child.stderr.contains(call), "{child:?}");
        assert!(
            child.stderr.contains("needs promise \"sendfd\""),
            "{child:?}"
        );

        let child = send_udp("stdio", mmsg, udp_addr);
        assert!(
            !udp_received(&udp_victim),
            "{call} under stdio reached a UDP socket: {child:?}"
        );
        assert_eq!(child.end, SIGSYS, "{call}: {child:?}");

        // The victims are live: the promises that may address sockets reach them.
        send_unix("stdio unix", mmsg, &unix_path).ok();
        assert!(unix_received(&unix_victim), "{call} under unix");
        send_udp("stdio inet", mmsg, udp_addr).ok();
        assert!(udp_received(&udp_victim), "{call} under inet");
        // What remains, as documented: under sendfd the address rides along (seccomp cannot
        // read it), so a socket held from before pledge still reaches any address.
        send_udp("stdio sendfd", mmsg, udp_addr).ok();
        assert!(udp_received(&udp_victim), "{call} under sendfd");
        send_unix("stdio sendfd", mmsg, &unix_path).ok();
        assert!(unix_received(&unix_victim), "{call} under sendfd");
    }
}

/// Under `stdio rpath`, glibc's nscd socket answers EACCES (so user lookups read the files), and
/// every other unix socket is a violation: a program must not use that refusal to reach a unix
/// stream service (nscd, a container daemon's socket). The victim is a listening socket that
/// must see no connection; with `unix` the same attempt connects, so the victim can tell.
#[test]
fn table_rpath_nscd_refusal_reaches_no_unix_service() {
    let dir = scratch("table-nscd");
    let path = dir.join("service.sock");
    let victim = std::os::unix::net::UnixListener::bind(&path).unwrap();
    victim.set_nonblocking(true).unwrap();
    let connect = |promises: &'static str, kind: i32| {
        let path = path.clone();
        run_forked(move || {
            pledge(promises);
            // SAFETY: plain system call with integer arguments.
            let fd = unsafe { libc::socket(libc::AF_UNIX, kind, 0) };
            if fd < 0 {
                table::say(&format!("socket: {}", std::io::Error::last_os_error()));
                return 2;
            }
            // SAFETY: fd is the socket just made; the address is a live sockaddr_un.
            let r = unsafe {
                let mut addr: libc::sockaddr_un = std::mem::zeroed();
                addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
                for (d, s) in addr
                    .sun_path
                    .iter_mut()
                    .zip(path.as_os_str().as_encoded_bytes())
                {
                    *d = *s as libc::c_char;
                }
                libc::connect(
                    fd,
                    (&addr as *const libc::sockaddr_un).cast(),
                    std::mem::size_of::<libc::sockaddr_un>() as libc::socklen_t,
                )
            };
            if r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EINPROGRESS) {
                0
            } else {
                1
            }
        })
    };
    let nscd = libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    let refused = connect("stdio rpath", nscd);
    assert_eq!(refused.end, End::Exit(2), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("Permission denied"),
        "{}",
        refused.stderr
    );
    for kind in [
        libc::SOCK_STREAM,
        libc::SOCK_STREAM | libc::SOCK_CLOEXEC,
        libc::SOCK_SEQPACKET,
    ] {
        assert_eq!(connect("stdio rpath", kind).end, SIGSYS, "type {kind:#x}");
    }
    assert!(
        victim.accept().is_err(),
        "a process under stdio rpath connected"
    );
    assert_eq!(connect("stdio rpath unix", nscd).end, End::Exit(0));
    assert!(
        victim.accept().is_ok(),
        "the victim sees a connection that is made"
    );
}

/// As root, creating a file with a setuid or setgid mode (`open(O_CREAT, 04755)`, `creat`)
/// makes a setuid-root program. Under every promise that may create files the call answers
/// EPERM; the victim is the file, whose mode the test reads. Without the bits the same calls
/// create the files, so the refusal is about the bits alone. mkdir needs no rule: the kernel
/// drops setuid and setgid from mkdir's mode itself (checked here too).
#[test]
fn table_created_files_never_get_setuid_or_setgid_bits() {
    if !root() {
        return;
    }
    let outside = scratch("table-setuid");
    let in_tmp = Path::new("/tmp").join(format!(
        "seccomp-scopes-table-setuid-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&in_tmp);
    std::fs::create_dir_all(&in_tmp).unwrap();
    for (promises, dir) in [
        ("stdio wpath cpath", outside.as_path()),
        ("stdio rpath wpath cpath", outside.as_path()),
        ("stdio tmppath", in_tmp.as_path()),
    ] {
        let files = [
            ("open", libc::O_CREAT | libc::O_WRONLY, 0o4755),
            (
                "open-rdwr",
                libc::O_CREAT | libc::O_RDWR | libc::O_EXCL,
                0o6755,
            ),
            (
                "openat-setgid",
                libc::O_CREAT | libc::O_WRONLY | libc::O_TRUNC,
                0o2711,
            ),
        ];
        let dir_owned = dir.to_path_buf();
        let child = run_forked(move || {
            pledge(promises);
            for (name, flags, mode) in files {
                let r = table::open_raw(&dir_owned.join(name), flags, mode);
                if r != -(libc::EPERM as i64) {
                    table::say(&format!("{name}: {r}"));
                    return 1;
                }
            }
            if table::creat_raw(&dir_owned.join("creat"), 0o4755) != -(libc::EPERM as i64) {
                return 2;
            }
            // Without the bits: allowed, and the mode is kept.
            if table::open_raw(
                &dir_owned.join("plain"),
                libc::O_CREAT | libc::O_WRONLY,
                0o755,
            ) < 0
            {
                return 3;
            }
            if promises.contains("cpath") && table::mkdir_raw(&dir_owned.join("dir"), 0o6755) != 0 {
                return 4;
            }
            0
        });
        for name in ["open", "open-rdwr", "openat-setgid", "creat", "dir"] {
            if let Ok(meta) = std::fs::metadata(dir.join(name)) {
                let mode = meta.permissions().mode();
                assert_eq!(
                    mode & 0o6000,
                    0,
                    "{promises}: {name} was created with mode {mode:o}: {child:?}"
                );
            }
        }
        child.ok();
        assert!(dir.join("plain").exists(), "{promises}");
        for name in ["open", "open-rdwr", "openat-setgid", "creat"] {
            assert!(!dir.join(name).exists(), "{promises}: {name} exists");
        }
        let _ = std::fs::remove_file(dir.join("plain"));
        let _ = std::fs::remove_dir(dir.join("dir"));
    }
    // Special files: mknod with the bits answers EPERM under dpath too.
    let dir = outside.clone();
    let child = run_forked(move || {
        let c = table::c_path(&dir.join("node"));
        pledge("stdio dpath");
        let r = sys(
            libc::SYS_mknodat,
            &[
                libc::AT_FDCWD as u64,
                c.as_ptr() as u64,
                (libc::S_IFREG | 0o4755) as u64,
                0,
            ],
        );
        i32::from(r != -(libc::EPERM as i64))
    });
    assert!(!outside.join("node").exists(), "{child:?}");
    child.ok();
    let _ = std::fs::remove_dir_all(&in_tmp);
}

const VICTIM_ADDR: &str = "127.0.0.77";

fn lo_has_victim_addr() -> bool {
    let out = Command::new("ip")
        .args(["-4", "-o", "addr", "show", "dev", "lo"])
        .output()
        .expect("running ip");
    assert!(out.status.success(), "ip addr show lo failed");
    String::from_utf8_lossy(&out.stdout).contains(&format!("inet {VICTIM_ADDR}/"))
}

fn remove_victim_addr() {
    let _ = Command::new("ip")
        .args(["addr", "del", &format!("{VICTIM_ADDR}/8"), "dev", "lo"])
        .output();
}

/// `dns` must not reconfigure the network: as root, a NETLINK_ROUTE socket lets RTM_NEWADDR
/// add an address to `lo`. Under `dns` without `netlink` the socket answers EACCES quietly
/// (no violation), and glibc's getaddrinfo with AI_ADDRCONFIG (which asks netlink which
/// families exist) still resolves: it assumes both families when it cannot ask.
#[test]
fn table_dns_cannot_add_an_address_to_lo() {
    if !root() {
        return;
    }
    if lo_has_victim_addr() {
        remove_victim_addr();
    }
    assert!(
        !lo_has_victim_addr(),
        "{VICTIM_ADDR} is on lo before the attack"
    );
    let lo = table::if_index("lo");
    assert!(lo > 0, "no lo");
    let msg = table::rtm_newaddr(lo, VICTIM_ADDR.parse().unwrap(), 8);
    let child = run_forked(move || {
        pledge("stdio dns");
        let fd = sys(
            libc::SYS_socket,
            &[
                libc::AF_NETLINK as u64,
                (libc::SOCK_RAW | libc::SOCK_CLOEXEC) as u64,
                libc::NETLINK_ROUTE as u64,
            ],
        );
        if fd < 0 {
            return if fd == -(libc::EACCES as i64) { 0 } else { 3 };
        }
        let sent = sys(
            libc::SYS_sendto,
            &[fd as u64, msg.as_ptr() as u64, msg.len() as u64, 0, 0, 0],
        );
        let mut ack = [0u8; 256];
        let got = sys(
            libc::SYS_recvfrom,
            &[
                fd as u64,
                ack.as_mut_ptr() as u64,
                ack.len() as u64,
                0,
                0,
                0,
            ],
        );
        let error = i32::from_ne_bytes([ack[16], ack[17], ack[18], ack[19]]);
        table::say(&format!(
            "netlink socket {fd} opened under dns: sent {sent}, answer {got} bytes, error {error}"
        ));
        1
    });
    let added = lo_has_victim_addr();
    if added {
        remove_victim_addr();
    }
    assert!(!added, "stdio dns added {VICTIM_ADDR} to lo: {child:?}");
    child.ok();

    run_forked(|| {
        pledge("stdio dns");
        let (rc, found) = table::getaddrinfo_addrconfig("localhost");
        if rc == 0 && found {
            0
        } else {
            table::say(&format!("getaddrinfo(localhost, AI_ADDRCONFIG): {rc}"));
            1
        }
    })
    .ok();
}

/// Watching a path is reading it: under `stdio tmppath`, a directory outside /tmp (which
/// tmppath cannot list) must not be watchable with inotify, which would report the names of
/// the files in it and every open, read and write. Under `rpath` watching is allowed.
#[test]
fn table_inotify_watches_need_rpath() {
    let dir = scratch("table-inotify");
    std::fs::write(dir.join("secret-name"), b"").unwrap();
    let watched = dir.clone();
    let child = run_forked(move || {
        // SAFETY: inotify_init1 has no memory arguments.
        let fd = unsafe { libc::inotify_init1(libc::IN_CLOEXEC | libc::IN_NONBLOCK) };
        assert!(fd >= 0);
        pledge("stdio tmppath");
        let wd = table::inotify_watch(fd, &watched);
        table::say(&format!("watch: {wd}"));
        if wd >= 0 {
            1
        } else {
            3
        }
    });
    assert_eq!(child.end, SIGSYS, "the watch was not refused: {child:?}");
    assert!(child.stderr.contains("rpath"), "{child:?}");

    let watched = dir.clone();
    run_forked(move || {
        // SAFETY: inotify_init1 has no memory arguments.
        let fd = unsafe { libc::inotify_init1(libc::IN_CLOEXEC | libc::IN_NONBLOCK) };
        pledge("stdio rpath");
        i32::from(table::inotify_watch(fd, &watched) < 0)
    })
    .ok();
}

/// What Linux cannot close (documented in semantics.md): Landlock has no hook for inotify, so
/// under `rpath` a directory that unveil hides can still be watched. Reading its files stays
/// refused. If this starts failing, the kernel confines watches: update the documentation.
#[test]
fn table_inotify_watches_pass_unveil_as_documented() {
    let dir = scratch("table-inotify-unveil");
    let (shown, hidden) = (dir.join("shown"), dir.join("hidden"));
    std::fs::create_dir_all(&shown).unwrap();
    std::fs::create_dir_all(&hidden).unwrap();
    std::fs::write(hidden.join("secret"), b"secret").unwrap();
    run_forked(move || {
        // SAFETY: inotify_init1 has no memory arguments.
        let fd = unsafe { libc::inotify_init1(libc::IN_CLOEXEC | libc::IN_NONBLOCK) };
        if scopes::unveil(Some(&shown), Some("r")).is_err() {
            return 2;
        }
        pledge("stdio rpath");
        if std::fs::read(hidden.join("secret")).is_ok() {
            return 3;
        }
        let wd = table::inotify_watch(fd, &hidden);
        if wd < 0 {
            table::say(&format!("watch: {wd}"));
            return 1;
        }
        0
    })
    .ok();
}

/// OpenBSD's `pledge("")` allows only `_exit`. The report of a violation is a write to
/// stderr, so under "" the process must die without one, and a write to fd 2 is itself a
/// violation: the captured stderr stays empty and the process dies of SIGSYS.
#[test]
fn table_empty_promises_write_nothing() {
    let child = run_forked(|| {
        pledge("");
        table::write_raw(2, b"escaped through stderr\n");
        0
    });
    assert_eq!(child.end, SIGSYS, "{child:?}");
    assert_eq!(child.stderr, "", "pledge(\"\") wrote to stderr");

    // Narrowing to "" from a reporting pledge: the report channel is closed too.
    let child = run_forked(|| {
        pledge("stdio");
        pledge("");
        table::write_raw(2, b"escaped through stderr\n");
        0
    });
    assert_eq!(child.end, SIGSYS, "{child:?}");
    assert_eq!(child.stderr, "", "pledge(\"\") after stdio wrote to stderr");

    // A violation of another kind is quiet too: no report, and still a kill.
    let child = run_forked(|| {
        pledge("");
        sys(libc::SYS_getrandom, &[0, 0, 0]);
        0
    });
    assert_eq!(child.end, SIGSYS, "{child:?}");
    assert_eq!(child.stderr, "", "pledge(\"\") reported on stderr");
}

/// A refused query must not become a dangerous value: under the command's EPERM answer, a
/// program under `-p proc` (no stdio) whose getpid() was refused got -1, and its
/// `kill(getpid(), SIGSTOP)` became `kill(-1, SIGSTOP)`. The ids of oneself are allowed
/// always; the program (which never signals anything) checks each value and says by its exit
/// status which one was unusable.
#[test]
fn table_self_queries_never_fail_under_the_command() {
    let prog = compile("table_selfquery", Link::Plain);
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() }.to_string();
    let ran = run_command(
        Command::new(pledge_command())
            .args(["-p", "proc", "--"])
            .arg(&prog)
            .arg(&uid),
    );
    assert_eq!(ran.end, End::Exit(0), "{ran:#?}");
    for call in [
        "getpid", "gettid", "getppid", "getuid", "getpgrp", "getpgid", "getsid",
    ] {
        assert!(
            !ran.stderr.contains(&format!("{call}(")),
            "{call} was refused: {ran:#?}"
        );
    }
}
