//! The cat examples (examples/cat.c against both libraries, examples/cat.rs): they copy their
//! files, and they run pledged.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{compile, file, repo, run, BOTH};

/// The Rust example, built by `cargo test` (or here, when a single test target was built).
fn rust_cat() -> PathBuf {
    let path = common::profile_dir().join("examples/cat");
    if !path.exists() {
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(repo())
            .args(["build", "-p", "libpledge", "--example", "cat"])
            .status()
            .unwrap();
        assert!(status.success(), "building the cat example failed");
    }
    path
}

fn cats() -> Vec<PathBuf> {
    let mut cats: Vec<PathBuf> = BOTH.iter().map(|l| compile("examples/cat.c", *l)).collect();
    cats.push(rust_cat());
    cats
}

#[test]
fn cat_copies_its_files() {
    let a = file("cat-a.txt", "first file\n");
    let b = file("cat-b.txt", "second file\n");
    for cat in cats() {
        let run = run(&cat, &[&a, &b]);
        run.ok();
        assert_eq!(run.stdout, "first file\nsecond file\n", "{run}");
    }
}

#[test]
fn cat_reports_files_it_cannot_open_and_copies_the_rest() {
    let a = file("cat-c.txt", "still copied\n");
    for cat in cats() {
        let run = run(&cat, &["/nonexistent/libpledge-cat", &a]);
        assert_eq!(run.end, common::End::Exit(1), "{run}");
        assert_eq!(run.stdout, "still copied\n", "{run}");
        run.says("/nonexistent/libpledge-cat")
            .says("No such file or directory");
    }
}

/// One field of /proc/PID/status.
fn status_field(pid: u32, field: &str) -> Option<String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .map(|v| v.trim().to_string())
}

#[test]
fn cat_runs_pledged() {
    for cat in cats() {
        // cat waits on its standard input: once its filter is in place, check it from here.
        let mut child = Command::new(&cat)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        let mut seccomp = None;
        for _ in 0..1000 {
            seccomp = status_field(pid, "Seccomp:");
            if seccomp.as_deref() == Some("2") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(
            seccomp.as_deref(),
            Some("2"),
            "{} never installed a seccomp filter",
            cat.display()
        );
        assert_eq!(status_field(pid, "NoNewPrivs:").as_deref(), Some("1"));
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"through a pipe\n").unwrap();
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}: {:?}", cat.display(), out.status);
        assert_eq!(out.stdout, b"through a pipe\n");
    }
}

#[test]
fn static_cat_needs_no_rust_library() {
    let cat = compile("examples/cat.c", common::Linkage::Static);
    let needed = needed_libraries(&cat);
    assert!(
        !needed
            .iter()
            .any(|l| l.contains("pledge") || l.contains("std-")),
        "{needed:?}"
    );
    assert!(
        needed.iter().any(|l| l.starts_with("libc.so")),
        "{needed:?}"
    );
    let dynamic = compile("examples/cat.c", common::Linkage::Dynamic);
    assert!(needed_libraries(&dynamic)
        .iter()
        .any(|l| l == "libpledge.so"));
}

/// The DT_NEEDED entries of an executable.
pub fn needed_libraries(exe: &Path) -> Vec<String> {
    let out = Command::new("readelf")
        .arg("-d")
        .arg(exe)
        .output()
        .expect("running readelf");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(|l| {
            l.split('[')
                .nth(1)
                .and_then(|s| s.split(']').next())
                .map(String::from)
        })
        .collect()
}

#[test]
fn fully_static_cat_runs() {
    // `cc -static`: libgcc_eh stands in for libgcc_s, which has no static form.
    let exe = common::scratch().join("cat-fully-static");
    let libs: Vec<String> = common::libs_private()
        .into_iter()
        .map(|l| if l == "-lgcc_s" { "-lgcc_eh".into() } else { l })
        .collect();
    let out = Command::new("cc")
        .args(["-static", "-std=gnu11", "-o"])
        .arg(&exe)
        .arg("-I")
        .arg(repo().join("include"))
        .arg(repo().join("examples/cat.c"))
        .arg(common::lib_dir().join("libpledge.a"))
        .args(&libs)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(needed_libraries(&exe).is_empty());
    let text = file("fully-static.txt", "no shared library at all\n");
    let run = run(&exe, &[&text]);
    run.ok();
    assert_eq!(run.stdout, "no shared library at all\n");
}
