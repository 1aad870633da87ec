//! The OCI seccomp profile: valid against the runtime-spec schema, and, loaded by libseccomp
//! the way runc loads it (a small C consumer compiled here), it decides like the library's own
//! filter: compared instruction by instruction through the interpreter on random calls, and
//! live, by installing both and making the same system calls.
//!
//! Needs the Debian packages libseccomp-dev, libjson-c-dev and python3-jsonschema.

// The test calls libc directly, as the programs it stands for would, to see what the
// kernel allows and refuses.
#![allow(unsafe_code)]

mod common;
mod export_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::End;
use export_support::{compile_c, decode, python_with_jsonschema, run, Rng, Scratch};
use scopes::bpf::interp::{self, SeccompData};
use scopes::bpf::{ret, Insn};
use scopes::export::{self, STATIC_CONTEXT};
use scopes::{Arch, Penalty, Pledge, Promises};

const SETS: &[&str] = &[
    "",
    "stdio",
    "stdio rpath",
    "stdio rpath wpath cpath fattr flock",
    "stdio inet dns",
    "stdio unix dns getpw",
    "stdio tty proc",
    "stdio inet mcast netlink",
    "stdio error",
    "stdio rpath wpath cpath dpath tmppath inet mcast fattr chown flock unix dns getpw sendfd recvfd tty proc exec \
     prot_exec settime ps vminfo id unveil netlink",
];

fn support(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/export_support")
        .join(name)
}

fn write_profile(dir: &Scratch, tag: &str, promises: Promises, arches: &[Arch]) -> PathBuf {
    let path = dir.path(&format!("{tag}.json"));
    std::fs::write(&path, export::oci(promises, arches).output).unwrap();
    path
}

fn check_profiles(paths: &[PathBuf]) -> (bool, String) {
    let out = run(
        Command::new(python_with_jsonschema())
            .arg(support("check_oci.py"))
            .arg(support("oci_schema.json"))
            .args(paths),
        "python3-jsonschema",
    );
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn profiles_match_the_runtime_spec_schema() {
    let dir = Scratch::new("schema");
    let mut paths = Vec::new();
    for (i, set) in SETS.iter().enumerate() {
        let promises: Promises = set.parse().unwrap();
        paths.push(write_profile(&dir, &format!("native{i}"), promises, &[]));
        paths.push(write_profile(
            &dir,
            &format!("multi{i}"),
            promises,
            Arch::ALL,
        ));
    }
    let (ok, text) = check_profiles(&paths);
    assert!(ok, "{text}");
    assert_eq!(
        text.lines().filter(|l| l.starts_with("ok ")).count(),
        paths.len(),
        "{text}"
    );
}

#[test]
fn the_schema_check_rejects_broken_profiles() {
    let dir = Scratch::new("broken");
    let good = export::oci("stdio".parse().unwrap(), &[]).output;
    let cases = [
        (
            "badop",
            good.replacen(
                "\"op\": \"SCMP_CMP_MASKED_EQ\"",
                "\"op\": \"SCMP_CMP_SOMETIMES\"",
                1,
            ),
            "schema",
        ),
        (
            "badarch",
            good.replace("\"SCMP_ARCH_X86_64\"", "\"SCMP_ARCH_VAX\""),
            "schema",
        ),
        (
            "nonames",
            good.replacen("\"names\": [\"seccomp\"]", "\"names\": []", 1),
            "schema",
        ),
        (
            "default",
            good.replacen(
                "\"action\": \"SCMP_ACT_ALLOW\"",
                "\"action\": \"SCMP_ACT_KILL_PROCESS\"",
                1,
            ),
            "default",
        ),
        (
            "repeat",
            good.replacen("{\"index\": 1,", "{\"index\": 0,", 1),
            "repeats an argument index",
        ),
    ];
    for (tag, text, expected) in cases {
        assert_ne!(text, good, "{tag}: the mutation must change the profile");
        let path = dir.path(&format!("{tag}.json"));
        std::fs::write(&path, text).unwrap();
        let (ok, out) = check_profiles(&[path]);
        assert!(
            !ok && out.contains(expected),
            "{tag} should be refused with \"{expected}\": {out}"
        );
    }
}

/// libseccomp's program for a profile, and the names it could not resolve.
fn libseccomp_program(loader: &Path, profile: &Path, dir: &Scratch) -> (Vec<Insn>, Vec<String>) {
    let out_path = dir.path("profile.bpf");
    let out = run(
        Command::new(loader)
            .arg(profile)
            .arg("export")
            .arg(&out_path),
        "libseccomp-dev",
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "oci_loader export: {stderr}");
    let unknown = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("unknown "))
        .map(str::to_string)
        .collect();
    (decode(&std::fs::read(&out_path).unwrap()), unknown)
}

/// Argument values worth trying: the table's constants under the static context, with the
/// upper half dirtied and single bits flipped, plus random words.
fn interesting_values() -> Vec<u64> {
    let mut vals = vec![
        0,
        1,
        2,
        3,
        4,
        31,
        u32::MAX as u64,
        u64::MAX,
        1 << 32,
        0x8000_0000,
    ];
    for rule in scopes::policy::table::RULES {
        for check in rule.checks {
            for v in check.values {
                let v = STATIC_CONTEXT.resolve(*v);
                vals.extend([
                    v,
                    v | 0xdead_0000_0000_0000,
                    v ^ 1,
                    v ^ check.mask,
                    v | 0x1_0000_0000,
                ]);
            }
        }
    }
    vals.sort_unstable();
    vals.dedup();
    vals
}

fn is_kill(action: u32) -> bool {
    matches!(
        action & ret::ACTION_FULL,
        ret::KILL_PROCESS | ret::KILL_THREAD
    )
}

#[test]
fn libseccomp_builds_the_library_filter_from_the_profile() {
    let dir = Scratch::new("differential");
    let loader = compile_c(&dir, "oci_loader", &["-lseccomp", "-ljson-c"]);
    let vals = interesting_values();
    let mut rng = Rng(0x0c1_5eed);
    for (i, set) in SETS.iter().enumerate() {
        let promises: Promises = set.parse().unwrap();
        let violation = export::violation_action(promises);
        let arch_lists: [&[Arch]; 2] = [&[Arch::X86_64], Arch::ALL];
        for arches in arch_lists {
            let profile = write_profile(&dir, &format!("p{i}"), promises, arches);
            let (theirs, unknown) = libseccomp_program(&loader, &profile, &dir);
            assert!(
                theirs.len() <= scopes::compiler::MAX_INSNS,
                "\"{set}\": {} instructions",
                theirs.len()
            );
            for arch in arches {
                let ours = decode(&export::bpf(promises, *arch).output);
                let table = arch.syscalls();
                for n in 0..4000 {
                    let (name, nr) = table.get(rng.below(table.len() as u64) as usize);
                    let mut args = [0u64; 6];
                    for a in &mut args {
                        *a = if rng.below(5) == 0 {
                            rng.next()
                        } else {
                            vals[rng.below(vals.len() as u64) as usize]
                        };
                    }
                    if n % 3 == 0 {
                        // Concentrate on the calls that have argument checks.
                        args = [vals[rng.below(vals.len() as u64) as usize]; 6];
                        args[rng.below(6) as usize] = rng.next();
                    }
                    let data = SeccompData {
                        nr: nr as i32,
                        arch: arch.audit_arch(),
                        instruction_pointer: 0,
                        args,
                    };
                    let got = interp::run(&theirs, &data).expect("libseccomp's program runs");
                    let expected = if unknown.iter().any(|u| u == name) {
                        violation // the runtime skipped the name: the default action
                    } else {
                        interp::run(&ours, &data).unwrap()
                    };
                    assert_eq!(
                        got,
                        expected,
                        "\"{set}\" on {arch}: {name}{args:x?}: libseccomp {} vs library {}",
                        scopes::bpf::action_name(got),
                        scopes::bpf::action_name(expected)
                    );
                }
                // Numbers past the table meet the default action (the library: ENOSYS, listed
                // as stricter); other ABIs are killed by both.
                let past = table.last().unwrap().1 + 1 + rng.below(50) as u32;
                let data = SeccompData {
                    nr: past as i32,
                    arch: arch.audit_arch(),
                    ..Default::default()
                };
                assert_eq!(
                    interp::run(&theirs, &data).unwrap(),
                    violation,
                    "{arch} nr {past}"
                );
                let i386 = SeccompData {
                    nr: 20,
                    arch: 0x4000_0003,
                    ..Default::default()
                };
                assert!(
                    is_kill(interp::run(&theirs, &i386).unwrap())
                        && is_kill(interp::run(&ours, &i386).unwrap())
                );
                if *arch == Arch::X86_64 {
                    let x32 = SeccompData {
                        nr: 0x4000_0027,
                        arch: arch.audit_arch(),
                        ..Default::default()
                    };
                    assert!(
                        is_kill(interp::run(&theirs, &x32).unwrap()),
                        "x32 getpid must be killed"
                    );
                }
            }
        }
    }
}

/// An argument for a live sample: a number, or the calling process's own pid.
#[derive(Clone, Copy)]
enum Arg {
    N(u64),
    OwnPid,
}
use Arg::{OwnPid, N};

const AT_FDCWD: u64 = -100i64 as u64;
const HI: u64 = 1 << 32;

/// (promises, call, arguments, what the library's filter and the loaded profile must do).
/// `None`: the same as each other (and both observed). `Some((library, profile))`: a listed
/// approximation, with both outcomes spelled out.
type Sample = (&'static str, &'static str, [Arg; 6], Option<(End, End)>);

fn samples() -> Vec<Sample> {
    let z = N(0);
    let killed = End::Signal(libc::SIGSYS);
    vec![
        ("", "getpid", [z; 6], None),
        ("", "clock_gettime", [z; 6], None),
        ("stdio", "getpid", [z; 6], None),
        ("stdio", "ptrace", [z; 6], None),
        ("stdio", "socket", [N(2), N(1), z, z, z, z], None),
        ("stdio inet", "socket", [N(2), N(1), z, z, z, z], None),
        ("stdio inet", "socket", [N(2 | HI), N(1), z, z, z, z], None),
        (
            "stdio inet",
            "socket",
            [N(10), N(2 | 0x80800), N(17), z, z, z],
            None,
        ),
        ("stdio inet", "socket", [N(2), N(3), z, z, z, z], None),
        ("stdio inet", "socket", [N(17), N(3), z, z, z, z], None),
        ("stdio dns", "socket", [N(1), N(1), z, z, z, z], None),
        ("stdio unix dns", "socket", [N(1), N(1), z, z, z, z], None),
        (
            "stdio",
            "mmap",
            [z, N(4096), N(3), N(0x22), N(u64::MAX), z],
            None,
        ),
        (
            "stdio",
            "mmap",
            [z, N(4096), N(5), N(0x22), N(u64::MAX), z],
            None,
        ),
        (
            "stdio",
            "mmap",
            [z, N(4096), N(4 | HI), N(0x22), N(u64::MAX), z],
            None,
        ),
        (
            "stdio prot_exec",
            "mmap",
            [z, N(4096), N(5), N(0x22), N(u64::MAX), z],
            None,
        ),
        ("stdio", "madvise", [z, z, N(4), z, z, z], None),
        ("stdio", "madvise", [z, z, N(12), z, z, z], None),
        (
            "stdio tty",
            "ioctl",
            [N(u32::MAX as u64), N(0x5412), z, z, z, z],
            None,
        ),
        (
            "stdio tty",
            "ioctl",
            [N(u32::MAX as u64), N(0x5412 | HI), z, z, z, z],
            None,
        ),
        (
            "stdio tty",
            "ioctl",
            [N(u32::MAX as u64), N(0x5401 | HI), z, z, z, z],
            None,
        ),
        ("stdio", "clone3", [z; 6], None),
        ("stdio", "openat2", [z; 6], None),
        ("stdio", "io_uring_setup", [z; 6], None),
        ("stdio", "clone", [N(0x1000_0000 | 17), z, z, z, z, z], None),
        (
            "stdio",
            "getsockopt",
            [N(u32::MAX as u64), N(1), N(4), z, z, z],
            None,
        ),
        (
            "stdio",
            "getsockopt",
            [N(u32::MAX as u64), N(1), N(2), z, z, z],
            None,
        ),
        (
            "stdio",
            "getsockopt",
            [N(u32::MAX as u64), N(99), N(1), z, z, z],
            None,
        ),
        (
            "stdio inet",
            "setsockopt",
            [N(u32::MAX as u64), N(1), N(2), z, z, z],
            None,
        ),
        ("stdio", "rt_sigaction", [N(31), z, z, N(8), z, z], None),
        ("stdio", "rt_sigaction", [N(31), N(8), z, N(8), z, z], None),
        (
            "stdio",
            "rt_sigaction",
            [N(31 | HI), N(8), z, N(8), z, z],
            None,
        ),
        ("stdio", "rt_sigaction", [N(10), N(8), z, N(8), z, z], None),
        ("stdio", "kill", [z, z, z, z, z, z], None),
        ("stdio", "kill", [N(1), z, z, z, z, z], None),
        ("stdio proc", "kill", [N(1), z, z, z, z, z], None),
        (
            "stdio",
            "personality",
            [N(0xffff_ffff), z, z, z, z, z],
            None,
        ),
        ("stdio", "personality", [N(8), z, z, z, z, z], None),
        ("stdio", "seccomp", [N(1), N(8), z, z, z, z], None),
        ("stdio", "seccomp", [N(1), z, z, z, z, z], None),
        ("stdio rpath", "openat", [N(AT_FDCWD), z, z, z, z, z], None),
        (
            "stdio rpath",
            "openat",
            [N(AT_FDCWD), z, N(1), z, z, z],
            None,
        ),
        (
            "stdio rpath wpath",
            "openat",
            [N(AT_FDCWD), z, N(2), z, z, z],
            None,
        ),
        (
            "stdio fattr",
            "fchown",
            [
                N(u32::MAX as u64),
                N(u32::MAX as u64),
                N(u32::MAX as u64),
                z,
                z,
                z,
            ],
            None,
        ),
        ("stdio error", "socket", [N(2), N(1), z, z, z, z], None),
        ("stdio error", "ptrace", [z; 6], None),
        // Listed approximations: the process's own pid and ids are unknown to a static profile.
        (
            "stdio",
            "kill",
            [OwnPid, z, z, z, z, z],
            Some((End::Exit(0), killed)),
        ),
        (
            "stdio",
            "prlimit64",
            [OwnPid, z, z, z, z, z],
            Some((End::Exit(0), killed)),
        ),
        (
            "stdio fattr",
            "fchown",
            [
                N(u32::MAX as u64),
                N(own_uid()),
                N(u32::MAX as u64),
                z,
                z,
                z,
            ],
            Some((End::Exit(libc::EBADF), End::Exit(libc::EPERM))),
        ),
    ]
}

fn own_uid() -> u64 {
    // SAFETY: getuid has no preconditions.
    unsafe { libc::getuid() as u64 }
}

/// The profile loaded by libseccomp in the C consumer, then the call.
fn through_profile(loader: &Path, profile: &Path, nr: u32, args: &[Arg; 6]) -> End {
    let mut cmd = Command::new(loader);
    cmd.arg(profile).arg("run").arg(nr.to_string());
    for a in args {
        cmd.arg(match a {
            N(v) => format!("{v:#x}"),
            OwnPid => "self".to_string(),
        });
    }
    let status = run(&mut cmd, "libseccomp-dev").status;
    use std::os::unix::process::ExitStatusExt as _;
    match (status.code(), status.signal()) {
        (Some(code), _) => {
            assert!(code < 200, "oci_loader failed ({code})");
            End::Exit(code)
        }
        (None, Some(sig)) => End::Signal(sig),
        _ => unreachable!(),
    }
}

/// The library's own filter, installed in a forked child, then the call.
fn through_library(promises: Promises, nr: u32, args: &[Arg; 6]) -> End {
    common::run(|| {
        let args: Vec<u64> = args
            .iter()
            .map(|a| match a {
                N(v) => *v,
                OwnPid => std::process::id() as u64,
            })
            .collect();
        if let Err(e) = Pledge::new()
            .promises(promises)
            .penalty(Penalty::KillQuietly)
            .apply()
        {
            eprintln!("pledge: {e}");
            return 250;
        }
        let r = common::sys(nr as libc::c_long, &args);
        if r < 0 {
            (-r) as i32
        } else {
            0
        }
    })
    .end
}

#[test]
fn loaded_profile_allows_and_denies_like_pledge() {
    let dir = Scratch::new("live");
    let loader = compile_c(&dir, "oci_loader", &["-lseccomp", "-ljson-c"]);
    let arch = Arch::native();
    let mut profiles: Vec<(&str, PathBuf)> = Vec::new();
    for (set, name, args, expected) in samples() {
        let promises: Promises = set.parse().unwrap();
        let profile = match profiles.iter().find(|(s, _)| *s == set) {
            Some((_, p)) => p.clone(),
            None => {
                let p = write_profile(&dir, &format!("s{}", profiles.len()), promises, &[arch]);
                profiles.push((set, p.clone()));
                p
            }
        };
        let nr = arch.syscall_nr(name).unwrap();
        let library = through_library(promises, nr, &args);
        let profile_end = through_profile(&loader, &profile, nr, &args);
        assert_ne!(library, End::Exit(250), "pledge failed for \"{set}\"");
        match expected {
            None => assert_eq!(profile_end, library, "\"{set}\" {name}: profile vs library"),
            Some((lib, prof)) => {
                assert_eq!(library, lib, "\"{set}\" {name}: library");
                assert_eq!(
                    profile_end, prof,
                    "\"{set}\" {name}: profile (a listed approximation)"
                );
            }
        }
    }
}

#[test]
fn profile_lists_every_approximation_it_makes() {
    let stdio = export::oci("stdio".parse().unwrap(), &[]);
    for subject in ["kill", "tgkill", "prlimit64"] {
        assert!(
            stdio
                .approximations
                .iter()
                .any(|a| a.subject.split(", ").any(|s| s == subject)),
            "{subject}"
        );
    }
    for a in &stdio.approximations {
        assert!(
            stdio.output.contains(&a.detail),
            "approximation missing from the JSON: {a}"
        );
    }
    let paths = export::oci("stdio tmppath dns".parse().unwrap(), &[]);
    let wider: Vec<String> = paths
        .approximations
        .iter()
        .filter(|a| a.direction == export::Direction::Wider)
        .map(|a| a.to_string())
        .collect();
    assert!(
        wider
            .iter()
            .any(|w| w.contains("tmppath") && w.contains("/tmp (rwc)")),
        "{wider:?}"
    );
    assert!(
        wider
            .iter()
            .any(|w| w.contains("dns") && w.contains("/etc/resolv.conf (r)")),
        "{wider:?}"
    );
    // The library's domain also keeps processes apart: lost in any export, and said so.
    let scoping = |promises: &str| {
        export::oci(promises.parse().unwrap(), &[])
            .approximations
            .into_iter()
            .find(|a| a.subject == "processes outside the sandbox")
            .map(|a| a.detail)
    };
    let without_proc = scoping("stdio rpath wpath").expect("listed under path promises");
    assert!(without_proc.contains("/proc/PID/mem") && without_proc.contains("no signals"));
    let with_proc = scoping("stdio rpath proc").unwrap();
    assert!(
        !with_proc.contains("no signals"),
        "proc may signal anyone: {with_proc}"
    );
    assert_eq!(
        scoping("stdio"),
        None,
        "no path promise, no domain in the library either"
    );
    // With every path reachable anyway (rpath), dns adds nothing to list.
    let covered = export::oci("stdio rpath dns".parse().unwrap(), &[]);
    assert!(
        !covered.approximations.iter().any(|a| a.subject == "dns"),
        "{:?}",
        covered.approximations
    );
    // Under the error promise violations answer ENOSYS, which is also the default action.
    let error = export::oci("stdio error".parse().unwrap(), &[]).output;
    assert!(error.contains("\"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"defaultErrnoRet\": 38,"));
    assert!(
        !error.contains("\"clone3\""),
        "clone3's ENOSYS is the default there"
    );
}
