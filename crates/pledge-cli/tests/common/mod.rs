//! Running the real `pledge` binary on real programs, and compiling small C programs for the
//! cases no installed program shows.

#![allow(dead_code)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Once;

/// The `pledge` binary cargo built for these tests.
pub const PLEDGE: &str = env!("CARGO_BIN_EXE_pledge");

static PRELOAD: Once = Once::new();

/// Builds `libpledge_preload.so` next to the `pledge` binary (same profile), once per test
/// binary: `cargo test` builds the command but not a cdylib that no test links.
pub fn build_preload() {
    PRELOAD.call_once(|| {
        let bin_dir = Path::new(PLEDGE).parent().unwrap();
        let profile = match bin_dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => "dev".to_string(),
            Some(other) => other.to_string(),
        };
        let status = Command::new(env!("CARGO"))
            .args([
                "build",
                "--quiet",
                "-p",
                "pledge-preload",
                "--profile",
                &profile,
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("running cargo to build the preload");
        assert!(status.success(), "building pledge-preload failed");
        assert!(
            bin_dir.join("libpledge_preload.so").exists(),
            "the preload is not next to {PLEDGE}"
        );
    });
}

/// A `pledge` command with a neutral locale (so programs do not open locale files, which
/// would be reported under promises without `rpath`) and no inherited preload override.
pub fn pledge() -> Command {
    build_preload();
    let mut cmd = Command::new(PLEDGE);
    test_support::with_default_signals(&mut cmd);
    cmd.env("LC_ALL", "C")
        .env_remove("LANG")
        .env_remove("LD_PRELOAD")
        .env_remove("PLEDGE_PRELOAD");
    cmd
}

/// How a run ended, with its output.
#[derive(Debug)]
pub struct Ran {
    /// Exit status (the command always exits; it never dies of a signal itself).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Ran {
    /// Asserts the exit status.
    #[track_caller]
    pub fn code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }
    /// Asserts stdout is exactly `text`.
    #[track_caller]
    pub fn stdout_is(&self, text: &str) -> &Self {
        assert_eq!(self.stdout, text, "stderr: {}", self.stderr);
        self
    }
    /// Asserts stderr contains `text`.
    #[track_caller]
    pub fn says(&self, text: &str) -> &Self {
        assert!(
            self.stderr.contains(text),
            "expected {text:?} in stderr:\n{}",
            self.stderr
        );
        self
    }
    /// Asserts stderr does not contain `text`.
    #[track_caller]
    pub fn never_says(&self, text: &str) -> &Self {
        assert!(
            !self.stderr.contains(text),
            "unexpected {text:?} in stderr:\n{}",
            self.stderr
        );
        self
    }
    /// Asserts stderr is empty.
    #[track_caller]
    pub fn quiet(&self) -> &Self {
        assert_eq!(self.stderr, "", "stderr should be empty");
        self
    }
    /// The report lines (`pledge: NAME[PID]: ... denied: ...`).
    pub fn reports(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.starts_with("pledge: ") && l.contains(" denied: "))
            .collect()
    }
}

fn finish(out: Output) -> Ran {
    Ran {
        code: out
            .status
            .code()
            .unwrap_or_else(|| panic!("pledge itself was killed: {:?}", out.status)),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `pledge ARGS` with `input` on stdin; returns the exit status, stdout as bytes, stderr.
pub fn run_bytes(args: &[&str], input: &[u8]) -> (i32, Vec<u8>, String) {
    let mut child = pledge()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting pledge");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("waiting for pledge");
    writer.join().unwrap();
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `pledge ARGS` with `input` on stdin.
pub fn run_with_input(args: &[&str], input: &[u8]) -> Ran {
    let mut child = pledge()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting pledge");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("waiting for pledge");
    writer.join().unwrap();
    finish(out)
}

/// Runs `pledge ARGS` with stdin from /dev/null.
pub fn run(args: &[&str]) -> Ran {
    finish(
        pledge()
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("running pledge"),
    )
}

/// A scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = outside_tmp_root().join("pledge-cli").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Compiles C `source` with `cc` (and `flags`) into `dir/name`.
pub fn compile_c(dir: &Path, name: &str, source: &str, flags: &[&str]) -> PathBuf {
    let src = dir.join(format!("{name}.c"));
    std::fs::write(&src, source).unwrap();
    let out = dir.join(name);
    let result = Command::new("cc")
        .args(flags)
        .arg("-o")
        .arg(&out)
        .arg(&src)
        .output()
        .expect("running cc");
    assert!(
        result.status.success(),
        "cc failed: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    out
}

/// Writes an executable script.
pub fn script(dir: &Path, name: &str, text: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Whether the report line has the shape `pledge: NAME[PID]: CALL denied: NEEDS` for `name`,
/// and returns its pid.
pub fn report_pid(line: &str, name: &str) -> Option<u32> {
    let rest = line.strip_prefix(&format!("pledge: {name}["))?;
    let (pid, _) = rest.split_once("]: ")?;
    pid.parse().ok()
}

/// A directory for scratch files outside /tmp, which the `tmppath` promise reaches: the build's
/// own temporary directory, or /var/tmp when the checkout itself lives under /tmp.
pub fn outside_tmp_root() -> std::path::PathBuf {
    let target = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    if target.starts_with("/tmp") {
        std::path::PathBuf::from("/var/tmp/seccomp-scopes-tests")
    } else {
        target
    }
}
