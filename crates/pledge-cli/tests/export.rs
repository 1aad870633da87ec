//! `pledge --export`: the command writes what the library exports, to stdout or `-o FILE`,
//! refuses bad requests with a message and status 125, and its raw BPF runs under bwrap.
//!
//! The bwrap test needs the Debian package bubblewrap.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use scopes::{export, Arch};

fn pledge(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pledge"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run pledge")
}

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pledge-cli-export-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn oci_to_stdout_matches_the_library() {
    let out = pledge(&[
        "--export",
        "oci",
        "-p",
        "stdio rpath",
        "--arch",
        "x86_64",
        "--arch",
        "aarch64",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = export::oci(
        "stdio rpath".parse().unwrap(),
        &[Arch::X86_64, Arch::Aarch64],
    )
    .output;
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
    assert!(
        out.stderr.is_empty(),
        "the approximations are inside the profile: {}",
        stderr(&out)
    );
}

#[test]
fn systemd_and_repeated_promises() {
    let out = pledge(&["--export", "systemd", "-p", "stdio", "-p", "inet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        export::systemd("stdio inet".parse().unwrap()).output
    );
}

#[test]
fn bpf_to_a_file_with_notes_on_stderr() {
    let dir = scratch("bpf");
    let file = dir.join("filter.bpf");
    let out = pledge(&[
        "--export",
        "bpf",
        "-p",
        "stdio",
        "--arch",
        "aarch64",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let expected = export::bpf("stdio".parse().unwrap(), Arch::Aarch64);
    assert_eq!(std::fs::read(&file).unwrap(), expected.output);
    for note in &expected.approximations {
        assert!(
            stderr(&out).contains(&note.to_string()),
            "{note} missing from stderr: {}",
            stderr(&out)
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_requests_are_refused() {
    let dir = scratch("bad");
    let unwritable = dir.join("no/such/dir/out.json");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--export", "yaml", "-p", "stdio"],
            "unknown export format \"yaml\"",
        ),
        (vec!["--export", "oci"], "--export needs -p"),
        (
            vec!["--export", "oci", "-p", "stdio bogus"],
            "unknown promise \"bogus\"",
        ),
        (
            vec!["--export", "oci", "-p", "stdio", "ls"],
            "takes no program",
        ),
        (
            vec!["--export", "oci", "-p", "stdio", "--arch", "sparc"],
            "unknown architecture",
        ),
        (
            vec![
                "--export", "bpf", "-p", "stdio", "--arch", "x86_64", "--arch", "aarch64",
            ],
            "one architecture",
        ),
        (
            vec!["--export", "systemd", "-p", "stdio", "--arch", "x86_64"],
            "drop --arch",
        ),
        (
            vec!["-o", "x.json", "-p", "stdio", "true"],
            "-o only applies to --export",
        ),
        (
            vec![
                "--export",
                "oci",
                "-p",
                "stdio",
                "-o",
                unwritable.to_str().unwrap(),
            ],
            "No such file or directory",
        ),
    ];
    for (args, message) in cases {
        let out = pledge(&args);
        assert_eq!(out.status.code(), Some(125), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(message),
            "{args:?}: expected {message:?} in {}",
            stderr(&out)
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    assert!(!unwritable.exists());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn exported_bpf_runs_under_bwrap() {
    let dir = scratch("bwrap");
    let file = dir.join("filter.bpf");
    let out = pledge(&[
        "--export",
        "bpf",
        "-p",
        "stdio rpath exec prot_exec",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bwrap = |program: &[&str]| {
        Command::new("bwrap")
            .args([
                "--ro-bind",
                "/",
                "/",
                "--dev",
                "/dev",
                "--proc",
                "/proc",
                "--seccomp",
                "0",
                "--",
            ])
            .args(program)
            .stdin(std::fs::File::open(&file).unwrap())
            .output()
            .expect("bwrap runs (Debian package bubblewrap)")
    };
    let cat = bwrap(&["cat", "/etc/hostname"]);
    assert!(cat.status.success(), "{cat:?}");
    assert_eq!(cat.stdout, std::fs::read("/etc/hostname").unwrap());
    let socket = bwrap(&["/usr/bin/python3", "-c", "import socket; socket.socket()"]);
    assert_eq!(socket.status.code(), Some(128 + libc::SIGSYS), "{socket:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn k8s_to_stdout_is_the_resource_the_library_writes() {
    let out = pledge(&["--export", "k8s", "-p", "stdio"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text, export::k8s("stdio".parse().unwrap(), &[]).output);
    assert!(text.contains(
        "\napiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata:\n  name: pledge-stdio\n"
    ));
    assert!(text.contains("\nspec:\n  defaultAction: SCMP_ACT_KILL_PROCESS\n  architectures:\n"));
}
