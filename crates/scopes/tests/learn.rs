//! The learning library: from observed calls to a suggestion, checked against the policy table
//! and against the compiled filter itself.

use std::path::{Path, PathBuf};

use scopes::bpf::interp::{run, SeccompData};
use scopes::bpf::ret;
use scopes::compiler::{compile, Target};
use scopes::learn::{minimum_hitting_set, Example, Learner, Observed, Outcome, Probe};
use scopes::policy::{decide_by_name, Context, Decision};
use scopes::{Arch, Permissions, Promise, Promises};

const CTX: Context = Context {
    pid: 4242,
    uid: 1000,
    gid: 1000,
};
const AT_FDCWD: u64 = libc::AT_FDCWD as u32 as u64;

fn example(call: &str) -> impl FnOnce() -> Example + '_ {
    move || Example {
        pid: 4242,
        program: "prog".into(),
        call: call.into(),
    }
}

fn open(path: &str, flags: i32, access: Permissions) -> Observed {
    let mut o = Observed::plain("openat", [AT_FDCWD, 0x1000, flags as u64, 0o644, 0, 0]);
    o.paths.push((PathBuf::from(path), access));
    o
}

fn set(words: &str) -> Promises {
    words.parse().unwrap()
}

/// What `cat /etc/hostname` does after its loader.
fn cat(l: &mut Learner) {
    l.record(
        Observed::plain("fstat", [1, 0x1000, 0, 0, 0, 0]),
        example("fstat"),
    );
    l.record(
        open("/etc/hostname", libc::O_RDONLY, Permissions::READ),
        example("openat hostname"),
    );
    l.touched()
        .add(Path::new("/etc/hostname"), Permissions::READ);
    l.record(
        Observed::plain("read", [3, 0x1000, 131072, 0, 0, 0]),
        example("read"),
    );
    l.record(
        Observed::plain("write", [1, 0x1000, 5, 0, 0, 0]),
        example("write"),
    );
    l.record(
        Observed::plain("close", [3, 0, 0, 0, 0, 0]),
        example("close"),
    );
    l.record(Observed::plain("exit_group", [0; 6]), example("exit_group"));
}

#[test]
fn cat_needs_stdio_and_rpath_with_one_reason_each() {
    let mut l = Learner::new(CTX);
    cat(&mut l);
    let s = l.suggest(|_| true, |_, _, _| false, None);
    assert_eq!(s.promises, set("stdio rpath"));
    let reasons: Vec<(Promise, &str)> = s
        .reasons
        .iter()
        .map(|(p, e)| (*p, e.call.as_str()))
        .collect();
    assert_eq!(reasons[1], (Promise::Rpath, "openat hostname"));
    assert_eq!(reasons.len(), 2);
    assert!(s.unmet.is_empty());
    assert_eq!(
        s.unveil,
        vec![(PathBuf::from("/etc/hostname"), Permissions::READ)]
    );
    assert_eq!(l.calls(), 6);
}

#[test]
fn the_suggestion_passes_the_compiled_filter_and_no_smaller_set_does() {
    // The same calls, run through the BPF the enforcement installs.
    let calls: Vec<(&str, [u64; 6])> = vec![
        ("fstat", [1, 0x1000, 0, 0, 0, 0]),
        ("openat", [AT_FDCWD, 0x1000, libc::O_RDONLY as u64, 0, 0, 0]),
        ("read", [3, 0x1000, 131072, 0, 0, 0]),
        (
            "socket",
            [libc::AF_INET as u64, libc::SOCK_STREAM as u64, 0, 0, 0, 0],
        ),
        ("clone", [0x1200011, 0, 0, 0, 0, 0]),
        (
            "mmap",
            [0, 4096, (libc::PROT_READ | libc::PROT_EXEC) as u64, 2, 3, 0],
        ),
    ];
    let mut l = Learner::new(CTX);
    for (name, args) in &calls {
        let mut o = Observed::plain(name, *args);
        if *name == "openat" {
            // Not a resolver file: dns would do for /etc/hosts.
            o.paths.push(("/etc/hostname".into(), Permissions::READ));
        }
        l.record(o, example(name));
    }
    let s = l.suggest(|_| true, |_, _, _| false, None);
    assert_eq!(s.promises, set("stdio rpath inet proc prot_exec"));
    let arch = Arch::native();
    let passes = |promises: Promises| {
        let target = Target {
            arch,
            ctx: CTX,
            violation: ret::KILL_PROCESS,
            reporting: false,
        };
        let prog = compile(promises, &target);
        calls.iter().all(|(name, args)| {
            let data = SeccompData {
                nr: arch.syscall_nr(name).unwrap() as i32,
                arch: arch.audit_arch(),
                instruction_pointer: 0,
                args: *args,
            };
            run(&prog, &data) == Ok(ret::ALLOW)
        })
    };
    assert!(passes(s.promises));
    for p in s.promises.iter() {
        assert!(!passes(s.promises.without(p)), "still passes without {p}");
    }
}

#[test]
fn fallback_calls_are_judged_by_what_libc_falls_back_to() {
    let mut l = Learner::new(CTX);
    // pthread_create's clone3, and statx on a descriptor: stdio is enough for both.
    let mut thread = Observed::plain("clone3", [0x1000, 88, 0, 0, 0, 0]);
    thread.struct_flags = Some(0x3d0f00);
    l.record(thread, example("clone3 thread"));
    l.record(
        Observed::plain("statx", [3, 0x1000, 0x1000, 0x7ff, 0x2000, 0]),
        example("statx fd"),
    );
    // io_uring: no fallback libc knows; it fails with ENOSYS under any promise.
    l.record(
        Observed::plain("io_uring_setup", [8, 0x1000, 0, 0, 0, 0]),
        example("io_uring_setup"),
    );
    let s = l.suggest(|_| true, |_, _, _| false, None);
    assert_eq!(s.promises, set("stdio"));
    assert_eq!(s.unmet.len(), 1);
    assert_eq!(s.unmet[0].outcome, Outcome::Errno(libc::ENOSYS));
    assert_eq!(s.unmet[0].example.call, "io_uring_setup");
}

#[test]
fn glibcs_nscd_probe_asks_for_getpw_not_unix() {
    let mut l = Learner::new(CTX);
    l.record(Observed::plain("read", [0; 6]), example("read"));
    l.record(
        open(
            "/etc/passwd",
            libc::O_RDONLY | libc::O_CLOEXEC,
            Permissions::READ,
        ),
        example("open passwd"),
    );
    let nscd = [
        libc::AF_UNIX as u64,
        (libc::SOCK_STREAM | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK) as u64,
        0,
        0,
        0,
        0,
    ];
    l.record(Observed::plain("socket", nscd), example("socket"));
    let mut connect = Observed::plain("connect", [3, 0x1000, 110, 0, 0, 0]);
    connect.fails_anyway = true; // /var/run/nscd/socket does not exist
    l.record(connect, example("connect"));
    let s = l.suggest(|_| true, |_, _, _| false, None);
    assert_eq!(s.promises, set("stdio getpw"));
    // Under getpw the probe answers EACCES and glibc reads the files.
    assert_eq!(
        decide_by_name(s.promises, false, &CTX, "socket", &nscd),
        Decision::Errno(libc::EACCES)
    );
    // So the connect after it is never made: nothing to say about it under -k.
    assert!(
        !s.unmet.iter().any(|u| u.example.call == "connect"),
        "{:?}",
        s.unmet
    );
}

#[test]
fn paths_are_left_to_the_caller_to_keep_and_collapse() {
    let mut l = Learner::new(CTX);
    for f in ["a.gz", "b.gz", "c.gz"] {
        let path = format!("/srv/out/{f}");
        let mut create = open(&path, libc::O_WRONLY | libc::O_CREAT, Permissions::WRITE);
        create.paths.push(("/srv/out".into(), Permissions::CREATE));
        l.record(create, example("create"));
        l.touched()
            .add_change(Path::new("/srv/out"), Some(Path::new(&path)));
        l.touched().add(Path::new(&path), Permissions::WRITE);
    }
    l.touched()
        .add(Path::new("/etc/localtime"), Permissions::READ);
    // /etc/localtime is implied by every pledge; the caller says it stays reachable.
    let s = l.suggest(
        |_| true,
        |p, a, promises| scopes::learn::implied(promises, p, a),
        None,
    );
    assert_eq!(s.promises, set("wpath cpath"));
    assert_eq!(
        s.unveil,
        vec![(PathBuf::from("/srv/out"), "wc".parse().unwrap())]
    );
}

#[test]
fn hitting_sets_are_minimal_and_every_promise_has_a_reason() {
    // Pseudo-random requirement lists over a few promises; the answer must be as small as
    // brute force finds, and removing any promise must leave a requirement unmet.
    let pool: Vec<Promise> = [
        "stdio", "rpath", "wpath", "cpath", "tmppath", "inet", "dns", "unix", "proc",
    ]
    .iter()
    .map(|w| Promise::from_word(w).unwrap())
    .collect();
    let mut seed = 0x9e37_79b9_u32;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    for _ in 0..200 {
        let reqs: Vec<Vec<Promises>> = (0..(next() % 5 + 1))
            .map(|_| {
                (0..(next() % 3 + 1))
                    .map(|_| {
                        (0..(next() % 2 + 1))
                            .map(|_| pool[(next() as usize) % pool.len()])
                            .collect()
                    })
                    .collect()
            })
            .collect();
        let got = minimum_hitting_set(&reqs);
        let hits = |s: Promises| reqs.iter().all(|r| r.iter().any(|a| a.is_subset(&s)));
        assert!(hits(got), "{reqs:?} -> {got:?}");
        for p in got.iter() {
            assert!(
                !hits(got.without(p)),
                "{p} is not needed in {got:?} for {reqs:?}"
            );
        }
        let best = (0u32..1 << pool.len())
            .map(|m| {
                pool.iter()
                    .enumerate()
                    .filter(|(i, _)| m & (1 << i) != 0)
                    .map(|(_, p)| *p)
                    .collect::<Promises>()
            })
            .filter(|s| hits(*s))
            .map(|s| s.iter().count())
            .min()
            .unwrap();
        assert_eq!(got.iter().count(), best, "{reqs:?}");
    }
}

// Needs, not probes.

fn stdio_only(l: &mut Learner) {
    l.record(
        Observed::plain("read", [0, 0x1000, 4096, 0, 0, 0]),
        example("read"),
    );
}

#[test]
fn learn_lookups_of_missing_paths_are_probes_not_needs() {
    let mut l = Learner::new(CTX);
    stdio_only(&mut l);
    let mut probe = open(
        "/usr/share/locale/xx/LC_MESSAGES/prog.mo",
        libc::O_RDONLY,
        Permissions::READ,
    );
    probe.probe = Some(Probe::Missing);
    l.record(probe, example("openat catalog"));
    let mut served = open("/dev/null", libc::O_RDONLY, Permissions::READ);
    served.probe = Some(Probe::Harmless);
    l.record(served, example("openat null"));
    let s = l.suggest(|_| true, |_, _, _| false, None);
    assert_eq!(s.promises, set("stdio"));
    assert!(s.unmet.is_empty(), "{:?}", s.unmet);
    // The probe is listed, with its fate under the suggestion, and the set that lets it through.
    let missing = s
        .left_out
        .iter()
        .find(|p| p.probe == Probe::Missing)
        .unwrap();
    assert_eq!(missing.outcome, Some(Outcome::Violation));
    assert_eq!(s.with_probes, set("stdio rpath"));
    let harmless = s
        .left_out
        .iter()
        .find(|p| p.probe == Probe::Harmless)
        .unwrap();
    assert_eq!(harmless.outcome, None);
    // Not a probe: the same open is a need.
    let mut l = Learner::new(CTX);
    stdio_only(&mut l);
    l.record(
        open("/usr/share/doc/x", libc::O_RDONLY, Permissions::READ),
        example("openat doc"),
    );
    assert_eq!(
        l.suggest(|_| true, |_, _, _| false, None).promises,
        set("stdio rpath")
    );
}

#[test]
fn learn_a_processs_own_proc_never_asks_for_ps() {
    let readlink = |avoid: Promises| {
        let mut o = Observed::plain("readlink", [0x1000, 0x2000, 4096, 0, 0, 0]);
        o.paths.push(("/proc/self/exe".into(), Permissions::READ));
        o.metadata = true;
        o.avoid = avoid;
        o
    };
    // Left to the table, ps is the narrowest reader of /proc.
    let mut l = Learner::new(CTX);
    stdio_only(&mut l);
    l.record(readlink(Promises::EMPTY), example("readlink"));
    assert_eq!(
        l.suggest(|_| true, |_, _, _| false, None).promises,
        set("stdio ps")
    );
    // The observer marks self-queries: rpath.
    let mut l = Learner::new(CTX);
    stdio_only(&mut l);
    l.record(readlink(set("ps")), example("readlink"));
    assert_eq!(
        l.suggest(|_| true, |_, _, _| false, None).promises,
        set("stdio rpath")
    );
}

#[test]
fn learn_a_file_in_tmp_the_program_did_not_create_is_read_with_rpath() {
    let read = |avoid: Promises| {
        let mut o = open("/tmp/input", libc::O_RDONLY, Permissions::READ);
        o.avoid = avoid;
        o
    };
    let mut l = Learner::new(CTX);
    stdio_only(&mut l);
    l.record(read(set("tmppath")), example("openat input"));
    l.touched().add(Path::new("/tmp/input"), Permissions::READ);
    let s = l.suggest(
        |_| true,
        |p, a, promises| scopes::learn::implied(promises, p, a),
        None,
    );
    assert_eq!(s.promises, set("stdio rpath"));
    assert_eq!(
        s.unveil,
        vec![(PathBuf::from("/tmp/input"), Permissions::READ)]
    );
    // Without the mark it would be tmppath (create and remove anything in /tmp).
    let mut l = Learner::new(CTX);
    stdio_only(&mut l);
    l.record(read(Promises::EMPTY), example("openat input"));
    assert_eq!(
        l.suggest(|_| true, |_, _, _| false, None).promises,
        set("stdio tmppath")
    );
}

#[test]
fn learn_metadata_queries_take_what_the_other_calls_need() {
    let stat = |path: &str| {
        let mut o = Observed::plain("newfstatat", [AT_FDCWD, 0x1000, 0x2000, 0, 0, 0]);
        o.paths.push((path.into(), Permissions::READ));
        o.metadata = true;
        o
    };
    let mut l = Learner::new(CTX);
    stdio_only(&mut l);
    l.record(
        open(
            "/etc/passwd",
            libc::O_RDONLY | libc::O_CLOEXEC,
            Permissions::READ,
        ),
        example("openat passwd"),
    );
    l.record(stat("/"), example("stat /"));
    assert_eq!(
        l.suggest(|_| true, |_, _, _| false, None).promises,
        set("stdio getpw")
    );
    // Alone, the path picks the promise: rpath, not whichever reader is narrowest.
    let mut l = Learner::new(CTX);
    stdio_only(&mut l);
    l.record(stat("/usr/share/doc"), example("stat doc"));
    assert_eq!(
        l.suggest(|_| true, |_, _, _| false, None).promises,
        set("stdio rpath")
    );
}

#[test]
fn learn_unveil_entries_are_explained_and_never_hold_secrets() {
    let mut l = Learner::new(CTX);
    stdio_only(&mut l);
    for f in ["passwd", "group", "nsswitch.conf"] {
        let path = Path::new("/etc").join(f);
        l.record(
            open(path.to_str().unwrap(), libc::O_RDONLY, Permissions::READ),
            example("openat etc"),
        );
        l.touched().add(&path, Permissions::READ);
        l.used_by(&path, example("openat etc"));
    }
    l.touched().add(Path::new("/srv/data"), Permissions::READ);
    l.used_by(Path::new("/srv/data"), example("openat data"));
    l.touched().add(Path::new("/etc/shadow"), Permissions::READ);
    let s = l.suggest(
        |_| true,
        |p, a, promises| scopes::learn::implied(promises, p, a),
        Some(Path::new("/home/ann")),
    );
    assert_eq!(
        s.unveil,
        vec![(PathBuf::from("/srv/data"), Permissions::READ)]
    );
    assert_eq!(s.unveil_reasons[0].as_ref().unwrap().call, "openat data");
    assert_eq!(
        s.withheld,
        vec![(PathBuf::from("/etc/shadow"), Permissions::READ)]
    );
}

#[test]
fn learn_harmless_reads_and_secrets_are_one_table() {
    use scopes::policy::harmless::{holds_secrets, is_harmless_read, Place, HARMLESS};
    for h in HARMLESS {
        assert!(!h.why.is_empty());
        let (Place::File(path) | Place::Beneath(path)) = h.place else {
            continue;
        };
        // Nothing harmless is a secret or holds one.
        let p = Path::new(path);
        assert!(
            !scopes::policy::harmless::is_secret(p, None) && !holds_secrets(p, None),
            "{path}"
        );
    }
    for ok in [
        "/usr/share/locale/de/LC_MESSAGES/coreutils.mo",
        "/usr/lib/locale/C.utf8/LC_CTYPE",
        "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules",
        "/etc/localtime",
        "/usr/share/zoneinfo/Europe/Paris",
        "/dev/null",
        "/proc/self/maps",
        "/proc/sys/vm/overcommit_memory",
    ] {
        assert!(is_harmless_read(Path::new(ok)), "{ok}");
    }
    for no in [
        "/etc/passwd",
        "/proc/self/mem",
        "/proc/1/maps",
        "/usr/share/doc",
        "/dev/tty",
        "/tmp/x",
    ] {
        assert!(!is_harmless_read(Path::new(no)), "{no}");
    }
}
