//! Helpers shared by the unveil tests: a scratch tree outside /tmp (so the paths `tmppath`
//! implies do not blur what is hidden), errno extraction, and the kernel's Landlock ABI.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

/// A scratch tree, removed on drop:
/// `base/outside.txt`, `base/jail/in.txt`, `base/jail/sub/deep.txt`, `base/other/`.
pub struct Tree {
    pub base: PathBuf,
}

impl Tree {
    pub fn new(name: &str) -> Tree {
        let base =
            super::common::outside_tmp_root().join(format!("unveil-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&base);
        fs::create_dir_all(base.join("jail/sub")).unwrap();
        fs::create_dir_all(base.join("other")).unwrap();
        fs::write(base.join("outside.txt"), "outside").unwrap();
        fs::write(base.join("jail/in.txt"), "inside").unwrap();
        fs::write(base.join("jail/sub/deep.txt"), "deep").unwrap();
        Tree { base }
    }
    pub fn jail(&self) -> PathBuf {
        self.base.join("jail")
    }
    pub fn at(&self, rel: &str) -> PathBuf {
        self.base.join(rel)
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.base);
    }
}

/// The errno of an I/O result that must have failed.
#[track_caller]
pub fn errno<T: std::fmt::Debug>(result: std::io::Result<T>) -> i32 {
    match result {
        Ok(v) => panic!("expected an error, got Ok({v:?})"),
        Err(e) => e
            .raw_os_error()
            .unwrap_or_else(|| panic!("not an OS error: {e}")),
    }
}

/// The kernel's Landlock ABI (0 when it has none).
pub fn landlock_abi() -> i64 {
    let r = super::common::sys(libc::SYS_landlock_create_ruleset, &[0, 0, 1]);
    r.max(0)
}

/// Skips (returns true, with a visible message) when the kernel lacks the Landlock `abi`.
pub fn lacks_abi(abi: i64, what: &str) -> bool {
    let have = landlock_abi();
    if have < abi {
        eprintln!("SKIPPED: {what} needs Landlock ABI {abi}; this kernel has {have}");
        return true;
    }
    false
}

/// unveil(), or panic (the forked child exits 101) with the error.
#[track_caller]
pub fn unveil(path: &Path, permissions: &str) {
    if let Err(e) = scopes::unveil(Some(path), Some(permissions)) {
        panic!("unveil({}, {permissions:?}) failed: {e}", path.display());
    }
}

/// unveil(NULL, NULL), or panic with the error.
#[track_caller]
pub fn lock() {
    if let Err(e) = scopes::unveil(None, None) {
        panic!("unveil lock failed: {e}");
    }
}

/// What a program needs to run: its binaries and libraries under /usr, the loader cache.
pub fn unveil_system_programs() {
    unveil(Path::new("/usr"), "rx");
    unveil(Path::new("/etc/ld.so.cache"), "r");
}
