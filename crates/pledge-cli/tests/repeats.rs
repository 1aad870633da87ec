//! Reports that help: a call denied 100,000 times is one report line and a count in the
//! summary at exit; the promise a report names is one that allows the call.

mod common;

use common::{compile_c, run, scratch};

#[test]
fn a_call_denied_100000_times_is_one_line_and_a_count() {
    let dir = scratch("repeats-loop");
    let prog = compile_c(
        &dir,
        "loop",
        r#"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    int failed = 0, n = argc > 1 ? atoi(argv[1]) : 100000;
    for (int i = 0; i < n; i++)
        failed += open("/etc/hostname", O_RDONLY) < 0;
    /* A second kind, twice. */
    for (int i = 0; i < 2; i++)
        failed += open("/etc/hosts", O_RDONLY) < 0;
    printf("%d\n", failed);
    return 0;
}
"#,
        &["-O1"],
    );
    let ran = run(&["-p", "stdio", "--", prog.to_str().unwrap()]);
    ran.code(0).stdout_is("100002\n");
    let lines: Vec<&str> = ran.stderr.lines().collect();
    let first = "openat(\"/etc/hostname\", O_RDONLY) denied: needs promise \"rpath\"";
    assert_eq!(
        lines.iter().filter(|l| l.ends_with(first)).count(),
        1,
        "{}",
        ran.stderr
    );
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains("denied again: repeats are counted"))
            .count(),
        2,
        "{}",
        ran.stderr
    );
    // Two report lines per kind, a heading, and one summary line per kind.
    assert_eq!(lines.len(), 7, "{}", ran.stderr);
    assert!(
        ran.stderr.contains(
            "pledge:   100000 x loop: openat(\"/etc/hostname\", O_RDONLY): needs promise \"rpath\"\n"
        ),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains(
            "pledge:        2 x loop: openat(\"/etc/hosts\", O_RDONLY): needs promise \"rpath\"\n"
        ),
        "{}",
        ran.stderr
    );
    // -q: nothing at all.
    let ran = run(&["-q", "-p", "stdio", "--", prog.to_str().unwrap(), "1000"]);
    ran.code(0).stdout_is("1002\n").quiet();
}

#[test]
fn tmp_paths_name_tmppath_and_the_promise_named_allows_the_call() {
    let ran = run(&[
        "-p",
        "stdio",
        "--",
        "sh",
        "-c",
        "echo x > /tmp/pledge-cli-repeats-tmppath; true",
    ]);
    ran.says("denied: needs promise \"tmppath\"");
    // And it does: with tmppath the same command works, unreported.
    let ran = run(&[
        "-p",
        "stdio tmppath",
        "--",
        "sh",
        "-c",
        "echo x > /tmp/pledge-cli-repeats-tmppath",
    ]);
    let _ = std::fs::remove_file("/tmp/pledge-cli-repeats-tmppath");
    ran.code(0).quiet();
}

#[test]
fn a_path_the_unveil_rules_hide_says_so() {
    let dir = scratch("repeats-unveil");
    let unveil = format!("r:{}", dir.display());
    let ran = run(&["-p", "stdio", "-v", &unveil, "--", "cat", "/etc/hostname"]);
    ran.says(
        "openat(\"/etc/hostname\", O_RDONLY) denied: needs promise \"rpath\", and an unveil of \
         /etc/hostname (the -v rules hide it)",
    );
    // Inside the unveiled directory, the promise is enough.
    std::fs::write(dir.join("f"), "x").unwrap();
    let inside = dir.join("f");
    let ran = run(&[
        "-p",
        "stdio",
        "-v",
        &unveil,
        "--",
        "cat",
        inside.to_str().unwrap(),
    ]);
    ran.says("denied: needs promise \"rpath\"\n");
}
