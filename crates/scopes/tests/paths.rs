//! The path promises, as OpenBSD defines them: rpath reads (directories too), wpath writes
//! existing files, cpath creates and removes, dpath makes fifos, fattr/chown/flock change
//! attributes, owners and locks; and the promises tied to a few files (tmppath, dns, getpw,
//! vminfo, ps), whose path part is enforced with Landlock. Includes the seed project's open
//! mode tests (fopen-style and open/openat with every access mode).

// The test calls libc directly, as the programs it stands for would, to see what the
// kernel allows and refuses.
#![allow(unsafe_code)]

mod common;
use common::*;
use std::fs;
use std::os::unix::fs::PermissionsExt;

/// A scratch directory outside /tmp (so tmppath tests mean something), removed on drop.
struct Scratch(std::path::PathBuf);
impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = outside_tmp_root().join(format!("paths-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("existing"), b"hello").unwrap();
        Scratch(dir)
    }
    fn path(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }
}
impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn open(path: &str, flags: i32) -> i64 {
    let c = cstr(path);
    sys(
        libc::SYS_openat,
        &[libc::AT_FDCWD as u64, ptr(&c), flags as u64, 0o644],
    )
}

#[test]
fn rpath_reads_files_and_directories_but_never_writes() {
    let s = Scratch::new("rpath");
    let (existing, new) = (s.path("existing"), s.path("new"));
    let dir = s.0.clone();
    run(move || {
        pledge("stdio rpath");
        assert_eq!(fs::read_to_string(&existing).unwrap(), "hello");
        assert!(fs::read_dir(&dir).unwrap().count() >= 1); // ls-style listing
        assert!(fs::metadata(&existing).is_ok());
        assert!(std::env::current_dir().is_ok());
        let _ = open(&new, libc::O_WRONLY | libc::O_CREAT);
        0
    })
    .killed()
    .says("needs promises \"wpath cpath\"");
    let existing = s.path("existing");
    run(move || {
        pledge("stdio rpath");
        open(&existing, libc::O_RDONLY | libc::O_TRUNC);
        0
    })
    .killed()
    .says("\"wpath\"");
}

#[test]
fn wpath_writes_existing_files_only() {
    let s = Scratch::new("wpath");
    let (existing, new) = (s.path("existing"), s.path("new"));
    run(move || {
        pledge("stdio wpath");
        let fd = open(&existing, libc::O_WRONLY | libc::O_TRUNC);
        assert!(fd >= 0, "{fd}");
        assert_eq!(
            sys(libc::SYS_write, &[fd as u64, b"bye".as_ptr() as u64, 3]),
            3
        );
        let _ = open(&new, libc::O_WRONLY | libc::O_CREAT);
        0
    })
    .killed()
    .says("\"cpath\"");
    let existing = s.path("existing");
    assert_eq!(fs::read_to_string(&existing).unwrap(), "bye");
    run(move || {
        pledge("stdio wpath");
        open(&existing, libc::O_RDONLY);
        0
    })
    .killed()
    .says("\"rpath\"");
}

#[test]
fn open_modes_need_the_matching_promises() {
    // (flags, promises that allow, promises that do not)
    let cases: &[(i32, &str, &str)] = &[
        (libc::O_RDONLY, "stdio rpath", "stdio wpath cpath"),
        (libc::O_WRONLY, "stdio wpath", "stdio rpath cpath"),
        (libc::O_RDWR, "stdio rpath wpath", "stdio wpath"),
        (
            libc::O_WRONLY | libc::O_CREAT,
            "stdio wpath cpath",
            "stdio cpath",
        ),
        (
            libc::O_RDONLY | libc::O_CREAT,
            "stdio rpath cpath",
            "stdio rpath wpath",
        ),
        (
            libc::O_RDWR | libc::O_CREAT | libc::O_TRUNC,
            "stdio rpath wpath cpath",
            "stdio wpath cpath",
        ),
        (
            libc::O_WRONLY | libc::O_APPEND,
            "stdio wpath",
            "stdio rpath",
        ),
    ];
    for (i, (flags, yes, no)) in cases.iter().copied().enumerate() {
        let s = Scratch::new(&format!("mode{i}"));
        let target = if flags & libc::O_CREAT != 0 {
            s.path("created")
        } else {
            s.path("existing")
        };
        let t = target.clone();
        run(move || {
            pledge(yes);
            let fd = open(&t, flags);
            assert!(fd >= 0, "open({t}, {flags:#o}) under {yes}: {fd}");
            0
        })
        .ok();
        let _ = fs::remove_file(s.path("created"));
        run(move || {
            pledge(no);
            open(&target, flags);
            0
        })
        .killed();
    }
}

#[test]
fn cpath_creates_and_removes_but_does_not_read_or_write() {
    let s = Scratch::new("cpath");
    let (dir, file, link, existing) = (s.path("d"), s.path("f"), s.path("l"), s.path("existing"));
    run(move || {
        pledge("stdio cpath");
        fs::create_dir(&dir).unwrap();
        fs::remove_dir(&dir).unwrap();
        std::os::unix::fs::symlink(&existing, &link).unwrap();
        fs::remove_file(&link).unwrap();
        fs::hard_link(&existing, &file).unwrap();
        fs::remove_file(&file).unwrap();
        open(&existing, libc::O_RDONLY);
        0
    })
    .killed()
    .says("\"rpath\"");
}

/// The Landlock layer of a pledge that checks no path (it is there for ptrace scoping) must not
/// stop what the promises allow: Landlock refuses reparenting in a domain that handles REFER
/// without a rule for it, so files move and link across directories as on OpenBSD.
#[test]
fn cpath_moves_and_links_across_directories() {
    let s = Scratch::new("cpath-across");
    fs::create_dir(s.path("sub")).unwrap();
    let (existing, moved, linked) = (s.path("existing"), s.path("sub/moved"), s.path("linked"));
    run(move || {
        pledge("stdio rpath cpath");
        fs::rename(&existing, &moved).unwrap();
        fs::hard_link(&moved, &linked).unwrap();
        fs::rename(&linked, &existing).unwrap();
        0
    })
    .ok();
    assert!(fs::metadata(s.path("existing")).is_ok());
    assert!(fs::metadata(s.path("sub/moved")).is_ok());
}

#[test]
fn dpath_makes_fifos() {
    let s = Scratch::new("dpath");
    let fifo = s.path("fifo");
    let f2 = fifo.clone();
    run(move || {
        pledge("stdio dpath");
        let c = cstr(&fifo);
        assert_eq!(
            sys(
                libc::SYS_mknodat,
                &[
                    libc::AT_FDCWD as u64,
                    ptr(&c),
                    (libc::S_IFIFO | 0o600) as u64,
                    0
                ]
            ),
            0
        );
        0
    })
    .ok();
    assert!(fs::metadata(&f2).is_ok());
    let s2 = Scratch::new("dpath2");
    let fifo = s2.path("fifo");
    run(move || {
        pledge("stdio cpath");
        let c = cstr(&fifo);
        sys(
            libc::SYS_mknodat,
            &[
                libc::AT_FDCWD as u64,
                ptr(&c),
                (libc::S_IFIFO | 0o600) as u64,
                0,
            ],
        );
        0
    })
    .killed()
    .says("\"dpath\"");
}

#[test]
fn fattr_changes_modes_but_never_setuid_bits_and_chown_only_to_self() {
    let s = Scratch::new("fattr");
    let existing = s.path("existing");
    let e2 = existing.clone();
    run(move || {
        pledge("stdio fattr");
        let c = cstr(&existing);
        assert_eq!(
            sys(libc::SYS_fchmodat, &[libc::AT_FDCWD as u64, ptr(&c), 0o600]),
            0
        );
        assert_eq!(
            sys(
                libc::SYS_fchmodat,
                &[libc::AT_FDCWD as u64, ptr(&c), 0o4755]
            ),
            -(libc::EPERM as i64)
        );
        assert_eq!(
            sys(libc::SYS_utimensat, &[libc::AT_FDCWD as u64, ptr(&c), 0, 0]),
            0
        );
        // SAFETY: getuid/getgid have no preconditions.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        assert_eq!(
            sys(
                libc::SYS_fchownat,
                &[libc::AT_FDCWD as u64, ptr(&c), uid as u64, gid as u64, 0]
            ),
            0
        );
        assert_eq!(
            sys(
                libc::SYS_fchownat,
                &[libc::AT_FDCWD as u64, ptr(&c), 4242, 4242, 0]
            ),
            -(libc::EPERM as i64)
        );
        0
    })
    .ok();
    assert_eq!(
        fs::metadata(&e2).unwrap().permissions().mode() & 0o7777,
        0o600
    );
    let existing = s.path("existing");
    run(move || {
        pledge("stdio chown");
        let c = cstr(&existing);
        assert_eq!(
            sys(
                libc::SYS_fchownat,
                &[libc::AT_FDCWD as u64, ptr(&c), 4242, 4242, 0]
            ),
            0
        );
        0
    })
    .ok();
}

#[test]
fn flock_locks() {
    let s = Scratch::new("flock");
    let existing = s.path("existing");
    run(move || {
        let f = fs::File::open(&existing).unwrap();
        pledge("stdio flock");
        use std::os::fd::AsRawFd;
        assert_eq!(
            sys(
                libc::SYS_flock,
                &[f.as_raw_fd() as u64, libc::LOCK_EX as u64]
            ),
            0
        );
        let mut fl: libc::flock = unsafe_zeroed_flock();
        fl.l_type = libc::F_RDLCK as i16;
        assert_eq!(
            sys(
                libc::SYS_fcntl,
                &[
                    f.as_raw_fd() as u64,
                    libc::F_GETLK as u64,
                    &mut fl as *mut libc::flock as u64
                ]
            ),
            0
        );
        0
    })
    .ok();
    let existing = s.path("existing");
    run(move || {
        let f = fs::File::open(&existing).unwrap();
        pledge("stdio");
        use std::os::fd::AsRawFd;
        sys(
            libc::SYS_flock,
            &[f.as_raw_fd() as u64, libc::LOCK_EX as u64],
        );
        0
    })
    .killed()
    .says("\"flock\"");
}

fn unsafe_zeroed_flock() -> libc::flock {
    // SAFETY: libc::flock is plain old data.
    unsafe { std::mem::MaybeUninit::zeroed().assume_init() }
}

#[test]
fn tmppath_reaches_tmp_only() {
    let s = Scratch::new("tmppath");
    let outside = s.path("outside");
    run(move || {
        pledge("stdio tmppath");
        let name = format!("/tmp/scopes-tmppath-{}", std::process::id());
        fs::write(&name, b"x").unwrap();
        assert_eq!(fs::read(&name).unwrap(), b"x");
        fs::remove_file(&name).unwrap();
        // Outside /tmp: Landlock answers EACCES (not a kill: seccomp cannot see paths).
        assert_eq!(
            fs::write(&outside, b"x").unwrap_err().raw_os_error(),
            Some(libc::EACCES)
        );
        assert_eq!(
            fs::read("/etc/hostname").unwrap_err().raw_os_error(),
            Some(libc::EACCES)
        );
        0
    })
    .ok();
}

#[test]
fn getpw_reads_passwd_and_group_never_shadow() {
    run(|| {
        pledge("stdio getpw");
        assert!(fs::read_to_string("/etc/passwd").unwrap().contains("root:"));
        assert!(fs::read_to_string("/etc/group").is_ok());
        assert_eq!(
            fs::read("/etc/shadow").unwrap_err().raw_os_error(),
            Some(libc::EACCES)
        );
        assert_eq!(
            fs::read("/etc/hostname").unwrap_err().raw_os_error(),
            Some(libc::EACCES)
        );
        // getpwuid through glibc's NSS (files); the nscd socket is refused with EACCES.
        // SAFETY: getpwuid returns a pointer into static storage or NULL.
        let pw = unsafe { libc::getpwuid(0) };
        assert!(!pw.is_null());
        0
    })
    .ok();
}

#[test]
fn rpath_looks_up_users_but_opens_no_other_unix_socket() {
    run(|| {
        pledge("stdio rpath");
        // glibc's nscd client socket answers EACCES, and the lookup reads /etc/passwd.
        // SAFETY: getpwuid returns a pointer into static storage or NULL.
        let pw = unsafe { libc::getpwuid(0) };
        assert!(!pw.is_null());
        let nscd = libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
        // SAFETY: plain system call with integer arguments.
        let fd = unsafe { libc::socket(libc::AF_UNIX, nscd, 0) };
        let err = std::io::Error::last_os_error().raw_os_error();
        assert_eq!((fd, err), (-1, Some(libc::EACCES)));
        0
    })
    .ok();
    // With "unix" too, the same socket is made: the refusal never narrows another promise.
    run(|| {
        pledge("stdio rpath unix");
        let nscd = libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
        // SAFETY: plain system call with integer arguments.
        let fd = unsafe { libc::socket(libc::AF_UNIX, nscd, 0) };
        assert!(fd >= 0, "{}", std::io::Error::last_os_error());
        0
    })
    .ok();
    // Any other unix socket is still a violation of "unix".
    run(|| {
        pledge("stdio rpath");
        // SAFETY: plain system call with integer arguments.
        unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_STREAM, 0) };
        0
    })
    .killed();
}

#[test]
fn dns_reads_resolver_files_and_resolves_localhost() {
    run(|| {
        pledge("stdio dns");
        assert!(fs::read_to_string("/etc/hosts").is_ok());
        assert_eq!(
            fs::read("/etc/passwd").unwrap_err().raw_os_error(),
            Some(libc::EACCES)
        );
        use std::net::ToSocketAddrs;
        let addrs: Vec<_> = ("localhost", 80).to_socket_addrs().unwrap().collect();
        assert!(!addrs.is_empty());
        0
    })
    .ok();
}

#[test]
fn vminfo_and_ps_read_their_proc_files() {
    run(|| {
        pledge("stdio vminfo");
        assert!(fs::read_to_string("/proc/meminfo")
            .unwrap()
            .contains("MemTotal"));
        assert!(fs::read_to_string("/proc/loadavg").is_ok());
        assert_eq!(
            fs::read("/etc/hostname").unwrap_err().raw_os_error(),
            Some(libc::EACCES)
        );
        assert_eq!(
            fs::read("/proc/1/stat").unwrap_err().raw_os_error(),
            Some(libc::EACCES)
        );
        0
    })
    .ok();
    run(|| {
        pledge("stdio ps");
        assert!(fs::read_to_string("/proc/1/stat").is_ok());
        assert!(fs::read_dir("/proc").unwrap().count() > 3);
        assert_eq!(
            fs::read("/etc/hostname").unwrap_err().raw_os_error(),
            Some(libc::EACCES)
        );
        0
    })
    .ok();
}

#[test]
fn real_programs_list_directories_and_import_modules_under_rpath() {
    // The bug the best existing Linux pledge has: ls and Python break under rpath.
    run(|| {
        pledge("stdio rpath getpw proc exec prot_exec");
        // -l looks owners up (getpw), as on OpenBSD where ls pledges "stdio rpath getpw".
        let ls = std::process::Command::new("ls")
            .arg("-la")
            .arg("/etc")
            .output()
            .unwrap();
        assert!(
            ls.status.success(),
            "{}",
            String::from_utf8_lossy(&ls.stderr)
        );
        assert!(String::from_utf8_lossy(&ls.stdout).contains("passwd"));
        let py = std::process::Command::new("/usr/bin/python3")
            .args([
                "-c",
                "import json, os; print(json.dumps(sorted(os.listdir('/etc'))[:1]))",
            ])
            .output()
            .unwrap();
        assert!(
            py.status.success(),
            "{}",
            String::from_utf8_lossy(&py.stderr)
        );
        0
    })
    .ok();
}
