//! The attacker suite's harness. Each test in `tests/` is an attack: a hostile program (C
//! compiled with `cc` during the test, or Rust forked in the test) runs under the library
//! (`scopes`, `libpledge`) or the `pledge` command and tries to get out; the test then checks
//! the victim (a secret file unread, the parent's memory unchanged, a file not created, the
//! supervisor alive and reporting), not only the attacker's return codes.
//!
//! The harness builds what the attacks run under (libpledge, the command and its preload)
//! with the same cargo profile as the test, once per test executable.

// Hostile code calls libc directly on purpose (forking, signalling, raw system calls), which
// no safe wrapper of the workspace would let it do. Each `unsafe` block still says why it is
// sound.
#![allow(unsafe_code)]

use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

pub mod bounded;
pub mod caps;
pub mod cmd_life;
pub mod table;
pub use test_support::{run_forked, Child, End};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

/// `<target>/<profile>` of this test executable (`<target>/<profile>/deps/<name>-<hash>`).
pub fn profile_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().expect("test executable");
        exe.parent()
            .and_then(Path::parent)
            .expect("test executable in <target>/<profile>/deps")
            .to_path_buf()
    })
}

/// Builds libpledge, the `pledge` command and its preload into [`profile_dir`], once.
fn build_tools() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let profile = match profile_dir().file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => "dev".to_string(),
            Some(other) => other.to_string(),
        };
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(repo())
            .args(["build", "--quiet", "--profile", &profile])
            .args([
                "-p",
                "libpledge",
                "-p",
                "pledge-cli",
                "-p",
                "pledge-preload",
            ])
            .status()
            .expect("running cargo build");
        assert!(status.success(), "building the tools under attack failed");
    });
}

/// The `pledge` command under attack.
pub fn pledge_command() -> PathBuf {
    build_tools();
    profile_dir().join("pledge")
}

/// A scratch directory for one attack, outside /tmp (which `tmppath` reaches), emptied first.
pub fn scratch(name: &str) -> PathBuf {
    let root = profile_dir().join("attacks");
    let root = if root.starts_with("/tmp") {
        PathBuf::from("/var/tmp/seccomp-scopes-attacks")
    } else {
        root
    };
    let dir = root.join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// How a C attack is linked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// A plain program (run under the `pledge` command, or pledging through nothing).
    Plain,
    /// Linked with libpledge (`-lpledge`, `#include <pledge.h>`).
    Libpledge,
    /// A static program (no loader, no library to read at start).
    Static,
}

/// Compiles `crates/attacks/c/<name>.c` once per test executable and returns the program.
pub fn compile(name: &str, link: Link) -> PathBuf {
    static BUILT: Mutex<Vec<(String, Link, PathBuf)>> = Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, _, path)) = built.iter().find(|(n, l, _)| n == name && *l == link) {
        return path.clone();
    }
    let src = repo().join("crates/attacks/c").join(format!("{name}.c"));
    let out = scratch(&format!("bin-{name}-{link:?}").to_lowercase()).join(name);
    let mut cc = Command::new("cc");
    cc.args([
        "-std=gnu11",
        "-O1",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-pthread",
        "-o",
    ])
    .arg(&out)
    .arg("-I")
    .arg(repo().join("include"))
    .arg(&src);
    if link == Link::Static {
        cc.arg("-static");
    }
    if link == Link::Libpledge {
        build_tools();
        cc.arg("-L")
            .arg(profile_dir())
            .arg("-lpledge")
            .arg(format!("-Wl,-rpath,{}", profile_dir().display()));
    }
    let result = cc.output().expect("running cc");
    assert!(
        result.status.success(),
        "cc failed for {name}.c:\n{}",
        String::from_utf8_lossy(&result.stderr)
    );
    built.push((name.to_string(), link, out.clone()));
    out
}

/// A finished program.
#[derive(Debug)]
pub struct Ran {
    pub end: End,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    /// Asserts the program exited with `code`.
    #[track_caller]
    pub fn exited(&self, code: i32) -> &Self {
        assert_eq!(self.end, End::Exit(code), "{self:#?}");
        self
    }
    /// Asserts the program died of `signal`.
    #[track_caller]
    pub fn signalled(&self, signal: i32) -> &Self {
        assert_eq!(self.end, End::Signal(signal), "{self:#?}");
        self
    }
    /// Asserts stdout has this line.
    #[track_caller]
    pub fn line(&self, line: &str) -> &Self {
        assert!(
            self.stdout.lines().any(|l| l == line),
            "expected line {line:?}: {self:#?}"
        );
        self
    }
    /// Asserts stderr contains `text`.
    #[track_caller]
    pub fn says(&self, text: &str) -> &Self {
        assert!(self.stderr.contains(text), "expected {text:?}: {self:#?}");
        self
    }
}

/// Runs `program ARGS` with stdin from /dev/null and a neutral locale, and waits for it.
pub fn run(program: &Path, args: &[&str]) -> Ran {
    run_command(Command::new(program).args(args))
}

/// Runs a prepared command (stdin from /dev/null) and waits for it.
pub fn run_command(cmd: &mut Command) -> Ran {
    let out = cmd
        .env("LC_ALL", "C")
        .env_remove("LANG")
        .env_remove("LD_PRELOAD")
        .env_remove("PLEDGE_PRELOAD")
        .stdin(Stdio::null())
        .output()
        .expect("running an attack");
    let end = match (out.status.code(), out.status.signal()) {
        (Some(code), _) => End::Exit(code),
        (None, Some(sig)) => End::Signal(sig),
        _ => unreachable!("a finished process exited or was killed"),
    };
    Ran {
        end,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
