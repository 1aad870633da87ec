//! What a promise's paths reach: one promise's wide grant never lifts another's confinement,
//! writing never reaches the kernel's filesystems, and a program started under execpromises
//! is held to their paths too.

// An attack: hostile code calls libc directly on purpose.
#![allow(unsafe_code)]

use std::path::Path;

use attacks::{compile, run, scratch, Link};

fn paths() -> std::path::PathBuf {
    compile("library_paths", Link::Libpledge)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `unix` binds sockets anywhere; `tmppath` still creates and removes only under /tmp.
#[test]
fn unix_does_not_undo_tmppath() {
    let dir = scratch("unix-tmppath");
    let victim = dir.join("victim");
    let victim_dir = dir.join("victim-dir");
    std::fs::write(&victim, "keep").unwrap();
    std::fs::create_dir(&victim_dir).unwrap();
    let created = dir.join("created");
    let prog = paths();
    let set = "stdio tmppath unix";
    run(&prog, &["unlink", set, s(&victim)])
        .exited(0)
        .line("unlink: Permission denied");
    run(&prog, &["rmdir", set, s(&victim_dir)])
        .exited(0)
        .line("rmdir: Permission denied");
    run(&prog, &["create", set, s(&created)])
        .exited(0)
        .line("create: Permission denied");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
    assert!(victim_dir.is_dir());
    assert!(!created.exists());
    // /tmp itself still works.
    let in_tmp = format!("/tmp/seccomp-scopes-attack-{}", std::process::id());
    run(&prog, &["create", set, &in_tmp]).line("create: ok");
    assert!(Path::new(&in_tmp).exists());
    std::fs::remove_file(&in_tmp).unwrap();
}

/// `wpath` does not let a process rewrite its own code through /proc/self/mem (which ignores
/// page protections: code patched without `prot_exec`).
#[test]
fn wpath_does_not_write_proc_self_mem() {
    for set in [
        "stdio rpath wpath",
        "stdio rpath wpath cpath",
        "stdio rpath wpath ps",
    ] {
        run(&paths(), &["selfmem", set])
            .exited(0)
            .line("open /proc/self/mem: Permission denied");
    }
}

/// `dns` without `inet` reaches TCP port 53 only.
#[test]
fn dns_connects_to_port_53_only() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    run(&paths(), &["connect", "stdio dns", &port])
        .exited(0)
        .line("connect: Permission denied");
    run(&paths(), &["connect", "stdio dns inet", &port])
        .exited(0)
        .line("connect: ok");
}

/// A program started under execpromises `stdio getpw` reads /etc/passwd and nothing else;
/// one started under `stdio tmppath` creates files in /tmp only.
#[test]
fn started_programs_are_held_to_their_execpromises_paths() {
    let reader = compile("library_reader", Link::Static);
    let dir = scratch("exec-paths");
    let secret = dir.join("secret");
    std::fs::write(&secret, "the secret\n").unwrap();
    let prog = paths();
    let parent = "stdio rpath wpath cpath tmppath getpw proc exec";
    let ran = run(
        &prog,
        &[
            "exec",
            parent,
            "stdio getpw",
            s(&reader),
            "read",
            s(&secret),
        ],
    );
    ran.exited(0).line("read: Permission denied");
    assert!(!ran.stdout.contains("the secret"), "{ran:#?}");
    run(
        &prog,
        &[
            "exec",
            parent,
            "stdio getpw",
            s(&reader),
            "read",
            "/etc/passwd",
        ],
    )
    .exited(0)
    .line("status: exit 0");
    if Path::new("/etc/shadow").exists() {
        run(
            &prog,
            &[
                "exec",
                parent,
                "stdio getpw",
                s(&reader),
                "read",
                "/etc/shadow",
            ],
        )
        .exited(0)
        .line("read: Permission denied");
    }
    let outside = dir.join("made-by-tmppath");
    run(
        &prog,
        &[
            "exec",
            parent,
            "stdio tmppath",
            s(&reader),
            "create",
            s(&outside),
        ],
    )
    .exited(0)
    .line("create: Permission denied");
    assert!(!outside.exists());
}

/// A program started by a pledged process (with or without execpromises) can pledge itself
/// narrower, as every process of a pledged tree can.
#[test]
fn a_started_program_can_narrow() {
    let prog = paths();
    let parent = "stdio rpath proc exec prot_exec";
    for execpromises in ["stdio rpath prot_exec exec", "NULL"] {
        let ran = run(
            &prog,
            &[
                "exec",
                parent,
                execpromises,
                s(&prog),
                "repledge",
                "stdio rpath",
                "stdio",
            ],
        );
        ran.exited(0).line("repledge: ok").line("status: exit 0");
    }
}

/// A program started under execpromises holds only their capabilities (root here): `rpath`'s
/// (DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER: 0xe), not CHOWN, which the parent kept for `chown`.
#[test]
fn started_programs_hold_only_their_execpromises_capabilities() {
    if unsafe_free_euid() != 0 {
        eprintln!("skipped: needs root, to hold capabilities at all");
        return;
    }
    let status = compile("caps_status", Link::Libpledge);
    let ran = run(
        &paths(),
        &[
            "exec",
            "stdio rpath fattr chown proc exec prot_exec",
            "stdio rpath prot_exec",
            s(&status),
            "-",
        ],
    );
    ran.exited(0).line("status: exit 0");
    assert!(ran.stdout.contains("CapEff:\t000000000000000e"), "{ran:#?}");
    assert!(ran.stdout.contains("CapPrm:\t000000000000000e"), "{ran:#?}");
}

/// The effective user id, from /proc (no unsafe code in tests).
fn unsafe_free_euid() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let uid = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    uid.split_whitespace().nth(2).unwrap().parse().unwrap()
}
