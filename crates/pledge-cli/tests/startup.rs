//! Real programs start under tight promises: the dynamic loader, static binaries, scripts and
//! interpreters are handled so that the promises describe the program's own work.

mod common;
use common::*;

#[test]
fn cat_copies_stdin_under_stdio_alone() {
    run_with_input(&["-p", "stdio", "--", "cat"], b"hi\n")
        .code(0)
        .stdout_is("hi\n")
        .quiet();
}

/// Started with standard input closed, the command opens /dev/null there first (as a C or
/// Rust runtime would), so none of its own descriptors (the handshake socket) lands on 0 and
/// reaches the program as its input.
#[test]
fn a_closed_standard_input_stays_out_of_the_handshake() {
    let out = std::process::Command::new("sh")
        .args([
            "-c",
            "exec 0<&- \"$0\" -p stdio -- cat; echo unreachable",
            PLEDGE,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
}

/// What the dynamic loader would load, as `ldd` shows it (`LD_TRACE_LOADED_OBJECTS`).
fn loaded_objects(program: &str, preload: Option<&std::path::Path>) -> String {
    let mut cmd = std::process::Command::new(program);
    cmd.env("LD_TRACE_LOADED_OBJECTS", "1");
    if let Some(preload) = preload {
        cmd.env("LD_PRELOAD", preload);
    }
    let out = cmd.output().unwrap();
    let listing = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && listing.contains("libc.so.6"),
        "{out:?}"
    );
    listing
}

/// The command and the preload it puts in every dynamic program link GCC's unwinder
/// statically (crates/build-support): loading libgcc_s.so.1 cost ~130 µs each per start.
#[test]
fn neither_the_command_nor_its_preload_loads_libgcc_s() {
    build_preload();
    let preload = std::path::Path::new(PLEDGE).with_file_name("libpledge_preload.so");
    let command = loaded_objects(PLEDGE, None);
    assert!(!command.contains("libgcc_s"), "{command}");
    let program = loaded_objects("/bin/true", Some(&preload));
    assert!(program.contains("libpledge_preload.so"), "{program}");
    assert!(!program.contains("libgcc_s"), "{program}");
}

/// The preload's unwinder is its own (static, not exported), so a C++ program's exceptions,
/// unwound by the system's libgcc_s, work as without the command.
#[test]
fn a_cpp_program_throws_and_catches_under_the_preload() {
    let dir = scratch("cpp-exceptions");
    let src = dir.join("throws.cc");
    std::fs::write(
        &src,
        "#include <cstdio>\n#include <stdexcept>\nint main() {\n    try { throw std::runtime_error(\"thrown\"); }\n    catch (const std::exception &e) { std::printf(\"caught %s\\n\", e.what()); }\n    return 0;\n}\n",
    )
    .unwrap();
    let prog = dir.join("throws");
    let built = std::process::Command::new("c++")
        .arg("-o")
        .arg(&prog)
        .arg(&src)
        .output()
        .expect("running c++");
    assert!(built.status.success(), "{built:?}");
    run(&["-p", "stdio rpath", "--", prog.to_str().unwrap()])
        .code(0)
        .stdout_is("caught thrown\n")
        .quiet();
}

#[test]
fn the_empty_promise_set_still_starts_a_dynamic_program() {
    // Without stdio the preload cannot close its handshake descriptors; it must still finish.
    run(&["-p", "", "--", "/bin/true"]).code(0).quiet();
}

#[test]
fn gzip_and_xz_round_trip_under_stdio() {
    let text = "a line that compresses\n".repeat(200);
    for tool in ["gzip", "xz"] {
        let (code, packed, stderr) = run_bytes(&["-p", "stdio", "--", tool, "-c"], text.as_bytes());
        assert_eq!((code, stderr.as_str()), (0, ""), "{tool}");
        assert!(packed.len() < text.len() / 4, "{tool} did not compress");
        let (code, unpacked, stderr) = run_bytes(&["-p", "stdio", "--", tool, "-dc"], &packed);
        assert_eq!((code, stderr.as_str()), (0, ""), "{tool}");
        assert_eq!(String::from_utf8(unpacked).unwrap(), text, "{tool}");
    }
}

#[test]
fn dash_runs_builtins_under_stdio() {
    run(&[
        "-p",
        "stdio",
        "--",
        "sh",
        "-c",
        "echo one; echo two >&2; exit 4",
    ])
    .code(4)
    .stdout_is("one\n")
    .says("two\n");
}

#[test]
fn python3_runs_with_rpath_for_its_modules() {
    run(&[
        "-p",
        "stdio rpath",
        "--",
        "/usr/bin/python3",
        "-c",
        "print(sum(range(10)))",
    ])
    .code(0)
    .stdout_is("45\n")
    .quiet();
}

#[test]
fn a_static_binary_runs_under_exactly_its_promises() {
    let dir = scratch("static");
    let prog = compile_c(
        &dir,
        "static-open",
        r#"#include <stdio.h>
#include <fcntl.h>
#include <errno.h>
#include <string.h>
int main(void) {
    printf("started\n");
    int fd = open("/etc/hostname", O_RDONLY);
    printf("open: %s\n", fd < 0 ? strerror(errno) : "ok");
    return 3;
}
"#,
        &["-static", "-O1"],
    );
    let prog = prog.to_str().unwrap();
    let ran = run(&["-p", "stdio", "--", prog]);
    ran.code(3)
        .stdout_is("started\nopen: Operation not permitted\n");
    ran.says("]: openat(\"/etc/hostname\", O_RDONLY) denied: needs promise \"rpath\"");
    run(&["-q", "-p", "stdio rpath", "--", prog])
        .code(3)
        .stdout_is("started\nopen: ok\n");
    // Path rules from promises (tmppath) must still let execve of the program through.
    run(&["-q", "-p", "stdio tmppath", "--", prog])
        .code(3)
        .stdout_is("started\nopen: Permission denied\n");
}

#[test]
fn a_script_runs_under_its_interpreter_and_may_read_itself() {
    let dir = scratch("script");
    let path = script(
        &dir,
        "hello.sh",
        "#!/bin/sh\necho \"hello $1\"\nread line\necho \"read: $line\"\n",
    );
    // dash checks its working directory at start-up (denied without rpath, harmlessly): only
    // the script's own work is checked here.
    let ran = run_with_input(
        &["-p", "stdio", "--", path.to_str().unwrap(), "world"],
        b"input\n",
    );
    ran.code(0)
        .stdout_is("hello world\nread: input\n")
        .never_says("hello.sh\"");
    let ran = run_with_input(
        &["-p", "stdio rpath", "--", path.to_str().unwrap(), "world"],
        b"input\n",
    );
    ran.code(0).stdout_is("hello world\nread: input\n").quiet();
}

#[test]
fn a_script_found_in_path_and_run_by_name() {
    let dir = scratch("script-path");
    script(&dir, "greet-from-path", "#!/bin/sh\necho greeted\n");
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = pledge()
        .env("PATH", path)
        .args(["-p", "stdio", "greet-from-path"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "greeted\n");
}

#[test]
fn exec_needs_the_exec_promise_and_children_keep_the_promises() {
    // Without exec: sh may fork (proc) but not run cat.
    let ran = run(&[
        "-p",
        "stdio proc",
        "--",
        "sh",
        "-c",
        "/bin/cat /etc/hostname",
    ]);
    assert_ne!(ran.code, 0);
    ran.says("execve(\"/bin/cat\") denied: needs promise \"exec\"");
    // With exec (and what cat's loader and work need), it runs, and cat is still confined.
    let hostname = std::fs::read_to_string("/etc/hostname").unwrap();
    let ran = run(&[
        "-p",
        "stdio rpath proc exec prot_exec",
        "--",
        "sh",
        "-c",
        "/bin/cat /etc/hostname; echo ok",
    ]);
    ran.code(0).stdout_is(&format!("{hostname}ok\n")).quiet();
    let ran = run(&[
        "-p",
        "stdio proc exec prot_exec rpath",
        "--",
        "sh",
        "-c",
        "/bin/rm -f /tmp/pledge-cli-never-there",
    ]);
    assert_ne!(ran.code, 0);
    assert!(
        ran.reports()
            .iter()
            // A path under /tmp: tmppath is the narrowest promise that allows it.
            .any(|l| report_pid(l, "rm").is_some() && l.contains("needs promise \"tmppath\"")),
        "{}",
        ran.stderr
    );
}

#[test]
fn the_program_and_its_children_do_not_see_pledge_in_their_environment() {
    let ran = run(&[
        "-p",
        "stdio rpath proc exec prot_exec",
        "--",
        "sh",
        "-c",
        "env",
    ]);
    ran.code(0).quiet();
    assert!(!ran.stdout.contains("PLEDGE_CLI"), "{}", ran.stdout);
    assert!(!ran.stdout.contains("LD_PRELOAD"), "{}", ran.stdout);
    // A preload the user had is given back to the program's children.
    let out = pledge()
        .env("LD_PRELOAD", "/lib/x86_64-linux-gnu/libm.so.6")
        .args([
            "-p",
            "stdio rpath proc exec prot_exec",
            "--",
            "sh",
            "-c",
            "echo $LD_PRELOAD",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "/lib/x86_64-linux-gnu/libm.so.6\n"
    );
}

#[test]
fn an_unprivileged_user_gets_the_same_sandbox() {
    // Run as root, drop to nobody with setpriv (util-linux); as any other user the whole suite
    // already runs unprivileged.
    if !std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .any(|l| l.starts_with("Uid:\t0\t"))
    {
        return;
    }
    build_preload();
    let preload = std::path::Path::new(PLEDGE).with_file_name("libpledge_preload.so");
    let reachable = std::process::Command::new("setpriv")
        .args([
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            "sh",
            "-c",
            "test -x \"$0\" && test -r \"$1\"",
        ])
        .arg(PLEDGE)
        .arg(&preload)
        .status()
        .expect("setpriv");
    if !reachable.success() {
        eprintln!("skipped: user nobody cannot reach {PLEDGE} (a private build directory)");
        return;
    }
    let out = std::process::Command::new("setpriv")
        .args([
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            "--inh-caps=-all",
            PLEDGE,
        ])
        .args(["-p", "stdio", "--", "cat", "/etc/hostname"])
        .env("LC_ALL", "C")
        .output()
        .expect("setpriv");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("openat(\"/etc/hostname\", O_RDONLY) denied: needs promise \"rpath\""),
        "{stderr}"
    );
}
