//! `pledge --learn`: real programs are learned, then run under the suggested command line,
//! which must behave as the program does unsandboxed, while removing any one suggested promise
//! must make it fail.

mod common;

use std::io::Write as _;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};

use common::{compile_c, pledge, scratch, PLEDGE};

/// How a run ended.
#[derive(Debug, PartialEq, Eq)]
struct Ended {
    code: i32,
    stdout: Vec<u8>,
}

/// Runs `cmd` with `input` on stdin; returns how it ended and its stderr.
fn ran(mut cmd: Command, input: &[u8]) -> (Ended, String) {
    cmd.env("LC_ALL", "C")
        .env_remove("LANG")
        .env_remove("LD_PRELOAD")
        .env_remove("PLEDGE_PRELOAD");
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("killed: {:?}", out.status));
    (
        Ended {
            code,
            stdout: out.stdout,
        },
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// What learning one run gave.
struct Learned {
    /// How the observed run ended.
    ended: Ended,
    /// The whole report.
    report: String,
    /// The suggested command line, after `pledge`.
    line: String,
    /// The suggested promise words.
    promises: Vec<String>,
}

/// Learns `program` (with `input` on stdin), writing the suggestion to a file.
fn learn(name: &str, program: &[&str], input: &[u8]) -> Learned {
    let out = scratch(&format!("suggestion-{name}")).join("suggestion");
    let mut cmd = pledge();
    cmd.arg("--learn")
        .arg("-o")
        .arg(&out)
        .arg("--")
        .args(program);
    let (ended, stderr) = ran(cmd, input);
    let report = std::fs::read_to_string(&out)
        .unwrap_or_else(|e| panic!("no suggestion ({e}); stderr: {stderr}"));
    // The line may span lines: a quoted argument keeps its newlines.
    let start = report
        .find("    pledge -p ")
        .unwrap_or_else(|| panic!("no command line in:\n{report}"));
    let line = &report[start + "    pledge -p ".len()..];
    let line = line[..line.find("\n\n").unwrap_or(line.len())].to_string();
    let words = line
        .strip_prefix('\'')
        .and_then(|l| l.split_once('\''))
        .map(|(w, _)| w)
        .unwrap_or("");
    let promises = words
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect();
    Learned {
        ended,
        report,
        line: format!("-p {line}"),
        promises,
    }
}

/// Runs the suggested line through a shell (so its quoting is tested too), with the promise
/// list replaced by `promises` and `extra` options added.
fn replay(learned: &Learned, promises: &[String], extra: &str, input: &[u8]) -> (Ended, String) {
    let (_, rest) = learned
        .line
        .strip_prefix("-p '")
        .unwrap()
        .split_once('\'')
        .unwrap();
    let script = format!("exec \"$PLEDGE\" {extra} -p '{}'{rest}", promises.join(" "));
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(script).env("PLEDGE", PLEDGE);
    ran(cmd, input)
}

/// Unsandboxed.
fn plain(program: &[&str], input: &[u8]) -> Ended {
    let mut cmd = Command::new(program[0]);
    cmd.args(&program[1..]);
    ran(cmd, input).0
}

/// The whole check: learning changes nothing, the suggestion behaves the same without a
/// single report, and each suggested promise is needed. `reset` runs before each run (to
/// undo what the program wrote).
fn check(name: &str, program: &[&str], input: &[u8], reset: &dyn Fn()) -> Learned {
    reset();
    let expected = plain(program, input);
    reset();
    let learned = learn(name, program, input);
    assert_eq!(
        learned.ended, expected,
        "the observed run differs; report:\n{}",
        learned.report
    );
    reset();
    let (under, stderr) = replay(&learned, &learned.promises, "", input);
    assert_eq!(
        under, expected,
        "under the suggestion {}\nstderr: {stderr}\nreport:\n{}",
        learned.line, learned.report
    );
    assert!(
        !stderr.contains(" denied: "),
        "{stderr}\nreport:\n{}",
        learned.report
    );
    for (i, dropped) in learned.promises.iter().enumerate() {
        let mut fewer = learned.promises.clone();
        fewer.remove(i);
        reset();
        let (ended, stderr) = replay(&learned, &fewer, "-k", input);
        assert!(
            ended != expected || stderr.contains(" denied: "),
            "{name}: still works without \"{dropped}\" ({})\nreport:\n{}",
            fewer.join(" "),
            learned.report
        );
    }
    learned
}

fn nothing() {}

#[test]
fn cat_a_file() {
    let dir = scratch("learn-cat-data");
    let file = dir.join("in.txt");
    std::fs::write(&file, "some text\n").unwrap();
    let learned = check("cat", &["cat", file.to_str().unwrap()], b"", &nothing);
    assert_eq!(learned.promises, ["stdio", "rpath"]);
    assert!(
        learned.line.contains(&format!("'r:{}'", file.display())),
        "{}",
        learned.line
    );
    assert!(learned.report.contains("rpath  cat["), "{}", learned.report);
}

#[test]
fn ls_a_directory() {
    let dir = scratch("learn-ls-data");
    for f in ["a", "b", "c"] {
        std::fs::write(dir.join(f), f).unwrap();
    }
    let learned = check("ls", &["ls", dir.to_str().unwrap()], b"", &nothing);
    assert!(
        learned.promises.contains(&"rpath".to_string()),
        "{:?}",
        learned.promises
    );
    // The listed directory is one entry, not its files.
    assert!(
        learned.line.contains(&format!("'r:{}'", dir.display())),
        "{}",
        learned.line
    );
}

#[test]
fn gzip_on_stdin_needs_only_stdio() {
    let input = b"hello hello hello hello\n".repeat(1000);
    let learned = check("gzip", &["gzip", "-cn"], &input, &nothing);
    assert_eq!(learned.promises, ["stdio"]);
    assert!(!learned.line.contains(" -v "), "{}", learned.line);
}

#[test]
fn python_writing_files_outside_tmp() {
    let dir = scratch("learn-python-out");
    let out = dir.join("result.txt");
    let script = format!(
        "open({:?}, 'w').write('42'); print(open({:?}).read())",
        out.to_str().unwrap(),
        out.to_str().unwrap()
    );
    let reset = || {
        let _ = std::fs::remove_file(&out);
    };
    let learned = check(
        "python-files",
        &["/usr/bin/python3", "-c", &script],
        b"",
        &reset,
    );
    for p in ["stdio", "rpath", "wpath", "cpath"] {
        assert!(
            learned.promises.contains(&p.to_string()),
            "{:?}",
            learned.promises
        );
    }
    // The file was created in that directory: the directory is the entry, with c.
    assert!(
        learned.line.contains(&format!("'rwc:{}'", dir.display())),
        "{}",
        learned.line
    );
}

#[test]
fn python_connecting_to_a_tcp_server() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        // One connection per run: plain, learned, suggested, and one per dropped promise.
        for conn in listener.incoming().take(8) {
            let mut conn = conn.unwrap();
            let _ = conn.write_all(b"pong");
        }
    });
    let script = format!(
        "import socket\ns = socket.create_connection(('127.0.0.1', {port}))\nprint(s.recv(4).decode())"
    );
    let learned = check(
        "python-inet",
        &["/usr/bin/python3", "-c", &script],
        b"",
        &nothing,
    );
    assert!(
        learned.promises.contains(&"inet".to_string()),
        "{:?}",
        learned.promises
    );
    assert!(
        learned.report.contains("socket(AF_INET, SOCK_STREAM"),
        "{}",
        learned.report
    );
    // Unblock the server if fewer runs connected than it waits for.
    for _ in 0..8 {
        let _ = std::net::TcpStream::connect(("127.0.0.1", port));
    }
    server.join().unwrap();
}

#[test]
fn a_shell_pipeline_follows_its_children() {
    let dir = scratch("learn-sh-data");
    for f in ["x", "y"] {
        std::fs::write(dir.join(f), f).unwrap();
    }
    let cmd = format!("ls {} | wc -l", dir.display());
    let learned = check("sh", &["sh", "-c", &cmd], b"", &nothing);
    // Forking and executing; the children's own loaders map their libraries in the window
    // the command gives them, so not prot_exec.
    assert_eq!(learned.promises, ["stdio", "rpath", "proc", "exec"]);
    assert!(
        learned
            .report
            .lines()
            .any(|l| l.trim_start().starts_with("exec ") && l.contains(" sh[")),
        "{}",
        learned.report
    );
    assert!(
        learned.line.contains("'rx:/usr/bin/ls'") && learned.line.contains("'rx:/usr/bin/wc'"),
        "{}",
        learned.line
    );
}

#[test]
fn the_exit_status_is_the_programs() {
    let learned = learn("status", &["sh", "-c", "exit 7"], b"");
    assert_eq!(learned.ended.code, 7);
    assert!(
        learned.report.contains("exit status 7"),
        "{}",
        learned.report
    );
    let (ended, _) = ran(
        {
            let mut c = pledge();
            c.args(["--learn", "--", "sh", "-c", "kill -TERM $$"]);
            c
        },
        b"",
    );
    assert_eq!(ended.code, 128 + libc::SIGTERM);
}

#[test]
fn the_suggestion_goes_to_stderr_by_default_and_stdout_stays_the_programs() {
    let mut cmd = pledge();
    cmd.args(["--learn", "echo", "it's here"]);
    let (ended, stderr) = ran(cmd, b"");
    assert_eq!(
        ended,
        Ended {
            code: 0,
            stdout: b"it's here\n".to_vec()
        }
    );
    // Quoted so that a shell gives the program the same argument.
    assert!(
        stderr.contains("pledge -p 'stdio' -- echo 'it'\\''s here'"),
        "{stderr}"
    );
    assert!(stderr.contains("stopped and inspected"), "{stderr}");
}

#[test]
fn calls_no_promise_allows_are_listed_with_their_fate() {
    // chroot is in no rule of the table (namespaces and mounts stay closed under every promise).
    let script = "import os\ntry:\n    os.chroot('/')\nexcept OSError:\n    pass";
    let learned = learn("unmet", &["/usr/bin/python3", "-c", script], b"");
    assert_eq!(learned.ended.code, 0);
    assert!(
        learned.report.contains("Calls no promise lets through"),
        "{}",
        learned.report
    );
    assert!(learned.report.contains("chroot("), "{}", learned.report);
    assert!(
        learned.report.contains("denied and reported"),
        "{}",
        learned.report
    );
}

#[test]
fn bad_options_and_programs_are_the_commands_errors() {
    let (ended, stderr) = ran(
        {
            let mut c = pledge();
            c.args(["--learn", "-p", "stdio", "true"]);
            c
        },
        b"",
    );
    assert_eq!(ended.code, 125);
    assert!(
        stderr.contains("-p, -v, -k and -q do not apply"),
        "{stderr}"
    );
    // A file that cannot be written is refused before the program runs.
    let marker = scratch("learn-bad-o").join("ran");
    let (ended, stderr) = ran(
        {
            let mut c = pledge();
            c.args([
                "--learn",
                "-o",
                "/no/such/dir/out",
                "--",
                "touch",
                marker.to_str().unwrap(),
            ]);
            c
        },
        b"",
    );
    assert_eq!(ended.code, 125);
    assert!(stderr.contains("-o /no/such/dir/out"), "{stderr}");
    assert!(!marker.exists());
    let (ended, _) = ran(
        {
            let mut c = pledge();
            c.args(["--learn", "no-such-program-anywhere"]);
            c
        },
        b"",
    );
    assert_eq!(ended.code, 127);
}

/// A program that rewrites the path it opens from another thread, and points paths at
/// unmapped memory, while being observed: the observer carries on, and the program's own
/// status comes through.
#[test]
fn a_program_that_changes_paths_under_the_observer_cannot_hurt_it() {
    let dir = scratch("learn-hostile");
    let source = r#"
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
static char path[4096] = "/etc/hostname";
static volatile int stop;
static void *flip(void *arg) {
    (void)arg;
    for (unsigned i = 0; !stop; i++) {
        if (i & 1) memcpy(path, "/etc/hostname", 14);
        else { memset(path, 'a', sizeof path - 1); path[0] = '/'; }
    }
    return 0;
}
int main(void) {
    pthread_t t;
    pthread_create(&t, 0, flip, 0);
    for (int i = 0; i < 300; i++) {
        int fd = open(path, O_RDONLY);
        if (fd >= 0) close(fd);
        syscall(SYS_openat, AT_FDCWD, (char *)8, O_RDONLY);      /* unreadable pointer */
        syscall(SYS_openat, AT_FDCWD, (char *)-1L, O_RDONLY);
    }
    stop = 1;
    pthread_join(t, 0);
    return 3;
}
"#;
    let prog = compile_c(&dir, "flipper", source, &["-O1", "-pthread"]);
    let learned = learn("hostile", &[prog.to_str().unwrap()], b"");
    assert_eq!(learned.ended.code, 3, "{}", learned.report);
    assert!(
        learned.promises.contains(&"rpath".to_string()),
        "{}",
        learned.report
    );
    assert!(Path::new(&prog).exists());
}
