//! Violations are reported by the supervisor on stderr, with the program's name and pid, the
//! decoded call and the promise that would allow it; the call fails (or, with -k, the program
//! dies) and never runs.

mod common;
use common::*;

#[test]
fn a_denied_open_is_reported_and_fails_with_eperm() {
    let ran = run(&["-p", "stdio", "--", "cat", "/etc/hostname"]);
    ran.code(1).stdout_is("");
    let reports = ran.reports();
    assert_eq!(reports.len(), 1, "{}", ran.stderr);
    assert!(report_pid(reports[0], "cat").is_some(), "{}", reports[0]);
    assert!(
        reports[0]
            .ends_with("]: openat(\"/etc/hostname\", O_RDONLY) denied: needs promise \"rpath\""),
        "{}",
        reports[0]
    );
    ran.says("cat: /etc/hostname: Operation not permitted");
}

#[test]
fn kill_mode_reports_then_kills_the_program() {
    let ran = run(&["-k", "-p", "stdio", "--", "cat", "/etc/hostname"]);
    ran.code(128 + libc::SIGSYS);
    ran.says("openat(\"/etc/hostname\", O_RDONLY) denied: needs promise \"rpath\"; killing the program (-k)");
    // Killed while stopped in the call: it never got to print its own error.
    ran.never_says("cat: ");
}

#[test]
fn kill_mode_kills_the_children_too() {
    // sh starts a background writer, then a child violates: all of them must go.
    let dir = scratch("kill-tree");
    let marker = dir.join("survivor");
    let violator = compile_c(
        &dir,
        "violator",
        "#include <sys/socket.h>\nint main(void){ socket(AF_INET, SOCK_STREAM, 0); return 0; }\n",
        &[],
    );
    let cmd = format!(
        "(sleep 1; echo alive > {}) & {}; wait",
        marker.display(),
        violator.display()
    );
    let ran = run(&[
        "-k",
        "-p",
        "stdio rpath wpath cpath proc exec prot_exec",
        "--",
        "sh",
        "-c",
        &cmd,
    ]);
    ran.code(128 + libc::SIGSYS);
    assert!(
        ran.reports()
            .iter()
            .any(|l| report_pid(l, "violator").is_some()),
        "{}",
        ran.stderr
    );
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(!marker.exists(), "a child of the killed program survived");
}

#[test]
fn quiet_mode_silences_reports_but_not_the_denial() {
    let ran = run(&["-q", "-p", "stdio", "--", "cat", "/etc/hostname"]);
    ran.code(1)
        .never_says("pledge:")
        .says("cat: /etc/hostname: Operation not permitted");
}

#[test]
fn the_error_promise_answers_enosys() {
    run(&["-p", "stdio error", "--", "cat", "/etc/hostname"])
        .code(1)
        .says("denied: needs promise \"rpath\"")
        .says("cat: /etc/hostname: Function not implemented");
}

#[test]
fn socket_reports_name_the_family() {
    let ran = run(&[
        "-p",
        "stdio rpath",
        "--",
        "/usr/bin/python3",
        "-c",
        "import socket\ntry:\n socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)\nexcept PermissionError:\n print('denied')",
    ]);
    ran.code(0).stdout_is("denied\n");
    ran.says("python3[")
        .says("]: socket(AF_INET6, SOCK_DGRAM|SOCK_CLOEXEC, 0) denied: needs promise \"inet\"");
}

/// glibc's nscd probe (the socket a user, group or host lookup makes first) is survived: glibc
/// reads the files next. A dynamically linked program gets EACCES for it without a report (its
/// loader's filter holds `rpath`, which answers that socket so); a static one, which has no
/// loader's filter, is told which promises let the lookup read the files. Any other unix
/// socket is reported as needing `unix`.
#[test]
fn the_nscd_probe_is_answered_or_names_the_lookup_promises() {
    let dir = scratch("nscd-probe");
    let source = r#"#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
int main(void) {
    int nscd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    printf("nscd: %s\n", nscd < 0 ? strerror(errno) : "made");
    int other = socket(AF_UNIX, SOCK_DGRAM, 0);
    printf("other: %s\n", other < 0 ? strerror(errno) : "made");
    return 0;
}
"#;
    let other = "socket(AF_UNIX, SOCK_DGRAM, 0) denied: needs promise \"unix\"";

    let dynamic = compile_c(&dir, "nscd-dynamic", source, &[]);
    let ran = run(&["-p", "stdio", "--", dynamic.to_str().unwrap()]);
    ran.code(0)
        .stdout_is("nscd: Permission denied\nother: Operation not permitted\n");
    let reports = ran.reports();
    assert_eq!(reports.len(), 1, "{}", ran.stderr);
    assert!(reports[0].ends_with(other), "{}", reports[0]);

    let fixed = compile_c(&dir, "nscd-static", source, &["-static"]);
    let ran = run(&["-p", "stdio", "--", fixed.to_str().unwrap()]);
    ran.code(0)
        .stdout_is("nscd: Operation not permitted\nother: Operation not permitted\n");
    let reports = ran.reports();
    assert_eq!(reports.len(), 2, "{}", ran.stderr);
    assert!(
        reports[0].ends_with(
            "socket(AF_UNIX, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC, 0) denied: needs promise \
             \"unix\" (if this is a user, group or host lookup trying nscd: \"getpw\" or \"dns\" \
             let it read the files instead)"
        ),
        "{}",
        reports[0]
    );
    assert!(reports[1].ends_with(other), "{}", reports[1]);
}

#[test]
fn children_are_reported_under_their_own_name_and_pid() {
    let ran = run(&[
        "-p",
        "stdio rpath proc exec prot_exec",
        "--",
        "sh",
        "-c",
        "/bin/mkdir /tmp/pledge-cli-no; echo $$",
    ]);
    ran.code(0);
    let sh_pid: u32 = ran.stdout.trim().parse().unwrap();
    let reports = ran.reports();
    let mkdir_pid = reports
        .iter()
        .find_map(|l| report_pid(l, "mkdir"))
        .unwrap_or_else(|| panic!("{}", ran.stderr));
    assert_ne!(mkdir_pid, sh_pid);
    ran.says("mkdir(\"/tmp/pledge-cli-no\", 0777) denied: needs promise \"cpath\"");
    assert!(!std::path::Path::new("/tmp/pledge-cli-no").exists());
}

#[test]
fn calls_no_promise_allows_are_reported_as_such() {
    let dir = scratch("ptrace");
    let prog = compile_c(
        &dir,
        "tracer",
        "#include <sys/ptrace.h>\n#include <stdio.h>\nint main(void){ long r = ptrace(PTRACE_TRACEME, 0, 0, 0); printf(\"%ld\\n\", r); return 0; }\n",
        &[],
    );
    let ran = run(&["-p", "stdio", "--", prog.to_str().unwrap()]);
    ran.code(0)
        .stdout_is("-1\n")
        .says("ptrace(0, 0, 0x0) denied: is not allowed by any promise");
}

#[test]
fn a_program_cannot_silence_reports_by_closing_its_stderr() {
    let ran = run(&[
        "-p",
        "stdio rpath proc exec prot_exec",
        "--",
        "sh",
        "-c",
        "exec 2>&-; /bin/mkdir /tmp/pledge-cli-no",
    ]);
    assert_ne!(ran.code, 0);
    ran.never_says("mkdir: ");
    assert!(
        ran.reports()
            .iter()
            .any(|l| report_pid(l, "mkdir").is_some()),
        "{}",
        ran.stderr
    );
}
