//! Helpers for the C tests: find (or build) libpledge.so and libpledge.a, compile C programs
//! against either with the system `cc`, run them and report how they ended.

#![allow(dead_code)]

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// How a C program is linked with the library.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Linkage {
    /// `-lpledge` against libpledge.so.
    Dynamic,
    /// libpledge.a inside the executable (no Rust library needed at run time).
    Static,
}

/// Both linkages, for tests that run under each.
pub const BOTH: [Linkage; 2] = [Linkage::Dynamic, Linkage::Static];

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The profile directory of this build (target/debug for `cargo test`).
pub fn profile_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // The test executable is <target>/<profile>/deps/<name>-<hash>.
        let exe = std::env::current_exe().unwrap();
        exe.parent()
            .and_then(Path::parent)
            .expect("test executable in <target>/<profile>/deps")
            .to_path_buf()
    })
}

/// The directory holding the libpledge.so and libpledge.a under test. `cargo test` builds the
/// library (all its crate types) into <profile>/deps before the tests, but copies them up to
/// <profile> only on `cargo build`: the deps copies are the current ones. When they are missing
/// (a test executable run by hand), the library is built.
pub fn lib_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let has_libs =
            |dir: &Path| dir.join("libpledge.so").is_file() && dir.join("libpledge.a").is_file();
        let deps = profile_dir().join("deps");
        if has_libs(&deps) {
            return deps;
        }
        let dir = profile_dir().to_path_buf();
        if !has_libs(&dir) {
            let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
            cargo.current_dir(repo()).args(["build", "-p", "libpledge"]);
            if dir.file_name().is_some_and(|n| n == "release") {
                cargo.arg("--release");
            }
            let status = cargo.status().expect("running cargo build -p libpledge");
            assert!(status.success(), "cargo build -p libpledge failed");
        }
        dir
    })
}

/// A scratch directory for this test executable under the target directory, emptied when the
/// executable starts (programs compiled by the tests and their files go there).
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().unwrap();
        let name = exe.file_stem().unwrap().to_string_lossy().into_owned();
        let dir = profile_dir().join("libpledge-tests").join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

/// The system libraries libpledge.a needs, from the `Libs.private` line of pledge.pc.in (the
/// same list the installed pledge.pc gives `pkg-config --static`).
pub fn libs_private() -> Vec<String> {
    let pc = std::fs::read_to_string(repo().join("pledge.pc.in")).unwrap();
    let line = pc
        .lines()
        .find_map(|l| l.strip_prefix("Libs.private:"))
        .expect("Libs.private in pledge.pc.in");
    line.split_whitespace().map(String::from).collect()
}

/// Compiles `source` (relative to the repository root) into a program linked as `linkage`,
/// once per test executable: tests running in parallel share the program.
pub fn compile(source: &str, linkage: Linkage) -> PathBuf {
    static BUILT: Mutex<Vec<((String, Linkage), PathBuf)>> = Mutex::new(Vec::new());
    let mut built = BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let key = (source.to_string(), linkage);
    if let Some((_, path)) = built.iter().find(|(k, _)| *k == key) {
        return path.clone();
    }
    let path = compile_now(source, linkage);
    built.push((key, path.clone()));
    path
}

fn compile_now(source: &str, linkage: Linkage) -> PathBuf {
    let src = repo().join(source);
    let stem = src.file_stem().unwrap().to_string_lossy().into_owned();
    let out = scratch().join(format!("{stem}-{linkage:?}").to_lowercase());
    let dir = lib_dir();
    let mut cc = Command::new("cc");
    cc.args([
        "-std=gnu11",
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
    match linkage {
        Linkage::Dynamic => {
            cc.arg("-L")
                .arg(dir)
                .arg("-lpledge")
                .arg(format!("-Wl,-rpath,{}", dir.display()));
        }
        Linkage::Static => {
            cc.arg(dir.join("libpledge.a")).args(libs_private());
        }
    }
    let output = cc.output().expect("running cc");
    assert!(
        output.status.success(),
        "cc failed for {source} ({linkage:?}):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    out
}

/// The probe program (tests/c/probe.c).
pub fn probe(linkage: Linkage) -> PathBuf {
    compile("crates/libpledge/tests/c/probe.c", linkage)
}

/// How a program ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Exit(i32),
    Signal(i32),
}

/// A finished program.
#[derive(Debug)]
pub struct Run {
    pub end: End,
    pub stdout: String,
    pub stderr: String,
    what: String,
}

impl Run {
    /// Asserts the program exited 0.
    #[track_caller]
    pub fn ok(&self) -> &Self {
        assert_eq!(self.end, End::Exit(0), "{self}");
        self
    }

    /// Asserts the program died of SIGSYS.
    #[track_caller]
    pub fn killed(&self) -> &Self {
        assert_eq!(self.end, End::Signal(libc::SIGSYS), "{self}");
        self
    }

    /// Asserts stdout has this line.
    #[track_caller]
    pub fn line(&self, line: &str) -> &Self {
        assert!(
            self.stdout.lines().any(|l| l == line),
            "expected line {line:?}; {self}"
        );
        self
    }

    /// Asserts stdout lacks this line.
    #[track_caller]
    pub fn no_line(&self, line: &str) -> &Self {
        assert!(
            !self.stdout.lines().any(|l| l == line),
            "unexpected line {line:?}; {self}"
        );
        self
    }

    /// Asserts stderr contains `text`.
    #[track_caller]
    pub fn says(&self, text: &str) -> &Self {
        assert!(
            self.stderr.contains(text),
            "expected {text:?} on stderr; {self}"
        );
        self
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: ended {:?}\n--- stdout\n{}--- stderr\n{}",
            self.what, self.end, self.stdout, self.stderr
        )
    }
}

/// Runs `program` with `args` and waits for it. Without `LD_LIBRARY_PATH`, which wins over the
/// program's RUNPATH: cargo's includes <profile>, where an earlier `cargo build` may have left
/// an older libpledge.so, and that one would be loaded instead of the library under test.
pub fn run(program: &Path, args: &[&str]) -> Run {
    let output = Command::new(program)
        .args(args)
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .expect("running a test program");
    let end = match (output.status.code(), output.status.signal()) {
        (Some(code), _) => End::Exit(code),
        (None, Some(sig)) => End::Signal(sig),
        _ => unreachable!("a finished process exited or was killed"),
    };
    Run {
        end,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        what: format!("{} {}", program.display(), args.join(" ")),
    }
}

/// Runs the probe (linked as `linkage`) with these steps.
pub fn probe_run(linkage: Linkage, steps: &[&str]) -> Run {
    run(&probe(linkage), steps)
}

/// A file with `contents` in the scratch directory; returns its path as a string.
pub fn file(name: &str, contents: &str) -> String {
    let path = scratch().join(name);
    std::fs::write(&path, contents).unwrap();
    path.to_string_lossy().into_owned()
}

/// A path in the scratch directory that does not exist yet.
pub fn fresh(name: &str) -> String {
    let path = scratch().join(name);
    let _ = std::fs::remove_file(&path);
    path.to_string_lossy().into_owned()
}
