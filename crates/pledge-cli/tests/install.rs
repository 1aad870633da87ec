//! `cargo install --path crates/pledge-cli --root DIR` gives a `pledge` that works on its own:
//! DIR/bin holds nothing else, and with no environment at all it runs a dynamically linked
//! program under its promises (the preload travels inside the binary).
//!
//! The install builds in a target directory of its own under this build's (kept between runs,
//! so only the first is slow), offline and with the checked-in lock file: it never waits on
//! the running cargo, and never reaches the network.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// This build's target directory: `pledge` is TARGET/PROFILE/pledge.
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_pledge"))
        .parent()
        .and_then(Path::parent)
        .expect("pledge in TARGET/PROFILE")
        .to_path_buf()
}

#[test]
fn cargo_install_gives_a_self_sufficient_command() {
    let work = target_dir().join("cargo-install-test");
    let root = work.join("root");
    let _ = std::fs::remove_dir_all(&root);
    let out = Command::new(env!("CARGO"))
        .args(["install", "--quiet", "--offline", "--locked", "--path"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")))
        .arg("--root")
        .arg(&root)
        .arg("--target-dir")
        .arg(work.join("target"))
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .output()
        .expect("running cargo install");
    assert!(
        out.status.success(),
        "cargo install failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let installed: Vec<_> = std::fs::read_dir(root.join("bin"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        installed,
        ["pledge"],
        "cargo install put more than the command in bin/"
    );

    let mut cat = Command::new(root.join("bin/pledge"))
        .args(["-p", "stdio", "--", "cat"])
        .env_clear()
        .current_dir("/")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    cat.stdin.take().unwrap().write_all(b"hi\n").unwrap();
    let out = cat.wait_with_output().unwrap();
    assert_eq!(
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).as_ref()
        ),
        (Some(0), "hi\n"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Narrowed all the same: opening a file under stdio alone is reported.
    let out = Command::new(root.join("bin/pledge"))
        .args(["-p", "stdio", "--", "cat", "/etc/hostname"])
        .env_clear()
        .env("LC_ALL", "C")
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("needs promise \"rpath\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
