//! Shared by the build scripts of the crates that link a program or a shared library (the
//! `pledge` command, its preload, libpledge), as a build-dependency: links GCC's unwinder into
//! them statically.
//!
//! Rust's standard library asks for `-lgcc_s`, so each of them would load `libgcc_s.so.1` at
//! start: about 130 µs per process on the VMs the benchmark runs on, paid twice when the
//! command starts a program (once for itself, once for the preload in the program). A linker
//! script named `libgcc_s.so`, found before the real one, points `-lgcc_s` at `libgcc_eh.a`
//! instead. Unwinding still works (panics, `catch_unwind`, backtraces): the unwinder is the
//! same code, private to each binary (the version scripts of cdylibs export none of it).
//! Without a `libgcc_eh.a` (another toolchain, a cross build) nothing changes but the start-up
//! time, and the build says so.

use std::path::PathBuf;
use std::process::Command;

/// Emits the link search path that redirects `-lgcc_s`, when this toolchain allows it. Call
/// it from a build script's `main`.
///
/// ```no_run
/// // In build.rs's `main`:
/// scopes_build_support::link_statically();
/// ```
pub fn link_statically() {
    println!("cargo:rerun-if-env-changed=CC");
    let env = |name: &str| std::env::var(name).unwrap_or_default();
    let linux_gnu = env("CARGO_CFG_TARGET_OS") == "linux" && env("CARGO_CFG_TARGET_ENV") == "gnu";
    if !linux_gnu || env("TARGET") != env("HOST") {
        return; // std does not ask for libgcc_s, or `cc` would name the host's archive
    }
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let archive = Command::new(&cc)
        .arg("-print-file-name=libgcc_eh.a")
        .output()
        .ok()
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        .filter(|path| path.is_absolute() && path.is_file());
    let Some(archive) = archive else {
        // `-print-file-name` echoes the bare name when the file does not exist.
        println!("cargo:warning=no libgcc_eh.a from `{cc}`: linking libgcc_s.so.1 (slower start)");
        return;
    };
    let dir = PathBuf::from(env("OUT_DIR")).join("static-unwinder");
    std::fs::create_dir_all(&dir).expect("creating the linker script's directory");
    std::fs::write(
        dir.join("libgcc_s.so"),
        format!(
            "/* -lgcc_s, linked statically */\nINPUT(\"{}\")\n",
            archive.display()
        ),
    )
    .expect("writing the linker script");
    println!("cargo:rustc-link-search=native={}", dir.display());
}
