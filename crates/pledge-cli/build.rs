//! Links GCC's unwinder statically (see `crates/static_unwinder.rs`), and builds the preload
//! (`crates/pledge-preload`) that the command carries inside itself.
//!
//! The preload is a shared object of its own (the dynamic loader can only preload one), so it
//! is built by a second cargo, in a target directory of its own beside this build's (a shared
//! one would wait on this build's lock), always optimised: it runs in every dynamically linked
//! program the command starts. Its bytes are embedded with `include_bytes!`; at run time the
//! command hands them to the program in a sealed memfd, so an installed `pledge` needs no other
//! file (`cargo install` copies only binaries).

#[path = "../static_unwinder.rs"]
mod static_unwinder;

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    static_unwinder::link_statically();
    build_preload();
}

/// Variables of this build that must not reach the inner cargo: they name this build's target
/// directory, or run clippy (whose lints on the preload are this workspace's own run's job).
const NOT_INHERITED: &[&str] = &[
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET_DIR",
    "RUSTC_WORKSPACE_WRAPPER",
    "CLIPPY_ARGS",
    "CARGO_PRIMARY_PACKAGE",
    "__CARGO_FIX_PLZ",
];

fn build_preload() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it"));
    let preload_dir = manifest_dir.join("../pledge-preload");
    let manifest = preload_dir.join("Cargo.toml");
    if !manifest.is_file() {
        panic!(
            "the pledge command embeds its preload, built from {}, which is missing: build \
             pledge-cli from the seccomp-scopes source tree",
            preload_dir.display()
        );
    }
    // Everything the preload compiles: its own sources, the files it shares with the command,
    // and the library.
    for watched in [
        "../pledge-preload/src",
        "../pledge-preload/Cargo.toml",
        "../pledge-preload/build.rs",
        "../scopes/src",
        "../scopes/Cargo.toml",
        "../static_unwinder.rs",
        "src/protocol.rs",
        "src/sys/handshake.rs",
    ] {
        println!("cargo:rerun-if-changed={watched}");
    }

    // OUT_DIR is TARGET_DIR/[TRIPLE/]PROFILE/build/pledge-cli-HASH/out.
    let target_dir = out_dir
        .ancestors()
        .nth(4)
        .map(|d| d.join("embedded-preload"))
        .unwrap_or_else(|| out_dir.join("embedded-preload"));
    let target = std::env::var("TARGET").expect("cargo sets it");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());

    let mut cmd = Command::new(cargo);
    cmd.arg("build")
        .arg("--release")
        .arg("--quiet")
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target_dir)
        .arg("--target")
        .arg(&target)
        // Symbols are of no use in a file the program maps from a memfd, and it is copied into
        // one on every run: the smaller, the sooner the program starts.
        .env("CARGO_PROFILE_RELEASE_STRIP", "symbols")
        // One unit, optimised across crates: about a third smaller.
        .env("CARGO_PROFILE_RELEASE_LTO", "true")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "s")
        .current_dir(&preload_dir);
    for name in NOT_INHERITED {
        cmd.env_remove(name);
    }
    // The version this build's cargo resolved is already downloaded: never reach for the
    // network just for the preload when this build itself is offline.
    if std::env::var_os("CARGO_NET_OFFLINE").is_some() {
        cmd.arg("--offline");
    }
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("running cargo to build the preload: {e}"));
    if !status.success() {
        panic!("building the preload (crates/pledge-preload) failed: {status}");
    }
    let built = target_dir
        .join(&target)
        .join("release")
        .join("libpledge_preload.so");
    let embedded = out_dir.join("libpledge_preload.so");
    copy(&built, &embedded);
}

fn copy(from: &Path, to: &Path) {
    std::fs::copy(from, to)
        .unwrap_or_else(|e| panic!("copying {} to {}: {e}", from.display(), to.display()));
}
