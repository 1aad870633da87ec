//! Helpers for the export tests: scratch directories, compiling the C helpers, finding the
//! Debian tools the tests need (a missing one fails the test, naming the package), and
//! decoding BPF bytes.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use scopes::bpf::Insn;

/// A fresh scratch directory, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(tag: &str) -> Scratch {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("scopes-export-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Scratch(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs a command, panicking (with the Debian package to install) when it cannot start.
pub fn run(cmd: &mut Command, package: &str) -> Output {
    cmd.output().unwrap_or_else(|e| {
        panic!("cannot run {cmd:?} ({e}): install the Debian package {package}")
    })
}

/// Compiles `tests/export_support/NAME.c` into `dir`, linking `libs`.
pub fn compile_c(dir: &Scratch, name: &str, libs: &[&str]) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/export_support")
        .join(format!("{name}.c"));
    let out = dir.path(name);
    let result = run(
        Command::new("cc")
            .args(["-O1", "-Wall", "-Werror", "-o"])
            .arg(&out)
            .arg(&src)
            .args(libs),
        "gcc (plus libseccomp-dev and libjson-c-dev for the OCI loader)",
    );
    assert!(
        result.status.success(),
        "cc {name}.c failed (needs the Debian packages libseccomp-dev and libjson-c-dev):\n{}",
        String::from_utf8_lossy(&result.stderr)
    );
    out
}

/// Decodes a `struct sock_filter` array.
pub fn decode(bytes: &[u8]) -> Vec<Insn> {
    assert_eq!(
        bytes.len() % 8,
        0,
        "a BPF program is a whole number of 8-byte instructions"
    );
    bytes
        .chunks(8)
        .map(|c| Insn::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// A python3 that has the `jsonschema` module (Debian: python3-jsonschema).
pub fn python_with_jsonschema() -> String {
    for candidate in ["python3", "/usr/bin/python3"] {
        let ok = Command::new(candidate)
            .args(["-c", "import jsonschema"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return candidate.to_string();
        }
    }
    panic!("no python3 with the jsonschema module: install the Debian package python3-jsonschema");
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
