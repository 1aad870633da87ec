//! Real programs under their true minimal promises, under `-k` and Debian's default
//! `LANG=C.UTF-8`: each gives the same output and status as without pledge, and pledge prints
//! nothing (a report under `-k` would have killed it). What makes them work: the file broker
//! (message catalogs, locale data, /dev/null, /proc/self/maps, the time zone), the loader's
//! window for programs started by exec, no-op id changes, and scripts kept readable under `-v`.
//! The programs are installed by scripts/test.sh (git, make, perl, xz-utils; tar, bash and
//! coreutils are essential).

mod common;

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use common::{build_preload, scratch, PLEDGE};

/// How a run ended: status, stdout, stderr.
#[derive(Debug, PartialEq, Eq)]
struct Ended {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `cmd` in the environment of a service or a CI job: Debian's default locale and no
/// `SHELL` (bash then looks its user up, which must work under `rpath`).
fn ended(mut cmd: Command, input: &[u8]) -> Ended {
    cmd.env("LANG", "C.UTF-8")
        .env_remove("SHELL")
        .env_remove("LC_ALL")
        .env_remove("LANGUAGE")
        .env_remove("LD_PRELOAD")
        .env_remove("PLEDGE_PRELOAD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (scripts/test.sh installs the programs)"));
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    Ended {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `program` without pledge and under `pledge -k -p PROMISES [extra] --`, and checks that
/// both end the same, with nothing from pledge on stderr. Returns the plain run.
#[track_caller]
fn same_under(promises: &str, extra: &[&str], program: &[&str], input: &[u8]) -> Ended {
    build_preload();
    let mut plain = Command::new(program[0]);
    plain.args(&program[1..]);
    let plain = ended(plain, input);
    assert_eq!(plain.code, Some(0), "without pledge: {plain:?}");
    let mut under = Command::new(PLEDGE);
    under
        .args(["-k", "-p", promises])
        .args(extra)
        .arg("--")
        .args(program);
    let under = ended(under, input);
    assert!(
        !under.stderr.contains("pledge"),
        "pledge said something under \"{promises}\": {}",
        under.stderr
    );
    assert_eq!(under, plain, "under pledge -k -p \"{promises}\"");
    plain
}

#[test]
fn wc_reads_its_message_catalog_through_the_broker() {
    let out = same_under("stdio", &[], &["wc", "-l"], b"one\ntwo\n");
    assert_eq!(out.stdout, "2\n");
}

#[test]
fn xz_decompresses_under_stdio() {
    let packed = Command::new("xz")
        .args(["-c"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(b"packed text\n")?;
            c.wait_with_output()
        })
        .expect("xz (xz-utils)");
    let out = same_under("stdio", &[], &["xz", "-dc"], &packed.stdout);
    assert_eq!(out.stdout, "packed text\n");
}

#[test]
fn perl_filters_under_stdio() {
    // perl opens /dev/null and /dev/urandom, reads /proc/self/exe for $^X, and probes its
    // missing @INC directories.
    let out = same_under(
        "stdio",
        &[],
        &["perl", "-ne", "print uc; END { print $^X, qq(\\n) }"],
        b"a\nb\n",
    );
    assert!(out.stdout.starts_with("A\nB\n/"), "{out:?}");
}

#[test]
fn a_threaded_program_frees_large_blocks_and_reads_its_stack() {
    let dir = scratch("real-threads");
    let prog = common::compile_c(
        &dir,
        "threads",
        r#"
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
static void *work(void *arg) {
    (void)arg;
    for (int i = 0; i < 64; i++) { void *p = malloc(8 << 20); if (!p) return (void *)1; free(p); }
    pthread_attr_t at; void *stack; size_t size;
    if (pthread_getattr_np(pthread_self(), &at) || pthread_attr_getstack(&at, &stack, &size)) return (void *)1;
    return (void *)(uintptr_t)(size == 0);
}
int main(void) {
    pthread_t t[4]; int bad = 0;
    for (int i = 0; i < 4; i++) pthread_create(&t[i], 0, work, 0);
    for (int i = 0; i < 4; i++) { void *r; pthread_join(t[i], &r); bad |= r != 0; }
    /* The main thread's stack comes from /proc/self/maps. */
    pthread_attr_t at; void *stack; size_t size;
    if (pthread_getattr_np(pthread_self(), &at) || pthread_attr_getstack(&at, &stack, &size) || size == 0) bad = 1;
    printf("threads %s\n", bad ? "failed" : "ok");
    return bad;
}
"#,
        &["-O1", "-pthread"],
    );
    let out = same_under("stdio", &[], &[prog.to_str().unwrap()], b"");
    assert_eq!(out.stdout, "threads ok\n");
}

#[test]
fn git_log_under_stdio_rpath() {
    let dir = scratch("real-git");
    let repo = dir.join("repo");
    let git = |args: &[&str]| {
        let st = Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args(["-c", "user.name=Test", "-c", "user.email=test@example.org"])
            .args(args)
            .env("GIT_AUTHOR_DATE", "2020-01-02T03:04:05Z")
            .env("GIT_COMMITTER_DATE", "2020-01-02T03:04:05Z")
            .stdout(Stdio::null())
            .status()
            .expect("git");
        assert!(st.success(), "git {args:?}");
    };
    std::fs::create_dir_all(&repo).unwrap();
    git(&["init", "-q"]);
    std::fs::write(repo.join("file"), "content\n").unwrap();
    git(&["add", "file"]);
    git(&["commit", "-q", "-m", "the first commit"]);
    let out = same_under(
        "stdio rpath",
        &[],
        &["git", "-C", repo.to_str().unwrap(), "log"],
        b"",
    );
    assert!(out.stdout.contains("the first commit"), "{out:?}");
}

fn data_dir(name: &str) -> std::path::PathBuf {
    let dir = scratch(name);
    for f in ["a", "b", "c"] {
        std::fs::write(dir.join(f), f).unwrap();
    }
    dir
}

#[test]
fn a_shell_pipeline_runs_without_prot_exec() {
    let dir = data_dir("real-sh");
    let out = same_under(
        "stdio rpath proc exec",
        &[],
        &["sh", "-c", &format!("ls {} | wc -l", dir.display())],
        b"",
    );
    assert_eq!(out.stdout, "3\n");
}

#[test]
fn bash_runs_without_prot_exec_or_tty_and_looks_up_its_user() {
    let dir = data_dir("real-bash");
    let out = same_under(
        "stdio rpath proc exec",
        &[],
        &[
            "bash",
            "-c",
            &format!("ls {} | wc -l; echo $((6 * 7))", dir.display()),
        ],
        b"",
    );
    assert_eq!(out.stdout, "3\n42\n");
}

#[test]
fn xargs_runs_its_children() {
    let out = same_under(
        "stdio rpath proc exec",
        &[],
        &["sh", "-c", "printf 'x y z' | xargs -n1 echo"],
        b"",
    );
    assert_eq!(out.stdout, "x\ny\nz\n");
}

#[test]
fn make_builds_with_write_access() {
    let dir = scratch("real-make");
    std::fs::write(
        dir.join("Makefile"),
        "out.txt: in.txt\n\tcp in.txt out.txt\n\tcat out.txt\n",
    )
    .unwrap();
    let reset = || {
        std::fs::write(dir.join("in.txt"), "made\n").unwrap();
        let _ = std::fs::remove_file(dir.join("out.txt"));
    };
    reset();
    let mut plain = Command::new("make");
    plain.arg("-s").arg("-C").arg(&dir);
    let plain = ended(plain, b"");
    assert_eq!(plain.code, Some(0), "{plain:?}");
    reset();
    build_preload();
    let mut under = Command::new(PLEDGE);
    under
        .args([
            "-k",
            "-p",
            "stdio rpath wpath cpath proc exec",
            "--",
            "make",
            "-s",
            "-C",
        ])
        .arg(&dir);
    let under = ended(under, b"");
    assert_eq!(under, plain);
    assert_eq!(under.stdout, "made\n");
}

#[test]
fn a_script_outside_the_unveiled_directory_still_runs() {
    let data = scratch("real-script-data");
    std::fs::write(data.join("lines"), "one\ntwo\n").unwrap();
    let bin = scratch("real-script-bin");
    let script = bin.join("count.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nn=0\nwhile read l; do n=$((n + 1)); echo \"$n: $l\"; done < {}\n",
            data.join("lines").display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let unveil = format!("r:{}", data.display());
    let out = same_under(
        "stdio rpath",
        &["-v", &unveil],
        &[script.to_str().unwrap()],
        b"",
    );
    assert_eq!(out.stdout, "1: one\n2: two\n");
}

/// An archive whose member times fall at a known instant.
fn archive(dir: &Path) -> Vec<u8> {
    let member = dir.join("member.txt");
    std::fs::write(&member, "x\n").unwrap();
    let st = Command::new("touch")
        .args(["-d", "2021-06-15 12:00:00 UTC"])
        .arg(&member)
        .status()
        .unwrap();
    assert!(st.success());
    Command::new("tar")
        .arg("-C")
        .arg(dir)
        .args(["-cf", "-", "member.txt"])
        .output()
        .unwrap()
        .stdout
}

/// `tar tvf -` shows member times in the local time zone, which glibc reads (and rechecks with
/// `stat`) from /etc/localtime: the broker serves both. Run in a mount namespace where the
/// zone /etc/localtime points to is Asia/Tokyo (UTC+9), so that a result in UTC would show.
#[test]
fn tar_lists_in_local_time_under_stdio() {
    let dir = scratch("real-tar");
    let tar = archive(&dir);
    std::fs::write(dir.join("a.tar"), &tar).unwrap();
    build_preload();
    let root = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .any(|l| l.starts_with("Uid:\t0\t"));
    if !root {
        // No mount namespace without root: compare under the system's own zone (which may be
        // UTC, and then shows less).
        eprintln!("not root: comparing under the system's /etc/localtime, not Asia/Tokyo");
        same_under("stdio", &[], &["tar", "--numeric-owner", "-tvf", "-"], &tar);
        same_under("stdio getpw", &[], &["tar", "-tvf", "-"], &tar);
        return;
    }
    let target = std::fs::canonicalize("/etc/localtime").expect("/etc/localtime");
    let tokyo = "/usr/share/zoneinfo/Asia/Tokyo";
    assert!(Path::new(tokyo).exists(), "tzdata is missing");
    // Inside the namespace: the plain listing, then under pledge. --numeric-owner: owner names
    // are looked up in /etc/passwd, which takes "getpw" (as on OpenBSD); the next test has it.
    let script = format!(
        "set -e; mount --bind {tokyo} {target}; cd {dir}; \
         tar --numeric-owner -tvf - < a.tar; \
         {PLEDGE} -k -p stdio -- tar --numeric-owner -tvf - < a.tar; \
         tar -tvf - < a.tar; \
         {PLEDGE} -k -p 'stdio getpw' -- tar -tvf - < a.tar",
        target = target.display(),
        dir = dir.display()
    );
    let out = ended(
        {
            let mut c = Command::new("unshare");
            c.args(["-m", "--propagation", "private", "sh", "-c", &script]);
            c
        },
        b"",
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(!out.stderr.contains("pledge"), "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{out:?}");
    // 12:00 UTC is 21:00 in Tokyo.
    assert!(lines[0].contains("2021-06-15 21:00"), "{out:?}");
    assert_eq!(lines[0], lines[1], "{out:?}");
    assert_eq!(lines[2], lines[3], "{out:?}");
}
