//! `pledge --learn`: real programs are learned, then run under the suggested command line,
//! which must behave as the program does unsandboxed, while removing any one suggested promise
//! must make it fail.

// The test calls libc directly, as the programs it stands for would, to see what the
// kernel allows and refuses.
#![allow(unsafe_code)]

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
    let (ended, stderr) = ran(
        {
            let mut c = pledge();
            c.args(["--verify", "-p", "stdio", "true"]);
            c
        },
        b"",
    );
    assert_eq!(ended.code, 125);
    assert!(
        stderr.contains("--verify only applies to --learn"),
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

// Needs, not probes; narrow unveils; replay; an unobtrusive learner; lines that run as printed.
// These run in both locale settings a user may have: none (LC_ALL=C) and Debian's default
// LANG=C.UTF-8, under which programs look up message catalogs that do not exist.

/// The locale environments every check below runs in.
const LOCALES: &[(&str, &str)] = &[("LC_ALL", "C"), ("LANG", "C.UTF-8")];

/// Runs `script` with `sh -c` in `dir`, in the locale `env`, with `input` on stdin.
fn sh_in(dir: &Path, env: (&str, &str), script: &str, input: &[u8]) -> (Ended, String) {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(script)
        .current_dir(dir)
        .env("PLEDGE", PLEDGE)
        .env_remove("LC_ALL")
        .env_remove("LANG")
        .env_remove("LANGUAGE")
        .env_remove("LD_PRELOAD")
        .env_remove("PLEDGE_PRELOAD")
        .env(env.0, env.1);
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
    (
        Ended {
            code: out.status.code().unwrap_or(-1),
            stdout: out.stdout,
        },
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Quotes a word for `sh`.
fn q(word: &str) -> String {
    format!("'{}'", word.replace('\'', "'\\''"))
}

/// What `pledge --learn [--verify]` said about `program` (run by `sh` in `dir`), and the
/// printed command line (after the four spaces).
struct Told {
    ended: Ended,
    report: String,
    line: String,
}

impl Told {
    /// The suggested promise words.
    fn promises(&self) -> Vec<&str> {
        let rest = self
            .line
            .strip_prefix("pledge -p '")
            .expect("a promise list");
        rest[..rest.find('\'').unwrap()]
            .split(' ')
            .filter(|w| !w.is_empty())
            .collect()
    }
}

fn told(dir: &Path, env: (&str, &str), verify: bool, program: &[&str], input: &[u8]) -> Told {
    common::build_preload();
    let words: Vec<String> = program.iter().map(|w| q(w)).collect();
    let script = format!(
        "exec \"$PLEDGE\" --learn {}-o /dev/stderr -- {}",
        if verify { "--verify " } else { "" },
        words.join(" ")
    );
    let (ended, stderr) = sh_in(dir, env, &script, input);
    let start = stderr
        .find("\n    pledge -p ")
        .unwrap_or_else(|| panic!("no command line in:\n{stderr}"));
    let line = stderr[start + 5..].lines().next().unwrap().to_string();
    Told {
        ended,
        report: stderr,
        line,
    }
}

/// Runs the printed line as printed (with `-k` added), through `sh`, in `dir`.
fn run_printed(dir: &Path, env: (&str, &str), t: &Told, input: &[u8]) -> (Ended, String) {
    let line = t.line.strip_prefix("pledge ").unwrap();
    sh_in(dir, env, &format!("exec \"$PLEDGE\" -k {line}"), input)
}

/// Learns `program`, checks the suggestion against `expect` (promise words), then runs the
/// printed line under `-k` and compares it with a plain run. Returns what was told.
#[track_caller]
fn learned_exactly(
    dir: &Path,
    env: (&str, &str),
    program: &[&str],
    input: &[u8],
    expect: &[&str],
) -> Told {
    let words: Vec<String> = program.iter().map(|w| q(w)).collect();
    let (plain_run, _) = sh_in(dir, env, &format!("exec {}", words.join(" ")), input);
    let t = told(dir, env, false, program, input);
    assert_eq!(
        t.ended, plain_run,
        "{env:?}: the observed run differs:\n{}",
        t.report
    );
    assert_eq!(t.promises(), expect, "{env:?}: {}\n{}", t.line, t.report);
    let (under, stderr) = run_printed(dir, env, &t, input);
    assert_eq!(
        under, plain_run,
        "{env:?}: under -k, {} behaves differently: {stderr}\n{}",
        t.line, t.report
    );
    assert!(!stderr.contains("pledge: "), "{env:?}: {stderr}");
    t
}

/// A directory under /tmp (where the issue's users keep files), made afresh.
fn in_tmp(name: &str) -> std::path::PathBuf {
    let dir = Path::new("/tmp").join(format!("learn-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn learn_stdin_filters_need_exactly_stdio() {
    let dir = scratch("learn-filters");
    let input = b"3\n10\n2\n";
    for env in LOCALES {
        for program in [&["wc", "-l"][..], &["sort", "-rn"]] {
            let t = learned_exactly(&dir, *env, program, input, &["stdio"]);
            assert!(!t.line.contains(" -v "), "{env:?}: {}", t.line);
        }
    }
}

#[test]
fn learn_tar_on_stdin_needs_stdio_getpw_and_no_unveil_of_etc() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: needs root (tar reads the user database as root only)");
        return;
    }
    let dir = scratch("learn-tar");
    std::fs::create_dir_all(dir.join("t")).unwrap();
    std::fs::write(dir.join("t/a"), "a\n").unwrap();
    let made = Command::new("tar")
        .args(["cf", "x.tar", "t"])
        .current_dir(&dir)
        .status()
        .unwrap();
    assert!(made.success());
    let archive = std::fs::read(dir.join("x.tar")).unwrap();
    for env in LOCALES {
        let t = learned_exactly(
            &dir,
            *env,
            &["tar", "tf", "-"],
            &archive,
            &["stdio", "getpw"],
        );
        assert!(!t.line.contains("/etc"), "{env:?}: {}", t.line);
        assert!(
            !t.report.contains("nscd"),
            "{env:?}: a wrong note:\n{}",
            t.report
        );
    }
}

#[test]
fn learn_cat_and_ls_under_tmp_read_just_that_path() {
    let dir = in_tmp("cat-ls");
    std::fs::create_dir(dir.join("d")).unwrap();
    std::fs::write(dir.join("d/file"), "inside\n").unwrap();
    let (file, sub) = (dir.join("d/file"), dir.join("d"));
    let (file, sub) = (file.to_str().unwrap(), sub.to_str().unwrap());
    for env in LOCALES {
        let t = learned_exactly(&dir, *env, &["cat", file], b"", &["stdio", "rpath"]);
        assert!(t.line.contains(&format!(" -v 'r:{file}' ")), "{}", t.line);
        assert_eq!(t.line.matches(" -v ").count(), 1, "{}", t.line);
        let t = learned_exactly(&dir, *env, &["ls", sub], b"", &["stdio", "rpath"]);
        assert!(t.line.contains(&format!(" -v 'r:{sub}' ")), "{}", t.line);
        assert_eq!(t.line.matches(" -v ").count(), 1, "{}", t.line);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn learn_self_queries_and_dev_null_ask_for_neither_ps_nor_more() {
    let dir = scratch("learn-self");
    let prog = compile_c(
        &dir,
        "selfish",
        r#"
        #include <fcntl.h>
        #include <stdio.h>
        #include <string.h>
        #include <unistd.h>
        int main(int argc, char **argv) {
            char b[4096];
            if (argc > 2) {
                ssize_t n = readlink("/proc/self/exe", b, sizeof b - 1);
                if (n > 0) { b[n] = 0; printf("exe %s\n", strrchr(b, '/') + 1); }
            }
            int fd = open(argv[1], O_RDONLY);
            if (fd < 0) { perror("open"); return 1; }
            printf("read %zd\n", read(fd, b, sizeof b));
            return 0;
        }
        "#,
        &[],
    );
    let prog = prog.to_str().unwrap();
    for env in LOCALES {
        // /dev/null is served by the command: no promise beyond stdio.
        learned_exactly(&dir, *env, &[prog, "/dev/null"], b"", &["stdio"]);
        // A process's own /proc is rpath's, never ps's.
        let t = learned_exactly(
            &dir,
            *env,
            &[prog, "/dev/null", "self"],
            b"",
            &["stdio", "rpath"],
        );
        assert!(!t.report.contains(" ps "), "{}", t.report);
    }
}

#[test]
fn learn_a_file_in_tmp_the_program_did_not_make_is_an_input_not_tmppath() {
    let dir = in_tmp("input");
    std::fs::write(dir.join("data"), "x\n").unwrap();
    let data = dir.join("data");
    let t = learned_exactly(
        &dir,
        LOCALES[0],
        &["wc", "-c", data.to_str().unwrap()],
        b"",
        &["stdio", "rpath"],
    );
    assert!(!t.line.contains("tmppath"), "{}", t.line);
    // A file it creates there is what tmppath is for.
    let out = dir.join("out");
    let t = told(
        &dir,
        LOCALES[0],
        false,
        &["sh", "-c", &format!("echo hi > {}", out.display())],
        b"",
    );
    assert!(t.promises().contains(&"tmppath"), "{}", t.report);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn learn_the_program_sees_no_descriptor_of_the_learner() {
    let dir = scratch("learn-fds");
    let prog = compile_c(
        &dir,
        "fds",
        r#"
        #include <dirent.h>
        #include <limits.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <unistd.h>
        int main(void) {
            DIR *d = opendir("/proc/self/fd");
            struct dirent *e;
            while ((e = readdir(d))) {
                if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d)) continue;
                char p[64], t[PATH_MAX];
                snprintf(p, sizeof p, "/proc/self/fd/%s", e->d_name);
                ssize_t n = readlink(p, t, sizeof t - 1);
                t[n > 0 ? n : 0] = 0;
                /* pipes differ from run to run: only their kind is compared */
                if (!strncmp(t, "pipe:", 5)) t[4] = 0;
                printf("%s %s\n", e->d_name, t);
            }
            return 0;
        }
        "#,
        &["-include", "string.h"],
    );
    let prog = prog.to_str().unwrap();
    let (unwatched, _) = sh_in(&dir, LOCALES[0], &format!("exec {prog}"), b"");
    for verify in [false, true] {
        let t = told(&dir, LOCALES[0], verify, &[prog], b"");
        assert_eq!(
            String::from_utf8_lossy(&t.ended.stdout),
            String::from_utf8_lossy(&unwatched.stdout),
            "--verify {verify}: the learned program holds other descriptors"
        );
        assert!(
            !String::from_utf8_lossy(&t.ended.stdout).contains("seccomp"),
            "{}",
            String::from_utf8_lossy(&t.ended.stdout)
        );
    }
}

#[test]
fn learn_scripts_relative_programs_and_children_run_as_printed() {
    let dir = scratch("learn-printed");
    std::fs::write(dir.join("in.txt"), "one\ntwo\n").unwrap();
    common::script(&dir, "count.sh", "#!/bin/sh\ncat \"$1\" | wc -l\n");
    let prog = compile_c(
        &dir,
        "hello",
        "#include <stdio.h>\nint main(void) { puts(\"hello\"); return 0; }\n",
        &[],
    );
    assert!(prog.exists());
    for env in LOCALES {
        let t = learned_exactly(&dir, *env, &["./hello"], b"", &["stdio"]);
        assert!(t.line.ends_with("-- ./hello"), "{}", t.line);
        let t = told(&dir, *env, true, &["./count.sh", "in.txt"], b"");
        assert!(
            t.report.contains("Verified by replay"),
            "{env:?}:\n{}",
            t.report
        );
        let (under, stderr) = run_printed(&dir, *env, &t, b"");
        assert_eq!(
            String::from_utf8_lossy(&under.stdout),
            "2\n",
            "{stderr}\n{}",
            t.report
        );
        assert_eq!(under.code, 0, "{stderr}");
    }
}

#[test]
fn learn_verify_proves_narrows_and_says_what_it_cannot() {
    let dir = scratch("learn-verify");
    std::fs::write(dir.join("needed"), "needed\n").unwrap();
    std::fs::write(dir.join("optional"), "optional\n").unwrap();
    // Reads one file it needs and looks at one it can do without.
    let prog = compile_c(
        &dir,
        "reader",
        r#"
        #include <fcntl.h>
        #include <stdio.h>
        #include <unistd.h>
        int main(void) {
            char b[64];
            int fd = open("optional", O_RDONLY);
            if (fd >= 0) close(fd);
            fd = open("needed", O_RDONLY);
            if (fd < 0) return 3;
            fwrite(b, 1, read(fd, b, sizeof b), stdout);
            return 0;
        }
        "#,
        &[],
    );
    let prog = prog.to_str().unwrap();
    let t = told(&dir, LOCALES[0], true, &[prog], b"");
    assert!(t.report.contains("Verified by replay"), "{}", t.report);
    assert!(t.report.contains("dropped: unveil r:"), "{}", t.report);
    assert!(
        t.line.contains("needed") && !t.line.contains("optional'"),
        "{}",
        t.line
    );
    let (under, stderr) = run_printed(&dir, LOCALES[0], &t, b"");
    assert_eq!(
        String::from_utf8_lossy(&under.stdout),
        "needed\n",
        "{stderr}"
    );

    // The same input again: stdin is read once and given to every run.
    let input: Vec<u8> = (0..5000)
        .map(|i| format!("line {i}\n"))
        .collect::<String>()
        .into_bytes();
    let t = told(&dir, LOCALES[1], true, &["wc", "-l"], &input);
    assert_eq!(String::from_utf8_lossy(&t.ended.stdout), "5000\n");
    assert!(t.report.contains("Verified by replay: "), "{}", t.report);
    assert_eq!(t.promises(), ["stdio"]);

    // Output that changes from run to run cannot be proven.
    let t = told(&dir, LOCALES[0], true, &["sh", "-c", "echo $$"], b"");
    assert!(t.report.contains("Not verified: "), "{}", t.report);
    assert!(t.report.contains("not deterministic"), "{}", t.report);

    // Nor is a program that changes files run again.
    let t = told(&dir, LOCALES[0], true, &["sh", "-c", "echo x > made"], b"");
    assert!(
        t.report.contains("Not verified: not replayed"),
        "{}",
        t.report
    );
}

#[test]
fn learn_harmless_files_read_under_promises_that_open_get_entries() {
    let dir = scratch("learn-harmless-entries");
    std::fs::write(dir.join("data"), "data\n").unwrap();
    // Reads its data and a locale file, and says whether it got both: under `rpath` with
    // entries the locale file is Landlock's to refuse, so it needs an entry of its own.
    let prog = compile_c(
        &dir,
        "localized",
        r#"
        #include <fcntl.h>
        #include <stdio.h>
        #include <unistd.h>
        int main(void) {
            char b[64];
            int data = open("data", O_RDONLY);
            int loc = open("/usr/lib/locale/C.utf8/LC_CTYPE", O_RDONLY);
            int gone = open("/usr/share/locale/xx/LC_MESSAGES/none.mo", O_RDONLY);
            printf("data %s, locale %s, missing %s\n", data >= 0 ? "yes" : "no",
                   loc >= 0 ? "yes" : "no", gone >= 0 ? "yes" : "no");
            if (data >= 0) fwrite(b, 1, read(data, b, sizeof b), stdout);
            return 0;
        }
        "#,
        &[],
    );
    if !Path::new("/usr/lib/locale/C.utf8/LC_CTYPE").exists() {
        return;
    }
    let prog = prog.to_str().unwrap();
    let t = learned_exactly(&dir, LOCALES[0], &[prog], b"", &["stdio", "rpath"]);
    assert!(
        t.line.contains("-v 'r:/usr/lib/locale/C.utf8/LC_CTYPE'"),
        "{}",
        t.report
    );
    assert!(!t.line.contains("none.mo"), "{}", t.line);
    let t = told(&dir, LOCALES[0], true, &[prog], b"");
    assert!(t.report.contains("Verified by replay"), "{}", t.report);
}

#[test]
fn learn_a_failed_unlink_or_exec_of_nothing_is_a_probe() {
    let dir = scratch("learn-unlink");
    // convert's unlink("-"); a shell trying $PATH entries.
    let prog = compile_c(
        &dir,
        "tidy",
        r#"
        #include <stdio.h>
        #include <unistd.h>
        int main(void) {
            unlink("-");
            char *argv[] = { "nothing-here", NULL };
            execv("/nonexistent/bin/nothing-here", argv);
            puts("tidy");
            return 0;
        }
        "#,
        &[],
    );
    let prog = prog.to_str().unwrap();
    for env in LOCALES {
        let t = told(&dir, *env, false, &[prog], b"");
        assert_eq!(t.promises(), ["stdio"], "{}", t.report);
        assert!(t.report.contains("Probes, not needs"), "{}", t.report);
        assert!(t.report.contains("unlink(\"-\")"), "{}", t.report);
    }
}

/// Learning starts the program the way running does, with the same checks first: a bad
/// `$PLEDGE_HANDSHAKE_TIMEOUT` is refused before the program runs.
#[test]
fn learn_refuses_a_bad_handshake_timeout_as_running_does() {
    let marker = scratch("learn-bad-timeout").join("ran");
    for learn in [true, false] {
        let (ended, stderr) = ran(
            {
                let mut c = pledge();
                c.env("PLEDGE_HANDSHAKE_TIMEOUT", "soon");
                if learn {
                    c.arg("--learn");
                }
                c.args(["--", "touch", marker.to_str().unwrap()]);
                c
            },
            b"",
        );
        assert_eq!(ended.code, 125, "learn {learn}: {stderr}");
        assert!(
            stderr.contains("is not a positive number of seconds"),
            "learn {learn}: {stderr}"
        );
        assert!(!marker.exists(), "learn {learn}");
    }
}
